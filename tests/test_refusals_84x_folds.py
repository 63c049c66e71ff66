"""A run's ``folds/`` and results file judged alike by status, validate, show and
``run --resume``, for finished runs and action-unit runs too (pass 84x, X2, X5 to X8).

X2: a finished run whose results file is ``{}`` was "no fold left to train ... to go on" to
status, rejected by validate. X5: an action-unit run's stray ``fold-2.npz`` was refused by
status's words only. X6: a finished run with a damaged ``folds/`` was "stopped" to status
with resume's fix. X7: a folder ``fold-007.npz`` was "restore run.json" to the resumed run.
X8: a ``folds`` link was read through by status. Each now gets one line from all.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import COMMITTED_RESULTS


def test_an_au_runs_stray_fold_name_is_refused_by_validate_and_show(tmp_path: Path,
                                                                   cli: Any) -> None:
    run = tmp_path / "au"
    shutil.copytree(COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0", run)
    shutil.copyfile(run / "folds" / "fold-002.npz", run / "folds" / "fold-2.npz")
    line = ("folds/fold-2.npz is not a name merbench gives a fold file (fold-NNN.npz), so "
            "it is no fold of this run; move it out of the run's folds folder")
    code, out, err = cli("status", run)
    assert code == 0 and f"written, but {line}" in out, out + err
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code == 2 and line in err, (command, out, err)


@pytest.mark.parametrize("text", ["{}", '{"schema_version": 1}', "[]"])
def test_a_results_file_of_no_result_is_named_by_status(tiny_finished_run: Path, tmp_path: Path,
                                                        cli: Any, text: str) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_finished_run, run)
    (run / "results.json").write_text(text)
    code, out, err = cli("status", run)
    assert code == 0 and "its results.json cannot be read ('merbench validate' says why)" \
        in out, out + err
    code, out, err = cli("validate", run)
    assert code == 2 and "results.json" in err, out + err


def test_a_folder_in_a_fold_files_place_is_one_fault_to_resume_and_status(
        tiny_finished_run: Path, tmp_path: Path, cli: Any) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_finished_run, run)
    (run / "results.json").unlink()
    (run / "predictions.csv").unlink()
    (run / "folds" / "fold-007.npz").mkdir()
    line = ("folds/fold-007.npz is a folder, which merbench never reads (remove it: the "
            "same command writes what it should hold again)")
    code, out, err = cli("status", run)
    assert code == 0 and line in out, out + err
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 2 and line in err and "run.json" not in err, out + err


def test_a_folds_link_is_no_folds_to_status_and_one_fix_with_resume(
        tiny_finished_run: Path, tmp_path: Path, cli: Any) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_finished_run, run)
    (run / "results.json").unlink()
    (run / "predictions.csv").unlink()
    (run / "folds").rename(tmp_path / "elsewhere")
    (run / "folds").symlink_to(tmp_path / "elsewhere")
    fix = ("not the run's folder of finished folds; put the folder itself in its place (its "
           "finished folds are kept), then run the same command (or 'merbench run --resume "
           "DIR') to go on")
    code, out, err = cli("status", run)
    assert code == 0 and f"folds is a symbolic link (to {tmp_path / 'elsewhere'}), {fix}" \
        in out and " 0/2 folds" in out and "never reads" not in out, out + err
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 2 and fix in err, out + err


def test_a_finished_runs_copied_fold_is_written_but_refused_by_all(
        tiny_finished_run: Path, tmp_path: Path, cli: Any) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_finished_run, run)
    shutil.copyfile(run / "folds" / "fold-001.npz", run / "folds" / "fold-000.npz")
    line = ("folds/fold-000.npz holds fold 1's samples, not fold 0's (a copy or a renamed "
            "file of another fold); delete it")
    code, out, err = cli("status", run)
    assert code == 0 and f"written, but {line}" in out and "stopped" not in out, out + err
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code == 2 and line in err, (command, out, err)


def test_a_finished_runs_folds_file_is_written_but_refused(tiny_finished_run: Path, tmp_path: Path,
                                                           cli: Any) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_finished_run, run)
    shutil.rmtree(run / "folds")
    (run / "folds").write_text("x")
    code, out, err = cli("status", run)
    assert code == 0 and "written, but folds is a file" in out and "stopped" not in out, \
        out + err


def test_a_finished_runs_folder_in_folds_is_written_but_refused(tiny_finished_run: Path,
                                                                tmp_path: Path, cli: Any) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_finished_run, run)
    (run / "folds" / "fold-007.npz").mkdir()
    code, out, err = cli("status", run)
    assert code == 0 and "written, but folds/fold-007.npz is a folder" in out and \
        "stopped" not in out and out.count("fold-007") == 1, out + err
