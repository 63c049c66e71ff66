"""Pass 84af, AF2 and AF3: how a result folder's kind is told when a file of it is damaged or
misnamed. AF2: an action-unit run whose run.json lost its task was an unfinished emotion run
to status, which advised deleting its finished folds. AF3: a result file under another
kind's name was read by its name, each command saying another wrong cause. status,
validate, show and run --resume now say one cause and fix, and the fix followed validates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import (
    COMMITTED_RESULTS,
    TINY_SPOT,
    TINY_TUNING,
    built_once,
    one_line,
    run_cli,
)

from merbench.results.schema import read_results

AU_RUN = COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0"
TUNING = COMMITTED_RESULTS / "tunings" / "ststnet-composite" / "test-scored"


@pytest.fixture(scope="module")
def spotting(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(out: Path) -> None:
        code, _, err = run_cli("spot", *TINY_SPOT, "--out", out)
        assert code == 0, err

    return built_once(tmp_path_factory, "kindfile-spots", build)


def _said(cli, command: str, folder: str) -> tuple[int, str]:
    code, out, err = cli(*command.split(), folder)
    return code, (out + err).strip()


def test_an_au_run_whose_run_json_lost_its_task_is_said_as_validate_says_it(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(AU_RUN, "run")
    kept = Path("run/run.json").read_bytes()
    data = json.loads(kept)
    data["identity"].pop("task")
    Path("run/run.json").write_text(json.dumps(data))
    for command in ("status", "validate", "show", "run --quiet --resume"):
        code, said = _said(cli, command, "run")
        assert "restore run.json from a copy of the run" in said, (command, said)
        assert code != 0 or command == "status"  # status's line for a run, not an error
        assert "delete them" not in said and "Traceback" not in said
    assert len(list(Path("run/folds").glob("*.npz"))) == 52  # nothing was removed
    # no count of run.json's folds ("0/52") beside the 52 good fold files (84ah)
    said = _said(cli, "status", "run")[1]
    assert said.startswith("run: ststnet on composite/loso, seed 0: written, but "), said
    Path("run/run.json").write_bytes(kept)  # the fix followed
    code, said = _said(cli, "validate", "run")
    assert code == 0 and said.startswith("ok: run"), said


CASES = [("au", "au-results.json", "results.json"), ("au", "au-results.json", "spotting.json"),
         ("emotion", "results.json", "au-results.json"),
         ("emotion", "results.json", "spotting.json"),
         ("spotting", "spotting.json", "results.json"),
         ("spotting", "spotting.json", "au-results.json"),
         ("tuning", "tune.json", "results.json")]


@pytest.mark.parametrize(("kind", "right", "wrong"), CASES)
def test_a_result_file_under_another_kinds_name_is_named_by_every_command(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_finished_run: Path,
        spotting: Path, kind: str, right: str, wrong: str) -> None:
    source = {"au": AU_RUN, "emotion": tiny_finished_run, "spotting": spotting,
              "tuning": TUNING}[kind]
    monkeypatch.chdir(tmp_path)
    shutil.copytree(source, "res", symlinks=True)
    Path("res", right).rename(Path("res", wrong))
    line = f"res: {wrong} is the result file of "
    commands = ["status", "validate", "show"]
    if kind in ("au", "emotion"):
        commands.append("run --quiet --resume")
    said = []
    for command in commands:
        code, text = _said(cli, command, "res")
        assert code != 0 and line in text and f"rename it {right}" in text, (command, text)
        assert "give it back the version" not in text and "Traceback" not in text
        said.append(text[text.index(line):].splitlines()[0])
    assert len(set(said)) == 1, said  # one cause and fix
    assert not Path("res", right).exists()  # run --resume wrote nothing beside it
    Path("res", wrong).rename(Path("res", right))  # the fix followed
    code, text = _said(cli, "validate", "res")
    assert code == 0 and text.startswith("ok: res"), text


def test_a_version_fix_is_offered_only_where_a_version_fits(tmp_path: Path) -> None:
    data = json.loads((AU_RUN / "au-results.json").read_text())
    data.pop("kind")  # no kind: read as a run's results file, which no version fits
    (tmp_path / "results.json").write_text(json.dumps(data))
    with pytest.raises(Exception, match="no schema_version fits its fields") as caught:
        read_results(tmp_path / "results.json")
    assert "give it back the version" not in str(caught.value)


@pytest.mark.parametrize(("wrong", "begun"), [("results.json", False), ("tune.json", True),
                                              ("results.json", True)])
def test_a_tunings_record_under_a_result_files_name_is_named_by_every_command(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wrong: str,
        begun: bool) -> None:
    """A tuning's ``tuning.json`` records no kind: renamed as a result file it was read by
    that name, an emotion run's results file with no schema_version, or a tuning whose
    record was missing. Its fields (spec and mode) tell it; ``begun``: a tuning that has
    written its record alone."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(TUNING, "res")
    if begun:
        for name in ("tune.json", "predictions.csv", "runs.tar.xz"):
            Path("res", name).unlink()
    Path("res", "tuning.json").rename(Path("res", wrong))
    whose = "its result file" if wrong == "tune.json" else "the result file of an emotion run"
    line = (f"res: {wrong} is the tuning.json of a tuning (it records no kind, in the layout "
            f"of tuning.json), not {whose}: rename it tuning.json")
    for command in ("status", "validate", "show"):
        code, text = _said(cli, command, "res")
        assert code != 0 and line in text, (command, text)
    Path("res", wrong).rename(Path("res", "tuning.json"))  # the fix followed
    code, text = _said(cli, "validate" if not begun else "status", "res")
    assert "tuning.json" not in text or "rename" not in text, text
    if not begun:
        assert code == 0 and text.startswith("ok: res"), text


