"""Is one model's pooled score really above another's on the same subjects?

Two runs on the same samples and folds are compared subject by subject: under the null
hypothesis that the two models are exchangeable, swapping their predictions for any subject
leaves the distribution of the difference of pooled scores unchanged. The p-value is that of
SciPy's paired permutation test (:func:`scipy.stats.permutation_test`, ``samples``
permutations: each subject's two prediction sets swapped or not) with a fixed number of
random swaps and a fixed seed; a swap that gives exactly the observed difference counts
as at least as large, which floating point alone does not promise
(:mod:`merbench.stats.exact`). Runs with as many seeds are paired seed by seed (each
side's score is its mean over seeds, as the tables show it); runs with other numbers of seeds
pair each seed of one with each seed of the other, so each side's score is still its mean
over its own seeds. (They were compared on each sample's predictions averaged over its seeds,
whose score is not the mean of the seeds' scores: ``compare`` printed a UF1 difference that
was neither its table's nor inside its own interval.) Comparing several
runs with one reference corrects the p-values with Holm's step-down method, which holds the
family-wise error rate without assuming the tests independent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.base.memo import remembered
from merbench.stats.exact import Exact, ExactScore, confusion_score, seed_mean
from merbench.stats.intervals import BATCH, RESAMPLES, SEED, batch_score

PERMUTATIONS = 9999
# how far from the observed difference a swap's float is re-decided in exact fractions:
# far above the float error of a mean of ratios in [0, 1] (about 1e-15), far below a
# reported difference (four decimals)
TIE_WINDOW = 1e-9
TIE_CHUNK = 256  # near ties pooled at once: 256 x 68 subjects x 3 seeds x 3 x 3 stays small


@dataclass(frozen=True)
class PairedResult:
    """A's pooled score minus B's, and the permutation p-value of that difference."""

    metric: str
    difference: float
    p_value: float


def untestable(subjects: Sequence[str]) -> str | None:
    """Why no paired test over ``subjects`` (the subject keys two runs tested) is possible,
    in words a refusal or a table can carry; None: it is. Swapping one subject's two
    prediction sets gives only the observed difference and its negative, so no p-value can
    be drawn (SciPy refused such a test with its own ValueError, a traceback of ``compare``)."""
    if len(subjects) >= 2:
        return None
    tested = f"one test subject ({subjects[0]})" if subjects else "no test subject"
    return f"{tested}: a paired test over subjects needs two or more"


def refuse_untestable(runs: Sequence[object], subjects: Sequence[str]) -> None:
    """Refuse ``runs`` (their paths, the reference first) whose test set, ``subjects``,
    cannot be tested in pairs, naming them and the fix, as runs of other samples are
    refused: every kind's ``compare`` says it in these words."""
    why = untestable(subjects)
    if why:
        named = [str(run) for run in runs]  # two or more: compare takes no fewer
        listed = ", ".join(named[:-1]) + f" and {named[-1]}"
        raise MerbenchError(f"{listed} have {why}; compare runs of a protocol with several "
                            "test subjects (loso, lodo)")


def paired_test(a: np.ndarray, b: np.ndarray, metric: str,
                score: Callable[[np.ndarray, np.ndarray], np.ndarray], exact: ExactScore, *,
                permutations: int = PERMUTATIONS, seed: int = SEED,
                scored_as: str | None = None) -> PairedResult:
    """The paired permutation test of every kind of result. ``a`` and ``b``: per-subject
    arrays (seeds x subjects x ...) of whole-number counts of two runs on the same subjects,
    in the same order; ``score(both, chosen)``: the pooled score of the subjects ``chosen``
    picks (one row per permutation, indices into ``both``, A's subjects then B's), averaged
    over seeds, one value a row; ``exact(pooled)``: the same score of one pool (seeds x the
    counts) as an exact fraction, which decides every swap whose float lies within
    :data:`TIE_WINDOW` of the observed difference (the module docstring of
    :mod:`merbench.stats.exact` says why). Runs with other numbers of seeds pair each seed
    of one with each seed of the other. ``scored_as``: words that name ``score``
    and ``exact`` wholly (their kind and arguments), under which the answer is remembered
    (:mod:`merbench.base.memo`); None: always computed."""
    if scored_as is None:
        return _paired_test(a, b, metric, score, exact, permutations, seed)
    found = remembered("paired-test", {"score": scored_as, "metric": metric,
                                       "permutations": permutations, "seed": seed},
                       {"a": np.asarray(a), "b": np.asarray(b)},
                       lambda: asdict(_paired_test(a, b, metric, score, exact, permutations,
                                                   seed)), _a_paired_answer)
    return PairedResult(metric=str(found["metric"]), difference=float(found["difference"]),
                        p_value=float(found["p_value"]))


