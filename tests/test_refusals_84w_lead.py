"""Pass 84w's W20: ``leaderboard --benchmarks`` given a run's folder read its result file as
a benchmark definition ("unknown key 'schema_version'"), where the folder is what is wrong;
W21: ``leaderboard --results`` of a path that does not exist, or of a file, said "is not a
directory"; W23: ``migrate`` of a spotting run merbench had just written was an error ("holds
no file merbench migrates"), where other current results are "already in it" (rc 0)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS, TINY_SPOT, one_line, run_cli

SEEDS = COMMITTED_RESULTS / "dual-inception-composite-loso"
AU_RUN = COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0"
#: how each refusal of a result given for definitions ends
GIVE = ("not benchmark definitions; give results with --results and a folder of *.json "
        "definitions with --benchmarks DIR (or leave it out to use the ones merbench ships)")


@pytest.mark.parametrize(("command", "given", "what"), [
    ("list", SEEDS, "the folder of a summary over seeds, a merbench result (it holds "
                    "seeds.json)"),
    ("build", SEEDS / "seed-0", "the folder of an emotion run, a merbench result (it holds "
                                "results.json)"),
    ("export", AU_RUN, "the folder of an action-unit run, a merbench result (it holds "
                       "au-results.json)"),
    ("list", SEEDS / "seeds.json", "the result file of a summary over seeds"),
])
def test_a_result_given_for_benchmarks_is_named_as_one(cli, tmp_path: Path, command: str,
                                                       given: Path, what: str) -> None:
    """It was refused as a definition with an unknown key 'schema_version'."""
    line = {"list": ("leaderboard", "list"),
            "build": ("leaderboard", "build", "--out", tmp_path / "site"),
            "export": ("leaderboard", "export", "composite-3class-loso")}[command]
    code, out, err = cli(*line, "--results", SEEDS, "--benchmarks", given)
    assert code == 2 and out == "", out
    assert one_line(err) == f"merbench: error: --benchmarks {given} is {what}, {GIVE}"
    assert not (tmp_path / "site").exists()


def test_a_spotting_run_given_for_benchmarks_to_diff_is_named_as_one(cli, tmp_path: Path
                                                                     ) -> None:
    spots = tmp_path / "spots"
    assert cli("spot", *TINY_SPOT, "--out", spots)[0] == 0
    code, _, err = cli("leaderboard", "diff", SEEDS, SEEDS, "--benchmarks", spots)
    assert code == 2
    assert one_line(err) == (f"merbench: error: --benchmarks {spots} is the folder of a "
                             f"spotting run, a merbench result (it holds spotting.json), {GIVE}")


def test_predicts_folder_given_for_benchmarks_is_named_as_it(cli, tmp_path: Path) -> None:
    (tmp_path / "predicted").mkdir()
    (tmp_path / "predicted" / "predictions.json").write_text("{}")
    code, _, err = cli("leaderboard", "list", "--benchmarks", tmp_path / "predicted")
    assert code == 2
    said = one_line(err)
    assert said.startswith(f"merbench: error: --benchmarks {tmp_path / 'predicted'} is the "
                           "output of 'merbench predict'") and said.endswith(GIVE), said


def test_a_folder_of_runs_given_for_benchmarks_names_a_run_in_it(cli) -> None:
    """leaderboards/results given as definitions: it holds no *.json, but runs."""
    code, _, err = cli("leaderboard", "list", "--benchmarks", COMMITTED_RESULTS)
    assert code == 2
    said = one_line(err)
    assert said.startswith(f"merbench: error: --benchmarks {COMMITTED_RESULTS} holds merbench "
                           f"results ({COMMITTED_RESULTS}/"), said
    assert "among them), no benchmark definition (*.json); give results with --results" in \
        said, said


def test_a_folder_of_definitions_beside_runs_is_read(cli, tmp_path: Path) -> None:
    """A run's folder inside a folder of definitions is no reason to refuse it: only the
    folder's own *.json are definitions."""
    definitions = COMMITTED_RESULTS.parents[1] / "merbench" / "leaderboard" / "definitions"
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "lodo.json").write_text((definitions / "composite-3class-lodo.json").read_text())
    (folder / "run").mkdir()
    (folder / "run" / "results.json").write_text("{}")
    (tmp_path / "results").mkdir()
    code, out, err = cli("leaderboard", "list", "--benchmarks", folder, "--results",
                         tmp_path / "results")
    assert code == 0 and "composite-3class-lodo" in out, out + err


def _export_results(cli, given: Path) -> str:
    code, out, err = cli("leaderboard", "export", "composite-3class-loso", "--results", given)
    assert code == 2 and out == "", out
    return one_line(err)


