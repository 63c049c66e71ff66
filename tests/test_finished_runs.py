"""A finished run as a newcomer meets it again: its time is the run's, not the last command's;
its reported selection policy never changes in place; the terminal says each thing once.

Found on 36986b2 (issue 70): a 68-fold run that trained in 65 s, restored by a second command,
reported 2.8 s; ``--selection oracle`` on a finished ``fixed`` run rewrote its results.json
and predictions.csv in place; the oracle line said "(TEST-SET SELECTION)) — TEST-SET
SELECTION"; predict's first call printed torch's "NumPy array is not writable" warning.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from merbench.results.schema import read_results

RUN = ("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "2", "--threads",
       "1", "--quiet")


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import run_cli

    out = tmp_path_factory.mktemp("finished") / "run"
    code, _, err = run_cli(*RUN, "--out", out)
    assert code == 0, err
    return out


def test_a_run_restored_by_a_later_command_reports_the_runs_time(finished: Path,
                                                                  tmp_path: Path, cli) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(finished, copy)
    (copy / "results.json").unlink()
    (copy / "predictions.csv").unlink()
    code, out, err = cli(*RUN, "--out", copy)
    assert code == 0, err
    results = read_results(copy / "results.json")
    assert results.folds_resumed == 6
    assert results.run_time_s >= results.train_time_s > 0
    assert results.run_time_s == pytest.approx(
        results.wall_time_s + sum(f.seconds for f in results.folds))
    assert f"{results.run_time_s:.1f} s (6 folds restored from an earlier command" in \
        " ".join(out.split())
    assert "6 folds restored from an earlier command, which trained them;" in " ".join(
        out.split())


def test_one_restored_fold_is_said_in_the_singular(finished: Path, tmp_path: Path,
                                                   cli) -> None:
    """Issue 85: "1 fold restored from an earlier command, which trained it", not "them"."""
    copy = tmp_path / "copy"
    shutil.copytree(finished, copy)
    (copy / "results.json").unlink()
    (copy / "predictions.csv").unlink()
    kept = sorted((copy / "folds").glob("fold-*.npz"))
    assert len(kept) == 6
    for fold in kept[1:]:  # the other five trained again by this command
        fold.unlink()
    code, out, err = cli(*RUN, "--out", copy)
    assert code == 0, err
    assert read_results(copy / "results.json").folds_resumed == 1
    said = " ".join(out.split())
    assert "(1 fold restored from an earlier command, which trained it; this one took" in said


def test_another_selection_never_rewrites_a_finished_run(finished: Path, cli) -> None:
    before = {name: (finished / name).read_bytes() for name in ("results.json",
                                                                 "predictions.csv")}
    code, _, err = cli(*RUN, "--out", finished, "--selection", "oracle")
    assert code == 2
    said = " ".join(err.split())
    assert "reported with --selection fixed; it is not rewritten as --selection oracle" in said
    assert "metrics_by_policy" in said and "Traceback" not in err
    assert {name: (finished / name).read_bytes() for name in before} == before


def test_the_test_set_mark_is_said_once(finished: Path, cli) -> None:
    code, out, _ = cli(*RUN, "--out", finished)
    line = " ".join(out.split())
    assert code == 0 and "selection oracle (" in line
    assert line.count("TEST-SET SELECTION") == 1, line


def test_a_read_only_label_array_trains_without_a_warning() -> None:
    """predict hands the trainer labels from a read-only array; torch warned on each."""
    import merbench
    from merbench.meta import TrainRecipe
    from merbench.plugin_system.manager import load_plugins
    from merbench.training.torch_trainer import _FoldStep

    load_plugins()
    labels = np.array([0, 1, 2, 0])
    labels.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step = _FoldStep(lambda: merbench.create_model("ststnet", num_classes=3),
                         TrainRecipe(epochs=1, batch_size=4, lr=1e-3),
                         np.zeros((4, 3, 28, 28), np.float32), labels,
                         np.zeros((1, 3, 28, 28), np.float32), device="cpu", seed=0,
                         precision="fp32", fused_optimizer=False)
    assert step.y_train.tolist() == [0, 1, 2, 0]


@pytest.mark.parametrize("columns", ["70", "120"])
def test_plugin_modules_are_never_split(columns: str, monkeypatch: pytest.MonkeyPatch,
                                        cli) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    code, out, _ = cli("list", "plugins")
    assert code == 0
    assert "merbench.protocols.builtin" in out and "merbench_datasets.plugin" in out
    assert all(len(line) <= int(columns) for line in out.splitlines())


def test_a_long_leaderboard_command_says_it_is_validating(monkeypatch: pytest.MonkeyPatch,
                                                          cli) -> None:
    """leaderboard build, list and export printed nothing for 31 to 63 s; once they have
    taken a few seconds they now count the results read, a line each tenth without a
    terminal (never at once: a quick refusal stays alone), then how many a record gave."""
    from merbench.cli import result_progress

    monkeypatch.setattr(result_progress, "QUIET_S", 0.0)  # as on a large folder
    results = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
    code, _, err = cli("leaderboard", "list", "--results",
                       results / "ststnet-composite-loso")
    assert code == 0 and "merbench: read 4 of 4 results (100%)" in err, err
    assert "checked in full" in err.splitlines()[-1]


@pytest.mark.realdata
def test_a_run_of_older_fold_files_resumed_still_validates(real_data: Path, tmp_path: Path,
                                                           cli) -> None:
    """A committed run whose fold files predate ``run_sha256``, its results removed and
    ``run --resume`` run, was rejected by validate as "trained for another run" (issue 69's
    second adversarial pass): a genuine run. Its restored folds are named as this run's."""
    import json
    import shutil

    committed = Path(__file__).resolve().parents[1] / "leaderboards" / "results" / \
        "ststnet-composite-lodo" / "seed-0"
    run = Path(shutil.copytree(committed, tmp_path / "run"))
    for name in ("results.json", "predictions.csv", "audit.json"):
        (run / name).unlink()
    code, _, err = cli("run", "--resume", run, "--data-root", real_data / "composite",
                       "--quiet")
    assert code == 0, err
    code, _, err = cli("validate", run)
    assert code == 0, err
    ours, theirs = ({policy: record["metrics"] for policy, record in json.loads(
        (folder / "results.json").read_text())["metrics_by_policy"].items()}
        for folder in (run, committed))
    assert ours == theirs  # the same folds, the same numbers (only the wording is newer)
