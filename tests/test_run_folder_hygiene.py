"""A run folder as a user finds it later: a finished run is left as it was written, killed
writes leave nothing that blocks or fills the disk, and files are as readable as the umask
says."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import merbench
from merbench.base.atomic import TEMP_SUFFIX, atomic_write_bytes, remove_leftovers
from merbench.base.errors import MerbenchError
from merbench.results.codec import to_json

SMALL = {"subjects": 4, "samples_per_subject": 6}
DEAD_PID = 2**22 + 17  # above Linux's pid_max default: no process has it


def _run(out: Path, **options):  # type: ignore[no-untyped-def]
    return merbench.run(model="ststnet", dataset="synthetic", dataset_options=SMALL, epochs=3,
                        device="cpu", out=out, **options)


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_finished_run_is_reported_not_rewritten(tmp_path: Path, cli) -> None:
    out = tmp_path / "r"
    _run(out)
    written = {p: p.read_bytes() for p in (out / "results.json", out / "predictions.csv")}
    stamps = {p: p.stat().st_mtime_ns for p in written}
    again = _run(out)
    assert again.reported
    assert {p: p.read_bytes() for p in written} == written
    assert {p: p.stat().st_mtime_ns for p in written} == stamps
    assert to_json(again.results) == json.loads(written[out / "results.json"])
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--dataset-opt",
               "subjects=4", "--dataset-opt", "samples_per_subject=6", "--epochs", "3",
               "--device", "cpu", "--out", str(out), "--quiet")
    assert code == 0
    assert "finished before" in err and "nothing trained or rewritten" in err
    assert (out / "results.json").read_bytes() == written[out / "results.json"]


def test_a_finished_run_missing_a_fold_is_computed_again(tmp_path: Path) -> None:
    out = tmp_path / "r"
    first = _run(out)
    (out / "folds" / "fold-001.npz").unlink()  # to train that fold again
    again = _run(out)
    assert not again.reported
    assert again.results.created >= first.results.created
    assert again.results.metrics == first.results.metrics
    # another selection policy never rewrites a finished run in place (issue 70): refused,
    # its results.json untouched; in a copy without the report, the same folds are restored
    before = (out / "results.json").read_bytes()
    with pytest.raises(MerbenchError, match="not rewritten as"):
        _run(out, selection="oracle")
    assert (out / "results.json").read_bytes() == before
    copy = tmp_path / "oracle"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("results.json",
                                                             "predictions.csv"))
    oracle = _run(copy, selection="oracle")
    assert not oracle.reported and oracle.results.selection.policy == "oracle"
    assert oracle.results.folds_resumed == oracle.results.protocol.n_folds


def test_a_kill_during_the_first_write_does_not_block_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    left = out / f".run.json.{DEAD_PID}.k2x9{TEMP_SUFFIX}"
    left.write_text('{"schema_ver')
    unmarked = out / ".run.json.a1b2c3d4"  # named as merbench named them before
    unmarked.write_text("{")
    result = _run(out)
    assert result.results.protocol.n_folds == 4
    assert not left.exists() and not unmarked.exists()


def test_leftover_temporaries_are_removed_by_the_next_run_and_by_status(tmp_path: Path,
                                                                        cli) -> None:
    out = tmp_path / "r"
    _run(out)
    (out / "partial").mkdir()
    leftovers = [out / "folds" / f".fold-000.npz.{DEAD_PID}.x1{TEMP_SUFFIX}",
                 out / f".results.json.{DEAD_PID}.x2{TEMP_SUFFIX}",
                 out / "partial" / f".fold-002.pt.{DEAD_PID}.x3{TEMP_SUFFIX}",
                 out / "folds" / ".fold-003.npz.zz9_8yq1"]
    for path in leftovers:
        path.write_bytes(b"\0" * 1024)
    assert cli("status", str(out))[0] == 0
    assert not any(path.exists() for path in leftovers)
    for path in leftovers:
        path.write_bytes(b"\0")
    _run(out)
    assert not any(path.exists() for path in leftovers)


def test_only_dead_writers_temporaries_go_without_the_lock(tmp_path: Path) -> None:
    dead = tmp_path / f".SITE.{DEAD_PID}.ab{TEMP_SUFFIX}"
    live = tmp_path / f".SITE.{os.getpid()}.cd{TEMP_SUFFIX}"
    other = tmp_path / ".SITE.old-notes"  # not ours by name
    for folder in (dead, live, other):
        folder.mkdir()
        (folder / "index.html").write_text("x")
    assert remove_leftovers(tmp_path) == [dead]
    assert live.exists() and other.exists()


def test_files_follow_the_umask(tmp_path: Path, umask: None) -> None:
    atomic_write_bytes(tmp_path / "a.json", b"{}")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    os.umask(0o077)
    atomic_write_bytes(tmp_path / "b.json", b"{}")
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o600
    os.umask(0o002)
    out = tmp_path / "r"
    _run(out)
    for path in [out / "run.json", out / "results.json", out / "predictions.csv",
                 *(out / "folds").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o664, path


def test_a_site_build_removes_staging_folders_of_killed_builds(tmp_path: Path, cli,
                                                               umask: None) -> None:
    runs, site = tmp_path / "runs", tmp_path / "SITE"
    _run(runs / "r")
    killed = tmp_path / f".SITE.{DEAD_PID}.q7{TEMP_SUFFIX}"
    killed.mkdir()
    (killed / "index.html").write_text("half a site")
    code, _, err = cli("leaderboard", "build", "--results", str(runs), "--out", str(site))
    assert code == 0, err
    assert (site / "index.html").is_file() and not killed.exists()
    assert stat.S_IMODE(site.stat().st_mode) == 0o755  # the umask fixture's 022
