"""``merbench audit`` of a run of saved weights (``run --weights``): nothing was trained, so
the audit evaluates the checkpoints again from the folder the run's ``run.json`` records,
and says "evaluated again"; a folder moved since is said as the run's (audit takes no
``--weights``), with where to put it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_weights import ONE_DB, save_checkpoints

RUN = ["run", "--model", "ststnet", "--dataset", "synthetic", "--dataset-opt", "subjects=3",
       "--dataset-opt", "samples_per_subject=4", "--dataset-opt", "databases=1", "--quiet"]


def _evaluated(tmp_path: Path, cli: Any) -> tuple[Path, Path]:
    """A run of saved weights, and the folder of those weights."""
    weights, run = tmp_path / "w", tmp_path / "run"
    save_checkpoints(weights, ONE_DB, nested=False)
    code, _, err = cli(*RUN, "--weights", weights, "--out", run)
    assert code == 0, err
    return run, weights


def test_an_audit_of_saved_weights_says_they_are_evaluated_again(
        tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = _evaluated(tmp_path, cli)
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)  # its line said at once
    code, out, err = cli("audit", run, "--folds", "1", "--seed", "1")
    assert code == 0, out + err
    assert err.splitlines() == ["merbench: audit evaluated 1 of 1 folds of run 1 again (100%)"]
    assert "evaluating their saved weights again" in out and "training" not in out, out
    assert "audit passed: 1 of 3 folds evaluated again match" in out, out


def test_an_audit_of_saved_weights_moved_since_says_where_to_put_them_back(
        tmp_path: Path, cli: Any) -> None:
    run, weights = _evaluated(tmp_path, cli)
    weights.rename(tmp_path / "moved")
    code, out, err = cli("audit", run, "--folds", "1", "--seed", "1")
    assert code == 2 and len(err.strip().splitlines()) == 1, out + err
    assert err.strip() == (
        f"merbench: error: {run} was evaluated from the weights folder {weights} (recorded in "
        f"its run.json), which is not there: put that folder back at {weights} (its "
        "checkpoints' digests are recorded, so only the same files match) to audit this run")
