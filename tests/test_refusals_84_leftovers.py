"""Refusals whose fix named an option a command that meets them may not take (issue 84's
leftovers of passes 84y and 84z): each says what the same command does instead."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TINY_RUN, one_line


def test_a_run_trained_on_other_values_says_the_same_command_trains_it_anew(
        cli, tiny_finished_run: Path, tmp_path: Path) -> None:
    """It said "start a new run with another --out", which a sweep's seed run, meeting the
    same refusal, has no option for."""
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "r"))
    for name in ("results.json", "predictions.csv"):  # stopped after its last fold
        (run / name).unlink()
    record = json.loads((run / "run.json").read_text())
    sample = sorted(record["feature_values"])[0]
    record["feature_values"][sample] = "0" * 64
    (run / "run.json").write_text(json.dumps(record))
    code, _, err = cli("run", *TINY_RUN, "--threads", "1", "--out", run)
    line = one_line(err)
    assert code == 2, err
    assert line.startswith(f"merbench: error: {run} was trained on other input values than "
                           f"the data gives now: 1 of "), line
    assert line.endswith(f"restore them to continue this run, or remove {run} and run the "
                         "same command again, which trains it anew"), line
    assert "--out" not in line, line


def _unfinished_with_link(source: Path, parent: Path, own: str, result_files: tuple[str, ...],
                          elsewhere: Path) -> Path:
    """A copy of the finished result ``source`` in ``parent``, its result files removed and
    its own folder ``own`` moved to ``elsewhere`` and linked back."""
    run = Path(shutil.copytree(source, parent / "r"))
    for name in result_files:
        (run / name).unlink(missing_ok=True)
    shutil.move(run / own, elsewhere)
    (run / own).symlink_to(elsewhere)
    return run


def test_a_folder_holding_an_unfinished_run_with_its_folds_linked_says_the_runs_line(
        cli, tiny_finished_run: Path, examples: dict[str, Path], tmp_path: Path) -> None:
    """validate and show of the folder holding it refused its ``folds`` as a link in a folder
    of results ("copy the folder itself into the results folder"), and the build and list
    alike, while status, and validate and show of the run, said to put the folder itself in
    its place and go on: every command says the run's line now, for a spotting run's
    ``videos`` too."""
    cases = [(tiny_finished_run, "folds", ("results.json", "predictions.csv")),
             (examples["spotting run"], "videos", ("spotting.json", "str.json"))]
    for n, (source, own, result_files) in enumerate(cases):
        parent = tmp_path / f"p{n}"
        run = _unfinished_with_link(source, parent, own, result_files, tmp_path / f"moved{n}")
        code, _, err = cli("status", run)
        assert code == 0, err
        _, status, _ = cli("status", run)
        said = status.strip().removeprefix(f"{run}: ")
        assert f"{own} is a symbolic link" in said, status
        for command in ("validate", "show"):
            code, _, err = cli(command, parent)
            assert code != 0 and one_line(err).startswith(f"merbench: error: {run} is a"), err
            assert said in one_line(err), (command, err)
        code, _, err = cli("leaderboard", "build", "--results", parent, "--out",
                           tmp_path / f"site{n}")
        assert f"merbench: rejected: {run}: is a" in err and said in err, err
        assert "copy the folder itself into the results folder" not in err, err


def test_a_finished_results_own_folder_linked_is_put_back_in_its_place(
        cli, tiny_finished_run: Path, examples: dict[str, Path], tmp_path: Path) -> None:
    """status, validate and show said "publish the folder itself" of a finished run's
    ``folds`` (a spotting run's ``videos``) linked elsewhere, which says nothing of what to
    do with the link: the fix is the unfinished run's, the folder put in its place."""
    for n, (source, own) in enumerate([(tiny_finished_run, "folds"),
                                       (examples["spotting run"], "videos")]):
        run = Path(shutil.copytree(source, tmp_path / f"r{n}"))
        shutil.move(run / own, tmp_path / f"moved{n}")
        (run / own).symlink_to(tmp_path / f"moved{n}")
        said = f"{own} is a symbolic link (to {tmp_path / f'moved{n}'}); put the folder " \
               "itself in its place"
        for command in ("status", "validate", "show"):
            _, out, err = cli(command, run)
            assert said in out + err, (command, out, err)


@pytest.mark.parametrize("audited", [False, True])
def test_a_finished_runs_missing_predictions_table_has_a_fix_that_works(
        cli, tiny_finished_run: Path, tmp_path: Path, audited: bool) -> None:
    """validate and show said "publish the complete run directory" of a finished run whose
    predictions.csv is gone, where status said to go on (with its audits moved out first):
    they say how it is written again now, and the fix works when followed."""
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "r"))
    if audited:
        assert cli("audit", run, "--folds", "1")[0] == 0
    (run / "predictions.csv").unlink()
    for command in ("validate", "show"):
        _, _, err = cli(command, run)
        line = err.splitlines()[0]
        assert "predictions.csv is missing; restore it from a copy of the run" in line, line
        assert ("move audit.json out of the folder" in line) == audited, line
    if audited:
        shutil.move(run / "audit.json", tmp_path / "audit.json")
    code, _, err = cli("run", "--resume", run)
    assert code == 0, err
    assert cli("validate", run)[0] == 0
