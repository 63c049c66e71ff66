"""A metadata field's number or flag as a plugin writes it, taken as the value it is.

A plugin declares its model in Python, and Python hands any object: pass 84k found a recipe's
``lr=Decimal("0.001")`` and ``batch_size=np.int64(8)`` loaded, then ending the run with the
JSON writer's traceback; ``epochs=2.0, batch_size=8.0`` (whole numbers, by the one rule of
:mod:`merbench.base.whole_numbers`) refused as "failed its first training step";
``epochs=2.5``, ``epochs=True`` and ``weight_decay=-1`` blamed on that step too; and
``extra_training_data="no"``, ``warmup_epochs=1.5`` and ``gpu_share=True`` written into a
results file that ``merbench validate`` then refused. The numbers the Python API takes
(Decimal, Fraction, numpy's scalars: :func:`merbench.runner.api_values.plain`) are taken
here too, stored as the int or float they are; anything else is a ``ValueError`` naming the
field and the value as written, raised while the plugin registers, which its load failure
reports in one line naming the plugin.

Pass 84l found the same kinds of fault in the other fields: ``citation=5`` and ``name=5``
answered with Python's own words ("'int' object has no attribute 'strip'"), with no field
named; ``version=2.0``, ``np.int64(2)`` and ``Decimal("2")`` refused although the recipe's
epochs take them; ``extra_training_data=np.bool_(True)`` refused as "not a bool" (numpy 2
names its type ``bool``); and ``epochs=10**400`` taken, then crashing the run's summary line
once its results were written. So every field of every metadata class goes through one of
the readers here: :func:`text`, :func:`names`, :func:`whole` and :func:`real` (with the
bounds the command line applies to the same option), :func:`flag` and :func:`target`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from merbench.base.literal import indefinite, joined
from merbench.base.whole_numbers import whole_value

T = TypeVar("T")

#: the refusal of one field: ``refuse(field, wanted, value)`` returns the error to raise
Refusal = Callable[[str, str, Any], ValueError]


def shown(value: Any) -> str:
    """``value`` as the plugin wrote it: a number as its digits (``0.001`` for a Decimal,
    ``3/2`` for a Fraction), text quoted, anything else by its kind (``a list``)."""
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if _is_numpy_bool(value):
        return str(bool(value))
    if value is None or isinstance(value, bool | numbers.Number | Decimal):
        written = str(value)
        if len(written) > 20 and isinstance(value, numbers.Integral | Decimal):
            # 10**400 is 401 digits: said as 1e+400, so the refusal stays one short line
            exact = value if isinstance(value, Decimal) else Decimal(int(value))
            written = f"{exact.normalize():.6g}"
        return written
    return indefinite(type(value).__name__)


def text(refuse: Refusal, field: str, value: Any) -> str:
    """``value``, which must be text: ``citation=5`` is refused naming the field, where it
    met ``.strip()`` and Python's "'int' object has no attribute 'strip'"."""
    if not isinstance(value, str):
        raise refuse(field, "text", value)
    return value


def names(refuse: Refusal, field: str, value: Any) -> tuple[str, ...]:
    """``value`` as a tuple of texts (a list is taken as one): ``provides=("flow_uvos",)``.
    A lone text is refused, not read as its characters (``"flow_uvos"`` as nine names); an
    item that is no text is named by its place (``provides[0] must be a name (text)``)."""
    if not isinstance(value, tuple | list):
        raise refuse(field, "a tuple of names (texts)", value)
    return tuple(text_item(refuse, f"{field}[{index}]", item)
                 for index, item in enumerate(value))


def text_item(refuse: Refusal, field: str, value: Any) -> str:
    """One name of a tuple of names: ``value``, which must be text."""
    if not isinstance(value, str):
        raise refuse(field, "a name (text)", value)
    return value


def whole(refuse: Refusal, field: str, value: Any, least: int, most: int | None = None) -> int:
    """``value`` as the int it is (2, 2.0, np.int64(2), Decimal("2")), at least ``least``
    and, where the command line bounds the same option, at most ``most``: a recipe's
    ``epochs=10**400`` was taken and crashed the run's summary after its results were
    written, where ``--epochs`` refuses more than :data:`merbench.meta.MAX_EPOCHS`."""
    number = None if isinstance(value, str) else whole_value(value)
    if number is None or number < least:
        raise refuse(field, f"a whole number >= {least}", value)
    if most is not None and number > most:
        raise refuse(field, f"a whole number from {least} to {most:,}", value)
    return number