def _a_paired_answer(answer: dict[str, Any]) -> bool:
    """Whether a remembered answer holds what a paired test's does."""
    return isinstance(answer.get("metric"), str) and all(
        type(answer.get(field)) in (int, float) for field in ("difference", "p_value"))


def _paired_test(a: np.ndarray, b: np.ndarray, metric: str,
                 score: Callable[[np.ndarray, np.ndarray], np.ndarray], exact: ExactScore,
                 permutations: int, seed: int) -> PairedResult:
    if a.shape[1:] != b.shape[1:]:
        raise ValueError("the two runs must hold the same subjects and classes")
    n = a.shape[1]
    if n < 2:  # the callers say which runs; this guards any that does not ask first
        raise MerbenchError(f"{counted(n, 'test subject')}: a paired test over subjects "
                            "needs two or more")
    if a.shape[0] != b.shape[0]:  # other numbers of seeds: each seed paired with each
        # of the other run's, which leaves each side's mean over its seeds (the score the
        # tables show) as it is; averaging the seeds' counts first scored another quantity
        a, b = (np.repeat(a, b.shape[0], axis=0),
                np.tile(b, (a.shape[0],) + (1,) * (b.ndim - 1)))
    counts = np.concatenate([a, b], axis=1)
    if np.array_equal(np.rint(counts), counts):  # checked once, not in each swap's pool
        counts = counts.astype(np.int64)
    both = np.concatenate([a, b], axis=1)
    swaps: list[tuple[np.ndarray, np.ndarray]] = []

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        # x[..., i], y[..., i]: whose predictions of subject i (index < n: A's) go to each
        # side; one row per permutation, kept to re-decide the near ties exactly
        swaps.append((np.reshape(x, (-1, n)), np.reshape(y, (-1, n))))
        return score(both, x) - score(both, y)

    subjects = np.arange(n)
    observed, null = _null_distribution(statistic, n, permutations, seed)
    x = np.concatenate([pair[0] for pair in swaps[1:]])  # swaps[0]: the observed call
    y = np.concatenate([pair[1] for pair in swaps[1:]])
    if len(x) != len(null):
        raise RuntimeError("SciPy scored other swaps than it reported")
    pooled: dict[bytes, Exact] = {}

    def side_of(pool: np.ndarray) -> Exact:
        key = pool.tobytes()
        if key not in pooled:
            pooled[key] = exact(pool)
        return pooled[key]

    def side(rows: np.ndarray) -> Exact:
        return side_of(counts[:, rows].sum(axis=1))

    one, other = side(subjects), side(subjects + n)
    exact_observed = None if one is None or other is None else one - other
    if (exact_observed is None) != np.isnan(observed) or (
            exact_observed is not None and abs(float(exact_observed) - observed) > TIE_WINDOW):
        raise RuntimeError(f"the exact {metric} difference does not match its float")
    less, greater = null <= observed, null >= observed
    ties = np.flatnonzero(np.abs(null - observed) <= TIE_WINDOW)
    decided: dict[tuple[bytes, bytes], tuple[bool, bool]] = {}
    for i, first, second in _tie_pools(counts, x, y, ties):
        key = (first.tobytes(), second.tobytes())
        if key not in decided:
            one, other = side_of(first), side_of(second)
            value = None if one is None or other is None else one - other
            decided[key] = (
                value is not None and exact_observed is not None and value <= exact_observed,
                value is not None and exact_observed is not None and value >= exact_observed)
        less[i], greater[i] = decided[key]
    adjustment = 0 if 2 ** n <= permutations else 1  # SciPy's: exact enumeration or not
    p_value = min(1.0, 2 * (min(int(less.sum()), int(greater.sum())) + adjustment)
                  / (len(null) + adjustment))
    return PairedResult(metric=metric, difference=observed, p_value=p_value)