def test_results_that_do_not_exist_are_said_as_validate_says_it(cli, tmp_path: Path) -> None:
    """It was "is not a directory; pass folders that hold merbench run directories"."""
    assert _export_results(cli, tmp_path / "nosuch") == (
        f"merbench: error: --results {tmp_path / 'nosuch'}: no such file or folder; give a "
        "folder that holds merbench results (a run's folder, or a folder of runs)")


@pytest.mark.parametrize("name", ["seeds.json", "seed-0/run.json", "seed-0/folds/fold-001.npz"])
def test_a_results_own_file_given_as_results_names_its_folder(cli, name: str) -> None:
    given = SEEDS / name
    folder = given.parent.parent if given.parent.name == "folds" else given.parent
    assert _export_results(cli, given) == (
        f"merbench: error: --results {given} is a file of the result {folder}, not a folder; "
        f"give the result's folder ({folder}) or a folder that holds results")


def test_another_file_or_a_dangling_link_given_as_results_is_named(cli, tmp_path: Path
                                                                   ) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert _export_results(cli, tmp_path / "notes.txt") == (
        f"merbench: error: --results {tmp_path / 'notes.txt'} is a file, not a folder; give a "
        "folder that holds merbench results (a run's folder, or a folder of runs)")
    os.symlink(tmp_path / "gone", tmp_path / "link")
    said = _export_results(cli, tmp_path / "link")
    assert said.startswith(f"merbench: error: --results {tmp_path / 'link'}: ") and \
        "not a directory" not in said, said


@pytest.fixture(scope="module")
def str_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spotting run recognised with seeds 0 and 1 (two spotting runs and their summary),
    made once for this module's migrate tests; copy it to change it."""
    out = tmp_path_factory.mktemp("spot") / "str-seeds"
    code, _, err = run_cli("spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1",
                           "--seeds", "0,1", "--out", out)
    assert code == 0, err
    return out


def _migrated(cli, path: Path) -> str:
    code, out, err = cli("migrate", path)
    assert code == 0 and err == "", err
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize(("given", "count"), [("seed-0", 2), ("", 5), ("seed-1/str.json", 1)])
def test_a_current_spotting_run_is_already_in_the_current_layout(
        cli, str_seeds: Path, given: str, count: int) -> None:
    """A spotting run (spotting.json, str.json) and a summary over seeds (with
    str-seeds.json): nothing rewritten, every file as it was, exit status 0."""
    before = _files(str_seeds)
    out = _migrated(cli, str_seeds / given if given else str_seeds)
    assert f"0 file(s) rewritten in the current layout, {count} already in it;" in out, out
    assert _files(str_seeds) == before


def test_a_spotting_run_beside_an_emotion_run_is_counted_with_it(
        cli, str_seeds: Path, tmp_path: Path) -> None:
    """A script migrating a whole results folder no longer stops at the spotting run."""
    shutil.copytree(SEEDS / "seed-0", tmp_path / "run")  # of an older layout: rewritten
    _migrated(cli, tmp_path / "run")
    alone = re.search(r"0 file\(s\) rewritten in the current layout, (\d+) already in it",
                      _migrated(cli, tmp_path / "run"))
    assert alone is not None
    run_files = int(alone.group(1))
    shutil.copytree(str_seeds / "seed-0", tmp_path / "spots")
    out = _migrated(cli, tmp_path)
    assert f"0 file(s) rewritten in the current layout, {run_files + 2} already in it" in out, \
        out  # the run's files, and the spotting run's spotting.json and str.json


@pytest.mark.parametrize(("name", "change", "said"), [
    ("seed-0/spotting.json", {"schema_version": 2}, "spotting.json has schema_version 2; "
     "this merbench reads up to 1: upgrade merbench"),
    ("str-seeds.json", {"schema_version": None}, "str-seeds.json has no schema_version; is it "
     "a merbench file?"),
    ("str-seeds.json", {"kind": "str"}, "str-seeds.json is no spot-then-recognise summary "
     "over seeds (its kind is not 'str-seeds'); fix or remove it"),
])
def test_a_spotting_file_in_no_layout_merbench_reads_is_refused(
        cli, str_seeds: Path, tmp_path: Path, name: str, change: dict[str, object],
        said: str) -> None:
    """Called current, it would be a file migrate vouched for and validate refuses."""
    folder = tmp_path / "str-seeds"
    shutil.copytree(str_seeds, folder)
    data = json.loads((folder / name).read_text())
    data.update({key: value for key, value in change.items() if value is not None})
    for key in [key for key, value in change.items() if value is None]:
        del data[key]
    (folder / name).write_text(json.dumps(data))
    code, out, err = cli("migrate", folder)
    assert code == 2 and out == "", out
    assert one_line(err) == f"merbench: error: {folder / name} {said.split(' ', 1)[1]}"
