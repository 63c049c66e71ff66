"""A ``--seeds`` folder of another configuration, and a run whose model plugin is gone
(pass 84ab, AB12, and a leftover of its resume findings).

AB12: ``run --seeds 0,1 --epochs 2`` into a finished ``--seeds`` folder of ``--epochs 1`` was
refused seed by seed, each seed's folder named as the one to delete; doing so trained that
seed anew and refused the next, leaving seeds of two configurations beside one summary, which
validate then rejected for a date rather than for the mixed epochs.

Leftover: going on with an unfinished run (``run --resume``, or the same command again) whose
model plugin is no longer installed said "unknown model 'x'; available: ...", offering other
models to a command that cannot choose one; its ``run.json`` names the model it was made with.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FOREST_RUN, SKLEARN_FOREST_PLUGIN, TINY_RUN, CliResult, one_line

Cli = Callable[..., CliResult]
#: the tiny run less its ``--epochs 1``, which each test gives
RUN = TINY_RUN[:TINY_RUN.index("--epochs")] + TINY_RUN[TINY_RUN.index("--epochs") + 2:]


def _seeds_copy(examples: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the finished ``--seeds 0,1`` example (trained with ``--epochs 1``)."""
    folder = tmp_path / "s2"
    shutil.copytree(examples["summary over seeds"], folder)
    return folder


def test_a_seeds_folder_of_other_epochs_is_refused_whole_before_any_seed_trains(
        cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    folder = _seeds_copy(examples, tmp_path)
    shutil.rmtree(folder / "seed-0")  # as the refusal of seed-0's folder once advised
    code, _, err = cli("run", *RUN, "--epochs", "2", "--threads", "1", "--seeds",
                       "0,1", "--out", folder)
    assert code == 2
    assert one_line(err) == (
        f"merbench: error: --out {folder} holds seed runs of another configuration "
        "(hyperparameters.epochs: 2 here, 1 there); choose another --out, or delete "
        f"{folder} to start over")
    assert not (folder / "seed-0").exists()  # nothing trained beside the other seeds


def test_the_same_seeds_command_still_goes_on_in_its_folder(
        cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    folder = _seeds_copy(examples, tmp_path)
    shutil.rmtree(folder / "seed-1")
    code, _, err = cli("run", *RUN, "--epochs", "1", "--threads", "1", "--seeds", "0,1",
                       "--out", folder)
    assert code == 0, err
    assert (folder / "seed-1" / "results.json").is_file()


def test_seed_runs_of_two_configurations_are_said_before_any_date(
        cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    folder = _seeds_copy(examples, tmp_path)
    other = tmp_path / "epochs-2"
    code, _, err = cli("run", *RUN, "--epochs", "2", "--threads", "1", "--seeds", "0",
                       "--out", other)
    assert code == 0, err
    shutil.rmtree(folder / "seed-0")
    shutil.copytree(other / "seed-0", folder / "seed-0")  # newer than seeds.json
    said = (f"{folder}: seed-0 has hyperparameters.epochs 2, seed-1 hyperparameters.epochs "
            "1: the seeds of one summary must share one configuration")
    code, out, err = cli("validate", folder)
    assert code != 0
    assert said in out + err and "created" not in out + err
    code, out, err = cli("status", folder)
    assert said in out + err


@pytest.mark.parametrize(("again", "purpose"), [(("run", "--resume", "{run}"), "resume"),
                                                ((*FOREST_RUN, "--out", "{run}"), "go on with")])
def test_an_unfinished_run_of_a_plugin_gone_names_the_model_it_was_made_with(
        make_dist: Callable[..., None], tmp_path: Path, cli: Cli, again: tuple[str, ...],
        purpose: str) -> None:
    make_dist("skforest", "skp", "mb_skforest", SKLEARN_FOREST_PLUGIN)
    run = tmp_path / "r"
    code, _, err = cli(*FOREST_RUN, "--out", run)
    assert code == 0, err
    for name in ("results.json", "predictions.csv"):  # stopped before its results
        (run / name).unlink()
    shutil.rmtree(tmp_path / "site" / "skforest-1.0.dist-info")
    (tmp_path / "site" / "mb_skforest.py").unlink()
    code, _, err = cli(*(part.format(run=run) for part in again))
    assert code == 2 and one_line(err) == (
        f"merbench: error: {run} was started with model 'sk-rf' version 1, which no "
        "installed plugin provides now (its run.json records the name and version, not the "
        "package that provided it); install the plugin that provides model 'sk-rf' "
        f"(merbench list models shows what is installed) to {purpose} it")


def test_status_of_a_stopped_run_of_a_plugin_gone_says_what_going_on_would(
        make_dist: Callable[..., None], tmp_path: Path, cli: Cli) -> None:
    """``status`` (and ``validate``, which quotes it) told to run the same command to go on,
    which the run then refused: its plugin is gone. They now say the run's refusal."""
    make_dist("skforest", "skp", "mb_skforest", SKLEARN_FOREST_PLUGIN)
    run = tmp_path / "r"
    code, _, err = cli(*FOREST_RUN, "--out", run)
    assert code == 0, err
    for name in ("results.json", "predictions.csv"):
        (run / name).unlink()
    code, out, _ = cli("status", run)
    assert code == 0 and out.rstrip().endswith("to go on"), out  # installed: it can
    shutil.rmtree(tmp_path / "site" / "skforest-1.0.dist-info")
    (tmp_path / "site" / "mb_skforest.py").unlink()
    gone = ("it was started with model 'sk-rf' version 1, which no installed plugin provides "
            "now (its run.json records the name and version, not the package that provided "
            "it); install the plugin that provides model 'sk-rf' (merbench list models shows "
            "what is installed) to go on with it")
    code, out, _ = cli("status", run)
    assert code == 0 and out.rstrip().endswith(gone) and "same command" not in out, out
    code, _, err = cli("validate", run)
    assert code == 2 and gone in err and "same command" not in err, err
