"""A count of one reads as one (issue 85): "training: 1 epochs" and "1 of 6 folds are
finished" read wrong on the terminal; every such count now goes through ``counted`` or
agrees its verb."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from merbench.cli.run_command import _what_is_kept

CliResult = tuple[int, str, str]


def test_one_epoch_and_one_finished_fold_read_in_the_singular(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    run = tmp_path / "run"
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                         "--threads", "1", "--quiet", "--out", run)
    assert code == 0, err
    assert "training: 1 epoch, batch 256" in " ".join(out.split()), out
    # what Ctrl-C says once one fold of six is kept (tests/test_run.py stops a real run,
    # where how many folds finish first depends on the machine's pace)
    kept = tmp_path / "kept"
    shutil.copytree(run, kept)
    for fold in sorted((kept / "folds").iterdir())[1:]:
        fold.unlink()
    for name in ("results.json", "predictions.csv"):
        (kept / name).unlink()
    assert _what_is_kept(kept) == (f"1 of 6 folds is finished and kept in {kept}; run the "
                                   "same command again to resume")
