"""Selection policies: which epoch's test predictions each fold reports.

Every run stores every fold's test predictions after every epoch, so policies are applied
afterwards and a run records the metrics of every policy it can give:

- ``fixed`` (default): the last epoch, as a protocol that never looks at the test subject must.
- ``inner-val``: the epoch with the best UF1 on training subjects held out from the fold's
  training set (never the test subject); those subjects are not trained on. Needs a run
  started with ``--selection inner-val``.
- ``oracle``: the epoch with the best accuracy *on the test subject*, which is what the
  HTNet / MMNet authors' code does. It is test-set selection: it inflates scores, is allowed
  only to compare with published numbers, and is marked as such wherever it appears.

Ties go to the later epoch (the authors' code updates its best epoch with ``<=``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from merbench.errors import MerbenchError
from merbench.runinfo import FoldOutcome


def _last_max(values: np.ndarray) -> int:
    """Index of the maximum; ties go to the later index."""
    return int(len(values) - 1 - np.argmax(values[::-1]))


def epoch_accuracy(predictions: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Accuracy after every epoch; ``predictions`` is (epochs, n)."""
    return (predictions == y_true[None, :]).mean(axis=1)


def epoch_uf1(predictions: np.ndarray, y_true: np.ndarray, n_classes: int) -> np.ndarray:
    """UF1 after every epoch, as :func:`merbench.metrics.scores` defines it (vectorised)."""
    totals = np.zeros(len(predictions))
    counted = np.zeros(len(predictions))
    for c in range(n_classes):
        predicted = predictions == c
        actual = (y_true == c)[None, :]
        tp = (predicted & actual).sum(axis=1)
        fp = (predicted & ~actual).sum(axis=1)
        fn = (~predicted & actual).sum(axis=1)
        seen = (tp + fp + fn) > 0
        totals += np.where(seen, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
        counted += seen
    return totals / np.maximum(counted, 1)


def last_epoch(fold: FoldOutcome, n_classes: int) -> int:
    return int(fold.epoch_predictions.shape[0]) - 1


def best_test_epoch(fold: FoldOutcome, n_classes: int) -> int:
    return _last_max(epoch_accuracy(fold.epoch_predictions, fold.y_true))


def best_inner_val_epoch(fold: FoldOutcome, n_classes: int) -> int:
    if fold.val_predictions is None or fold.val_y_true is None or not len(fold.val_y_true):
        raise MerbenchError(f"fold {'/'.join(fold.key)} has no inner-validation predictions; "
                            "start the run with --selection inner-val")
    return _last_max(epoch_uf1(fold.val_predictions, fold.val_y_true, n_classes))


@dataclass(frozen=True)
class Policy:
    """A selection policy and what it may be used for."""

    name: str
    choose: Callable[[FoldOutcome, int], int]
    test_set_selection: bool
    needs_inner_val: bool
    description: str


POLICIES: dict[str, Policy] = {
    p.name: p for p in (
        Policy("fixed", last_epoch, False, False, "the last epoch"),
        Policy("inner-val", best_inner_val_epoch, False, True,
               "best UF1 on held-out training subjects"),
        Policy("oracle", best_test_epoch, True, False,
               "best accuracy on the test subject (TEST-SET SELECTION)"),
    )
}


def available_policies(folds: list[FoldOutcome], trained_once: bool) -> list[str]:
    """The policies a finished run can report: inner-val only when it held subjects out;
    a model trained in one step (an estimator) has only its one prediction."""
    if trained_once:
        return ["fixed"]
    has_val = all(f.val_predictions is not None for f in folds)
    return [name for name, p in POLICIES.items() if has_val or not p.needs_inner_val]
