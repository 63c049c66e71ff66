"""Checked reads of a JSON file's fields before it is built as a record.

A migration step (:mod:`merbench.results.migrations`) reads a file in an older layout, which
:func:`~merbench.results.codec.from_json` has not checked yet: steps that indexed its fields
as the layout says crashed on a damaged file (a version-1 ``results.json`` without
``dataset`` ended in a KeyError, ``"model": null`` in an AttributeError; pass 84p, P1). Each
step reads the old layout's sections through these instead, so a missing or wrong-typed one
is the same :class:`~merbench.results.codec.LayoutError` the current layout's reader raises
("field 'dataset' is missing (expected an object)"), which every caller of ``migrate``
already says in one line naming the file. ``run.json``'s identity, a free-form object to the
record, is checked the same way (:func:`check_identity`).
"""

from __future__ import annotations

from typing import Any

from merbench.results.codec import LayoutError, type_name

_ABSENT: Any = object()


def _value(data: dict[str, Any], field: str) -> Any:
    """The value at the dotted ``field`` of ``data``; absent where a key, or an object on
    the way (absent or null: nothing to read inside), is not there."""
    value: Any = data
    parts = field.split(".")
    for depth, key in enumerate(parts):
        if value is None or value is _ABSENT:
            return _ABSENT
        if not isinstance(value, dict):
            raise LayoutError(".".join(parts[:depth]), f"is {type_name(value)}, expected "
                              "an object")
        value = value.get(key, _ABSENT)
    return value


def required_object(data: dict[str, Any], field: str) -> dict[str, Any]:
    """The object at ``field``, which the layout always holds."""
    value = _value(data, field)
    if value is _ABSENT:
        raise LayoutError(field, "is missing (expected an object)")
    if not isinstance(value, dict):
        raise LayoutError(field, f"is {type_name(value)}, expected an object")
    return value


def object_or_none(data: dict[str, Any], field: str) -> dict[str, Any] | None:
    """The object at ``field``, or None where it is absent or null (not recorded)."""
    value = _value(data, field)
    if value is _ABSENT or value is None:
        return None
    if not isinstance(value, dict):
        raise LayoutError(field, f"is {type_name(value)}, expected an object")
    return value


def list_or_empty(data: dict[str, Any], field: str) -> list[Any]:
    """The list at ``field``, or [] where it is absent or null (the record's own check
    then says what it requires)."""
    value = _value(data, field)
    if value is _ABSENT or value is None:
        return []
    if not isinstance(value, list):
        raise LayoutError(field, f"is {type_name(value)}, expected a list")
    return value


#: the sections of a ``run.json`` identity that are objects where present
#: (:meth:`merbench.runner.identity.RunIdentity.to_dict`): a run always records the first
#: five; ``inner_val``, ``weights`` and ``task`` only with the options that need them
IDENTITY_OBJECTS = ("model", "feature", "dataset", "protocol", "hyperparameters",
                    "inner_val", "task")


def check_identity(data: dict[str, Any]) -> None:
    """Refuse a ``run.json`` (``data``, its identity an object) whose identity holds a
    section that is not an object: readers take them as objects (``status`` read the
    epochs of ``"hyperparameters": [1]`` and crashed; pass 84p, P2)."""
    for section in IDENTITY_OBJECTS:
        field = f"identity.{section}"
        value = _value(data, field)
        if value is not _ABSENT and not isinstance(value, dict):
            raise LayoutError(field, f"is {type_name(value)}, expected an object")
