"""The first part of a nested value (an option's, a plan's: objects and lists inside each
other) that a test finds, named by where it sits (``lr``, ``space.lr[0]``): one walk for
every such search (a NaN, a number written too close to 0), so each names its place alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def first_found(value: Any, where: str, here: Callable[[Any, str], T | None]) -> T | None:
    """``here(part, name)`` of the first part of ``value`` (itself, then its items in order,
    depth first) for which it is not None; ``where`` names ``value``, and an item of an
    object is named ``where.key``, of a list ``where[i]``."""
    found = here(value, where)
    if found is not None:
        return found
    if isinstance(value, Mapping):
        items: Any = ((f"{where}.{key}", item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"{where}[{i}]", item) for i, item in enumerate(value))
    else:
        return None
    return next((found for name, item in items
                 if (found := first_found(item, name, here)) is not None), None)


__all__ = ["first_found"]
