"""Pass 84r's findings R15 and R14, on ``merbench migrate``, and R20. R15: migrating a
committed run of an older layout left it rejected, its ``results.json`` recording the digest
of the old ``run.json``, and a damaged fold stopped it half-way. R14: a fold file that is a
fifo or a link was passed over and the run called current, and a lone fifo ``results.json``
was "no file merbench migrates". R20: ``status`` called a tuning whose ``runs.tar.xz`` lacks
a trial's fold file finished and ``show`` printed it, while ``validate`` refused it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
from conftest import one_line

from merbench.results.model import SCHEMA_VERSION

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
RCN = REAL / "rcn-composite-loso" / "seed-0"  # schema 9: results.json records digests


def _older_results(root: Path) -> list[Path]:
    """Every result folder under ``root`` whose result file is of an older layout."""
    found = []
    for name in ("results.json", "seeds.json"):
        for path in sorted(root.rglob(name)):
            if json.loads(path.read_text()).get("schema_version") != SCHEMA_VERSION:
                found.append(path.parent)
    return sorted(found)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _one_of_each_layout(folders: list[Path]) -> list[Path]:
    """The smallest result of each older layout (and each result file name) among
    ``folders``: every migration step is taken, at a fraction of validating all of them
    (75 s of the suite for two dozen results, most of one layout)."""
    chosen: dict[tuple[object, str], tuple[int, Path]] = {}
    for folder in folders:
        name = "results.json" if (folder / "results.json").is_file() else "seeds.json"
        key = (json.loads((folder / name).read_text()).get("schema_version"), name)
        size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
        if key not in chosen or size < chosen[key][0]:  # each folder's size summed once
            chosen[key] = (size, folder)
    return sorted(folder for _, folder in chosen.values())


@pytest.mark.slow  # a committed result of each older layout shown, validated, shown again
def test_every_committed_older_layout_migrated_is_accepted_with_the_same_numbers(
        tmp_path: Path, cli) -> None:
    all_older = _older_results(REAL)
    layouts = {json.loads((f / n).read_text()).get("schema_version")
               for f in all_older for n in ("results.json", "seeds.json") if (f / n).is_file()}
    assert {4, 6, 7, 9} <= layouts  # the layouts committed results are still in
    copy = tmp_path / "results"
    for folder in _one_of_each_layout(all_older):
        target = copy / folder.relative_to(REAL)
        if not target.exists():
            shutil.copytree(folder, target)
    older = _older_results(copy)
    shown = {}
    for folder in older:
        code, out, err = cli("show", folder)
        assert code == 0, err
        shown[folder] = out
    code, out, err = cli("migrate", copy)
    assert code == 0, err
    assert _older_results(copy) == []
    for folder in older:
        code, out, err = cli("validate", folder)
        assert code == 0 and out.startswith("ok: "), (folder, err)
        code, out, err = cli("status", folder)
        assert code == 0 and "not the file" not in out + err, (folder, out, err)
        code, out, err = cli("show", folder)
        assert code == 0 and out == shown[folder], (folder, err)


def test_migrating_a_run_with_a_manifest_records_the_new_digests(tmp_path: Path,
                                                                 cli) -> None:
    run = tmp_path / "run"
    shutil.copytree(RCN, run)
    code, out, err = cli("migrate", run)
    assert code == 0, err
    assert f"{run}: its audit.json records audits of the files as they were before" in out
    files = json.loads((run / "results.json").read_text())["files"]
    assert files["run.json"] == hashlib.sha256((run / "run.json").read_bytes()).hexdigest()
    assert files["folds/fold-000.npz"] == hashlib.sha256(
        (run / "folds" / "fold-000.npz").read_bytes()).hexdigest()
    code, out, err = cli("validate", run)
    assert code == 0, err


def test_a_damaged_fold_refuses_migrate_with_nothing_rewritten(tmp_path: Path, cli) -> None:
    run = tmp_path / "run"
    shutil.copytree(RCN, run)
    os.truncate(run / "folds" / "fold-010.npz", 300)
    before = _files(run)
    code, _, err = cli("migrate", run)
    assert code == 2
    assert "fold-010.npz is damaged" in one_line(err) and "nothing was rewritten" in err
    assert _files(run) == before


@pytest.mark.parametrize("make", ["fifo", "zero"])
def test_a_fold_file_that_is_no_file_is_refused_by_name(tmp_path: Path, cli,
                                                        make: str) -> None:
    run = tmp_path / "run"
    shutil.copytree(REAL / "biwoof-release-svm-composite-lodo", run)
    fold = run / "folds" / "fold-001.npz"
    fold.unlink()
    if make == "fifo":
        os.mkfifo(fold)
    else:
        fold.symlink_to("/dev/zero")
    code, _, err = cli("migrate", run)
    what = "a fifo" if make == "fifo" else "a symbolic link (to /dev/zero)"
    assert code == 2
    assert f"{fold} is {what}, not the file merbench wrote" in one_line(err)


@pytest.mark.parametrize(("name", "make"), [("results.json", "fifo"),
                                            ("run.json", "urandom")])
def test_a_lone_result_file_that_is_no_file_is_named_as_what_it_is(
        tmp_path: Path, cli, name: str, make: str) -> None:
    path = tmp_path / name
    if make == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/urandom")
    code, _, err = cli("migrate", tmp_path)
    what = "a fifo" if make == "fifo" else "a symbolic link (to /dev/urandom)"
    assert code == 2
    assert f"{path} is {what}, not the file merbench wrote" in one_line(err)
    assert "holds no file" not in err


TUNING = REAL / "tunings" / "lbp-apex-svm-composite" / "test-scored"
LEFT_OUT = "trials/all/trial-001/folds/fold-002.npz"


@pytest.fixture(scope="module")
def fold_left_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed test-scored tuning, its ``runs.tar.xz`` packed again without one
    trial's fold file (nothing else records the archive's digest)."""
    folder = tmp_path_factory.mktemp("r20") / "tuning"
    shutil.copytree(TUNING, folder)
    with tarfile.open(TUNING / "runs.tar.xz") as source, \
            tarfile.open(folder / "runs.tar.xz", "w:xz") as packed:
        for member in source.getmembers():
            if member.name != LEFT_OUT:
                packed.addfile(member, source.extractfile(member) if member.isfile()
                               else None)
    return folder


@pytest.mark.parametrize("command", ["status", "show", "validate"])
def test_a_tuning_whose_archive_lacks_a_fold_file_is_refused_alike(fold_left_out: Path, cli,
                                                                    command: str) -> None:
    code, out, err = cli(command, fold_left_out)
    said = (f"runs.tar.xz lacks {LEFT_OUT}, a file of a run tune.json names; publish the "
            "runs.tar.xz merbench tune wrote")
    assert said in out + err
    assert "finished: tune.json written" not in out + err
    assert code == (0 if command == "status" else 2), err
