"""Is one model's AU detection really better than another's on the same subjects?

The AU counterpart of :mod:`merbench.stats.paired`: two AU runs on the same samples are
compared subject by subject with SciPy's paired permutation test (each subject's two sets
of predictions swapped or not, the same number of random swaps and seed), on the statistic
the AU pages rank by, MEB's mean F1 pooled over the subjects, and on each AU's pooled F1.
Runs with as many seeds are paired seed by seed (each side's score is its mean over seeds);
runs with other numbers of seeds are compared on each subject's counts averaged over its
seeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from merbench.au_metrics import pooled_scores
from merbench.stats.intervals import BATCH, SEED
from merbench.stats.paired import PERMUTATIONS, PairedResult

MEAN_F1 = "mean_f1"


def au_paired_differences(a: np.ndarray, b: np.ndarray, au_set: Sequence[int], *,
                          permutations: int = PERMUTATIONS,
                          seed: int = SEED) -> list[PairedResult]:
    """A's score minus B's and its p-value: MEB's mean F1 first (metric ``mean_f1``), then
    each AU's F1 (metric ``AU<n>``). ``a`` and ``b``: per-subject counts (seeds x subjects
    x 4 x AUs, :func:`merbench.au_metrics.subject_counts`) of two runs on the same subjects,
    in the same order."""
    if a.shape[1:] != b.shape[1:]:
        raise ValueError("the two runs must hold the same subjects and AUs")
    if a.shape[0] != b.shape[0]:
        a, b = a.mean(axis=0, keepdims=True), b.mean(axis=0, keepdims=True)
    n = a.shape[1]
    both = np.concatenate([a, b], axis=1)
    subjects = np.arange(n)
    found = []
    for position in [None, *range(len(au_set))]:
        def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1,
                      position: int | None = position) -> np.ndarray:
            def score(chosen: np.ndarray) -> np.ndarray:
                pooled = pooled_scores(au_set, both, chosen)
                value = pooled.mean_f1 if position is None else pooled.f1[..., position]
                return np.asarray(value.mean(axis=0)).reshape(np.shape(chosen)[:-1])
            return score(x) - score(y)

        observed = float(statistic(subjects, subjects + n))
        test = stats.permutation_test((subjects, subjects + n), statistic,
                                      permutation_type="samples", vectorized=True,
                                      batch=BATCH, n_resamples=permutations,
                                      alternative="two-sided", rng=np.random.default_rng(seed))
        name = MEAN_F1 if position is None else f"AU{au_set[position]}"
        found.append(PairedResult(metric=name, difference=observed,
                                  p_value=float(test.pvalue)))
    return found
