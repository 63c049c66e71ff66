"""The uncertainty methods are checked on simulated predictions whose truth is known:
intervals cover the population's pooled score at their level, exchangeable models get
uniform p-values, a better model a small one."""

from __future__ import annotations

import numpy as np
import pytest
from pooled_scores import uf1_uar

from merbench.scores.metrics import scores
from merbench.stats.intervals import subject_confusions, subject_interval
from merbench.stats.paired import holm, paired_difference


def _subjects(rng: np.random.Generator, n_subjects: int, skill_b: float | None = None):
    """Per-subject confusion matrices of one simulated model (and of a second one when
    ``skill_b`` is given: that much more likely right on every subject)."""
    sizes = rng.integers(1, 20, n_subjects)
    subject = np.repeat(np.arange(n_subjects).astype(str), sizes)
    prior = rng.dirichlet([2, 2, 2], n_subjects)[np.repeat(np.arange(n_subjects), sizes)]
    y = np.array([rng.choice(3, p=p) for p in prior])
    skill = np.repeat(rng.uniform(0.2, 0.9, n_subjects), sizes)

    def model(extra: float) -> np.ndarray:
        right = rng.random(len(y)) < np.minimum(skill + extra, 1.0)
        return np.where(right, y, rng.integers(0, 3, len(y)))

    order = [str(i) for i in range(n_subjects)]
    a = subject_confusions(y, model(0.0), subject, order, 3)
    b = None if skill_b is None else subject_confusions(y, model(skill_b), subject, order, 3)
    return a, b


@pytest.mark.parametrize("seed", range(5))
def test_scores_from_confusions_are_merbenchs(seed: int) -> None:
    """The same classes left out as merbench.scores.metrics: class 2 never occurs, and in some
    draws is predicted anyway."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 50)
    predicted = rng.integers(0, 3 if seed % 2 else 2, 50)
    expected = scores(y, predicted, ["a", "b", "c"])
    confusion = np.asarray(expected["confusion"])
    assert uf1_uar(confusion) == pytest.approx((expected["uf1"], expected["uar"]), abs=1e-12)


def test_intervals_cover_the_population_score_at_their_level() -> None:
    """60 subjects drawn from a population of 4000: the 95% interval holds the population's
    pooled UF1 and UAR in about 95% of the draws (measured with merbench's 2000 resamples
    over 1000 draws: 95.2% and 95.0%; here 300 draws of 1000 resamples, within 3 standard
    errors of 95%)."""
    rng = np.random.default_rng(1)
    population, _ = _subjects(rng, 4000)
    truth = uf1_uar(population[0].sum(axis=0))
    hits = {"uf1": 0, "uar": 0}
    for draw in range(300):
        chosen = population[:, rng.choice(4000, 60, replace=False)]
        for column, metric in enumerate(("uf1", "uar")):
            found = subject_interval(chosen, [range(60)], metric, resamples=1000, seed=draw)
            hits[metric] += found.low <= truth[column] <= found.high
    assert 274 <= hits["uf1"] <= 296 and 274 <= hits["uar"] <= 296, hits


def test_a_stratum_of_one_subject_stays_in_every_resample() -> None:
    confusions, _ = _subjects(np.random.default_rng(2), 12)
    found = subject_interval(confusions, [range(11), [11]], "uf1", resamples=200)
    assert found.low < found.high
    alone = subject_interval(confusions, [[3]], "uf1")
    assert alone.low == alone.high == uf1_uar(confusions[0, 3])[0]


def test_exchangeable_models_get_uniform_p_values() -> None:
    """Measured over 1000 simulated pairs with 999 permutations: p < 0.05 in 5.1%, every
    tenth of [0, 1] holding 8.3% to 11.2% of the p-values; here 300 pairs."""
    p_values = []
    for draw in range(300):
        rng = np.random.default_rng(100 + draw)
        a, b = _subjects(rng, 40, skill_b=0.0)
        assert b is not None
        p_values.append(paired_difference(a, b, "uf1", permutations=199, seed=draw).p_value)
    p = np.asarray(p_values)
    assert 0.02 <= (p < 0.05).mean() <= 0.09, p
    tenths = np.histogram(p, bins=10, range=(0, 1))[0] / len(p)
    assert tenths.min() >= 0.05 and tenths.max() <= 0.15, tenths


def test_a_model_better_on_every_subject_gets_a_small_p() -> None:
    a, b = _subjects(np.random.default_rng(7), 40, skill_b=0.15)
    assert b is not None
    found = paired_difference(b, a, "uar", permutations=999)
    assert found.difference > 0 and found.p_value < 0.01


def test_holm_steps_down() -> None:
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.3]) == [0.3]


def test_several_scores_from_one_set_of_resamples_are_each_ones_own_interval() -> None:
    """``resampled_intervals`` (one SciPy call for UF1 and UAR, or the mean F1 and every
    AU's F1) gives each score the interval its own call gives, bit for bit, a constant and
    an undefined score included: recorded intervals are recomputed by validation."""
    from merbench.stats.intervals import resampled_interval, resampled_intervals

    rng = np.random.default_rng(3)
    per_subject = rng.integers(0, 5, size=(9, 2)).astype(float)
    strata = [[0, 1, 2, 3], [4, 5, 6, 7], [8]]

    def one(output: int):  # type: ignore[no-untyped-def]
        def score(chosen: np.ndarray) -> np.ndarray:
            pooled = per_subject[np.asarray(chosen)].sum(axis=-2)
            with np.errstate(invalid="ignore", divide="ignore"):
                return [pooled[..., 0] / pooled.sum(axis=-1),
                        np.full(pooled.shape[:-1], 0.25),  # the same in every resample
                        np.full(pooled.shape[:-1], np.nan)][output]
        return score

    together = resampled_intervals(lambda chosen: np.stack([one(i)(chosen) for i in range(3)]),
                                   strata, resamples=300, seed=5, level=0.9)
    apart = [resampled_interval(one(i), strata, resamples=300, seed=5, level=0.9)
             for i in range(3)]
    assert repr(together) == repr(apart)
    assert together[1].low == together[1].high == 0.25 and np.isnan(together[2].low)
