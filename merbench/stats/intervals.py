"""Confidence intervals of pooled UF1 and UAR, from resampling the subjects a run tested.

A LOSO score is one number pooled over a few dozen subjects, each holding 1 to 39 samples;
what it would be on another sample of subjects is the uncertainty that matters, so the
bootstrap resamples *subjects* (whole, with all their samples), pools their predictions again
and scores the pool, as the protocol scores the real one. A composite's subjects are
resampled within their database (stratified: each resample keeps each database's number of
subjects). Several seeds of one configuration are averaged inside each resample, so the
interval is that of the seed mean.

The resampling is SciPy's (:func:`scipy.stats.bootstrap`, one sample per database, the
percentile method), with a fixed number of resamples and a fixed seed, so an interval is
reproducible from the stored predictions. Scores come from per-subject confusion matrices
summed over the resampled subjects and scored by :mod:`merbench.stats.confusion`, batched:
the same UF1 and UAR as :mod:`merbench.scores.metrics` (one implementation), thousands of times
faster than scoring the samples again.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from merbench.stats.confusion import (
    ConfusionCounts,
    counts_from_confusion,
    grouped_confusion_matrices,
    uar,
    uf1,
)

RESAMPLES = 2000
SEED = 0
LEVEL = 0.95
METHOD = "percentile bootstrap over subjects, stratified by database"
METRICS = ("uf1", "uar")
SCORERS: dict[str, Callable[[ConfusionCounts], np.ndarray]] = {"uf1": uf1, "uar": uar}
BATCH = 500  # resamples scored at once: 500 x 68 subjects x 3 seeds x 3 x 3 stays small


@dataclass(frozen=True)
class Interval:
    """A two-sided interval of one metric."""

    low: float
    high: float


def subject_confusions(y_true: np.ndarray, y_pred: np.ndarray, subjects: np.ndarray,
                       order: Sequence[str], n_classes: int) -> np.ndarray:
    """One confusion matrix per subject of ``order`` (shape subjects x classes x classes)
    for each row of ``y_pred`` (seeds x samples): shape seeds x subjects x C x C."""
    index = {s: i for i, s in enumerate(order)}
    position = np.asarray([index[s] for s in subjects], dtype=np.intp)
    return grouped_confusion_matrices(y_true, np.atleast_2d(y_pred), n_classes, position,
                                      len(order))


def score_of(confusions: np.ndarray, chosen: np.ndarray, metric: str) -> float:
    """``metric`` of the pool of the ``chosen`` subjects (repeats counted), averaged over the
    seeds (the first axis of ``confusions``)."""
    return float(batch_score(confusions, np.asarray(chosen)[None], metric)[0])


def batch_score(confusions: np.ndarray, chosen: np.ndarray, metric: str) -> np.ndarray:
    """:func:`score_of` for each row of ``chosen`` (resamples x subjects drawn), from the
    pools of :func:`pool_subjects`."""
    chosen = np.asarray(chosen, dtype=int)
    pooled = pool_subjects(confusions, chosen)
    scores = SCORERS[metric](counts_from_confusion(pooled)).mean(axis=0)
    return scores.reshape(chosen.shape[:-1])


def pool_subjects(per_subject: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The pool of each row of ``chosen`` (any leading shape x subjects drawn, repeats
    counted) of ``per_subject`` (seeds x subjects x any counts): seeds x rows x the counts.

    Each row becomes how often it drew each subject (one ``bincount``), and a pool is those
    counts times the per-subject counts (one matrix product). Where the counts are whole
    numbers, as every recorded interval's and comparison's are, the sums are exact in any
    order. Emotion confusions, AU counts and spotting counts are all pooled
    here."""
    seeds, n_subjects = per_subject.shape[:2]
    rows = np.asarray(chosen, dtype=np.intp).reshape(-1, np.shape(chosen)[-1])
    if rows.size and (rows.min() < 0 or rows.max() >= n_subjects):
        raise ValueError(f"a subject index outside 0..{n_subjects - 1}")  # else: a wrong row
    flat = (rows + n_subjects * np.arange(len(rows))[:, None]).ravel()
    drawn = np.bincount(flat, minlength=len(rows) * n_subjects).reshape(len(rows), n_subjects)
    pooled = drawn.astype(float) @ per_subject.reshape(seeds, n_subjects, -1)
    return pooled.reshape(seeds, len(rows), *per_subject.shape[2:])


