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
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from merbench.base.literal import indefinite
from merbench.base.whole_numbers import whole_value

#: the refusal of one field: ``refuse(field, wanted, value)`` returns the error to raise
Refusal = Callable[[str, str, Any], ValueError]


def shown(value: Any) -> str:
    """``value`` as the plugin wrote it: a number as its digits (``0.001`` for a Decimal,
    ``3/2`` for a Fraction), text quoted, anything else by its kind (``a list``)."""
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if value is None or isinstance(value, bool | numbers.Number | Decimal):
        return str(value)
    return indefinite(type(value).__name__)


def whole(refuse: Refusal, field: str, value: Any, least: int) -> int:
    """``value`` as the int it is (2, 2.0, np.int64(2), Decimal("2")), at least ``least``."""
    number = None if isinstance(value, str) else whole_value(value)
    if number is None or number < least:
        raise refuse(field, f"a whole number >= {least}", value)
    return number


def real(refuse: Refusal, field: str, value: Any, wanted: str,
         fits: Callable[[float], bool]) -> float | int:
    """``value`` as the float it is (0.001, Decimal("0.001"), np.float32), finite and
    ``fits`` (what ``wanted`` says in words: "a number > 0")."""
    number = None
    if isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool):
        try:
            number = float(value)
        except (OverflowError, ValueError):  # beyond a float's range
            number = None
    if number is None or not math.isfinite(number) or not fits(number):
        raise refuse(field, wanted, value)
    # a plain int stays one: recorded as written until now (weight_decay=0), and a run's
    # identity, which records it, must not change under a run begun before
    return value if type(value) is int else number


def flag(refuse: Refusal, field: str, value: Any) -> bool:
    """``value`` as True or False (numpy's bool too); "no", 0 and None are no flags."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise refuse(field, "True or False", value)


def target(refuse: Refusal, field: str, value: Any) -> str | None:
    """``value``, None or a function named ``"module:function"`` (as a factory is named)."""
    if value is None:
        return None
    module, _, function = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not module.strip() or not function.strip():
        raise refuse(field, "None or a function named 'module:function'", value)
    return str(value)
