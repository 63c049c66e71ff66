"""What checking a good result reads: each of its files hashed once by ``validate``, the fold
files validation loaded used again by ``compare``'s copy check, and a result file settled as
its kind's by its ``kind`` key without building its whole record. The checks still refuse
what they refused (the refusals' own tests pin their words); these count the reads."""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from merbench.kinds import emotion, misnamed_result_file
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results import manifest, rundir
from merbench.results.fold_file import read_fold_file, write_fold_file
from merbench.results.go_on import RESUME
from merbench.results.run_files import ResultRejected
from merbench.verification.validate import validate_run

RUN = Path(__file__).resolve().parents[1] / "leaderboards" / "results" / \
    "biwoof-release-svm-composite-lodo"


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(RUN, tmp_path / "run"))


def _count_hashed(monkeypatch: pytest.MonkeyPatch, run_dir: Path) -> Counter[str]:
    """Every read that hashes a file of the run (:func:`manifest.file_sha256`), by name."""
    hashed: Counter[str] = Counter()
    real = manifest.read_regular_bytes

    def counted(path: Path) -> bytes:
        path = Path(path)
        if run_dir in path.parents:
            hashed[path.relative_to(run_dir).as_posix()] += 1
        return real(path)

    monkeypatch.setattr(manifest, "read_regular_bytes", counted)
    return hashed


def test_validate_hashes_each_file_of_a_good_run_once(
        run_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an audit's check hashes the fold files it audited, for its own record: not counted here
    (run_copy / "audit.json").unlink()
    hashed = _count_hashed(monkeypatch, run_copy)
    validate_run(run_copy)
    folds = sorted(path.relative_to(run_copy).as_posix()
                   for path in (run_copy / "folds").iterdir())
    assert folds and all(hashed[name] == 1 for name in [*folds, "run.json"]), hashed
    assert max(hashed.values()) == 1, hashed


def test_compare_tells_a_copy_by_the_fold_files_validation_loaded(
        tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b"):
        shutil.copytree(RUN, tmp_path / name)
    read: Counter[str] = Counter()
    real = rundir.read_fold_file

    def counted(path: Path) -> FoldOutcome:
        read[Path(path).resolve().relative_to(tmp_path.resolve()).as_posix()] += 1
        return real(path)

    monkeypatch.setattr(rundir, "read_fold_file", counted)
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("compare", "a", "b")
    assert code == 2 and "b is a copy of a (the same run identity and predictions)" in err
    assert len(read) == 6 and set(read.values()) == {1}, read  # each by validation alone


def test_a_results_file_under_its_own_name_is_not_built_before_its_kind_reads_it(
        run_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command asks whether a result file is another kind's before its kind reads it;
    a run's own ``results.json`` records no kind, and is built by its layout only where it
    lies under another kind's name."""
    built: list[object] = []
    real = emotion.results_laid_out

    def counted(data: Any) -> bool:
        built.append(data)
        return real(data)

    monkeypatch.setattr(emotion, "results_laid_out", counted)
    assert misnamed_result_file(run_copy) is None
    assert built == []
    (run_copy / "results.json").rename(run_copy / "au-results.json")
    said = misnamed_result_file(run_copy)
    assert said is not None and said.endswith("rename it results.json"), said
    assert len(built) == 1


def test_a_fold_trained_again_is_still_said_before_anything_else_of_it(
        run_copy: Path) -> None:
    """The retrained check runs only on the manifest's fold mismatch; such a fold is still
    said with the fix that keeps it, before its time is compared with the record's."""
    path = run_copy / "folds" / "fold-001.npz"
    fold = read_fold_file(path)
    write_fold_file(path, dataclasses.replace(fold, finished="2099-01-01T00:00:00+00:00",
                                              seconds=fold.seconds + 1), fold.run_sha256)
    with pytest.raises(ResultRejected) as rejected:
        validate_run(run_copy)
    assert rejected.value.reason == (
        "folds/fold-001.npz was trained again after results.json was written, by the same "
        f"command gone on with and stopped before its summary; {RESUME} again to summarise "
        "the run with it")
