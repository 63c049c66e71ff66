"""One rule for a whole number, wherever merbench takes one.

A whole number reaches merbench as command-line text (``--epochs 3``, ``--seeds 0,1``,
``--dataset-opt subjects=3``), as a TOML value of a sweep plan or tuning file (``epochs =
3``), or as a Python value (``merbench.run(epochs=3)``, a spotter's tuned 3.0). Each place once
had its own reading: ``--epochs 3.0`` was refused while ``--dataset-opt subjects=3.0`` was
taken as 3, and ``subjects=03`` was refused as text while ``subjects= 3`` was taken (the
eighth adversarial pass of issue 84). The rule, here and nowhere else: any spelling whose
value is a whole number is that number (``3``, ``03``, ``+3``, `` 3``, ``3.0``, ``3e0``), and
it is used and recorded as the int, so ``--epochs 3.0`` and ``--epochs 3`` are the same
run; anything else (``2.5``, ``abc``, ``nan``, ``inf``) is no whole number, and the caller
refuses it showing the value as it was written.
"""

from __future__ import annotations

import argparse
import math
import numbers
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from merbench.base.near_zero import WrittenBeyondExact, WrittenNearZero

#: a number as text: digits with an optional sign, point and exponent (ASCII digits only:
#: Python's int() also reads '３', which no one types for a number of epochs)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
#: NaN and the infinities as Python's ``float`` reads them, refused by name by the caller
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.ASCII | re.IGNORECASE)
#: the most digits a whole number may have: Python reads no longer one from text, and no
#: option of merbench takes one near that size
MAX_DIGITS = 4300


def whole_value(value: Any) -> int | None:
    """``value`` as the whole number it is, in any spelling (see the module's docstring), or
    None where it is none: a bool (true is no count of epochs), a real number with a
    fraction, NaN, an infinity, text that is no number, or a number of more than
    :data:`MAX_DIGITS` digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):  # int, numpy's integers
        return int(value)
    if isinstance(value, str):
        return _whole_text(value)
    if isinstance(value, Decimal):
        return _whole_decimal(value)
    if isinstance(value, numbers.Rational):  # a Fraction
        return int(value.numerator) if value.denominator == 1 else None
    if isinstance(value, WrittenNearZero):  # a file's 1e-400, which a float holds as 0
        return None
    if isinstance(value, WrittenBeyondExact):  # read as written, not as the float held
        return _whole_text(value.written)
    if isinstance(value, numbers.Real):  # float, numpy's floats
        number = float(value)
        return int(number) if math.isfinite(number) and number.is_integer() else None
    return None


def whole_number(text: str) -> int:
    """An argparse ``type`` for a whole-number option: the whole number ``text`` spells, or
    a ValueError, which the command line's parser says as "--epochs takes a whole number,
    not '2.5'" with the text as typed (:mod:`merbench.cli.strict_parser`); a whole number
    too long to read (``1e999999999999999999``) is said to be too large, not to be none."""
    value = _whole_text(text)
    if value is None and too_long(text):  # whole all the same: "not a whole number" was false
        raise argparse.ArgumentTypeError(
            f"the value is a whole number of more than {MAX_DIGITS:,} digits, larger than any "
            "option takes; give a smaller one")
    if value is None:
        raise ValueError(text)
    return value


def number_value(text: str) -> float:
    """An argparse ``type``'s reading of a number option (``--lr``, ``--fps``): the float
    ``text`` spells by the rule a whole number's text is read by (ASCII digits, a sign, a
    point, an exponent), or a ValueError, which the parser says as "--lr takes a number, not
    'abc'". Python's ``float`` also reads '١e-3' and '1_000', which ``--epochs`` refuses:
    one option took what another refused (pass 84y, Y12). NaN and the infinities are read,
    for the caller's own refusal of them ("the value is infinite")."""
    stripped = text.strip()
    if not (_NUMBER.fullmatch(stripped) or _NOT_FINITE.fullmatch(stripped)):
        raise ValueError(text)
    return float(stripped)


def is_whole(value: Any) -> bool:
    """Whether ``value`` is a whole number in any spelling (:func:`whole_value`)."""
    return whole_value(value) is not None


def too_long(value: Any) -> bool:
    """Whether ``value`` is text spelling a whole number of more than :data:`MAX_DIGITS`
    digits: a whole number all the same, beyond every range an option has (a seed of 5,000
    digits is out of range, not "no whole number"), which is not written out as an int."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        return False
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return False
    return number.is_finite() and number.adjusted() >= MAX_DIGITS \
        and number == number.to_integral_value()


def _whole_text(text: str) -> int | None:
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        return None
    try:
        return _whole_decimal(Decimal(stripped))
    except InvalidOperation:
        return None


def _whole_decimal(value: Decimal) -> int | None:
    """A Decimal's whole value, read exactly (``3.0``, ``3e0``; ``1e999`` is refused as too
    long before it is written out as an int of a thousand digits)."""
    if not value.is_finite():
        return None
    if value.is_zero():  # 0e99999 is 0, whatever its exponent
        return 0
    if value.adjusted() >= MAX_DIGITS:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)


def number_shown(value: float) -> str:
    """A number read as a float (``--checkpoint-every -1``, a plan's ``lr = -1``) shown as
    its author wrote it: a whole one without the ``.0`` that reading it as a float added
    (``-1``, not ``-1.0``), any other as Python writes it back (``0.5``, ``1e-05``)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() \
            and abs(value) < 1e16:  # beyond, Python writes it with an exponent (1e+16)
        return str(int(value))
    return float_text(value)


def float_text(value: float) -> str:
    """``value`` as Python writes it back, its exponent as people write one (``1e300``,
    ``1e-5``, not ``1e+300``, ``1e-05``); ``2.0`` stays ``2.0``."""
    return _EXPONENT.sub(r"e\1\2", repr(value))


#: Python's exponent (``1e+300``, ``1e-05``) against the one people write (``1e300``,
#: ``1e-5``): a refusal quoted ``--checkpoint-every 1e300`` as "1e+300" (pass 84v, V14)
_EXPONENT = re.compile(r"e(-?)\+?0*(\d)")
