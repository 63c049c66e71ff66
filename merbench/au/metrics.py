"""Action-unit (AU) detection scores: per-AU F1, precision, recall and positives, MEB's mean
F1, and their subject-bootstrap intervals, for the pooled test samples of a protocol.

AU detection is multi-label: each sample is scored on every AU of a set (by default
:data:`merbench.data.au_labels.DEFAULT_AU_SET`, MEB's), each AU a binary task of its own.

What is scored. The caller gives the samples of a pooled set (every fold's test samples, as
the emotion task pools them) as :class:`AULabels` (samples x AUs: coded present, and which
entries to ignore, built from the datasets' AU columns by :func:`au_labels`) and the model's
predicted probabilities (sigmoid outputs) or 0/1 predictions of the same samples and AUs.
An ignored entry counts nowhere, neither as a positive nor as a negative nor as a
prediction: an AU coded uncertainly for a sample (``4?``) would credit a guess as present and
contradict the coder as absent (:mod:`merbench.data.au_labels`), and a sample without AU coding
(SMIC) has no truth to score against, so all its entries are ignored. MEB keeps such AUs
instead (its ``_only_digit`` reads ``4?`` as AU 4), so on a sheet with uncertain codes the
two pools differ by exactly those entries.

The definitions, all from counts summed over every scored test sample before dividing (the
folds pooled, as MEB and merbench's UF1 pool them; never a mean of per-fold scores):

- an AU is predicted present where the probability is *strictly* above the threshold
  (0.5 unless given): MEB thresholds the logits with ``outputs > 0``, and a logit above 0 is
  a sigmoid above 0.5, so exactly 0.5 is absent in both;
- per AU: positives (support) = scored samples coded present; predicted = scored samples
  predicted present; TP = both. F1 = 2 TP / (positives + predicted), precision = TP /
  predicted, recall = TP / positives, each 0 where its denominator is 0 (scikit-learn's
  ``zero_division=0``), with :attr:`AUScores.f1_defined` saying where F1's 0 is that
  convention. These are :mod:`merbench.stats.confusion`'s per-class F1 and recall (its
  functions compute them), one AU a class;
- the mean F1 is the plain mean of the per-AU F1 over *every* AU of the set, an AU whose F1
  is undefined (no positive, nothing predicted) counting as 0. This is MEB's "Average", not
  merbench's UF1 rule (which leaves an undefined class out): the mean exists to be set beside
  MEB's published figures, so it averages as MEB does. It is NaN only where nothing at all is
  scored.

MEB's source (github.com/tvaranka/meb at f731b0a981683a24f6be2e026208811849dee3ad): the
default ``evaluation_fn`` is ``partial(MultiLabelF1Score, average="binary")``
(``meb/core/train_eval.py`` line 111), which thresholds ``outputs > self.threshold`` with
``threshold=0.0`` and returns scikit-learn's binary ``f1_score`` of each AU column
(``meb/utils/metrics.py`` lines 53-84; ``zero_division`` left at its default, which gives 0);
the LOSO validator concatenates every subject's test outputs and scores the whole pool
(``IndividualDatasetAUValidator.validate``, ``meb/core/train_eval.py`` lines 522-524), and
``Printer.results_to_list`` appends ``np.mean`` of the per-AU list as the "Average"
(``meb/utils/utils.py`` lines 225-243); repeated runs are averaged per column
(``train_eval.py`` line 487).

The threshold. 0.5 is the only threshold this module chooses. A tuned one (one per AU or
one for all) must be chosen on the *training* subjects of each fold only (an inner
validation split, for example) and handed in; choosing it on the test predictions scored
here would fit the score to the test set, as selecting an epoch on it would.

The intervals resample subjects exactly as :mod:`merbench.stats.intervals` does for UF1
(same resamples, seed, level and percentile method; subjects resampled within their
database; several seeds averaged inside each resample), on per-subject counts pooled by
weighted sums, so thousands of resamples are scored in a few array operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from merbench.data.au_labels import DEFAULT_AU_SET, IGNORED_SHIFT, SampleActionUnits, present_bits
from merbench.scores.interval_records import subject_strata
from merbench.stats.confusion import ConfusionCounts, f1_per_class, recall_per_class
from merbench.stats.intervals import (
    LEVEL,
    RESAMPLES,
    SEED,
    Interval,
    pool_subjects,
    resampled_intervals,
)

#: The default threshold on a predicted probability: present where strictly above it.
THRESHOLD = 0.5


@dataclass(frozen=True)
class AULabels:
    """The truth of a pool: which AU of ``au_set`` each sample was coded with, and which
    entries are ignored (uncertain, or a sample without AU coding). Both samples x AUs."""

    au_set: tuple[int, ...]
    present: np.ndarray  # bool: coded present (meaningless where ignored)
    ignored: np.ndarray  # bool: scored nowhere

    def __post_init__(self) -> None:
        if not self.au_set or len(set(self.au_set)) != len(self.au_set):
            raise ValueError(f"the AU set must name distinct AUs, not {self.au_set!r}")
        for name in ("present", "ignored"):
            value = np.asarray(getattr(self, name))
            if value.ndim != 2 or value.shape[1] != len(self.au_set):
                raise ValueError(f"{name} must be samples x {len(self.au_set)} AUs, not shape "
                                 f"{value.shape}")
            if value.dtype != bool and not np.isin(value, (0, 1)).all():
                raise ValueError(f"{name} must hold 0 or 1")
            object.__setattr__(self, name, value.astype(bool))
        if self.present.shape != self.ignored.shape:
            raise ValueError("present and ignored must have the same shape")


def au_labels(labels: Sequence[SampleActionUnits | None],
              au_set: Sequence[int] = DEFAULT_AU_SET) -> AULabels:
    """The :class:`AULabels` of samples whose AU labels
    :func:`merbench.data.au_labels.sample_action_units` read: an AU coded for sure is present,
    one coded uncertainly is ignored, and a sample without AU coding (None) is ignored
    entirely. AUs coded but outside ``au_set`` are not scored."""
    aus = tuple(au_set)
    present = np.zeros((len(labels), len(aus)), dtype=bool)
    ignored = np.zeros_like(present)
    for row, label in enumerate(labels):
        if label is None:
            ignored[row] = True
            continue
        present[row] = [au in label.present for au in aus]
        ignored[row] = [au in label.uncertain for au in aus]
    return AULabels(aus, present, ignored)


def _thresholds(threshold: float | Sequence[float], n_aus: int) -> np.ndarray:
    """One threshold per AU, each in [0, 1): 1 or more could never predict an AU present."""
    values = np.broadcast_to(np.asarray(threshold, dtype=float), (n_aus,))
    if not np.all((values >= 0) & (values < 1)):  # NaN fails too
        raise ValueError(f"a threshold must lie in [0, 1), not {threshold!r}")
    return values


def predicted_present(labels: AULabels, predictions: ArrayLike,
                      threshold: float | Sequence[float] = THRESHOLD) -> np.ndarray:
    """Where each AU is predicted present: ``predictions`` (shape ... x samples x AUs, any
    leading axes a batch such as seeds or epochs) strictly above ``threshold`` (one number,
    or one per AU). Probabilities or 0/1 predictions are taken; anything outside [0, 1]
    (logits passed by mistake) is refused, since thresholding them at 0.5 would be wrong."""
    values = np.asarray(predictions)
    if values.shape[-2:] != labels.present.shape:
        raise ValueError(f"predictions must end in samples x AUs {labels.present.shape}, not "
                         f"shape {values.shape}")
    if values.dtype == bool:
        values = values.astype(float)
    if values.dtype.kind not in "iuf":
        raise ValueError("predictions must be probabilities or 0/1")
    if values.size and not (np.all(values >= 0) and np.all(values <= 1)):  # NaN fails too
        raise ValueError("predictions must be probabilities in [0, 1] (sigmoid outputs) or "
                         "0/1, not logits")
    return values > _thresholds(threshold, labels.present.shape[1])


def _stacked(labels: AULabels, predicted: np.ndarray) -> np.ndarray:
    """Per sample, the counts each contributes (shape ... x samples x 4 x AUs): TP,
    positive, predicted, scored; 0 for an ignored entry. Summed over samples they are a
    pool's counts; summed per subject, the bootstrap's."""
    scored = ~labels.ignored
    positive = labels.present & scored
    shown = predicted & scored
    return np.stack(np.broadcast_arrays(shown & positive, positive, shown, scored),
                    axis=-2).astype(np.int64)


def _counts(stacked: np.ndarray) -> ConfusionCounts:
    """The pooled counts (shape ... x 4 x AUs) as :class:`ConfusionCounts`, one AU a class,
    so that :mod:`merbench.stats.confusion` computes F1 and recall. ``correct`` /
    ``total`` count the scored entries (right ones: TP + TN = scored - FP - FN)."""
    tp, positive, predicted, scored = (stacked[..., i, :] for i in range(4))
    return ConfusionCounts(tp=tp, true=positive, predicted=predicted,
                           correct=(scored - positive - predicted + 2 * tp).sum(axis=-1),
                           total=scored.sum(axis=-1))


@dataclass(frozen=True)
class AUScores:
    """The scores of one pool, or of a batch of pools (leading axes ``...``)."""

    au_set: tuple[int, ...]
    f1: np.ndarray  # (..., AUs): 0 where undefined (see f1_defined)
    mean_f1: np.ndarray  # (...): MEB's mean over every AU; NaN where nothing is scored
    precision: np.ndarray  # (..., AUs): TP / predicted, 0 where nothing is predicted
    recall: np.ndarray  # (..., AUs): TP / positives, 0 where there is no positive
    positives: np.ndarray  # (..., AUs): scored samples coded present (the support)
    predicted: np.ndarray  # (..., AUs): scored samples predicted present
    scored: np.ndarray  # (..., AUs): samples whose entry is not ignored
    f1_defined: np.ndarray  # (..., AUs): some positive or some prediction


def scores_of(au_set: Sequence[int], stacked: np.ndarray) -> AUScores:
    """The scores of pooled counts (shape ... x 4 x AUs, as :func:`_stacked` summed over
    samples, or over resampled subjects)."""
    counts = _counts(stacked)
    f1 = f1_per_class(counts)
    mean = np.where(counts.total > 0, f1.mean(axis=-1), np.nan)
    precision = np.divide(counts.tp, counts.predicted,
                          out=np.zeros(np.shape(counts.predicted)), where=counts.predicted > 0)
    return AUScores(au_set=tuple(au_set), f1=f1, mean_f1=mean, precision=precision,
                    recall=recall_per_class(counts), positives=counts.true,
                    predicted=counts.predicted, scored=stacked[..., 3, :],
                    f1_defined=counts.f1_defined)


def au_scores(labels: AULabels, predictions: ArrayLike,
              threshold: float | Sequence[float] = THRESHOLD) -> AUScores:
    """Per-AU F1, precision, recall, positives and MEB's mean F1 of the pooled samples, for
    each prediction of the batch ``predictions`` (... x samples x AUs; see
    :func:`predicted_present`)."""
    stacked = _stacked(labels, predicted_present(labels, predictions, threshold))
    return scores_of(labels.au_set, stacked.sum(axis=-3))


@dataclass(frozen=True)
class AUIntervals:
    """Subject-bootstrap intervals of the seed-mean scores: MEB's mean F1 and each AU's F1
    (in ``au_set``'s order)."""

    au_set: tuple[int, ...]
    mean_f1: Interval
    f1: tuple[Interval, ...]


def subject_counts(labels: AULabels, predictions: ArrayLike, keys_of: Sequence[str],
                   keys: Sequence[str],
                   threshold: float | Sequence[float] = THRESHOLD) -> np.ndarray:
    """Each subject's counts (subjects in the order of ``keys``; ``keys_of``: each sample's
    subject key) for each seed of ``predictions`` (seeds x samples x AUs, or samples x AUs
    for one): shape seeds x subjects x 4 x AUs. A pool of subjects is their sum."""
    predicted = predicted_present(labels, predictions, threshold)
    stacked = _stacked(labels, predicted.reshape(-1, *labels.present.shape))
    index = {key: i for i, key in enumerate(keys)}
    if len(keys_of) != len(labels.present):
        raise ValueError(f"keys_of must name the subject of each of the "
                         f"{len(labels.present)} samples")
    member = np.zeros((len(keys), len(keys_of)), dtype=np.int64)
    member[[index[key] for key in keys_of], np.arange(len(keys_of))] = 1
    return np.einsum("gn,snka->sgka", member, stacked)


def pooled_scores(au_set: Sequence[int], per_subject: np.ndarray,
                  chosen: ArrayLike) -> AUScores:
    """The scores of the pool of the ``chosen`` subjects (rows of indices into
    :func:`subject_counts`'s subjects, repeats counted), for each seed: shapes seeds x rows
    (x AUs), pooled by :func:`merbench.stats.intervals.pool_subjects`."""
    return scores_of(au_set, pool_subjects(per_subject, np.asarray(chosen)))


def au_intervals(labels: AULabels, predictions: ArrayLike, samples: Any, *,
                 threshold: float | Sequence[float] = THRESHOLD, resamples: int = RESAMPLES,
                 seed: int = SEED, level: float = LEVEL) -> AUIntervals:
    """The percentile intervals of MEB's mean F1 and of each AU's F1 when subjects are
    resampled with replacement within their database. ``samples``: a table (pandas) with
    each sample's ``database`` and ``subject``, in the rows' order of ``labels``;
    ``predictions``: seeds x samples x AUs (or samples x AUs), the seed mean resampled as in
    :mod:`merbench.scores.interval_records`. Every interval uses the same resamples (same seed)."""
    keys_of, keys, strata = subject_strata(samples)
    per_subject = subject_counts(labels, predictions, list(keys_of), keys, threshold)

    def scores(chosen: np.ndarray) -> np.ndarray:  # the mean F1, then each AU's F1
        pooled = pooled_scores(labels.au_set, per_subject, chosen)
        shape = np.shape(chosen)[:-1]
        return np.stack([pooled.mean_f1.mean(axis=0).reshape(shape),
                         *(pooled.f1[..., au].mean(axis=0).reshape(shape)
                           for au in range(len(labels.au_set)))])

    # one set of resamples for every score: the intervals one call each would give
    mean_f1, *f1 = resampled_intervals(scores, strata, resamples=resamples, seed=seed,
                                       level=level)
    return AUIntervals(au_set=labels.au_set, mean_f1=mean_f1, f1=tuple(f1))


def ignored_bits(codes: np.ndarray, n_aus: int) -> np.ndarray:
    """(samples, AUs) booleans: which entries label ``codes`` mark ignored (uncertain)."""
    codes = np.asarray(codes, dtype=np.int64)
    return ((codes[..., None] >> (IGNORED_SHIFT + np.arange(n_aus))) & 1).astype(bool)


def labels_of(codes: np.ndarray, au_set: Sequence[int]) -> AULabels:
    """The :class:`AULabels` of label ``codes`` (:func:`merbench.data.au_labels.label_codes`)."""
    n = len(au_set)
    return AULabels(tuple(au_set), present_bits(codes, n), ignored_bits(codes, n))
