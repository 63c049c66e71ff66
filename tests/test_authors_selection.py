"""The authors' selection policies: ``first-best`` (CausalNet's script), ``per-metric-best``
(MMNet's) and ``--selection authors``, which stands for the policy a model's authors use."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from merbench_cnn.plugin import STSTNET

import merbench
from merbench.base.errors import MerbenchError
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.manager import load_plugins
from merbench.plugin_system.registry import ModelRegistry
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.scores.metrics import scores
from merbench.scores.scoring import score
from merbench.scores.selection import POLICIES, available_policies, epoch_accuracy
from merbench.verification.validate import validate_run

CLASSES = ("negative", "positive", "surprise")
SMALL = {"subjects": 4, "samples_per_subject": 6}


def _fold(index: int, predictions: list[list[int]], y_true: list[int]) -> FoldOutcome:
    return FoldOutcome(index=index, key=("db", f"s{index}"),
                       test_index=np.arange(len(y_true)) + 10 * index,
                       sample_ids=np.array([f"{index}-{i}" for i in range(len(y_true))]),
                       y_true=np.array(y_true), epoch_predictions=np.array(predictions),
                       n_train=10, seconds=0.0, device="cpu")


def test_first_best_takes_the_earlier_of_equal_epochs() -> None:
    fold = _fold(0, [[0, 0, 0], [0, 1, 2], [0, 1, 1], [0, 1, 2], [1, 1, 1]], [0, 1, 2])
    assert POLICIES["first-best"].choose(fold, 3) == 1
    assert POLICIES["oracle"].choose(fold, 3) == 3
    assert POLICIES["first-best"].test_set_selection
    assert POLICIES["per-metric-best"].test_set_selection
    assert not POLICIES["per-metric-best"].reportable
    assert POLICIES["first-best"].reportable


def test_stopping_a_subject_at_full_accuracy_reports_its_first_best_epoch() -> None:
    """The CausalNet script stops a subject at 100 %: the epoch it reports is what
    first-best picks from all the epochs merbench trains."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        y_true = rng.integers(0, 3, 5)
        predictions = rng.integers(0, 3, (12, 5))
        if rng.random() < 0.5:
            predictions[rng.integers(0, 12)] = y_true  # some subject reaches 100 %
        accuracy = epoch_accuracy(predictions, y_true)
        full = np.flatnonzero(accuracy == 1.0)
        trained = predictions if not len(full) else predictions[:full[0] + 1]
        best, reported = -1.0, 0  # the script: a new best only when strictly better
        for epoch, value in enumerate(epoch_accuracy(trained, y_true)):
            if value > best:
                best, reported = value, epoch
        assert POLICIES["first-best"].choose(_fold(0, predictions.tolist(), y_true.tolist()),
                                             3) == reported


def test_a_subject_never_right_keeps_its_first_epoch_where_the_script_keeps_none() -> None:
    """The CausalNet script starts its best at 0 and moves it only on a higher accuracy, so
    a subject that no epoch gets right keeps no predictions (its samples leave their pooled
    scores); first-best takes the first epoch and counts them (docs/models.md#causalnet)."""
    y_true = [0, 1, 2]
    predictions = [[1, 2, 0], [2, 0, 1], [1, 0, 0]]
    kept: list[int] = []
    best = 0.0
    for epoch_predictions in predictions:  # their loop, as main_train.py writes it
        accuracy = float(np.mean(np.array(epoch_predictions) == y_true))
        if best < accuracy:
            best, kept = accuracy, epoch_predictions
    assert kept == []
    fold = _fold(0, predictions, y_true)
    assert POLICIES["first-best"].choose(fold, 3) == 0
    scored = score([fold], np.array(["a"] * 3), CLASSES, ["first-best"])["first-best"]
    assert scored.metrics.metrics.overall.uar == 0.0  # its samples count, all wrong


