"""Pass 84y's Y3, Y4, Y11 and Y13, met as a user meets them: migrate checks every seeds
summary and an older run's layout before rewriting anything, a fifo given as the result
path is said alike by status, validate and show, and an empty ``MERBENCH_CACHE_DIR`` is
refused instead of reaching the default cache in the home folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS
from refusal_line import refusal_line


@pytest.mark.parametrize("action", ["info", "clear"])
def test_an_empty_cache_variable_is_refused_not_taken_as_unset(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """Y13: ``MERBENCH_CACHE_DIR=`` was taken as unset, and ``cache clear`` emptied the
    default cache in the home folder with no word of where it came from."""
    home = tmp_path / "home"
    default = home / ".cache" / "merbench"
    default.mkdir(parents=True)
    (default / "kept.txt").write_text("someone's")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "")
    line = refusal_line(*cli("cache", action))
    assert line == ("merbench: error: MERBENCH_CACHE_DIR is set but empty; set it to a "
                    "folder, or unset it to use the default (~/.cache/merbench)"), line
    assert (default / "kept.txt").read_text() == "someone's"


def test_a_fifo_given_as_the_result_is_said_alike_by_status_validate_and_show(
        cli, tmp_path: Path) -> None:
    """Y11: status said "not a directory", show "no file a merbench result is written in"
    and validate "not a regular file" of the same fifo; audit already said what it is."""
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    for command in ("status", "show", "validate", "audit", "migrate"):
        code, _, err = cli(command, fifo)
        assert code == 2 and "Traceback" not in err, (command, err)
        assert f"{fifo} is a fifo, not a result; " in err or \
            f"{fifo}: is a fifo, not a result; " in err, (command, err)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize(("kind", "summary"), [
    ("action-unit summary over seeds", "au-seeds.json"),
    ("tuning summary over seeds", "tune-seeds.json")])
@pytest.mark.parametrize("text", ["[]", "{}", '"x"', '{"schema_version": 99}'])
def test_migrate_checks_every_summary_over_seeds_is_in_its_layout(
        examples: dict[str, Path], cli, tmp_path: Path, kind: str, summary: str,
        text: str) -> None:
    """Y3: an AU or tuning summary over seeds in no layout was counted "already in" the
    current one (status 0), where seeds.json and str-seeds.json damaged alike were refused."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "mq"))
    (folder / summary).write_text(text + "\n")
    before = _files(folder)
    line = refusal_line(*cli("migrate", folder))
    assert line.startswith(f"merbench: error: {folder / summary} is ") and \
        line.endswith("fix or remove it; nothing was rewritten"), line
    assert _files(folder) == before


@pytest.mark.parametrize("change", ["dataset missing", "model 5", "seed text", "seed null"])
def test_migrate_refuses_an_older_run_whose_results_break_the_layout(
        cli, tmp_path: Path, change: str) -> None:
    """Y4: an older run whose results.json lacked 'dataset' (or held 'seed' "zero") was
    rewritten with its fold files' new digests and called current; validate refused the
    file before and after."""
    folder = tmp_path / "mix" / "o"
    shutil.copytree(COMMITTED_RESULTS / "rcn-composite-loso" / "seed-1", folder)
    record = json.loads((folder / "results.json").read_text())
    if change == "dataset missing":
        del record["dataset"]
    else:
        field, value = change.split()
        record[field] = {"5": 5, "text": "zero", "null": None}[value]
    (folder / "results.json").write_text(json.dumps(record))
    before = _files(folder)
    rejected = cli("validate", folder)[2].splitlines()[0]
    said = rejected.split("does not follow the results layout: ")[1]
    line = refusal_line(*cli("migrate", tmp_path / "mix"))
    assert line == (f"merbench: error: {folder / 'results.json'} does not follow the results "
                    f"layout: {said}; nothing was rewritten (fix or remove it)"), line
    assert _files(folder) == before
