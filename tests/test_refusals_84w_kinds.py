"""A result's folder holding another kind's result file copied in (issue 84, pass 84w):
``status``, ``validate``, ``show``, ``audit`` and ``leaderboard build`` refuse it alike,
naming the stray file. An action-unit run's, a spotting run's or a tuning's folder with an
emotion run's ``results.json`` was "complete" to status and an emotion run missing fold
files to validate and show (W18); an emotion run's folder with an AU run's
``au-results.json`` (or a spotting run's ``spotting.json``) was "ok" to validate while the
build rejected it (W19)."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest


def _mixed(examples: dict[str, Path], tmp_path: Path, own: str, stray: str,
           files: tuple[str, ...]) -> Path:
    """A copy of the example of the kind ``own`` with ``files`` of the example of ``stray``
    copied in, in a results folder of its own."""
    folder = tmp_path / "results" / "mixed"
    shutil.copytree(examples[own], folder)
    for name in files:
        shutil.copy(examples[stray] / name, folder / name)
    return folder


def _refused_alike(cli, folder: Path, tmp_path: Path, reason: str) -> None:
    """Every command that takes the result says ``reason`` of ``folder``, exit status 2,
    and the build publishes neither result, giving that reason on its page."""
    said = f"{folder}: {reason}"
    for command in (("status", folder), ("validate", folder), ("show", folder),
                    ("validate", folder.parent), ("audit", folder, "--folds", "1")):
        code, _, err = cli(*command)
        assert code == 2 and said in err and "Traceback" not in err, (command, err)
    code, out, err = cli("leaderboard", "build", "--results", folder.parent, "--out",
                         tmp_path / "site")
    assert code == 0 and "0 runs, 1 rejected)" in out + err and " also " not in out + err, \
        out + err
    assert reason in html.unescape((tmp_path / "site" / "index.html").read_text())


@pytest.mark.parametrize(("own", "files"), [
    ("action-unit run", ("results.json",)),
    ("spotting run", ("results.json", "predictions.csv")),
    ("tuning", ("results.json",)),
])
def test_an_emotion_runs_results_in_another_kinds_folder_is_named(
        examples: dict[str, Path], tmp_path: Path, cli, own: str,
        files: tuple[str, ...]) -> None:
    """W18: status called the folder complete; validate, show and audit said the emotion
    run's fold files were missing, naming no stray file."""
    folder = _mixed(examples, tmp_path, own, "emotion run", files)
    called = {"action-unit run": "an action-unit run (au-results.json)",
              "spotting run": "a spotting run (spotting.json)",
              "tuning": "a tuning (tune.json, tuning.json)"}[own]
    _refused_alike(cli, folder, tmp_path,
                   f"results.json (the result file of an emotion run) is in the folder of "
                   f"{called}; a folder holds one result: remove results.json")


@pytest.mark.parametrize(("stray", "files", "called"), [
    ("action-unit run", ("au-results.json", "au-predictions.csv"), "an action-unit run"),
    ("spotting run", ("spotting.json",), "a spotting run"),
])
def test_another_kinds_result_in_an_emotion_runs_folder_is_named(
        examples: dict[str, Path], tmp_path: Path, cli, stray: str, files: tuple[str, ...],
        called: str) -> None:
    """W19: validate said the folder ok (status complete, show printed it) while the build
    rejected it; validate of the stray file alone gave a third reason."""
    folder = _mixed(examples, tmp_path, "emotion run", stray, files)
    reason = (f"{files[0]} (the result file of {called}) is in the folder of an emotion run "
              f"(results.json); a folder holds one result: remove {files[0]}")
    _refused_alike(cli, folder, tmp_path, reason)
    code, _, err = cli("validate", folder / files[0])
    assert code == 2 and f"{folder}: {reason}" in err, err


def test_two_kinds_results_with_nothing_saying_whose_folder_it_is_are_both_named(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """With its run.json gone, no file says which result is the folder's: both are named."""
    folder = _mixed(examples, tmp_path, "emotion run", "action-unit run", ("au-results.json",))
    (folder / "run.json").unlink()
    _refused_alike(cli, folder, tmp_path,
                   "holds the result files of 2 kinds of result: results.json (an emotion "
                   "run); au-results.json (an action-unit run); a folder holds one result: "
                   "keep the folder's own and remove the others")
