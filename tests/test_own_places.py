"""What pass 84i found of places that are a result's own: a run folder whose ``run.json``
is a link (``run --resume`` read it through the link, trained, ended 0 and never wrote it
again, ``validate`` refused the folder and ``status`` said to run again: a loop), and
``keygen`` writing a private key into a result folder, which every other command that
writes refuses. Each case runs the command a user runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import TINY_RUN

LINKED = "run.json is a symbolic link (to "
FIX = "which no run goes on from ('merbench validate' refuses it); put a copy of the file " \
      "itself in its place"


def _one_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _linked_run(examples: dict[str, Path], tmp_path: Path, how: str,
                with_results: bool) -> Path:
    """A copy of the example run whose run.json is a link (``how``) to the original's."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "lnk", symlinks=False))
    if not with_results:
        for name in ("results.json", "predictions.csv"):
            (folder / name).unlink()
    original = tmp_path / "original-run.json"
    shutil.copy(folder / "run.json", original)
    (folder / "run.json").unlink()
    if how == "symbolic":
        (folder / "run.json").symlink_to(original)
    else:
        os.link(original, folder / "run.json")
    return folder


@pytest.mark.parametrize("how", ["symbolic", "hard"])
@pytest.mark.parametrize("command", ["resume", "out"])
def test_a_run_whose_run_json_is_a_link_is_refused_before_training(
        examples: dict[str, Path], tmp_path: Path, cli, how: str, command: str) -> None:
    folder = _linked_run(examples, tmp_path, how, with_results=False)
    given = ["--resume", folder, "--quiet"] if command == "resume" else \
        [*TINY_RUN, "--out", folder]
    line = _one_line(*cli("run", *given)[::2])
    option = "--resume" if command == "resume" else "--out"
    said = LINKED if how == "symbolic" else "run.json is a hard link (2 links)"
    assert line.startswith(f"merbench: error: {option} {folder}: {said}"), line
    assert line.endswith(FIX), line
    assert not (folder / "results.json").exists()  # nothing trained, nothing written
    assert (folder / "run.json").is_symlink() == (how == "symbolic")


@pytest.mark.parametrize("with_results", [True, False], ids=["results", "no results"])
def test_status_says_what_validate_says_of_a_linked_run_json(
        examples: dict[str, Path], tmp_path: Path, cli, with_results: bool) -> None:
    folder = _linked_run(examples, tmp_path, "symbolic", with_results)
    if with_results:
        code, _, err = cli("validate", folder)
        assert code == 2 and LINKED in err, err
    code, out, err = cli("status", folder)
    assert code == 0 and f"{LINKED}{tmp_path / 'original-run.json'}), {FIX}" in out, out + err
    assert "to go on" not in out and "the same command writes" not in out, out
    assert ": complete" not in out, out


def test_keygen_refuses_a_place_inside_a_result(examples: dict[str, Path], tmp_path: Path,
                                                cli, monkeypatch: pytest.MonkeyPatch) -> None:
    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "wn2b", symlinks=False))
    monkeypatch.chdir(tmp_path)
    for out in ("wn2b/key", "wn2b/folds/key", "nosuch/../wn2b/key"):
        line = _one_line(*cli("keygen", "--out", out)[::2])
        assert line == f"merbench: error: --out {out} is inside wn2b, the folder of a " \
                       "merbench result (it holds run.json), whose files are its own; give " \
                       "a file outside result folders", line
    assert sorted(p.name for p in run.iterdir()) == sorted(
        p.name for p in examples["emotion run"].iterdir())  # no key, no key.pub
    assert not (tmp_path / "nosuch").exists()
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    code, out, _ = cli("keygen", "--out", tmp_path / "keys" / "key")  # in a folder beside it
    assert code == 0 and "private key:" in out
