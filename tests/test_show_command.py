"""``merbench show PATH`` (issue 82): a finished result's text, answered by its kind, is what
the command that made it printed, for every registered kind; a path that is no finished
result is one line; text from the files is shown literally."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_RUN, printed_file

from merbench.base.terminal import path_shown
from merbench.kinds import kind_of, result_kinds

KIND_NAMES = [kind.name for kind in result_kinds()]


def _at(file: Path, *keys: str) -> Any:
    """The value at ``keys`` in the JSON file ``file`` ("@selection": the key the file's
    own ``selection`` names)."""
    data = value = json.loads(file.read_text())
    for key in keys:
        value = value[data["selection"] if key == "@selection" else key]
    return value


#: each kind's headline score, as its text prints it: (its words before the score, its
#: result file, where the score is in it)
HEADLINE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "emotion run": ("", "results.json", ("metrics", "overall", "uf1")),
    "summary over seeds": ("", "seeds.json",
                           ("policies", "@selection", "mean", "overall", "uf1")),
    "action-unit run": ("", "au-results.json", ("overall", "mean_f1")),
    "action-unit summary over seeds": ("", "au-seeds.json", ("overall", "mean", "mean_f1")),
    "spotting run": ("F1 ", "spotting.json",
                     ("policies", "training-subjects", "scores", "all", "f1")),
    "spot-then-recognise summary over seeds": ("STRS ", "str-seeds.json",
                                               ("scores", "all", "mean", "strs")),
    "tuning": ("UF1 ", "tune.json", ("overall", "uf1")),
    "tuning summary over seeds": ("UF1 ", "tune-seeds.json",
                                  ("scores", "mean", "overall", "uf1")),
}


def headline(name: str, folder: Path) -> str:
    words, file, keys = HEADLINE[name]
    return f"{words}{_at(folder / file, *keys):.4f}"


def test_every_kind_has_a_headline_here() -> None:
    assert sorted(HEADLINE) == sorted(KIND_NAMES)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kinds_text_names_its_file_and_its_headline_score(
        examples: dict[str, Path], name: str, cli: Any) -> None:
    folder = examples[name]
    kind = kind_of(folder)
    assert kind is not None and kind.name == name
    code, out, err = cli("show", folder)
    assert code == 0 and not err, err
    unwrapped = out.replace("\n", "")  # a table's console folds a long path
    assert path_shown(folder / kind.markers[0]) in unwrapped
    assert headline(name, folder) in out
    # its result file named instead of its folder: the same text
    code, by_file, err = cli("show", folder / kind.markers[0])
    assert code == 0 and by_file == out, err
    # what the command that made it printed, where the examples kept that (its own lines,
    # such as a --seeds command's seed lines, come before)
    printed = printed_file(folder)
    if printed.is_file():
        assert printed.read_text().endswith(out)


def test_a_run_shows_what_run_printed(cli: Any, tmp_path: Path) -> None:
    code, printed, err = cli("run", *TINY_RUN, "--out", tmp_path / "r")
    assert code == 0, err
    code, out, err = cli("show", tmp_path / "r")
    assert code == 0 and out == printed and "results: " in out, err


def test_a_spotting_runs_files_each_show_their_part(examples: dict[str, Path],
                                                    cli: Any) -> None:
    """A recognised spotting run's folder shows its spotting and its recognition, as
    ``spot --recognise`` printed them; each file its own part."""
    folder = examples["spot-then-recognise summary over seeds"] / "seed-0"
    code, whole, _ = cli("show", folder)
    _, spotting, _ = cli("show", folder / "spotting.json")
    _, recognised, _ = cli("show", folder / "str.json")
    assert code == 0 and whole == spotting + recognised
    assert recognised.endswith(f"spot-then-recognise: {folder / 'str.json'}\n")


def test_what_is_no_finished_result_is_one_line(cli: Any, tmp_path: Path,
                                                examples: dict[str, Path]) -> None:
    code, out, err = cli("show", tmp_path / "nowhere")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "no such file or folder" in err
    code, out, err = cli("show", tmp_path)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "holds no merbench result" in err
    (tmp_path / "notes.txt").write_text("x")
    code, out, err = cli("show", tmp_path / "notes.txt")
    assert (code, out) == (2, "") and "is no file a merbench result is written in" in err
    started = tmp_path / "started"  # a run under way: its results not written yet
    shutil.copytree(examples["emotion run"], started)
    (started / "results.json").unlink()
    code, out, err = cli("show", started)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "is an emotion run not finished yet" in err and "no fold left to train" in err


def test_text_from_the_files_is_shown_literally(cli: Any, tmp_path: Path,
                                                examples: dict[str, Path]) -> None:
    """A sample id with a control character (an escape sequence, a right-to-left override)
    is shown as its escapes, through the one renderer."""
    folder = tmp_path / "run"
    shutil.copytree(examples["emotion run"], folder)
    path = folder / "results.json"
    data = json.loads(path.read_text())
    data["dataset"]["skipped"] = [{"sample_id": "s1\x1b[2J\u202egone", "reason": "missing"}]
    path.write_text(json.dumps(data))
    code, out, err = cli("show", folder)
    assert code == 0, err
    assert "s1\\x1b[2J\\u202egone" in out.replace("\n", "")
    assert "\x1b" not in out and "\u202e" not in out