def subject_interval(confusions: np.ndarray, strata: Sequence[Sequence[int]], metric: str,
                     *, resamples: int = RESAMPLES, seed: int = SEED,
                     level: float = LEVEL) -> Interval:
    """The interval of ``metric`` when the subjects of each stratum (indices into the
    second axis of ``confusions``) are resampled with replacement within it; a stratum of
    one subject keeps it in every resample."""
    return subject_intervals(confusions, strata, (metric,), resamples=resamples, seed=seed,
                             level=level)[metric]


def subject_intervals(confusions: np.ndarray, strata: Sequence[Sequence[int]],
                      metrics: Sequence[str], *, resamples: int = RESAMPLES, seed: int = SEED,
                      level: float = LEVEL) -> dict[str, Interval]:
    """:func:`subject_interval` of each of ``metrics``, from one set of resamples: the same
    intervals as one call each (the same seed draws the same subjects), each pool scored
    once for every metric."""
    def scores(chosen: np.ndarray) -> np.ndarray:
        chosen = np.asarray(chosen, dtype=int)
        counts = counts_from_confusion(pool_subjects(confusions, chosen))
        return np.stack([SCORERS[m](counts).mean(axis=0).reshape(chosen.shape[:-1])
                         for m in metrics])

    found = resampled_intervals(scores, strata, resamples=resamples, seed=seed, level=level)
    return dict(zip(metrics, found, strict=True))


def difference_interval(a: np.ndarray, b: np.ndarray, strata: Sequence[Sequence[int]],
                        metric: str, *, resamples: int = RESAMPLES, seed: int = SEED,
                        level: float = LEVEL) -> Interval:
    """The interval of A's ``metric`` minus B's, both pooled over the same resampled
    subjects (paired)."""
    return resampled_interval(
        lambda chosen: batch_score(a, chosen, metric) - batch_score(b, chosen, metric), strata,
        resamples=resamples, seed=seed, level=level)


def resampled_interval(statistic: Callable[[np.ndarray], np.ndarray],
                       strata: Sequence[Sequence[int]], *, resamples: int, seed: int,
                       level: float) -> Interval:
    """The percentile interval of ``statistic`` over stratified resamples of the subjects.
    ``statistic`` takes the chosen subjects' indices (repeats counted) as the rows of an
    array, one row per resample, and returns one score per row."""
    [found] = resampled_intervals(lambda chosen: np.asarray(statistic(chosen))[None], strata,
                                  resamples=resamples, seed=seed, level=level)
    return found


def resampled_intervals(statistic: Callable[[np.ndarray], np.ndarray],
                        strata: Sequence[Sequence[int]], *, resamples: int, seed: int,
                        level: float) -> list[Interval]:
    """:func:`resampled_interval` of several scores at once: ``statistic`` returns one row
    of scores per output (outputs x resamples), and each output's interval comes from the
    same resamples, as one call per output would give it (SciPy scores a multi-output
    statistic element by element). Validating a tuning's hundreds of runs spent a third of
    its time in SciPy's set-up of one call per score."""
    groups = [np.asarray(s, dtype=int) for s in strata if len(s)]
    samples = tuple(g for g in groups if len(g) > 1)
    fixed = [g for g in groups if len(g) == 1]  # one subject: nothing to resample in it

    def of(*drawn: np.ndarray, axis: int = -1) -> np.ndarray:
        batch = drawn[0].shape[:-1] if drawn else ()
        kept = [np.broadcast_to(g, (*batch, len(g))) for g in fixed]
        return statistic(np.concatenate([*drawn, *kept], axis=-1))

    if not samples:
        return [Interval(float(value), float(value)) for value in np.ravel(of())]
    # deferred: SciPy, which a listing of validated results never needs
    from scipy import stats

    with warnings.catch_warnings():
        # every resample scoring the same (a spotting scope with nothing to find) or
        # undefined: the interval is that value, or NaN, which is what SciPy returns anyway
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        found = stats.bootstrap(samples, of, n_resamples=resamples, vectorized=True,
                                batch=BATCH, confidence_level=level, method="percentile",
                                rng=np.random.default_rng(seed))
    low, high = found.confidence_interval
    return [Interval(float(a), float(b)) for a, b in zip(np.ravel(low), np.ravel(high),
                                                         strict=True)]
