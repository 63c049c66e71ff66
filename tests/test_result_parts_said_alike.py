"""A file or folder inside a result, given where a result is asked for, is said as what it
is, with the result's folder as the fix, by every command that reads results: ``compare``
read a run's ``run.json`` or ``audit.json`` as a damaged results file ("field 'model' is
missing"), a fold file as text "in Latin-1, perhaps", and called a run's ``folds/`` "a seed
run its summary averages"; ``validate`` and ``show`` said ``folds/`` holds no result.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS

#: a small committed, audited emotion run (three folds)
AUDITED = COMMITTED_RESULTS / "biwoof-release-svm-composite-lodo"

#: each part of the run, and what it is said to be
PARTS = {"run.json": "the run's identity", "audit.json": "a file",
         "folds/fold-000.npz": "a file", "folds": "a folder"}


@pytest.mark.parametrize("command", ["validate", "show", "audit", "status", "compare"])
@pytest.mark.parametrize("part", sorted(PARTS))
def test_a_part_of_a_result_is_said_as_what_it_is(cli, command: str, part: str) -> None:
    given = AUDITED / part
    args = (command, AUDITED, given) if command == "compare" else (command, given)
    code, out, err = cli(*args)
    instead = "not a result" if part == "folds" else "not its result file"
    said = (f"{given} is {PARTS[part]} in the result {AUDITED}, {instead}; give the result's "
            f"folder ({AUDITED})")
    assert code != 0 and out == "", (out, err)
    assert said in err or said.replace(" is ", ": is ", 1) in err, err
    assert err.count("\n") <= 2, err  # validate's count line after its rejection


@pytest.mark.parametrize("command", ["validate", "status"])
def test_a_folder_of_runs_inside_a_result_is_no_part_of_it(cli, tmp_path, command: str) -> None:
    """Only a result's own folds/ is said as a part of it: a folder of runs moved aside
    inside a summary's folder is walked as any folder of runs."""
    import shutil

    seeds = Path(shutil.copytree(COMMITTED_RESULTS / "ststnet-composite-loso", tmp_path / "s"))
    shutil.copytree(seeds / "seed-1", seeds / "extra" / "seed-1")
    _, out, err = cli(command, seeds / "extra")
    assert "not a result" not in err and "seed-1" in out, (out, err)
