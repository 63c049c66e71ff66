"""A number written too close to 0 for a float to hold, said as it was written: one check
for the command line and for the TOML files (sweep plans, tuning files).

Python's ``float`` reads ``1e-400`` as 0. The command line refuses such a value as "too
close to 0 to be told from it" since pass 84i, where the later check had said "(got 0)", a
value no one typed; a sweep plan's ``lr = 1e-400`` still reached the run as 0 and was said
as "(got 0)" (pass 84j, Q12). And the advice "give 0 itself" is no advice for a value that
must be above 0 (a learning rate): there it is only "give a larger number".
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from merbench.base.nested_values import first_found


def reads_as_zero(text: str) -> bool:
    """Whether ``text`` spells a number other than 0 that ``float`` reads as 0 (``1e-400``,
    ``-1e-400``); False for 0 itself in any spelling, and for text that is no number."""
    try:
        if float(text) != 0:
            return False
        return not Decimal(text.strip().replace("_", "")).is_zero()
    except (ValueError, InvalidOperation):  # no number; or a spelling only float() reads
        return False


def too_close_to_zero(positive: bool) -> str:
    """The end of every refusal of such a value: what it is, and the fix (``positive``: the
    value must be above 0, so 0 itself is not offered)."""
    fix = "give a larger number" if positive else "give 0 itself or a larger number"
    return f"too close to 0 to be told from it (it reads as 0); {fix}"


class _Written(float):
    """A float that keeps the text it was written as (:attr:`written`), for a check or a
    refusal that must quote or read that text rather than the float."""

    written: str

    def __new__(cls, written: str) -> _Written:
        number = super().__new__(cls, float(written))
        number.written = cls._kept(written)
        return number

    @staticmethod
    def _kept(written: str) -> str:
        return written

    def __getnewargs__(self) -> tuple[str]:  # type: ignore[override]
        """What a copy or a pickle (a run's spec deep-copied, sent to Ray) builds it from:
        its text, not the float, which ``__new__`` would take for text (a deep copy of a
        plan's ``seed = 9007199254740993.5`` ended in a traceback: pass 84s, S2)."""
        return (self.written,)


class WrittenNearZero(_Written):
    """A TOML number that reads as 0 but was written as another (``1e-400``): 0 to any use,
    with its text kept (:attr:`written`) for the check of the option it is given to
    (:func:`merbench.runner.spec.typed_value`), which knows whether 0 is a value it takes."""


class WrittenBeyondExact(_Written):
    """A number written with a point or an exponent whose float is a whole number that
    the text is not (``seeds = [9007199254740993.0]``, whose float is 9007199254740992;
    ``3.0000000000000001``, whose float is 3): the float to any use, with its text kept
    (:attr:`written`, TOML's ``_`` separators dropped) for the one reading of a whole
    number (:func:`merbench.base.whole_numbers.whole_value`), which reads it exactly as the
    command line reads ``--seed 9007199254740993.0``: a plan's seed was silently trained as
    another one (pass 84r, R7)."""

    @staticmethod
    def _kept(written: str) -> str:
        return written.replace("_", "")


class WrittenBeyondRange(_Written):
    """A number written too large for a float (``1e400``): infinite to any use, with its
    text kept (:attr:`written`) for the refusal to quote; a benchmark definition's
    ``"n_samples": 1e400`` was refused as "the number inf", a value the file does not hold
    (pass 84v, V12)."""


def finite_or_written(text: str) -> float:
    """A JSON reader's ``parse_float``: the float, or beyond a float's range the number with
    its text (:class:`WrittenBeyondRange`)."""
    number = float(text)
    return number if math.isfinite(number) else WrittenBeyondRange(text)


def toml_float(text: str) -> float:
    """The TOML reader's ``parse_float``: ``float``, except that a number too close to 0 to
    be held keeps what was written (:class:`WrittenNearZero`), and so does one too large for
    a float to hold every whole number (:class:`WrittenBeyondExact`)."""
    if reads_as_zero(text):
        return WrittenNearZero(text)
    return exact_float(text)


def text_as_written(value: object) -> str | None:
    """The text of a number kept as written (:class:`WrittenNearZero`,
    :class:`WrittenBeyondExact`, :class:`WrittenBeyondRange`), or None: what a refusal quotes
    of it, never the float the reader made (``9007199254740994.0`` for
    ``9007199254740993.5``: pass 84s, S4)."""
    kept = WrittenNearZero | WrittenBeyondExact | WrittenBeyondRange
    return value.written if isinstance(value, kept) else None


def exact_float(text: str) -> float:
    """``float(text)``, or where that float is a whole number the text is not, the number
    kept as written (:class:`WrittenBeyondExact`): the command line's ``KEY=VALUE`` reads
    its numbers so, as the TOML files do (pass 84s, S3)."""
    number = float(text)
    return WrittenBeyondExact(text) if _whole_only_as_float(number, text) else number


def _whole_only_as_float(number: float, text: str) -> bool:
    """Whether ``number``, the float ``text`` reads as, is a whole number that ``text`` is
    not exactly: ``9007199254740993.0`` (the float is ...992), ``3.0000000000000001`` (the
    float is 3): read as the float, a whole-number option took a value no one wrote."""
    if not math.isfinite(number) or not number.is_integer():
        return False
    try:
        return Decimal(text.strip().replace("_", "")) != Decimal(int(number))
    except InvalidOperation:
        return False


def first_written_near_zero(value: Any, where: str) -> tuple[str, str] | None:
    """The dotted name and text of the first :class:`WrittenNearZero` in ``value`` (a TOML
    value; its tables and arrays are searched), or None."""
    return first_found(value, where, lambda part, name: (name, part.written) if isinstance(
        part, WrittenNearZero) else None)
