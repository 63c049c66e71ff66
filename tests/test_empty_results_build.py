"""``leaderboard build`` of a ``--results`` folder that holds no result: ``--strict``, the
publishing gate, wrote a site of no run with exit status 0 from an empty folder or a folder
of someone's files, where ``validate`` and ``status`` refused the same folder. Refused under
``--strict`` in validate's words; without it the site of no run is built (a true answer, as
an export of a benchmark nobody has run is) and one warning line says why it has no run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from merbench.kinds.no_result import no_result_said
from merbench.leaderboard.result_walk import RESULTS_GIVE


def _folder(tmp_path: Path, what: str) -> Path:
    """A --results folder holding no result: empty, someone's documents, predict's output."""
    folder = tmp_path / what
    folder.mkdir()
    if what == "documents":
        (folder / "guide").mkdir()
        (folder / "guide" / "notes.md").write_text("# notes\n")
        (folder / "README.md").write_text("# readme\n")
    if what == "predictions":
        (folder / "predictions.json").write_text(json.dumps({"schema_version": 1}))
    return folder


@pytest.mark.parametrize("what", ["empty", "documents", "predictions"])
def test_a_strict_build_refuses_a_results_folder_holding_no_result(tmp_path: Path, cli,
                                                                    what: str) -> None:
    folder = _folder(tmp_path, what)
    site = tmp_path / "site"
    code, out, err = cli("leaderboard", "build", "--results", folder, "--out", site, "--strict")
    assert code == 2 and out == "", out
    assert err.strip().splitlines() == [
        f"merbench: error: --results {no_result_said(folder, RESULTS_GIVE)}"], err
    assert not site.exists()  # nothing written
    code, _, err = cli("validate", folder)  # the same words, but for what to give instead
    assert code == 2 and err.strip() == f"merbench: error: {no_result_said(folder)}", err
    if what != "predictions":
        assert f"{folder} holds no merbench result (no results.json or " in err, err


def test_a_build_without_strict_warns_of_a_results_folder_holding_no_result(
        tmp_path: Path, cli) -> None:
    folder = _folder(tmp_path, "documents")
    site = tmp_path / "site"
    code, out, err = cli("leaderboard", "build", "--results", folder, "--out", site)
    assert code == 0, err
    assert err.strip().splitlines() == [
        f"merbench: warning: --results {no_result_said(folder, RESULTS_GIVE)}"], err
    assert "0 runs, 0 rejected" in out, out
    assert (site / "index.html").is_file()


def test_validate_says_a_folder_holding_nothing_after_one_with_a_rejection(
        tmp_path: Path, cli) -> None:
    """``validate A EMPTY`` checked A and passed EMPTY by without a word where A held an
    entry refused unread (a link): the refusals of every folder given counted for each."""
    from conftest import COMMITTED_RESULTS

    runs = tmp_path / "runs"
    run = Path(shutil.copytree(COMMITTED_RESULTS / "biwoof-release-svm-composite-lodo",
                               runs / "r"))
    (runs / "linked").symlink_to(run)
    (tmp_path / "empty").mkdir()
    code, _, err = cli("validate", runs, tmp_path / "empty")
    assert code == 2 and f"{tmp_path / 'empty'} holds no merbench result" in err, err
