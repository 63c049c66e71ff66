"""A run's damaged ``folds`` said alike by status, validate, show and ``run --resume``: what
pass 84y left of pass 84x's X6, X7 and X8.

X6: a finished run whose ``folds`` is a file was "remove it, then run the same command ... to
go on" to status and resume, "remove it and put the folder itself in its place" to validate
and show. X7: a copied fold beside a fold file beyond run.json's folds: the resumed run named
the one beyond, status, validate and show the copy. X8: validate of an unfinished run whose
``folds`` is a link said the results walk's link refusal, not the run's line.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conftest import one_line
from test_refusals_84w_folds import unfinished


def test_a_finished_runs_folds_file_has_one_fix_from_all(tiny_finished_run: Path, tmp_path: Path,
                                                         cli: Any) -> None:
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "run"))
    shutil.rmtree(run / "folds")
    (run / "folds").write_text("x")
    line = "folds is a file; remove it and put the folder itself in its place"
    code, out, err = cli("status", run)
    assert code == 0 and f"written, but {line} ('merbench validate' refuses it)" in out \
        and "to go on" not in out, out + err
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code == 2 and f"{run}: {line}" in err, (command, out, err)
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 2 and one_line(err) == f"merbench: error: {run}/{line}", err
    assert (run / "folds").is_file()  # nothing trained in its place


def test_a_copy_and_a_fold_beyond_are_named_in_one_order(tiny_finished_run: Path, tmp_path: Path,
                                                         cli: Any) -> None:
    run = unfinished(tiny_finished_run, tmp_path / "run")
    (run / "folds" / "fold-001.npz").rename(run / "folds" / "fold-009.npz")
    shutil.copyfile(run / "folds" / "fold-000.npz", run / "folds" / "fold-001.npz")
    line = ("folds/fold-001.npz holds fold 0's samples, not fold 1's (a copy or a renamed "
            "file of another fold); delete it")
    for command in ("status", "validate", "show"):  # the one beyond after it (84aa, Z2)
        code, out, err = cli(command, run)
        said = out + err
        assert line in said and said.index("fold-001") < said.index("fold-009"), \
            (command, out, err)
    code, out, err = cli("run", "--resume", run, "--quiet", "--threads", "1")
    assert code == 2 and f"{run}/{line}" in err and err.index("fold-001") < \
        err.index("fold-009"), out + err
    assert not (run / "results.json").exists()


def test_validate_says_the_unfinished_runs_line_of_its_folds_link(tiny_finished_run: Path,
                                                                  tmp_path: Path, cli: Any) -> None:
    run = unfinished(tiny_finished_run, tmp_path / "run")
    (run / "folds").rename(tmp_path / "elsewhere")
    (run / "folds").symlink_to(tmp_path / "elsewhere")
    line = (f"folds is a symbolic link (to {tmp_path / 'elsewhere'}), not the run's folder "
            "of finished folds; put the folder itself in its place")
    code, out, err = cli("status", run)
    assert code == 0 and line in out, out + err
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code == 2 and line in err and "not finished yet" in err, (command, out, err)
        assert "refused unread" not in err and len(err.strip().splitlines()) == 1, err