def real(refuse: Refusal, field: str, value: Any, wanted: str,
         fits: Callable[[float], bool], most: float | None = None) -> float | int:
    """``value`` as the float it is (0.001, Decimal("0.001"), np.float32), finite and
    ``fits`` (what ``wanted`` says in words: "a number > 0"), and at most ``most`` where the
    command line bounds the same option (``--lr``)."""
    number = None
    if isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool):
        try:
            number = float(value)
        except (OverflowError, ValueError):  # beyond a float's range
            number = None
    if number is None or not math.isfinite(number) or not fits(number):
        raise refuse(field, wanted, value)
    if most is not None and number > most:
        raise refuse(field, f"{wanted} and at most {most:g}", value)
    # a plain int stays one: recorded as written until now (weight_decay=0), and a run's
    # identity, which records it, must not change under a run begun before
    return value if type(value) is int else number


def plain_number(value: Any) -> bool | int | float | None:
    """``value`` as the plain bool, int or float a JSON file holds, read as the fields here
    read it (``np.float32(0.5)`` is 0.5, ``Decimal("2")`` is 2, ``np.bool_(True)`` is True),
    or None where it is no number: what a plugin's other values (an estimator's
    ``fit_report_``) are converted with, so that they are read as its metadata is."""
    if isinstance(value, bool) or _is_numpy_bool(value):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Decimal | numbers.Rational):  # a Fraction: exact, as a Decimal
        whole_number = whole_value(value)
        if whole_number is not None:
            return whole_number
    if isinstance(value, numbers.Real | Decimal):
        try:
            return float(value)
        except OverflowError:  # beyond a float's range: an infinity, refused as one
            return -math.inf if str(value).startswith("-") else math.inf
    return None


def flag(refuse: Refusal, field: str, value: Any) -> bool:
    """``value`` as True or False (numpy's bool too); "no", 0 and None are no flags."""
    if isinstance(value, bool) or _is_numpy_bool(value):
        return bool(value)
    raise refuse(field, "True or False", value)


def _is_numpy_bool(value: Any) -> bool:
    """Whether ``value`` is numpy's bool, known by its class, not its name: numpy 2 names it
    ``bool``, not ``bool_``, and ``np.bool_(True)`` was refused as "not a bool". A numpy
    value exists only once numpy is imported, so this never imports it (metadata is read
    by ``merbench --help``, which must stay light)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.bool_)


def target(refuse: Refusal, field: str, value: Any) -> str | None:
    """``value``, None or a function named ``"module:function"`` (as a factory is named)."""
    if value is None:
        return None
    module, _, function = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not module.strip() or not function.strip():
        raise refuse(field, "None or a function named 'module:function'", value)
    return str(value)


def call_problem(kind: type, args: tuple[Any, ...], given: dict[str, Any]) -> str | None:
    """What is wrong with how a metadata class is called, in merbench's words, or None: a
    field missing, one it has no such field for, or fields given in order. Python's own
    words ("DatasetMeta.__init__() missing 2 required keyword-only arguments: 'citation'
    and 'provides'") named the method, not the plugin's object (pass 84m, M13)."""
    name = given.get("name")
    who = f"{kind.__name__} {name!r}" if isinstance(name, str) else kind.__name__
    fields = [f for f in dataclasses.fields(kind) if f.init]
    needed = [f.name for f in fields if f.default is dataclasses.MISSING
              and f.default_factory is dataclasses.MISSING]
    if args:
        return (f"{who}: give its fields by name ({', '.join(f'{n}=…' for n in needed)}), "
                "not in order")
    unknown = [str(key) for key in given if key not in {f.name for f in fields}]
    if unknown:
        return (f"{who}: {joined(unknown)} {'is' if len(unknown) == 1 else 'are'} no field "
                f"of {indefinite(kind.__name__)} (its fields: "
                f"{joined([f.name for f in fields])})")
    missing = [n for n in needed if n not in given]
    if missing:
        return (f"{who}: {joined(missing)} {'is' if len(missing) == 1 else 'are'} missing "
                f"(every {kind.__name__} gives {joined(needed)})")
    return None


def called_by_name(cls: type[T]) -> type[T]:
    """``cls`` (a metadata dataclass) whose call refuses a missing, unknown or positional
    field with :func:`call_problem`'s ``ValueError``, as its own checks refuse a value: the
    plugin's load failure then says it in one line naming the plugin."""
    made = cls.__init__

    @functools.wraps(made)
    def __init__(self: Any, *args: Any, **given: Any) -> None:
        problem = call_problem(type(self), args, given)
        if problem is not None:
            raise ValueError(problem)
        made(self, *args, **given)

    cls.__init__ = __init__  # type: ignore[method-assign]
    return cls