def test_per_metric_best_scores_uf1_and_uar_at_their_own_epochs() -> None:
    # fold 0: accuracy first best at epoch 1 (3 of 4), UF1 best at epoch 2 (3 of 4 too,
    # but every class hit once)
    folds = [_fold(0, [[0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 1, 2]], [0, 0, 1, 2]),
             _fold(1, [[2, 2, 1], [2, 1, 1], [0, 1, 1]], [2, 1, 0])]
    databases = np.array(["a"] * 4 + ["b"] * 3)
    scored = score(folds, databases, CLASSES, ["per-metric-best", "first-best"])
    mixed, first = scored["per-metric-best"], scored["first-best"]
    assert mixed.epochs == first.epochs  # the predictions table's epochs: accuracy's
    uf1_epochs = [POLICIES["per-metric-best"].choose_for_uf1(f, 3) for f in folds]
    y_true = np.concatenate([f.y_true for f in folds])
    at_uf1 = np.concatenate([f.epoch_predictions[e] for f, e in zip(folds, uf1_epochs,
                                                                     strict=True)])
    overall = mixed.metrics.metrics.overall
    assert overall.uf1 == pytest.approx(scores(y_true, at_uf1, CLASSES)["uf1"])
    assert overall.uar == first.metrics.metrics.overall.uar
    assert overall.confusion == first.metrics.metrics.overall.confusion
    assert mixed.metrics.metrics.per_database["b"].uf1 == pytest.approx(
        scores(y_true[4:], at_uf1[4:], CLASSES)["uf1"])
    assert overall.uf1 != first.metrics.metrics.overall.uf1  # the case tells them apart


def test_a_run_records_the_usual_policies_and_its_authors() -> None:
    folds = [_fold(0, [[0], [1]], [1])]
    assert available_policies(folds, False) == ["fixed", "oracle"]
    assert available_policies(folds, False, also=("first-best", "oracle")) == \
        ["fixed", "oracle", "first-best"]
    assert available_policies(folds, True, also=("first-best",)) == ["fixed"]


class _AuthorsPlugin:
    """STSTNet registered twice more, as if its authors had selected like CausalNet's and
    like MMNet's."""

    @hookimpl
    def merbench_register_models(self, registry: ModelRegistry) -> None:
        for name, policy in (("first-best-net", "first-best"),
                             ("per-metric-net", "per-metric-best")):
            registry.add(dataclasses.replace(STSTNET, name=name, authors_selection=policy),
                         "merbench_cnn.ststnet:build_ststnet")


def test_selection_authors_reports_the_models_policy_and_validates(tmp_path: Path) -> None:
    plugins = load_plugins(extra=[("authors", _AuthorsPlugin())])
    run = merbench.run(model="first-best-net", dataset="synthetic", out=tmp_path / "a",
                       epochs=3, device="cpu", dataset_options=SMALL, selection="authors",
                       plugins=plugins)
    assert run.results.selection.policy == "first-best"
    assert run.results.selection.available == ["fixed", "oracle", "first-best"]
    assert validate_run(tmp_path / "a").metrics_by_policy["first-best"] == \
        run.results.metrics_by_policy["first-best"].metrics

    mixed = merbench.run(model="per-metric-net", dataset="synthetic", out=tmp_path / "m",
                         epochs=3, device="cpu", dataset_options=SMALL, plugins=plugins)
    assert "per-metric-best" in mixed.results.metrics_by_policy
    assert validate_run(tmp_path / "m").metrics_by_policy.keys() == \
        {"fixed", "oracle", "per-metric-best"}
    with pytest.raises(MerbenchError, match="pick each metric's epoch apart"):
        merbench.run(model="per-metric-net", dataset="synthetic", out=tmp_path / "n",
                     epochs=3, device="cpu", dataset_options=SMALL, selection="authors",
                     plugins=plugins)
    with pytest.raises(MerbenchError, match="does not name its authors' selection"):
        merbench.run(model="offapexnet", dataset="synthetic", out=tmp_path / "s", epochs=3,
                     device="cpu", dataset_options=SMALL, selection="authors", plugins=plugins)


def test_selection_authors_from_the_command_line(cli) -> None:
    code, _, err = cli("run", "--model", "mmnet", "--dataset", "synthetic",
                       "--selection", "per-metric-best", "--device", "cpu")
    assert code == 2 and err.count("\n") == 1
    assert "--selection per-metric-best picks each metric's epoch apart" in err


def test_first_party_models_name_their_authors_selection(plugins) -> None:
    declared = {entry.meta.name: entry.meta.authors_selection
                for entry in plugins.registries.models}
    assert declared["htnet"] == "oracle"
    assert declared["causalnet"] == "first-best"
    assert declared["mmnet"] == declared["mmnet-release"] == "per-metric-best"
    assert declared["alexnet-flow"] == "fixed"
    assert declared["ststnet"] == "fixed"  # main.py reports its 800th epoch
    assert declared["hsta"] == declared["hsta-release"] == "fixed"  # K_folds_finetuning.py
    assert declared["offapexnet"] is None  # the port's own choice is no merbench policy
