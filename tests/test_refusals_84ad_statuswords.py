"""Status handed over as typed answers, not text its callers parse (issue 84, the fixes of
pass 84ad's code-quality items): whether a stopped run's line advises going on, and whether
an unfinished run's own folder is a link; and the advice to go on said from one home."""

from __future__ import annotations

import ast
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from merbench.kinds import started_kind, unfinished_with_own_link
from merbench.results.go_on import GO_ON, RESUME, SPOT_AGAIN
from merbench.results.kind_names import EMOTION_RUN, SPOTTING_RUN
from merbench.runner import recorded_plugins
from merbench.runner.status import RunStatus
from merbench.runner.status_line import StatusLine, describe

STOPPED = RunStatus(path=Path("r"), model="ststnet", dataset="synthetic", protocol="loso",
                    seed=0, n_folds=3, finished=1, fold_seconds=(4.0,), damaged=0, saved=(),
                    epochs=1, complete=False, running=False)


def test_a_stopped_runs_line_says_apart_that_it_goes_on() -> None:
    """A stopped run with nothing to fix goes on; one whose fold file is damaged is told to
    delete it first, so its line is no advice to go on, though it names the same command."""
    said = describe(STOPPED)
    assert said.goes_on and said.text.endswith(f"; {GO_ON}") and GO_ON not in said.said
    damaged = describe(replace(STOPPED, damaged=1, damaged_files=("folds/fold-001.npz",)))
    assert not damaged.goes_on and "then run the same command" in damaged.text
    assert not describe(replace(STOPPED, running=True)).goes_on


def test_the_advice_to_go_on_is_replaced_by_what_the_line_says_not_by_its_text(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """go_on_said tested whether the line's text ended with the advice: a line that only
    quotes it is left as it is, without loading the plugins to ask."""
    def no_load() -> None:
        raise AssertionError("the plugins were loaded for a line that does not go on")

    monkeypatch.setattr(recorded_plugins, "load_plugins", no_load)
    quoted = StatusLine((f"r: the run's model is called '{GO_ON}'",))
    assert recorded_plugins.go_on_said(tmp_path, quoted) == quoted.text


def _unfinished_with_links(source: Path, tmp_path: Path, own: str,
                           result_files: tuple[str, ...]) -> Path:
    """A copy of the finished result ``source``, its result files removed, its own folder
    ``own`` moved elsewhere and linked back, and a link ``extra`` to a folder beside it."""
    run = Path(shutil.copytree(source, tmp_path / "r"))
    for name in result_files:
        (run / name).unlink(missing_ok=True)
    shutil.move(run / own, tmp_path / "moved")
    (run / own).symlink_to(tmp_path / "moved")
    (tmp_path / "other").mkdir()
    (run / "extra").symlink_to(tmp_path / "other")
    return run


def test_an_unfinished_runs_status_hands_over_its_links_and_the_walk_asks_it(
        tiny_finished_run: Path, tmp_path: Path) -> None:
    """The walk's rule for an unfinished run's own folder linked elsewhere looked for "folds
    is a symbolic link" in the run's status line; the kind now says which entries are
    links, and the rule asks it (the line is what it was)."""
    run = _unfinished_with_links(tiny_finished_run, tmp_path, "folds",
                                 ("results.json", "predictions.csv"))
    kind = started_kind(run)
    assert kind is not None and kind.name == EMOTION_RUN
    progress = kind.status(run)
    assert progress.linked == ("extra", "folds"), progress
    assert "folds is a symbolic link" in progress.line and \
        "extra is a symbolic link" in progress.line, progress.line
    said = unfinished_with_own_link(run / "folds")
    assert said is not None and said.startswith("is an emotion run not finished yet") and \
        progress.line.removeprefix(f"{run}: ") in said, said
    assert unfinished_with_own_link(tmp_path / "moved") is None  # no run holds it


def test_an_unfinished_spotting_runs_linked_videos_are_handed_over(
        examples: dict[str, Path], tmp_path: Path) -> None:
    """A spotting run's ``videos`` linked elsewhere, as a run's ``folds``."""
    run = _unfinished_with_links(examples["spotting run"], tmp_path, "videos",
                                 ("spotting.json", "str.json"))
    kind = started_kind(run)
    assert kind is not None and kind.name == SPOTTING_RUN
    progress = kind.status(run)
    assert progress.linked == ("videos",) and "videos is a symbolic link" in progress.line
    assert unfinished_with_own_link(run / "videos") is not None


def test_the_advice_to_go_on_has_one_home() -> None:
    """The words that tell how a stopped run (or spotting run) is gone on with were written
    out in status, the fold folder's faults, the missing tables' fixes and the spotting
    run's videos: each now takes them from :mod:`merbench.results.go_on`. A literal of them
    anywhere else in merbench (adjacent literals joined, as Python joins them) is a copy."""
    root = Path(__file__).resolve().parents[1] / "merbench"
    home = root / "results" / "go_on.py"
    copies = []
    for path in sorted(root.rglob("*.py")):
        if path == home:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                    words in node.value for words in (RESUME, SPOT_AGAIN)):
                copies.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not copies, copies
