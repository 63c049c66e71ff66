"""How two identities' differences are quoted (pass 84q, Q7): text was quoted as Python
does (``'x' here``) beside objects and lists as JSON writes them (``{"a": "x"}``), so one
refusal line spelt one text two ways. Every value is now JSON, as an option refusal writes
``criterion="foo"``; only a key one side lacks is the words ``not set``.
"""

from __future__ import annotations

import pytest

from merbench.results.run_differences import differences, differences_said


@pytest.mark.parametrize(("ours", "theirs", "said"), [
    ({"f": "flow-uvos"}, {"f": "htnet-regions"}, 'f: "flow-uvos" here, "htnet-regions" there'),
    ({"c": "03"}, {"c": 3}, 'c: "03" here, 3 there'),  # text still told from a number
    ({"o": "x"}, {"o": {"a": "x"}}, 'o: "x" here, {"a": "x"} there'),
    ({"o": ["it's"]}, {"o": "it's"}, 'o: ["it\'s"] here, "it\'s" there'),
    ({"o": None}, {"o": True}, "o: null here, true there"),
    ({"o": "x"}, {}, 'o: "x" here, not set there'),
    ({}, {"o": "x"}, 'o: not set here, "x" there'),
])
def test_every_value_is_quoted_as_json(ours: dict[str, object], theirs: dict[str, object],
                                       said: str) -> None:
    assert differences(ours, theirs) == [said]


def test_a_refusal_line_quotes_text_one_way() -> None:
    line = differences_said({"model": {"name": "rcn", "options": {"mode": "a"}}},
                            {"model": {"name": "ststnet", "options": {"mode": ["a"]}}})
    assert line == ('model.name: "rcn" here, "ststnet" there; '
                    'model.options.mode: "a" here, ["a"] there')
    assert "'" not in line
