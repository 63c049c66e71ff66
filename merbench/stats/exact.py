"""Scores as exact fractions of whole-number counts, for the paired test's ties.

Why a second spelling of UF1, UAR and F1. The paired permutation test
(:mod:`merbench.stats.paired`) counts the swaps of subjects whose difference of pooled scores
is at least the observed one, and a swap that gives *exactly* the observed difference must
count. In floating point it may not: the same fraction reached through other counts can
round one unit in the last place away (21 swap patterns of a UAR comparison of 8 subjects
gave exactly -2/585, six of them came out 1.1e-16 above it, and SciPy's tie tolerance, 100
ulps of the observed value, missed them: p = 0.953 where the exact p is 1). The error always
leaned towards finding a difference. So the test re-decides every swap whose float lies
near the observed value with these fractions of the integer counts, where equal is equal.

The definitions are :mod:`merbench.stats.confusion`'s (an undefined class left out of a
UF1 or UAR, an undefined F1 counted 0 in a mean over AUs); ``tests/test_paired_exact.py``
checks them against it. ``None`` stands for an undefined score (a float NaN).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

Exact = Fraction | None
ExactScore = Callable[[np.ndarray], Exact]


def whole(counts: np.ndarray) -> np.ndarray:
    """``counts`` as Python-integer-safe int64, refused unless every entry is a whole
    number: a fraction of rounded counts would be exact about the wrong thing."""
    if counts.dtype.kind in "iub":  # whole already: the paired test's pools, a million a build
        return counts.astype(np.int64, copy=False)
    rounded = np.rint(counts)
    if not np.array_equal(rounded, counts):
        raise ValueError("exact scores need whole-number counts")
    return rounded.astype(np.int64)


def seed_mean(per_seed: Sequence[Exact]) -> Exact:
    """The mean of each seed's score, undefined where any seed's is (NaN in a float
    mean)."""
    if any(value is None for value in per_seed):
        return None
    return sum((v for v in per_seed if v is not None), Fraction(0)) / len(per_seed)


def _mean_defined(values: list[Fraction], defined: list[bool]) -> Exact:
    kept = [v for v, d in zip(values, defined, strict=True) if d]
    return sum(kept, Fraction(0)) / len(kept) if kept else None


def confusion_score(confusion: np.ndarray, metric: str) -> Exact:
    """UF1 or UAR (``metric``) of one pooled confusion matrix (C x C, rows: true class)."""
    m = whole(np.asarray(confusion))
    tp = [int(v) for v in np.diagonal(m)]
    true = [int(v) for v in m.sum(axis=1)]
    predicted = [int(v) for v in m.sum(axis=0)]
    if metric == "uf1":
        return _mean_defined([Fraction(2 * t, r + p) if r + p else Fraction(0)
                              for t, r, p in zip(tp, true, predicted, strict=True)],
                             [r + p > 0 for r, p in zip(true, predicted, strict=True)])
    if metric == "uar":
        return _mean_defined([Fraction(t, r) if r else Fraction(0)
                              for t, r in zip(tp, true, strict=True)], [r > 0 for r in true])
    raise ValueError(f"no exact score {metric!r}")


def au_f1(stacked: np.ndarray) -> list[Fraction]:
    """Each AU's F1 of pooled AU counts (4 x AUs: TP, positives, predicted, scored), 0
    where undefined, as :func:`merbench.au.metrics.scores_of`."""
    tp, positive, predicted = whole(np.asarray(stacked)[:3]).tolist()
    return [Fraction(2 * int(t), int(r) + int(p)) if r + p else Fraction(0)
            for t, r, p in zip(tp, positive, predicted, strict=True)]


def au_score(stacked: np.ndarray, position: int | None) -> Exact:
    """MEB's mean F1 over every AU (``position`` None; undefined where nothing is scored)
    or one AU's F1, of pooled AU counts (4 x AUs). One AU's F1 reads that AU's counts
    only: the paired test re-decides thousands of near-tied swaps of each AU (every swap
    ties where an AU scores 0 in both runs), and the other AUs' fractions cost each of them
    a dozen times as much for nothing."""
    if position is not None:
        return au_f1(np.asarray(stacked)[:, position:position + 1])[0]
    f1 = au_f1(stacked)
    return sum(f1, Fraction(0)) / len(f1) if whole(np.asarray(stacked)[3]).sum() > 0 else None


__all__ = ["Exact", "ExactScore", "au_f1", "au_score", "confusion_score", "seed_mean",
           "whole"]
