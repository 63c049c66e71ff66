"""Pass 84ad's tuning findings: AD4 (a grid over a whole-number range with a huge high end
ended in Python's OverflowError while its size was counted)."""

from __future__ import annotations

import pytest

from merbench.base.errors import MerbenchError
from merbench.tuning.space import parse_tune

BASE = {"model": "ststnet", "dataset": "synthetic", "search": {"sampler": "grid"}}


@pytest.mark.parametrize(("space", "message"), [
    # a run option's bound is what the file must change, whatever it samples with
    ({"batch_size": {"low": 1, "high": 1e300, "step": 1}},
     "t.toml: [space] batch_size: the high end 1000"),
    ({"batch_size": {"low": 1, "high": 1e30}},
     "batch_size must be at most 65,536"),
    # a model option's range has no bound here: the grid's size is said, in a line
    ({"model_options.padding": {"low": 1, "high": 10**40}},
     "t.toml: [search] sampler: \"grid\" lists at least 10^40 configurations of [space], "
     "more than 100,000"),
    ({"model_options.padding": {"low": 0, "high": 10**40, "step": 3}},
     "\"grid\" lists at least 10^39 configurations"),
])
def test_a_grid_to_a_huge_high_end_is_refused_in_one_line(space: dict[str, object],
                                                          message: str) -> None:
    with pytest.raises(MerbenchError) as caught:
        parse_tune({**BASE, "space": space}, "t.toml")
    assert message in str(caught.value), caught.value
    assert "\n" not in str(caught.value)


def test_a_grid_is_counted_as_it_is_listed() -> None:
    spec = parse_tune({**BASE, "space": {"model_options.padding": {"low": 1, "high": 8,
                                                                   "step": 3}}}, "t.toml")
    assert spec.space[0].grid_size() == len(spec.space[0].grid()) == 3 == spec.trials
