"""Pass 84ad, AD1: ``status``, ``validate`` and ``show`` name a finished run's file that is
not the one its ``results.json`` records in the same words, with one fix that holds.

Status said such a run (its ``run.json`` re-indented) was "stopped; ... run the same command
to go on"; validate and show named the file but no fix. Going on summarises the run again
from its files as they are, so it would record a changed ``run.json`` or a forged fold file
as the run's: their fix is restoring the file (a fold file may also be deleted and trained
again); the predictions table, made from the fold files alone, is written again by going
on.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import COMMITTED_RESULTS

CHANGED = "is not the file results.json records (its SHA-256 differs); the run's files " \
          "were changed or removed after it finished: "
GO_ON = "run the same command (or 'merbench run --resume DIR')"


def _reindent(run: Path) -> None:
    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps(record, indent=2))


def _forge_fold(run: Path) -> None:
    path = run / "folds" / "fold-000.npz"
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["epoch_predictions"] = np.repeat(arrays["y_true"][None, :], len(
        arrays["epoch_predictions"]), axis=0).astype(arrays["epoch_predictions"].dtype)
    np.savez(path, **arrays)


def _crlf_table(run: Path) -> None:
    path = run / "predictions.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


@pytest.mark.parametrize(("change", "said"), [
    (_reindent, f"run.json {CHANGED}restore run.json from a copy of the run"),
    (_forge_fold, f"folds/fold-000.npz {CHANGED}restore it from a copy of the run, or "
                  f"delete it and {GO_ON} to train that fold again"),
    (_crlf_table, f"predictions.csv {CHANGED}restore it from a copy of the run, or {GO_ON}, "
                  "which writes it again from the fold files"),
], ids=["run.json", "fold file", "predictions table"])
def test_status_validate_and_show_say_one_changed_file_alike(
        tiny_finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any,
        change: Callable[[Path], None], said: str) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_finished_run, "run")
    change(Path("run"))
    _, out, _ = cli("status", "run")
    assert f"written, but {said} ('merbench validate' refuses it)" in out, out
    assert "to go on" not in out, out
    code, _, err = cli("validate", "run")
    assert code == 2 and f"run: {said}\n" in err, err
    code, _, err = cli("show", "run")
    assert code == 2 and f"run: {said} ('merbench validate' refuses it too" in err, err


def test_an_audited_action_unit_runs_changed_table_has_the_fix_its_audits_allow(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """Beside audit.json going on is refused, so the table's fix moves the audits out, as
    validate says of a missing table; status named "results.json" for au-results.json."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0", "run")
    table = Path("run") / "au-predictions.csv"
    table.write_bytes(table.read_bytes().replace(b"\n", b"\r\n"))
    said = ("au-predictions.csv is not the file au-results.json records (its SHA-256 "
            "differs); the run's files were changed or removed after it finished: restore it "
            "from a copy of the run, which keeps its audits, or move audit.json out of the "
            f"folder, then {GO_ON}, which writes it again, and audit the run again")
    _, out, _ = cli("status", "run")
    assert f"written, but {said} ('merbench validate' refuses it)" in out, out
    code, _, err = cli("validate", "run")
    assert code == 2 and f"{said}\n" in err, err


@pytest.mark.parametrize("change", [_reindent, _forge_fold], ids=["run.json", "fold file"])
def test_going_on_never_records_a_changed_file_as_the_runs(
        tiny_finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any,
        change: Callable[[Path], None]) -> None:
    """``run --resume`` summarised such a run again and validate then took it, a fold file
    of forged predictions too: refused now with validate's words, nothing written."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_finished_run, "run")
    change(Path("run"))
    before = {path: path.read_bytes() for path in Path("run").rglob("*") if path.is_file()}
    _, _, said = cli("validate", "run")
    code, _, err = cli("run", "--resume", "run", "--quiet")
    assert code == 2 and err == said.replace("rejected: ", "error: ").splitlines()[0] + "\n", \
        err
    assert {path: path.read_bytes() for path in Path("run").rglob("*")
            if path.is_file()} == before
