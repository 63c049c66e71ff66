"""Pass 84r's findings on ``merbench migrate``: R14 (a fold file that is a fifo or a link was
passed over and the run called current, and a lone fifo ``results.json`` was "no file
merbench migrates")."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import one_line

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"


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
