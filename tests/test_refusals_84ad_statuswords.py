"""Status handed over as typed answers, not text its callers parse (issue 84, the fixes of
pass 84ad's code-quality items): whether a stopped run's line advises going on, and whether
an unfinished run's own folder is a link; and the advice to go on said from one home."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from merbench.runner import recorded_plugins
from merbench.runner.status import RunStatus
from merbench.runner.status_line import GO_ON, StatusLine, describe

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
