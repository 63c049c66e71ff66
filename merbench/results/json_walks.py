"""Walks over a decoded JSON value that name the field (``folds[2].uf1``) where it holds
something no merbench file holds.

Each walks with a stack, not by recursion, so a value nested thousands deep is walked too,
and names the first such field in the file's order, as a user reads the file.
:mod:`merbench.results.codec` decodes every file merbench reads through
:func:`first_too_large`, so a number no float can hold is refused there, once, for every
reader: each reader's own ``float()`` of it raised OverflowError, a traceback in ``show``,
``status`` and ``validate``.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any

#: a whole number that may be too large for a float, 309 digits or more; only a text that
#: holds one is walked. ASCII digits, the only ones a JSON number has: ``\d`` (any script's
#: digits) made the search of every file read 1.6 times as long
_MAYBE_TOO_LARGE = re.compile(r"[0-9]{309}")


def nesting(value: Any) -> int:
    """How many lists and objects (dicts, lists, tuples) ``value`` opens at its deepest,
    counted without recursion, so a value nested thousands deep is measured too."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, (list, tuple)):
            children = list(item)
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _first(value: Any, found: Any) -> tuple[str, Any] | None:
    """The dotted name and value of the first item of ``value`` that ``found`` says yes to."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if found(item):
            return where, item
        if isinstance(item, dict):
            stack.extend((f"{where}.{k}".lstrip("."), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(item))))
    return None


def first_nan(value: Any) -> str | None:
    """The dotted name (``model.recipe.weight_decay``, ``folds[2].uf1``) of the first NaN
    in a decoded JSON value, in the file's order, or None. Python's decoder takes the token,
    which is no JSON; a record's own check then failed on it with a message that named the
    record, not the number ("field 'model.recipe' is an object, expected an object or null")."""
    hit = _first(value, lambda item: isinstance(item, float) and math.isnan(item))
    return None if hit is None else hit[0]


def _too_large(item: Any) -> bool:
    return isinstance(item, int) and not isinstance(item, bool) and \
        abs(item) > sys.float_info.max


def _shown(number: int) -> str:
    """A whole number too large for a float as a few characters: ``1e+400``, ``-3.1e+402``."""
    digits = str(abs(number)).rstrip("0") if abs(number) else "0"
    exponent = len(str(abs(number))) - 1
    mantissa = digits[0] + (f".{digits[1:3]}" if len(digits) > 1 else "")
    return f"{'-' if number < 0 else ''}{mantissa}e+{exponent}"


def first_too_large(text: str, value: Any) -> str | None:
    """Why ``value``, decoded from ``text``, is no merbench file: its first whole number too
    large for a float (beyond 1.8e+308), in merbench's words, naming the field; or None. A
    decimal such as ``1e400`` Python decodes as infinity, which a float holds and each
    record's own range check refuses (``wall_time_s is inf``). A text with no number that
    long is not walked (a results file of thousands of values is read often)."""
    if _MAYBE_TOO_LARGE.search(text) is None:
        return None
    hit = _first(value, _too_large)
    if hit is None:
        return None
    where, number = hit
    return (f"field '{where or '(the whole file)'}' is {_shown(number)}, too large for a "
            "finite number, which no merbench file holds; run again to write it")
