"""Refusals whose fix named an option a command that meets them may not take (issue 84's
leftovers of passes 84y and 84z): each says what the same command does instead."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import TINY_RUN, one_line


def test_a_run_trained_on_other_values_says_the_same_command_trains_it_anew(
        cli, tiny_finished_run: Path, tmp_path: Path) -> None:
    """It said "start a new run with another --out", which a sweep's seed run, meeting the
    same refusal, has no option for."""
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "r"))
    for name in ("results.json", "predictions.csv"):  # stopped after its last fold
        (run / name).unlink()
    record = json.loads((run / "run.json").read_text())
    sample = sorted(record["feature_values"])[0]
    record["feature_values"][sample] = "0" * 64
    (run / "run.json").write_text(json.dumps(record))
    code, _, err = cli("run", *TINY_RUN, "--threads", "1", "--out", run)
    line = one_line(err)
    assert code == 2, err
    assert line.startswith(f"merbench: error: {run} was trained on other input values than "
                           f"the data gives now: 1 of "), line
    assert line.endswith(f"restore them to continue this run, or remove {run} and run the "
                         "same command again, which trains it anew"), line
    assert "--out" not in line, line
