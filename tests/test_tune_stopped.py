"""A search stopped by ``tune --timeout-s`` (``complete: false``): ``status``, the export and
the tuning page say it stopped early and how many trials ran, and the same command
completing it later is a row moved with new runs to ``leaderboard diff``, never a score
edited in place."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import tomllib

from merbench.plugin_system.manager import load_plugins
from merbench.runner.spec import RunSettings
from merbench.tuning.record import NESTED, TuneResults, read_tune
from merbench.tuning.space import parse_tune

# three subjects, one epoch: the runs only have to exist and differ between learning rates
TINY = """
model = "ststnet"
dataset = "synthetic"
inner_folds = 2
[dataset_options]
subjects = 3
[options]
epochs = 1
[search]
sampler = "grid"
pruner = "median"
[space]
lr = {choices = [0.001, 0.03]}
"""

STOPPED = "stopped early (--timeout-s): 1 of 2 trials"


def _tune(out: Path, timeout_s: float | None) -> TuneResults:
    from merbench.tuning.run_tuning import tune

    spec = parse_tune(tomllib.loads(TINY), "tiny.toml")
    return tune(spec, NESTED, RunSettings(threads=1), out, load_plugins(), timeout_s=timeout_s)


@pytest.fixture(scope="module")
def searches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(OLD, NEW): results folders holding the search stopped after its first round, and
    the same search the same command completed since."""
    root = tmp_path_factory.mktemp("stopped")
    old, new = root / "old", root / "new"
    stopped = _tune(old / "t", timeout_s=1e-9)
    assert not stopped.complete and {len(o.trials) for o in stopped.outer} == {1}
    shutil.copytree(old, new)
    assert _tune(new / "t", timeout_s=None).complete
    return old, new


def test_status_says_the_search_stopped_and_goes_on(searches: tuple[Path, Path],
                                                    cli) -> None:
    old, new = searches
    code, out, err = cli("status", old / "t")
    assert code == 0, err
    assert "finished: tune.json written" not in out, out
    assert "stopped by --timeout-s: 1 of 2 trials per outer fold ran" in out and \
        "the same merbench tune command goes on" in out, out
    code, out, err = cli("show", old / "t")  # still a result to show, saying it stopped
    assert code == 0 and "stopped by --timeout-s" in out, out + err
    code, out, _ = cli("status", new / "t")
    assert out.rstrip().endswith("finished: tune.json written"), out


def test_export_and_page_say_the_search_stopped_early(searches: tuple[Path, Path],
                                                      tmp_path: Path, cli) -> None:
    old, new = searches
    code, out, err = cli("leaderboard", "export", "tune-synthetic-loso", "--results", old)
    row = out.splitlines()[1]
    assert code == 0 and f"seed 0; {STOPPED};" in row, out + err
    code, out, err = cli("leaderboard", "export", "tune-synthetic-loso", "--results", new)
    assert code == 0 and "stopped early" not in out, out + err
    code, _, err = cli("leaderboard", "build", "--results", old, "--out", tmp_path / "site")
    assert code == 0, err
    assert STOPPED in (tmp_path / "site" / "tuning.html").read_text()


def test_a_search_completed_since_moved_with_new_runs(searches: tuple[Path, Path],
                                                       cli) -> None:
    old, new = searches
    code, out, err = cli("leaderboard", "diff", old, new)
    assert code == 0, out + err
    moved = [line for line in out.splitlines() if line.startswith("~ tune-synthetic-loso")]
    assert len(moved) == 1 and "(moved; " in moved[0] and "new run(s)" in moved[0], out
    assert "without a new run" not in moved[0] and "1 moved (0 without a new run)" in out, out
    # the inner runs of the trials the stop left: at least one per outer fold and inner fold
    added = int(moved[0].split("(moved; ")[1].split(" new run(s)")[0])
    assert added >= 3 * 2, moved[0]


def test_trials_ran_says_outer_folds_that_differ(searches: tuple[Path, Path]) -> None:
    old, new = searches
    stopped, complete = read_tune(old / "t" / "tune.json"), read_tune(new / "t" / "tune.json")
    assert stopped.stopped_early() == STOPPED and complete.stopped_early() == ""
    mixed = replace(complete, complete=False, outer=[
        replace(outer, trials=outer.trials[:1]) if outer.index == complete.outer[0].index
        else outer for outer in complete.outer])
    assert mixed.trials_ran() == "1 to 2 of 2"
