"""The values a search is sure to try of one ``[space]`` key (its choices, or its range's two
ends), listed by one method, :meth:`merbench.tuning.parameter.Parameter.corner_values`, that
the file's checks, the corner checks and the blame of a failing first corner all read."""

from __future__ import annotations

from merbench.tuning.parameter import Parameter, read_parameter


def test_choices_are_tried_as_listed_and_not_shared() -> None:
    p = read_parameter("t.toml: [space] epochs", "epochs", {"choices": [50, 10, 30]}, True)
    values = p.corner_values()
    assert values == [50, 10, 30]
    values.append(1)  # a caller's list is its own: the parameter's choices stay as read
    assert p.choices == [50, 10, 30]


def test_a_ranges_ends_are_tried_whole_where_the_range_is() -> None:
    whole = read_parameter("t.toml: [space] epochs", "epochs", {"low": 1, "high": 9}, True)
    assert whole.corner_values() == [1, 9] and all(type(v) is int for v in
                                                    whole.corner_values())
    real = read_parameter("t.toml: [space] lr", "lr", {"low": 1e-4, "high": 1e-2,
                                                       "log": True}, True)
    assert real.corner_values() == [1e-4, 1e-2]
    # a whole-number range whose ends were kept as reals (as a record may hold them)
    kept = Parameter(name="epochs", low=2.0, high=8.0, integer=True)
    assert kept.corner_values() == [2, 8] and all(type(v) is int for v in
                                                   kept.corner_values())
