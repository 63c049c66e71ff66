"""A value read from a TOML file, said back in TOML's words.

A sweep plan's or tuning file's author wrote TOML: ``true``, ``1979-05-27``, ``"a"``, a
``[table]``. Its checks echoed the value Python read instead (``True``,
``datetime.date(1979, 5, 27)``, ``'a'``, ``dict {'model': 'ststnet'}``) and named Python's
types (``must be int``), words the file never held (the fourth adversarial pass of issue 84).
Every check of a TOML value says it through :func:`toml_value`, :func:`toml_type` and
:func:`toml_given`, so the sweep plan, the tuning file and the run options they share cannot
drift apart.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import PurePath
from typing import Any

from merbench.base.near_zero import text_as_written
from merbench.base.whole_numbers import float_text

_LONGEST = 60  # characters of a value shown; the middle of a longer one is left out
_ITEMS = 4  # items of an array shown before "..."


def toml_type(value: Any) -> str:
    """The TOML type of ``value``, with its article: "an integer", "a date", "a table"."""
    if isinstance(value, bool):  # before int: a bool is one to Python
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str | PurePath):
        return "a string"
    if isinstance(value, datetime.datetime):  # before date: a datetime is one to Python
        return "a date-time" if value.tzinfo is not None else "a local date-time"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, datetime.time):
        return "a time"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a value TOML does not have"  # not from a TOML file: never a reader's words


def toml_value(value: Any) -> str:
    """``value`` as a TOML file writes it: ``true``, ``1979-05-27``, ``"a"``, ``[1, 2]``; a
    table as "a table" (its keys are the file's lines, not one value); a long value with its
    middle left out, so an error stays one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _shortened(str(value))
    if isinstance(value, float):
        said = text_as_written(value)
        return _float(value) if said is None else _shortened(said)
    if isinstance(value, str | PurePath):  # a basic string: TOML's escapes are JSON's
        return _shortened(json.dumps(str(value), ensure_ascii=False))
    if isinstance(value, datetime.datetime | datetime.time):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        shown = [toml_value(item) for item in value[:_ITEMS]]
        more = ", ..." if len(value) > _ITEMS else ""
        return f"[{', '.join(shown)}{more}]"
    if isinstance(value, dict):
        return "a table"
    return toml_type(value)


def toml_given(value: Any) -> str:
    """``value`` and its type, for "must be ..., not X": ``true (a boolean)``, ``"a" (a
    string)``, ``a table``; a float alone (``2.5``), which says it is a number, without
    "(a float)", a name its author may never have met."""
    shown = toml_value(value)
    if isinstance(value, float):
        return shown
    kind = toml_type(value)
    return shown if shown == kind else f"{shown} ({kind})"


def _float(value: float) -> str:
    """A float as TOML spells it: ``inf``, ``-inf``, ``nan``, ``1e-05``, ``0.5``."""
    if math.isnan(value):
        return "nan"
    return float_text(value)  # an infinity, 0.5, 2.0, 1e300: valid TOML as it is written


def _shortened(text: str) -> str:
    if len(text) <= _LONGEST:
        return text
    return f"{text[:_LONGEST // 2]}...{text[-12:]} ({len(text):,} characters)"
