"""How a tuning file's ``[space]`` refusals begin: ``FILE: [space] KEY: ...``, one shape for
the file's own checks, the run's checks of a searched value and the model's (every table's
refusals share it: :mod:`merbench.base.key_words`).

Pass 84s (S13) found three: ``[space]: 'lr' is infinite`` (a run's check, the key quoted),
``[space] batch_size = 0: ...`` (a searched value) and ``[space] lr: ...``.
"""

from __future__ import annotations

from typing import Any, Protocol

from merbench.base.toml_words import toml_value


class Searched(Protocol):
    """A searched option (:class:`merbench.tuning.space.Parameter`)."""

    @property
    def name(self) -> str: ...
    @property
    def choices(self) -> list[Any] | None: ...
    @property
    def low(self) -> float | None: ...


def value_at(p: Searched, value: Any) -> str:
    """``[space] KEY: the choice VALUE`` (``the low end``, ``the high end``): the start of a
    refusal of one value a search tries, which said ``[space] KEY = VALUE`` (S13)."""
    end = "the choice" if p.choices is not None else \
        "the low end" if value == p.low else "the high end"
    return f"[space] {p.name}: {end} {toml_value(value)}"

