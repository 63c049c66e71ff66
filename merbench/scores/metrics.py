"""UF1, UAR, accuracy and the confusion matrix, as the MEGC2019 protocol defines them.

Scores are computed once on predictions pooled over all folds, never averaged per fold.

Classes that do not occur. A class with no true and no predicted sample has an undefined F1
(0 / 0); a class with no true sample has an undefined recall. merbench leaves such classes
out of the mean instead of counting them as 0 or 1, and says so: the result names them in
``uf1_excluded`` / ``uar_excluded`` and the CLI prints a note under the table. A class that
was predicted but never occurs still counts in UF1 (its F1 is 0), because those predictions
are errors.

The arithmetic is :mod:`merbench.stats.confusion`'s, shared with the bootstrap and epoch
selection; this module decides what a run reports from it (the excluded classes by name,
None for an empty scope) and keeps scikit-learn out of ``merbench run``'s imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from merbench.results.model import Scores
from merbench.stats.confusion import accuracy, confusion_matrix, counts_from_labels, uar, uf1


def scores(
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    classes: Sequence[str],
) -> dict[str, Any]:
    """UF1, UAR, accuracy and the confusion matrix (rows: true class, columns: predicted)."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred must have the same length")
    labels = range(len(classes))
    if len(y_true) == 0:
        return {"n": 0, "uf1": None, "uar": None, "accuracy": None,
                "confusion": [[0] * len(labels) for _ in labels],
                "uf1_excluded": list(classes), "uar_excluded": list(classes)}
    counts = counts_from_labels(y_true, y_pred, len(classes))
    if not counts.recall_defined.any():
        # no class has a true sample, so no UAR exists (scikit-learn refused this too)
        raise ValueError(f"no label of y_true is one of the {len(classes)} classes")
    return {
        "n": len(y_true),
        "uf1": float(uf1(counts)),
        "uar": float(uar(counts)),
        "accuracy": float(accuracy(counts)),
        "confusion": confusion_matrix(y_true, y_pred, len(classes)).tolist(),
        "uf1_excluded": [classes[c] for c in labels if not counts.f1_defined[c]],
        "uar_excluded": [classes[c] for c in labels if not counts.recall_defined[c]],
    }


def pooled_scores(
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    databases: Sequence[str] | np.ndarray,
    classes: Sequence[str],
) -> dict[str, Any]:
    """Scores over all pooled predictions, and restricted to each database's samples."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    databases = np.asarray(databases, dtype=str)
    return {
        "overall": scores(y_true, y_pred, classes),
        "per_database": {
            str(db): scores(y_true[databases == db], y_pred[databases == db], classes)
            for db in sorted(set(databases.tolist()))
        },
    }


def exclusion_notes(scope: str, metrics: Scores) -> list[str]:
    """Plain-language notes for the classes a scope's UF1 / UAR averages leave out, so the
    CLI and the leaderboard explain them in the same words."""
    notes = []
    if metrics.uf1_excluded:
        notes.append(f"{scope}: UF1 averages without {', '.join(metrics.uf1_excluded)} "
                     "(no true and no predicted sample)")
    if metrics.uar_excluded:
        notes.append(f"{scope}: UAR averages without {', '.join(metrics.uar_excluded)} "
                     "(no true sample)")
    return notes
