"""Pass 84aa's PARTLY rows of pass 84z's Z2, Z4 and Z11: one fault, one fix from every reader,
and a fix that works when followed.

Z2: an unfinished run with a copied fold file and a fold file beyond run.json's folds named
only the copy; the file beyond was refused only once the copy was deleted (two rounds of
fixes).
Z4: a finished spot-then-recognise run whose str.json is a folder: status, validate and show
said "remove it: the same command writes what it should hold again", and that command
refused it as "not a regular file; give a regular file".
Z11: a finished, audited run whose predictions.csv is a fifo or a folder: status and resume
said to move audit.json out and go on, validate and show to remove the table for the same
command to write it again, which that command then refused for the audits.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_SPOT


def test_a_copy_and_a_fold_beyond_are_fixed_in_one_round(tiny_finished_run: Path, tmp_path: Path,
                                                         cli: Any) -> None:
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "run"))
    (run / "results.json").unlink()
    (run / "predictions.csv").unlink()
    folds = run / "folds"
    (folds / "fold-001.npz").rename(folds / "fold-009.npz")
    shutil.copyfile(folds / "fold-000.npz", folds / "fold-001.npz")
    copy = ("folds/fold-001.npz holds fold 0's samples, not fold 1's (a copy or a renamed "
            "file of another fold); delete it; and ")
    beyond = ("run.json says 2 folds but {at}folds/fold-009.npz is beyond them ('merbench "
              "validate' refuses it): restore run.json from a copy of the run, or delete "
              "{at}folds/fold-009.npz if it is another run's; then run the same command (or "
              "'merbench run --resume DIR') to retrain that fold")
    line = copy + beyond.format(at="")
    code, out, err = cli("status", run)
    assert code == 0 and "1/2 folds, stopped; " in out and line in out, out + err
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code == 2 and line in err, (command, out, err)
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 2 and f"{run}/{copy}{run}/{beyond.format(at=f'{run}/')}" in err, err
    (folds / "fold-001.npz").unlink()  # both fixes, as the one line says
    (folds / "fold-009.npz").unlink()
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 0 and (run / "results.json").is_file(), out + err
    code, out, err = cli("validate", run)
    assert code == 0, out + err


def test_a_str_json_folder_has_one_fix_that_the_same_command_follows(
        examples: dict[str, Path], tmp_path: Path, cli: Any) -> None:
    run = Path(shutil.copytree(examples["spot-then-recognise summary over seeds"] / "seed-0",
                               tmp_path / "run"))
    (run / "str.json").unlink()
    (run / "str.json").mkdir()
    line = "str.json is a folder; remove it: the same command writes what it should hold again"
    code, out, err = cli("status", run)
    assert code == 0 and f"written, but {line} ('merbench validate' refuses it)" in out, \
        out + err  # status says validate's words
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code == 2 and f"{run}: {line}" in err, (command, out, err)
    same = ("spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1", "--out", run)
    code, out, err = cli(*same)
    assert code == 2 and err == f"merbench: error: {run}: {line}\n", err
    (run / "str.json").rmdir()  # as the line says
    code, out, err = cli(*same)
    assert code == 0 and (run / "str.json").is_file(), out + err
    code, out, err = cli("validate", run)
    assert code == 0, out + err


@pytest.mark.parametrize("entry", ["fifo", "folder"])
def test_an_audited_runs_table_has_one_fix_that_works_when_followed(
        tiny_finished_run: Path, tmp_path: Path, cli: Any, entry: str) -> None:
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "run"))
    code, out, err = cli("audit", run, "--folds", "1")
    assert code == 0 and (run / "audit.json").is_file(), out + err
    (run / "predictions.csv").unlink()
    os.mkfifo(run / "predictions.csv") if entry == "fifo" else (run / "predictions.csv").mkdir()
    line = (f"predictions.csv is a {entry}; restore it from a copy of the run, which keeps its "
            "audits, or remove it and move audit.json out of the folder, then run the same "
            "command (or 'merbench run --resume DIR'), which writes it again, and audit the "
            "run again")
    code, out, err = cli("status", run)
    assert code == 0 and f"2/2 folds, written, but {line} ('merbench validate' refuses " \
        "it)" in out and out.count("audit.json") == 1, out + err
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code == 2 and f"{run}: {line}" in err, (command, out, err)
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 2 and err == f"merbench: error: {run}: {line}\n", out + err
    # followed: the table removed, the audits moved out, the run again, audited again
    if entry == "fifo":
        (run / "predictions.csv").unlink()
    else:
        (run / "predictions.csv").rmdir()
    (run / "audit.json").rename(tmp_path / "audit-before.json")
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 0 and (run / "predictions.csv").is_file(), out + err
    assert cli("audit", run, "--folds", "1")[0] == 0
    code, out, err = cli("validate", run)
    assert code == 0 and "audit.json: 1 audit" in out, out + err
