"""One searched option of a tuning file's ``[space]``: its table read and checked, and the
values a grid search visits, counted before any is listed.

:mod:`merbench.tuning.space` reads the file as a whole and decides what each key may be;
what one option's table holds (choices, or a range and its step) is the same whatever the
option, so it is read here. A grid's size is counted by arithmetic, never by listing the
range: a range to ``1e300`` is a count to refuse, not a list to build.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import partial
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.key_words import keyed
from merbench.base.toml_words import toml_given
from merbench.base.whole_numbers import whole_value
from merbench.runner.given_values import check_file_value
from merbench.runner.spec import typed_value

MAX_GRID = 100_000  # configurations a grid may list (the sampler holds them all)


@dataclass(frozen=True)
class Parameter:
    """One searched option: ``choices``, or a range ``low``..``high`` (``log`` scale, an
    integer ``step`` for whole numbers)."""

    name: str  # a run option (lr) or model_options.NAME
    choices: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: int | None = None  # a whole-number range: the grid between low and high
    integer: bool = False

    def grid_size(self) -> int:
        """How many values a grid search visits, counted, not listed: ``len(range(...))``
        overflowed on ``high = 1e300`` (pass 84ad, AD4), which is refused as too many."""
        if self.choices is not None:
            return len(self.choices)
        if self.integer:
            return (int(self.high or 0) - int(self.low or 0)) // (self.step or 1) + 1
        self.grid()  # a real range: refused there
        return 0

    def corner_values(self) -> list[Any]:
        """The values every search is sure to try, which are checked before any trains: the
        choices, or the range's two ends (whole numbers for a whole-number range, as its
        trials get them); a sampler's draws between the ends are left to their trials."""
        if self.choices is not None:
            return list(self.choices)
        return [int(v) if self.integer else v for v in (self.low, self.high) if v is not None]

    def grid(self) -> list[Any]:
        """The values a grid search visits: the choices, or every step of a whole range."""
        if self.choices is not None:
            return list(self.choices)
        if self.integer:
            assert self.low is not None and self.high is not None
            return list(range(int(self.low), int(self.high) + 1, self.step or 1))
        raise MerbenchError(f"[space] {self.name}: a range of real numbers, which a grid "
                            "cannot list; give choices = [...] for sampler = \"grid\"")


def read_parameter(here: str, name: str, raw: dict[str, Any], run_option: bool) -> Parameter:
    """``[space] name = raw`` (``here`` starts its refusals) checked as one option's table;
    ``run_option``: a run option's values are typed here, a model option's by the model
    (:mod:`merbench.tuning.model_space`)."""
    unknown = sorted(set(raw) - {"choices", "low", "high", "log", "step"})
    if unknown:
        raise MerbenchError(f"{here}: no key '{unknown[0]}'; give choices, or low, high "
                            "and optionally log or step")
    if "choices" in raw:
        if set(raw) & {"low", "high"}:
            raise MerbenchError(f"{here}: choices and a range are given; give one of them")
        stray = sorted(set(raw) - {"choices"})
        if stray:  # log or step alone: no range is given, so say which key does not belong
            raise MerbenchError(f"{here}: {stray[0]} goes only with a range (low and high), "
                                f"not with choices; remove {stray[0]}, or give low and high "
                                "in place of choices")
        choices = raw["choices"]
        if not isinstance(choices, list) or not choices:
            raise MerbenchError(f"{here}: choices must be a non-empty list")
        if len(choices) > MAX_GRID:
            raise MerbenchError(f"{here}: choices lists {len(choices):,} values, more than a "
                                f"search visits ({MAX_GRID:,}); list fewer, or give a range "
                                "(low, high)")
        if run_option:
            choices = [keyed(here, name, "a choice", partial(typed_value, name=name, value=c))
                       for c in choices]
        for c in choices:  # a model option's too: nan or 1e999 reached the model
            keyed(here, name, "a choice", partial(check_file_value, name=name, value=c,
                                                   is_path=False))
        encoded = [json.dumps(c, sort_keys=True) for c in choices]
        if len(set(encoded)) != len(encoded):
            raise MerbenchError(f"{here}: choices lists a value twice; list each once")
        return Parameter(name=name, choices=choices)
    if "low" not in raw or "high" not in raw:
        raise MerbenchError(f"{here}: give choices = [...], or low and high")
    low, high = raw["low"], raw["high"]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                  for v in (low, high))
    if not numbers or low >= high:
        raise MerbenchError(f"{here}: low and high must be finite numbers with low < high, "
                            f"not {toml_given(low)} and {toml_given(high)}")
    log = raw.get("log", False)
    if not isinstance(log, bool) or (log and low <= 0):
        raise MerbenchError(f"{here}: log must be true or false, and a log range needs "
                            "low > 0")
    if run_option:  # checked; a whole-number option's 1.0 is the 1 it takes
        ends = tuple(keyed(here, name, end, partial(typed_value, name=name, value=value))
                     for end, value in (("low", low), ("high", high)))
        if all(isinstance(end, int) for end in ends):
            low, high = ends
    # both bounds whole numbers: a range of whole numbers (write 0.0 for a real range)
    integer = isinstance(low, int) and isinstance(high, int)
    step = raw.get("step")
    whole_step = whole_value(step)
    if step is not None and (whole_step is None or whole_step < 1 or not integer or log):
        raise MerbenchError(f"{here}: step is a whole number >= 1, for a range of whole "
                            "numbers on a linear scale")
    step = whole_step
    return Parameter(name=name, low=low, high=high, log=log, step=step, integer=integer)


def grid_count(size: int) -> str:
    """A grid's size in a line: 1,000,000,001, or ``at least 10^300`` for a number whose
    digits would fill the terminal."""
    digits = len(str(size))
    return f"{size:,}" if digits <= 16 else f"at least 10^{digits - 1}"
