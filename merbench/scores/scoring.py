"""Scoring a run: selection policy -> the epoch each fold reports -> pooled UF1 / UAR.

One function for everyone who turns fold predictions into numbers: a finished run, the
``--seeds`` summary (through the runs' results), ``merbench validate`` (which recomputes
what a file claims) and the leaderboard (which shows only what validates). So a number can
differ from its recomputation only if the stored predictions were changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.codec import from_json
from merbench.results.model import Metrics, PolicyMetrics
from merbench.scores.metrics import pooled_scores
from merbench.scores.selection import POLICIES
from merbench.stats.confusion import label_accuracy


@dataclass(frozen=True)
class PolicyScore:
    """What one policy gives: each fold's chosen epoch (0-based), the predictions at those
    epochs (pooled in fold order) and the metrics."""

    epochs: list[int]
    y_pred: np.ndarray
    metrics: PolicyMetrics

    def fold_accuracy(self, folds: Sequence[FoldOutcome]) -> list[float]:
        """Each fold's accuracy on its test subject at the chosen epoch."""
        return [float(label_accuracy(f.y_true, f.epoch_predictions[e]))
                for f, e in zip(folds, self.epochs, strict=True)]


def score(folds: Sequence[FoldOutcome], databases: np.ndarray, classes: Sequence[str],
          policies: Sequence[str]) -> dict[str, PolicyScore]:
    """Every policy's choice and pooled metrics over ``folds`` (in order); ``databases``
    names each tested sample's database, in the same order as the folds' test samples."""
    y_true = np.concatenate([f.y_true for f in folds])
    scored = {}
    for name in policies:
        policy = POLICIES[name]
        epochs = [policy.choose(f, len(classes)) for f in folds]
        y_pred = predictions_at(folds, epochs)
        pooled = pooled_scores(y_true, y_pred, databases, classes)
        if policy.choose_for_uf1 is not None:
            pooled = _uf1_from(pooled, [policy.choose_for_uf1(f, len(classes)) for f in folds],
                               folds, y_true, databases, classes)
        metrics = from_json(Metrics, pooled)
        scored[name] = PolicyScore(epochs, y_pred, PolicyMetrics(
            test_set_selection=policy.test_set_selection, description=policy.description,
            metrics=metrics))
    return scored


def predictions_at(folds: Sequence[FoldOutcome], epochs: Sequence[int]) -> np.ndarray:
    """Every fold's test predictions at its chosen epoch, concatenated in fold order."""
    return np.concatenate([f.epoch_predictions[e] for f, e in zip(folds, epochs, strict=True)])


def _uf1_from(pooled: dict[str, Any], epochs: list[int], folds: Sequence[FoldOutcome],
              y_true: np.ndarray, databases: np.ndarray,
              classes: Sequence[str]) -> dict[str, Any]:
    """``pooled`` with each scope's UF1 (and the classes it leaves out) taken from the
    predictions at ``epochs`` instead: a policy that picks UF1's epoch apart."""
    other = pooled_scores(y_true, predictions_at(folds, epochs), databases, classes)

    def swap(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
        return {**mine, "uf1": theirs["uf1"], "uf1_excluded": theirs["uf1_excluded"]}

    return {"overall": swap(pooled["overall"], other["overall"]),
            "per_database": {db: swap(scores, other["per_database"][db])
                             for db, scores in pooled["per_database"].items()}}
