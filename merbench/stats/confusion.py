"""UF1, UAR, per-class F1 and recall, and accuracy, as ratios of confusion counts, in NumPy.

Why one module. Every score merbench reports is a ratio of a few per-class counts: how many
samples of class c there are (``true``), how many were predicted c (``predicted``) and how
many of those were right (``tp``). Three places used to compute those ratios, each its own
way: :mod:`merbench.scores.metrics` through scikit-learn, the bootstrap in
:mod:`merbench.stats.intervals` and epoch selection in :mod:`merbench.scores.selection`, each
vectorised by hand. Three copies of one definition can drift apart, and importing
``sklearn.metrics`` alone cost about 0.85 s in every ``merbench run``. Here the counts are
taken once, from labels (:func:`counts_from_labels`) or from confusion matrices
(:func:`counts_from_confusion`), and every score is a function of the counts.

Why batched. The counts carry any leading axes, and so does every score: one call scores
every epoch of a fold (selection) or thousands of resampled pools (the bootstrap), where a
Python loop over pools would be far too slow. One pool is the batch of no axes.

The conventions (those :mod:`merbench.scores.metrics` documents and reports):

- F1 of class c is 2 TP / (2 TP + FP + FN) = 2 TP / (true + predicted): undefined (0 / 0) for
  a class with no true and no predicted sample. Recall is TP / true: undefined for a class
  with no true sample.
- UF1 and UAR average over the classes where F1 (recall) is defined; an undefined class is
  left out of the mean, not counted as 0 or 1. A class predicted but never true has F1 0
  and counts. Where no class is defined at all the score is NaN: each caller says what that
  means for it.
- The per-class arrays hold 0 where a score is undefined (scikit-learn's
  ``zero_division=0``), and :attr:`ConfusionCounts.f1_defined` /
  :attr:`ConfusionCounts.recall_defined` say where that 0 is a convention, not a score.
- A label outside ``0 .. n_classes - 1`` is no class: a sample predicted so is a miss of its
  true class, one labelled so is a false positive of its predicted class, and a confusion
  matrix leaves it out (scikit-learn's ``labels=`` does all of this). Accuracy still counts
  every sample whose prediction equals its label. ``merbench validate`` refuses such labels,
  so this only decides what a direct call gives.

Why the arithmetic is spelled as it is: the floating-point operations are scikit-learn's
(``2.0 * tp / (true + predicted)``; a mean is a left-to-right sum divided by the count), so
for up to 7 classes (every protocol's) the scores equal ``f1_score`` / ``recall_score``
with the same label sets bit for bit, and stored results recompute exactly.
``tests/test_confusion_metrics.py`` compares them on many random cases. (Beyond 7 classes
NumPy sums in pairs, and a mean may differ from scikit-learn's in the last bit.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class ConfusionCounts:
    """The counts every score is a ratio of, for one pool or a batch of pools (the leading
    axes, written ``...``). Integers, or floats holding integers (a bootstrap's pools are
    weighted sums of matrices)."""

    tp: np.ndarray  # (..., C): samples of class c predicted c
    true: np.ndarray  # (..., C): samples whose label is c (TP + FN)
    predicted: np.ndarray  # (..., C): samples predicted c (TP + FP)
    correct: np.ndarray  # (...): samples whose prediction equals their label
    total: np.ndarray  # (...): samples

    @property
    def f1_defined(self) -> np.ndarray:
        """Where a class's F1 is a number: some sample is, or is predicted, that class."""
        return (self.true + self.predicted) > 0

    @property
    def recall_defined(self) -> np.ndarray:
        """Where a class's recall is a number: some sample is that class."""
        return self.true > 0


