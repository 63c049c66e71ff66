"""Pass 84aa's findings fixed by the lead: a database named twice (AA11), one check of
``$MERBENCH_CACHE_DIR`` for every command (AA13), and the fix for a seed run a summary does
not list naming the seeds that mend it (AA14)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TINY_RUN, one_line

from tests.test_command_folder_places import WRITTEN


def test_a_database_named_twice_is_refused(cli, tmp_path: Path) -> None:
    """AA11: it was taken and recorded as given, the same folds under a second identity."""
    code, _, err = cli("run", *TINY_RUN, "--protocol-opt", 'databases=["syn1","syn1"]',
                       "--out", tmp_path / "r")
    assert code == 2, err
    assert one_line(err) == "merbench: error: protocol option databases names 'syn1' " \
                            "twice; list each database once"
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", [("cache", "info"), ("list", "models"),
                                     ("run", *TINY_RUN)])
@pytest.mark.parametrize("where", ["a file", "a run folder"])
def test_every_command_checks_the_cache_variable_alike(
        cli, tiny_finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        command: tuple[str, ...], where: str) -> None:
    """AA13: a file was refused by ``cache info`` and passed over by a run that opened no
    feature; a run's folder refused by ``run`` and surveyed as a cache by ``cache info``."""
    value = tiny_finished_run / "results.json" if where == "a file" else tiny_finished_run
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(value))
    args = [*command, "--out", tmp_path / "r"] if command[0] == "run" else list(command)
    code, out, err = cli(*args)
    said = "is a file, not a folder; set it to a folder" if where == "a file" else \
        "is the folder of a merbench result (it holds "
    assert code == 2 and out == "", out + err
    assert one_line(err).startswith(f"merbench: error: MERBENCH_CACHE_DIR={value} "), err
    assert said in one_line(err), err


def test_a_seed_run_the_summary_does_not_list_is_mended_as_said(
        cli, examples: dict[str, Path], tmp_path: Path) -> None:
    """AA14: the fix said to run "that command" again, which was refused where it did not
    name every seed there; it names them now, and that command adds the run."""
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "sd"))
    seeds = json.loads((folder / "seeds.json").read_text())
    assert sorted(seeds["runs"]) == ["0", "1"], seeds["runs"]
    code, _, err = cli("run", *TINY_RUN, "--seed", "2", "--out", tmp_path / "s2")
    assert code == 0, err
    shutil.copytree(tmp_path / "s2", folder / "seed-2")  # another command's seed 2
    _, out, err = cli("status", folder)
    assert "run its --seeds command with every seed there (--seeds 0,1,2), which adds it " \
           "to seeds.json" in out + err, out + err
    code, _, err = cli("run", *TINY_RUN, "--seeds", "0,1,2", "--out", folder)  # as said
    assert code == 0, err
    code, out, err = cli("validate", folder)
    assert code == 0 and "rejected" not in err, out + err


@pytest.mark.parametrize("marker", [".merbench-site", "predictions.json"])
def test_a_cache_in_another_commands_output_is_refused(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
    """Pass 84ab, AB8: a cache set to a built site (or predict's folder) was written into,
    and the site's next build refused the folder for the cache's files."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / marker).write_text("{}" if marker == ".merbench-site" else
                                 json.dumps(WRITTEN["predict"]))  # what predict writes
    for value in (folder, folder / "cache"):
        monkeypatch.setenv("MERBENCH_CACHE_DIR", str(value))
        code, out, err = cli("cache", "info")
        assert code == 2 and out == "", out + err
        assert one_line(err).startswith(f"merbench: error: MERBENCH_CACHE_DIR={value} is "), err
        assert f"(it holds {marker}), whose files are its own; set it to a folder outside " \
               "it" in one_line(err), err


def test_a_learned_spotter_on_one_subject_says_so(cli, tmp_path: Path) -> None:
    """Pass 84ab, AB13: flow-score on a dataset of one subject was its plugin's fault
    ("flow-score fits on training videos; none were given; report it to the authors of
    merbench, or skip the plugin with --no-plugin spotters")."""
    code, _, err = cli("spot", "--spotter", "flow-score", "--dataset", "synthetic-long",
                       "--dataset-opt", "subjects=1", "--quiet", "--out", tmp_path / "s")
    assert code == 2 and one_line(err) == (
        "merbench: error: long-video dataset 'synthetic-long' has one subject, so spotter "
        "'flow-score' has no other subject's videos to learn from; give a dataset of two or "
        "more subjects"), err