@pytest.mark.parametrize(("kind", "right"), [("tuning", "tune.json"),
                                             ("spotting run", "spotting.json")])
def test_tune_and_spot_going_on_refuse_a_misnamed_result_file_as_status_says_it(
        cli, examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        kind: str, right: str) -> None:
    """The same tune or spot command again in its folder goes on with what is there: with
    its result file under another kind's name it was told to give a new folder (the file
    read as another result's), while run --resume named the file and its right name."""
    monkeypatch.chdir(tmp_path)
    Path("tiny.toml").write_text(TINY_TUNING)
    shutil.copytree(examples[kind], "res")
    Path("res", right).rename(Path("res", "results.json"))
    before = sorted((str(p), p.stat().st_mtime_ns) for p in Path("res").rglob("*"))
    _, said = _said(cli, "status", "res")
    line = said[said.index("res: results.json is the result file of "):].splitlines()[0]
    assert f"rename it {right}" in line, line
    again = ("tune", "tiny.toml", "--score", "test", "--threads", "1", "--quiet") \
        if kind == "tuning" else ("spot", *TINY_SPOT)
    code, _, err = cli(*again, "--out", "res")
    assert code != 0 and one_line(err) == f"merbench: error: {line}", err
    assert sorted((str(p), p.stat().st_mtime_ns) for p in Path("res").rglob("*")) == before


SEEDS_AGAIN = {"tuning summary over seeds": ("tune", "tiny.toml", "--score", "test",
                                             "--threads", "1", "--quiet"),
               "spot-then-recognise summary over seeds": (
                   "spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1")}


@pytest.mark.parametrize(("summary", "right"), [
    ("tuning summary over seeds", "tune-seeds.json"),
    ("spot-then-recognise summary over seeds", "str-seeds.json")])
def test_tune_and_spot_seeds_refuse_their_summary_misnamed_as_status_says_it(
        cli, examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        summary: str, right: str) -> None:
    """The --seeds command again in its folder, its summary under another kind's name: it
    was told to give a new folder (the folder read as that kind's result)."""
    monkeypatch.chdir(tmp_path)
    Path("tiny.toml").write_text(TINY_TUNING)
    shutil.copytree(examples[summary], "res")
    Path("res", right).rename(Path("res", "seeds.json"))
    _, said = _said(cli, "status", "res")
    line = said[said.index("res: seeds.json is the result file of "):].splitlines()[0]
    line = line.removesuffix(" ('merbench validate' refuses it)")
    assert line.endswith(f"rename it {right}"), line
    code, _, err = cli(*SEEDS_AGAIN[summary], "--seeds", "0,1", "--out", "res")
    assert code != 0 and one_line(err) == f"merbench: error: {line}", err


def test_a_seed_tuning_whose_result_file_is_misnamed_is_named_for_its_rename(
        cli, examples: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A seed's tuning with its tune.json as results.json: the summary's check called it an
    emotion run to move out (and tune --seeds called it a file no tuning writes), while the
    seed's own line named its right name."""
    monkeypatch.chdir(tmp_path)
    Path("tiny.toml").write_text(TINY_TUNING)
    shutil.copytree(examples["tuning summary over seeds"], "res")
    Path("res", "seed-0", "tune.json").rename(Path("res", "seed-0", "results.json"))
    renamed = ("results.json is the result file of a tuning (it records kind \"tune\"), not "
               "of an emotion run: rename it tune.json")
    for command in ("status", "validate", "show"):
        code, text = _said(cli, command, "res")
        assert f"res: seed 0's run folder seed-0: {renamed}" in text, (command, text)
        assert "move seed-0" not in text and (code != 0 or command == "status")
    code, _, err = cli(*SEEDS_AGAIN["tuning summary over seeds"], "--seeds", "0,1", "--out",
                       "res")
    assert code != 0 and one_line(err) == f"merbench: error: res/seed-0: {renamed}", err


@pytest.mark.parametrize(("example", "right", "wrong"), [
    ("spotting run", "spotting.json", "results.json"),
    ("summary over seeds", "seeds.json", "au-seeds.json"),
    ("summary over seeds", "seeds.json", "tune-seeds.json")])
def test_run_resume_names_a_misnamed_result_file_of_a_folder_with_no_run_json(
        cli, examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        example: str, right: str, wrong: str) -> None:
    """A folder holding no run.json of its own: run --resume judged its kind by the
    misnamed file's name (a spotting run's file as results.json went on as a spotting run,
    an emotion summary as tune-seeds.json was called a tuning), where status names the
    file and its right name."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples[example], "res", symlinks=True)
    Path("res", right).rename(Path("res", wrong))
    _, said = _said(cli, "status", "res")
    line = said[said.index(f"res: {wrong} is the result file of "):].splitlines()[0]
    line = line.removesuffix(" ('merbench validate' refuses it)")
    assert line.endswith(f"rename it {right}"), line
    code, _, err = cli("run", "--quiet", "--resume", "res")
    assert code != 0 and one_line(err) == f"merbench: error: {line}", err
