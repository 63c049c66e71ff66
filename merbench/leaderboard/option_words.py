"""A run's or a benchmark's options as merbench says them: compared as text where a number
and its text select alike, and shown as the command line gives them (``--dataset-opt
classes=3``), never as a Python dict, on every page that prints or explains them."""

from __future__ import annotations

import json
import shlex
from typing import Any


def option_text(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with each number or text as its text: ``--dataset-opt classes=4`` reads as
    the number 4 and the Python API's ``classes="4"`` as text, and a plugin takes both as the
    same class set, so a page compares them alike (what they select is pinned besides, by the
    class list, the number of samples and where given the sample-list fingerprint)."""
    return {key: str(value) if isinstance(value, str | int | float)
            and not isinstance(value, bool) else value for key, value in options.items()}


def options_said(flag: str, options: dict[str, Any]) -> str:
    """``options`` as a reason on a page says them: as ``merbench run`` takes them
    (``--dataset-opt classes=3``, ``--skip-missing``), never as a Python dict; none given is
    the defaults."""
    given = dict(options)
    skip = given.pop("skip_missing", None) is True
    words = option_words(flag, given) + (["--skip-missing"] if skip else [])
    return " ".join(shlex.quote(word) for word in words) or f"none (no {flag}: its defaults)"


def option_words(flag: str, options: dict[str, Any]) -> list[str]:
    """``flag key=value`` for each option: text as it is, anything else as JSON."""
    return [word for key, value in options.items()
            for word in (flag, f"{key}={value if isinstance(value, str) else json.dumps(value)}")]


__all__ = ["option_text", "option_words", "options_said"]
