"""How a tuning file's ``[space]`` refusals begin: ``FILE: [space] KEY: ...``, one shape for
the file's own checks, the run's checks of a searched value and the model's.

Pass 84s (S13) found three: ``[space]: 'lr' is infinite`` (a run's check, the key quoted),
``[space] batch_size = 0: ...`` (a searched value) and ``[space] lr: ...``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from merbench.base.errors import MerbenchError
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


def keyed(here: str, name: str, subject: str, check: Callable[[str], Any]) -> Any:
    """``check(here)`` (a run's check of a value), its refusal in ``[space]``'s one shape,
    ``FILE: [space] KEY: ...``, ``subject`` ("a choice", "low") for the quoted key: it was
    ``[space]: 'lr' is infinite`` (pass 84s, S13)."""
    try:
        return check(here)
    except MerbenchError as exc:
        said = str(exc).removeprefix(f"{here}: ")
        dotted, _, rest = said.removeprefix("'").partition("'")
        if not said.startswith("'") or not (dotted + ".").startswith(name + "."):
            raise
        if dotted != name:  # a value inside a table: 'model_options.x.y' is infinite
            subject = f"{subject}'s {dotted[len(name) + 1:]}"
        written, _, tail = rest.removeprefix(" = ").partition(" is ")  # a number near 0
        said = f"{subject}, {written}, is {tail}" if rest.startswith(" = ") else subject + rest
        raise MerbenchError(f"{here}: {said}") from None