def _tie_pools(counts: np.ndarray, x: np.ndarray, y: np.ndarray, ties: np.ndarray
               ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Each near tie's swap ``i`` with its two sides' pools (seeds x the counts), as
    ``counts[:, rows].sum(axis=1)`` gives them. Whole-number counts are pooled a chunk of
    swaps at a time (integer sums are the same in any order): two runs that predict alike
    make nearly every one of the 9,999 swaps a tie, each pooled on its own before."""
    if counts.dtype.kind not in "iu":  # float sums: pooled one by one, as they always were
        for i in ties:
            yield int(i), counts[:, x[i]].sum(axis=1), counts[:, y[i]].sum(axis=1)
        return
    for start in range(0, len(ties), TIE_CHUNK):
        chunk = ties[start:start + TIE_CHUNK]
        # chunk x seeds x the counts, each row contiguous like a pool of its own
        first = np.ascontiguousarray(np.moveaxis(counts[:, x[chunk]].sum(axis=2), 1, 0))
        second = np.ascontiguousarray(np.moveaxis(counts[:, y[chunk]].sum(axis=2), 1, 0))
        for j, i in enumerate(chunk):
            yield int(i), first[j], second[j]


def _null_distribution(statistic: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int,
                       permutations: int, seed: int) -> tuple[float, np.ndarray]:
    """The observed statistic and its null distribution: SciPy's paired permutation test
    (``permutation_type="samples"``) of ``(subjects, subjects + n)`` at ``seed``, the same
    swaps in the same order. Where SciPy draws them at random (``2 ** n`` above
    ``permutations``) they are drawn here exactly as SciPy draws them (one
    ``Generator.permuted`` of a batch x subjects x 2 index array a batch), without SciPy's
    per-subject gathering of each batch: that gathering, a NumPy call per subject per batch,
    cost a leaderboard build of the committed results more than the scores did (192 tests,
    about 40 % of their seconds). Exact enumeration (``2 ** n`` swaps at most
    ``permutations``) is left to SciPy."""
    subjects = np.arange(n)
    if 2 ** n <= permutations:
        # deferred: SciPy, which a listing of validated results never needs
        from scipy import stats

        found = stats.permutation_test((subjects, subjects + n), statistic,
                                       permutation_type="samples", vectorized=True,
                                       batch=BATCH, n_resamples=permutations,
                                       alternative="two-sided",
                                       rng=np.random.default_rng(seed))
        return float(found.statistic), np.ravel(found.null_distribution)
    observed = float(statistic(subjects, subjects + n))
    rng = np.random.default_rng(seed)
    batch = min(BATCH, permutations)
    indices = np.tile(np.arange(2), (batch, n, 1))
    null = []
    for start in range(0, permutations, batch):
        # not in place, as SciPy does it: each batch permutes the same ordered indices
        side = rng.permuted(indices, axis=-1)[:min(batch, permutations - start)]
        null.append(np.asarray(statistic(subjects + n * side[..., 0],
                                         subjects + n * side[..., 1])))
    return observed, np.ravel(np.concatenate(null, axis=0))


def paired_difference(a: np.ndarray, b: np.ndarray, metric: str, *,
                      permutations: int = PERMUTATIONS, seed: int = SEED) -> PairedResult:
    """``a`` and ``b``: per-subject confusion matrices (seeds x subjects x C x C) of two
    emotion runs on the same subjects, in the same order; ``metric``: uf1 or uar."""
    def exact(pool: np.ndarray) -> Exact:
        return seed_mean([confusion_score(matrix, metric) for matrix in pool])

    return paired_test(a, b, metric, lambda both, chosen: batch_score(both, chosen, metric),
                       exact, permutations=permutations, seed=seed,
                       scored_as="emotion confusions")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given (each at most 1, never below an earlier
    one in the step-down order)."""
    order = np.argsort(p_values)
    m = len(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(p_values[index])))
        adjusted[index] = running
    return adjusted.tolist()


def p_text(p_value: float) -> str:
    """A p-value as a reader should take it: "p = 0.041", or "p < 0.001" where three
    decimals would print the "p = 0.000" of an impossible certainty (a permutation test's p
    is never 0)."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


__all__ = ["PERMUTATIONS", "RESAMPLES", "TIE_WINDOW", "PairedResult", "holm", "p_text",
           "paired_difference", "paired_test", "refuse_untestable", "untestable"]
