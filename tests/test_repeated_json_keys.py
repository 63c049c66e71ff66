"""A result file with a key given twice is refused in one line naming the file and the key:
Python's decoder kept the last copy without a word, so a file whose first copy (the one a
reader of the file sees) claimed UF1 0.99 validated as "ok" with the other's numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS

from merbench.results.codec import loads

RUN = COMMITTED_RESULTS / "biwoof-release-svm-composite-lodo"


def test_a_key_given_twice_is_refused_at_its_second_copy() -> None:
    text = '{"a": 1, "b": {"c": 2, "c": 3}}'
    with pytest.raises(json.JSONDecodeError) as caught:
        loads(text)
    assert caught.value.msg == ("holds the field 'c' twice in one object (again at line 1), "
                                "which no merbench file does: restore it from a copy")
    assert text[caught.value.pos:].startswith('"c": 3')
    assert loads('{"a": 1, "b": {"c": 2}, "d": [{"c": 1}, {"c": 2}]}')["b"] == {"c": 2}


@pytest.mark.parametrize("command", ["validate", "show", "audit"])
def test_a_results_file_with_a_repeated_field_is_refused(tmp_path: Path, cli,
                                                        command: str) -> None:
    run = Path(shutil.copytree(RUN, tmp_path / "run"))
    results = run / "results.json"
    results.write_text(results.read_text().replace(
        "{", '{"metrics": {"fixed": {"overall": {"uf1": 0.99, "uar": 0.99}}},', 1))
    code, out, err = cli(command, run)
    assert code != 0, (out, err)
    assert "results.json" in err and "holds the field 'metrics' twice in one object" in err, err
    assert "ok:" not in out
