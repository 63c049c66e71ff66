"""Pass 84s's findings S11 and S5, on ``merbench migrate``. S11: a stop while migrate wrote a
run's files left its ``results.json`` naming the rewritten ones by their old digests, the
run rejected for good, and "run it again" did not repair it. S5: migrate said an audit
vouched for nothing now while ``validate`` counted it (it compared a fold file migrate had
not rewritten)."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

import merbench.results.upgrade as upgrade_module
from merbench.results.model import SCHEMA_VERSION
from merbench.results.upgrade import upgrade

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
RCN = REAL / "rcn-composite-loso" / "seed-0"  # schema 9, every file older, audited
# schema 10 but run.json and folds 0-2 older; its audit compared fold 43 only
DUAL_SEED_2 = REAL / "dual-inception-composite-loso" / "seed-2"


class _Killed(Exception):
    """A migrate that ends between two writes, as SIGKILL would end it."""


def _writes_then(monkeypatch: pytest.MonkeyPatch, count: int, then) -> None:
    """migrate's writes: the first ``count`` made, then ``then()`` before the next."""
    real = upgrade_module.atomic_write_bytes
    made = [0]

    def write(path: Path, content: bytes) -> None:
        if made[0] == count:
            then()
        made[0] += 1
        real(path, content)

    monkeypatch.setattr(upgrade_module, "atomic_write_bytes", write)


def _half_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> Path:
    """The committed run with its first ``count`` files migrated and its record not."""
    run = tmp_path / "run"
    shutil.copytree(RCN, run)

    def kill() -> None:
        raise _Killed

    _writes_then(monkeypatch, count, kill)
    with pytest.raises(_Killed):
        upgrade([run])
    monkeypatch.undo()
    assert json.loads((run / "results.json").read_text())["schema_version"] != SCHEMA_VERSION
    return run


def test_a_stop_between_two_writes_waits_until_the_runs_record_is_written(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    shutil.copytree(RCN, run)
    _writes_then(monkeypatch, 3, lambda: signal.raise_signal(signal.SIGTERM))
    code, out, err = cli("migrate", run)
    assert code == 128 + signal.SIGTERM and "interrupted" in err, (out, err)
    monkeypatch.undo()
    # the stop was held until the run's files and its record were all written
    assert json.loads((run / "results.json").read_text())["schema_version"] == SCHEMA_VERSION
    code, out, err = cli("validate", run)
    assert code == 0 and out.startswith("ok: "), err
    code, out, err = cli("migrate", run)  # as the stop's line advises: nothing left to do
    assert code == 0 and "0 file(s) rewritten" in out, err


@pytest.mark.parametrize("count", [31, 69])  # folds only; every fold and run.json
def test_a_migrate_killed_between_two_writes_is_repaired_by_running_it_again(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    run = _half_migrated(tmp_path, monkeypatch, count)
    code, out, err = cli("validate", run)
    assert code != 0 and "is not the file results.json records" in err
    code, out, err = cli("migrate", run)
    assert code == 0, err
    assert (f"{run}: its results.json now records the {count} file(s) an interrupted "
            "migration had rewritten") in out
    code, out, err = cli("validate", run)
    assert code == 0 and out.startswith("ok: "), err
    code, out, err = cli("status", run)
    assert code == 0 and "complete, 68/68 folds" in out and "not the file" not in out + err


@pytest.mark.parametrize("edit", ["prediction", "seconds"])
def test_a_fold_file_edited_by_hand_is_still_rejected_after_migrate(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    run = _half_migrated(tmp_path, monkeypatch, 31)
    path = run / "folds" / "fold-005.npz"
    arrays = dict(np.load(path))
    if edit == "prediction":  # at the epoch the run reports
        arrays["epoch_predictions"] = arrays["epoch_predictions"].copy()
        arrays["epoch_predictions"][-1, 0] = (arrays["epoch_predictions"][-1, 0] + 1) % 3
    else:
        meta = json.loads(str(arrays["meta"]))
        meta["seconds"] += 5
        arrays["meta"] = np.asarray(json.dumps(meta))
    np.savez_compressed(path, **arrays)
    edited = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out, err = cli("migrate", run)
    assert code == 0 and "now records the 30 file(s)" in out, err
    assert json.loads((run / "results.json").read_text())["files"][
        "folds/fold-005.npz"] != edited
    code, out, err = cli("validate", run)  # the digest, or first the value edited
    assert code != 0 and ("folds/fold-005.npz is not the file results.json records" in err
                          or "casme2/sub06 took 71.339 s in its fold file" in err), err


def test_migrate_calls_an_audit_void_exactly_when_validate_does(tmp_path: Path, cli) -> None:
    run = tmp_path / "seed-2"
    shutil.copytree(DUAL_SEED_2, run)
    code, out, err = cli("migrate", run)
    assert code == 0 and "folds/fold-000.npz" in out, err
    assert "vouch for nothing" not in out  # the audit's fold 43 was not rewritten
    code, out, err = cli("validate", run)
    assert code == 0 and "compared none" not in out, err
    rcn = tmp_path / "rcn"  # its audit compared folds that migrate rewrites
    shutil.copytree(RCN, rcn)
    code, out, err = cli("migrate", rcn)
    assert code == 0 and f"{rcn}: its audit.json records audits" in out, err
    code, out, err = cli("validate", rcn)
    assert code == 0 and "1 that compared none of the files" in out, err
