"""A run's ``folds/`` folder judged alike by status, validate, show and ``run --resume``
(pass 84w, W13 to W16).

Each once judged it alone: a copy of another fold's file was "run.json was edited" to status
and "holds other samples" to the resumed run (W13); a ``fold-009.npz`` beyond the run's folds
was trained past by the resumed run into a result validate rejects (W14); a ``folds`` that
is a file was "run the same command to go on" to status and an OS error to the run (W15); a
stray ``fold-1.npz`` beside ``fold-001.npz`` was a third fold of two to status and nothing
to validate (W16). Each now gets one line with one fix, from all four.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import one_line

GO_ON = "run the same command (or 'merbench run --resume DIR')"


def unfinished(finished: Path, folder: Path) -> Path:
    """A copy of ``finished`` without its results: a run stopped after its last fold."""
    shutil.copytree(finished, folder)
    (folder / "results.json").unlink()
    (folder / "predictions.csv").unlink()
    return folder


def said_alike(cli: Any, folder: Path, line: str, resumed: str) -> None:
    """status says ``line`` and never to just go on; validate and show refuse with it; the
    resumed run refuses with ``resumed`` before training, writing no results file."""
    had = (folder / "results.json").exists()
    code, out, err = cli("status", folder)
    assert code == 0 and line in out, out + err
    assert not out.rstrip().endswith("to go on") or line.endswith("to go on"), out
    for command in ("validate", "show"):
        code, out, err = cli(command, folder)
        assert code == 2 and line in err, (command, out, err)
    code, out, err = cli("run", "--resume", folder, "--quiet", "--threads", "1")
    assert code == 2 and one_line(err) == f"merbench: error: {resumed}", err
    assert (folder / "results.json").exists() == had


def test_a_copy_of_another_folds_file_is_named_by_all(tiny_finished_run: Path, tmp_path: Path,
                                                      cli: Any) -> None:
    folder = unfinished(tiny_finished_run, tmp_path / "run")
    shutil.copyfile(folder / "folds" / "fold-001.npz", folder / "folds" / "fold-000.npz")
    line = ("folds/fold-000.npz holds fold 1's samples, not fold 0's (a copy or a renamed "
            f"file of another fold); delete it, then {GO_ON} to retrain that fold")
    said_alike(cli, folder, line, f"{folder}/{line}")
    _, out, _ = cli("status", folder)
    assert "1/2 folds" in out and "run.json was edited" not in out, out


def test_a_fold_file_beyond_the_folds_is_refused_before_training(tiny_finished_run: Path,
                                                                 tmp_path: Path, cli: Any) -> None:
    folder = unfinished(tiny_finished_run, tmp_path / "run")
    (folder / "folds" / "fold-001.npz").rename(folder / "folds" / "fold-009.npz")
    line = ("run.json says 2 folds but folds/fold-009.npz is beyond them ('merbench validate' "
            "refuses it): restore run.json from a copy of the run, or delete "
            "folds/fold-009.npz if it is another run's")
    said_alike(cli, folder, line, line.replace("folds/", f"{folder}/folds/").replace(
        "run.json says", f"{folder}/run.json says"))
    assert (folder / "folds" / "fold-009.npz").exists()  # kept: the user's to judge


def test_a_folds_entry_that_is_a_file_is_named_by_all(tiny_finished_run: Path, tmp_path: Path,
                                                      cli: Any) -> None:
    folder = unfinished(tiny_finished_run, tmp_path / "run")
    shutil.rmtree(folder / "folds")
    (folder / "folds").write_text("x")
    line = (f"folds is a file, not the run's folder of finished folds; remove it, then "
            f"{GO_ON} to go on")
    said_alike(cli, folder, line, f"{folder}/{line}")


@pytest.mark.parametrize("stopped", [False, True], ids=["finished", "stopped"])
def test_a_stray_fold_name_is_no_fold_to_any_reader(tiny_finished_run: Path, tmp_path: Path,
                                                    cli: Any, stopped: bool) -> None:
    folder = (unfinished(tiny_finished_run, tmp_path / "run") if stopped else
              Path(shutil.copytree(tiny_finished_run, tmp_path / "run")))
    shutil.copyfile(folder / "folds" / "fold-001.npz", folder / "folds" / "fold-1.npz")
    line = ("folds/fold-1.npz is not a name merbench gives a fold file (fold-NNN.npz), so it "
            "is no fold of this run; move it out of the run's folds folder")
    said_alike(cli, folder, line, f"{folder}/{line}")
    _, out, _ = cli("status", folder)
    assert "2/2 folds" in out and "complete" not in out, out
