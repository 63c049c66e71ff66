"""Pass 84z's Z7 and Z8, met as a user meets them: migrate reads a spotting run's
``spot-run.json`` and a tuning's ``tuning.json`` as status and validate read them, and a
seed run's or a resumed run's unreadable ``run.json`` is refused with a fix the command
it is met by takes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import TINY_RUN, TINY_SPOT, TINY_TUNING, built_once, run_cli
from refusal_line import refusal_line


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished spotting run (``spot``) and a finished tuning (``tune``)."""

    def build(root: Path) -> None:
        root.mkdir(exist_ok=True)
        assert run_cli("spot", *TINY_SPOT, "--out", root / "spot")[0] == 0
        (root / "tiny.toml").write_text(TINY_TUNING)
        code, _, err = run_cli("tune", root / "tiny.toml", "--score", "test", "--threads", "1",
                               "--quiet", "--out", root / "tune")
        assert code == 0, err

    return built_once(tmp_path_factory, "z84-migsweep", build)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize(("result", "record", "said"), [
    ("spot", "spot-run.json", "cannot be read (it holds a list, not a JSON object)"),
    ("tune", "tuning.json", "is not the record of a search (it holds a list, not a JSON "
                            "object)")])
def test_migrate_refuses_a_run_record_that_is_a_list_as_validate_says_it(
        made: Path, cli, tmp_path: Path, result: str, record: str, said: str) -> None:
    """Z7: migrate called a spotting run whose spot-run.json was ``[]`` (a tuning whose
    tuning.json was) current, status 0; validate said the spot-run.json was "edited"."""
    folder = Path(shutil.copytree(made / result, tmp_path / "mq"))
    (folder / record).write_text("[]\n")
    before = _files(folder)
    line = refusal_line(*cli("migrate", folder))
    assert line.startswith(f"merbench: error: {folder / record} {said}") and \
        line.endswith("fix or remove it; nothing was rewritten"), line
    assert _files(folder) == before
    rejected = cli("validate", folder)[2].splitlines()[0]
    assert rejected.startswith(f"merbench: rejected: {folder}: {record} {said}"), rejected


@pytest.mark.parametrize(("result", "record"), [
    ("spot", "spot-run.json"), ("tune", "tuning.json")])
@pytest.mark.parametrize("text", ["{}", '{"schema_version": 99}'])
def test_migrate_refuses_a_run_record_naming_no_run(
        made: Path, cli, tmp_path: Path, result: str, record: str, text: str) -> None:
    """Z7: ``{}`` or ``{"schema_version": 99}`` there was "already in" the current layout."""
    folder = Path(shutil.copytree(made / result, tmp_path / "mq"))
    (folder / record).write_text(text + "\n")
    line = refusal_line(*cli("migrate", folder))
    assert line.startswith(f"merbench: error: {folder / record} "), line
    assert line.endswith("nothing was rewritten"), line


def test_migrate_still_calls_a_whole_spotting_run_and_tuning_current(made: Path, cli) -> None:
    code, out, err = cli("migrate", made / "spot", made / "tune")
    assert code == 0 and "0 file(s) rewritten in the current layout, 2 already in it" in out, err


@pytest.mark.parametrize("entry", ["folder", "fifo"])
def test_a_run_json_that_is_no_file_is_refused_with_a_fix_the_command_takes(
        cli, tmp_path: Path, entry: str) -> None:
    """Z8: a run (a sweep's seed run alike) whose run.json was a folder or a fifo was
    refused with "give a regular file", which no command that trains takes."""
    folder = tmp_path / "rj"
    folder.mkdir()
    (folder / "run.json").mkdir() if entry == "folder" else os.mkfifo(folder / "run.json")
    line = refusal_line(*cli("run", *TINY_RUN, "--out", folder))
    assert line == (f"merbench: error: {folder / 'run.json'} is unreadable (a {entry} stands "
                    "in its place), so the run in it cannot go on; restore it from a copy of "
                    f"the run, or remove {folder} and run the same command again, which "
                    "trains it anew"), line
    # status and resume say the same, not "give a regular file" (Z8, left partly fixed)
    said = f"{folder / 'run.json'} is unreadable (a {entry} stands in its place)"
    status = refusal_line(*cli("status", folder))
    assert status == f"merbench: error: {said}; it records what ran, so restore it from a " \
        "copy of the run", status
    resumed = refusal_line(*cli("run", "--resume", folder))
    assert f"run.json is unreadable (a {entry} stands in its place), so nothing says what " \
        "to resume; restore it from a copy of the run" in resumed, resumed


def test_a_finished_run_s_run_json_that_is_a_folder_has_one_fix(
        cli, examples: dict[str, Path], tmp_path: Path) -> None:
    """Z8's neighbour: validate and show told to remove a finished run's run.json folder
    for "the same command" to write it again, which no command does of a finished run;
    status said "give a regular file". All three say to restore it from a copy now."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "r"))
    (folder / "run.json").unlink()
    (folder / "run.json").mkdir()
    fix = "from a copy of the run"
    for command in ("status", "validate", "show"):
        code, _, err = cli(command, folder)
        line = err.splitlines()[0]  # validate ends with its count of rejected results
        assert code != 0 and fix in line and "the same command writes" not in line, line


def test_resume_of_an_unreadable_run_json_says_run_s_second_fix(cli, tmp_path: Path) -> None:
    """Z8: resume still said "start the run again with another --out" where run --out of
    the same folder says to remove it and train it anew."""
    folder = tmp_path / "rj"
    folder.mkdir()
    (folder / "run.json").write_text("{}\n")
    line = refusal_line(*cli("run", "--resume", folder))
    assert line.endswith(f"restore it from a copy of the run, or remove {folder} and run the "
                         "command that started it again, which trains it anew"), line