def _labels(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The labels as integer arrays: ``y_true`` one row of samples, ``y_pred`` one row or a
    batch of rows (the leading axes) of the same samples. Whole numbers stored as floats are
    taken as they are; any other number is refused rather than silently matching no class."""
    true, pred = _whole(y_true, "y_true"), _whole(y_pred, "y_pred")
    if true.ndim != 1:
        raise ValueError(f"y_true must be one row of labels, not shape {true.shape}")
    if pred.shape[-1:] != true.shape:
        raise ValueError(f"y_pred's last axis must hold the {len(true)} samples of y_true, "
                         f"not shape {pred.shape}")
    return true, pred


def _whole(labels: ArrayLike, name: str) -> np.ndarray:
    values = np.asarray(labels)
    if values.dtype.kind in "iub":
        return values.astype(np.intp, copy=False)
    whole = values.astype(np.intp)
    if not np.array_equal(whole, values):
        raise ValueError(f"{name} must hold whole-number class indices")
    return whole


def _tally(rows: np.ndarray, kept: np.ndarray, n_bins: int) -> np.ndarray:
    """How often each value 0 .. ``n_bins`` - 1 occurs in each row of ``rows`` (R x n)
    where ``kept``: R x bins, one ``bincount`` for every row at once."""
    offset = np.arange(len(rows))[:, None] * n_bins
    found = np.bincount((rows + offset)[kept], minlength=len(rows) * n_bins)
    return found.reshape(len(rows), n_bins)


def counts_from_labels(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> ConfusionCounts:
    """The counts of predicting ``y_pred`` (shape ... x n: a batch, such as every epoch,
    over the last axis's samples) for the labels ``y_true`` (shape n). Counted from the
    labels rather than from a confusion matrix so that a label that is no class counts as
    the module docstring says. ``n_classes`` may be 0 where only accuracy is wanted."""
    true, pred = _labels(y_true, y_pred)
    batch = pred.shape[:-1]
    rows = pred.reshape(math.prod(batch), len(true))
    is_class = (rows >= 0) & (rows < n_classes)
    right = rows == true
    true_class = (true >= 0) & (true < n_classes)
    predicted = _tally(rows, is_class, n_classes).reshape(*batch, n_classes)
    return ConfusionCounts(
        tp=_tally(rows, is_class & right, n_classes).reshape(*batch, n_classes),
        true=np.broadcast_to(np.bincount(true[true_class], minlength=n_classes),
                             predicted.shape),
        predicted=predicted,
        correct=right.sum(axis=-1).reshape(batch),
        total=np.full(batch, len(true)),
    )


def counts_from_confusion(confusions: ArrayLike) -> ConfusionCounts:
    """The counts of confusion matrices (shape ... x C x C; rows: true class, columns:
    predicted)."""
    matrices = np.asarray(confusions)
    if matrices.ndim < 2 or matrices.shape[-1] != matrices.shape[-2]:
        raise ValueError(f"confusion matrices must be square, not shape {matrices.shape}")
    tp = np.diagonal(matrices, axis1=-2, axis2=-1)
    return ConfusionCounts(tp=tp, true=matrices.sum(axis=-1), predicted=matrices.sum(axis=-2),
                           correct=tp.sum(axis=-1), total=matrices.sum(axis=(-2, -1)))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> np.ndarray:
    """The confusion matrix (rows: true class, columns: predicted) of each row of
    ``y_pred``: shape ... x C x C. A sample whose label or prediction is no class is left
    out."""
    true, _ = _labels(y_true, y_pred)
    return grouped_confusion_matrices(y_true, y_pred, n_classes,
                                      np.zeros(len(true), dtype=np.intp), 1)[..., 0, :, :]


def grouped_confusion_matrices(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int,
                               groups: ArrayLike, n_groups: int) -> np.ndarray:
    """One confusion matrix per group (``groups``: each sample's group, 0 ..
    ``n_groups`` - 1) for each row of ``y_pred``: shape ... x groups x C x C. The bootstrap
    resamples subjects, so it needs each subject's matrix; any pool of subjects is then a
    sum of them."""
    true, pred = _labels(y_true, y_pred)
    group = np.asarray(groups, dtype=np.intp)
    if group.shape != true.shape:
        raise ValueError(f"groups must name the group of each of the {len(true)} samples")
    if len(group) and (group.min() < 0 or group.max() >= n_groups):
        raise ValueError(f"groups must lie in 0 .. {n_groups - 1}")
    rows = pred.reshape(math.prod(pred.shape[:-1]), len(true))
    kept = (true >= 0) & (true < n_classes) & (rows >= 0) & (rows < n_classes)
    cell = (group * n_classes + true) * n_classes + rows
    return _tally(cell, kept, n_groups * n_classes * n_classes).reshape(
        *pred.shape[:-1], n_groups, n_classes, n_classes)


def f1_from_counts(tp: ArrayLike, predicted: ArrayLike, expected: ArrayLike, *,
                   undefined: float = math.nan) -> np.ndarray:
    """F1 from counts, the one implementation every kind of result uses (emotions' classes,
    action units, spotting): 2 TP / (predicted + expected), elementwise, which is the
    harmonic mean of precision and recall wherever both are defined and TP > 0, and 0
    wherever TP = 0 and something was predicted or expected. With nothing predicted and
    nothing expected it is undefined: ``undefined``, NaN unless the caller's score defines
    it (a UF1 leaves such a class out through its mask, which never reads the value)."""
    tp = np.asarray(tp, dtype=float)
    denominator = np.asarray(predicted, dtype=float) + np.asarray(expected, dtype=float)
    return np.divide(2 * tp, denominator, out=np.full(np.shape(denominator), undefined),
                     where=denominator > 0)


def f1_per_class(counts: ConfusionCounts) -> np.ndarray:
    """Each class's F1 (:func:`f1_from_counts`), with 0 where it is undefined: the value
    the AU scores (MEB's mean F1) take for an AU never coded nor predicted."""
    return f1_from_counts(counts.tp, counts.predicted, counts.true, undefined=0.0)


def recall_per_class(counts: ConfusionCounts) -> np.ndarray:
    """Each class's recall, TP / true, with 0 where it is undefined."""
    return np.divide(counts.tp, counts.true, out=np.zeros(np.shape(counts.true)),
                     where=counts.true > 0)


def _mean_where(values: np.ndarray, defined: np.ndarray) -> np.ndarray:
    """The mean over the last axis of the ``defined`` values; NaN where none is. The
    others are added as 0, which leaves a left-to-right sum unchanged."""
    n = defined.sum(axis=-1)
    total = np.where(defined, values, 0.0).sum(axis=-1)
    return np.divide(total, n, out=np.full(np.shape(n), np.nan), where=n > 0)


def uf1(counts: ConfusionCounts) -> np.ndarray:
    """UF1 (macro F1) over the classes whose F1 is defined; NaN where none is."""
    return _mean_where(f1_per_class(counts), counts.f1_defined)


def uar(counts: ConfusionCounts) -> np.ndarray:
    """UAR (macro recall) over the classes that have a true sample; NaN where none has."""
    return _mean_where(recall_per_class(counts), counts.recall_defined)


def accuracy(counts: ConfusionCounts) -> np.ndarray:
    """The share of samples predicted right; NaN where there is no sample."""
    return np.divide(counts.correct, counts.total, out=np.full(np.shape(counts.total), np.nan),
                     where=counts.total > 0)


def label_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """:func:`accuracy` of labels, for each row of ``y_pred``: no class list needed."""
    return accuracy(counts_from_labels(y_true, y_pred, 0))
