"""merbench.au.metrics: per-AU F1 / precision / recall / positives and MEB's mean F1 against
scikit-learn and against MEB's own recipe, on seeded random multi-label cases; the hand cases
that decide a convention (an AU with no positive, everything ignored, uncertain entries,
exactly 0.5); batched against one at a time; and the subject-bootstrap intervals.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, precision_recall_fscore_support

from merbench.au.metrics import (
    AULabels,
    au_intervals,
    au_labels,
    au_scores,
    pooled_scores,
    predicted_present,
    subject_counts,
)
from merbench.data.au_labels import DEFAULT_AU_SET, SampleActionUnits
from merbench.scores.interval_records import subject_strata

CASES = 120


def _case(rng: np.random.Generator, n: int, aus: int, *, ignore: float = 0.0
          ) -> tuple[AULabels, np.ndarray]:
    """Random labels (each AU its own positive rate, some 0: AUs with no positive) and
    probabilities, with a share ``ignore`` of entries ignored."""
    rate = rng.choice([0.0, 0.05, 0.2, 0.5, 0.9], size=aus)
    present = rng.random((n, aus)) < rate
    ignored = rng.random((n, aus)) < ignore
    probabilities = rng.random((n, aus)) ** rng.choice([0.5, 1.0, 3.0])
    return AULabels(tuple(range(1, aus + 1)), present, ignored), probabilities


@pytest.mark.parametrize("case", range(CASES))
def test_equals_scikit_learn_without_ignored_entries(case: int) -> None:
    rng = np.random.default_rng(case)
    # from 2 AUs: scikit-learn reads a one-column matrix as a binary task of two classes
    # (one AU is the per-AU test's)
    labels, probabilities = _case(rng, int(rng.integers(1, 80)), int(rng.integers(2, 15)))
    predicted = probabilities > 0.5
    got = au_scores(labels, probabilities)
    truth = labels.present.astype(int)
    # scikit-learn's per-AU precision, recall and F1 from one call (each of its calls
    # checks its inputs at length: three calls an AU took most of this file's time)
    precision, recall, f1, _ = precision_recall_fscore_support(truth, predicted,
                                                               average=None, zero_division=0)
    np.testing.assert_array_equal(got.f1, f1)
    assert got.mean_f1 == f1_score(truth, predicted, average="macro", zero_division=0)
    np.testing.assert_array_equal(got.precision, precision)
    np.testing.assert_array_equal(got.recall, recall)
    np.testing.assert_array_equal(got.positives, truth.sum(axis=0))
    np.testing.assert_array_equal(got.f1_defined, (truth + predicted).sum(axis=0) > 0)


@pytest.mark.parametrize("case", range(CASES))
def test_equals_scikit_learn_per_au_with_ignored_entries_removed(case: int) -> None:
    rng = np.random.default_rng(1000 + case)
    labels, probabilities = _case(rng, int(rng.integers(5, 80)), int(rng.integers(1, 15)),
                                  ignore=float(rng.choice([0.1, 0.4])))
    got = au_scores(labels, probabilities)
    expected = []
    for au in range(len(labels.au_set)):
        kept = ~labels.ignored[:, au]
        truth, predicted = labels.present[kept, au], probabilities[kept, au] > 0.5
        if not kept.any():  # scikit-learn scores no empty pool; the convention gives 0
            expected.append(0.0)
            continue
        precision, recall, f1, _ = precision_recall_fscore_support(
            truth, predicted, average="binary", zero_division=0)
        expected.append(f1)
        assert got.recall[au] == recall and got.precision[au] == precision
        assert got.positives[au] == truth.sum() and got.scored[au] == kept.sum()
    np.testing.assert_array_equal(got.f1, expected)
    assert got.mean_f1 == np.mean(expected)


@pytest.mark.parametrize("case", range(30))
def test_equals_mebs_recipe_on_logits(case: int) -> None:
    """MEB (meb/utils/metrics.py, MultiLabelF1Score with average="binary"): logits > 0,
    scikit-learn's binary F1 per AU column with its default zero_division, then np.mean."""
    rng = np.random.default_rng(2000 + case)
    labels, _ = _case(rng, int(rng.integers(1, 60)), len(DEFAULT_AU_SET))
    logits = rng.normal(scale=2.0, size=labels.present.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an AU with no positive and no prediction warns
        meb = [f1_score(labels.present[:, i], logits[:, i] > 0.0, average="binary")
               for i in range(labels.present.shape[1])]
    got = au_scores(labels, 1 / (1 + np.exp(-logits)))
    np.testing.assert_array_equal(got.f1, meb)
    assert got.mean_f1 == np.mean(meb)


def test_an_au_with_no_positive_counts_as_zero_in_the_mean() -> None:
    labels = AULabels((1, 2), [[1, 0], [0, 0], [1, 0]], np.zeros((3, 2)))
    nothing = au_scores(labels, [[0.9, 0.1], [0.2, 0.3], [0.8, 0.0]])
    np.testing.assert_array_equal(nothing.f1, [1.0, 0.0])
    np.testing.assert_array_equal(nothing.f1_defined, [True, False])
    assert nothing.mean_f1 == 0.5  # MEB's mean: not 1.0, as leaving AU 2 out would give
    wrong = au_scores(labels, [[0.9, 0.7], [0.2, 0.3], [0.8, 0.0]])
    np.testing.assert_array_equal(wrong.f1, [1.0, 0.0])
    np.testing.assert_array_equal(wrong.f1_defined, [True, True])
    np.testing.assert_array_equal(wrong.precision, [1.0, 0.0])
    np.testing.assert_array_equal(wrong.recall, [1.0, 0.0])
    np.testing.assert_array_equal(wrong.positives, [2, 0])
    np.testing.assert_array_equal(wrong.predicted, [2, 1])


def test_everything_ignored_scores_nothing() -> None:
    labels = AULabels((1, 2), [[1, 0], [0, 1]], np.ones((2, 2), dtype=bool))
    got = au_scores(labels, [[1, 1], [1, 1]])
    np.testing.assert_array_equal(got.f1, [0.0, 0.0])
    np.testing.assert_array_equal(got.f1_defined, [False, False])
    np.testing.assert_array_equal(got.positives, [0, 0])
    np.testing.assert_array_equal(got.predicted, [0, 0])
    np.testing.assert_array_equal(got.scored, [0, 0])
    assert np.isnan(got.mean_f1)


def test_uncertain_aus_and_uncoded_samples_are_ignored() -> None:
    coded = [SampleActionUnits((4,), (12,)), SampleActionUnits((12, 25)), None,
             SampleActionUnits(())]
    labels = au_labels(coded, (4, 12))
    np.testing.assert_array_equal(labels.present, [[1, 0], [0, 1], [0, 0], [0, 0]])
    np.testing.assert_array_equal(labels.ignored, [[0, 1], [0, 0], [1, 1], [0, 0]])
    base = au_scores(labels, [[1, 0], [0, 1], [0, 0], [0, 0]])
    np.testing.assert_array_equal(base.f1, [1.0, 1.0])
    # predicting the uncertain AU 12 of the first sample, or anything for the uncoded
    # sample, changes nothing; the same prediction on a coded sample is a false positive
    ignored = au_scores(labels, [[1, 1], [0, 1], [1, 1], [0, 0]])
    np.testing.assert_array_equal(ignored.f1, base.f1)
    np.testing.assert_array_equal(ignored.scored, [3, 2])
    counted = au_scores(labels, [[1, 0], [0, 1], [0, 0], [0, 1]])
    assert counted.f1[1] == pytest.approx(2 / 3)


def test_default_au_set_is_mebs() -> None:
    assert DEFAULT_AU_SET == (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17)
    assert au_labels([SampleActionUnits((4,))]).au_set == DEFAULT_AU_SET


def test_exactly_the_threshold_is_absent() -> None:
    labels = AULabels((1,), [[1], [1], [0]], np.zeros((3, 1)))
    np.testing.assert_array_equal(
        predicted_present(labels, [[0.5], [np.nextafter(0.5, 1)], [0.49]]).ravel(),
        [False, True, False])
    assert au_scores(labels, [[0.5], [0.5], [0.0]]).f1[0] == 0.0
    # a tuned threshold, one per AU, from outside
    two = AULabels((1, 2), [[1, 1]], np.zeros((1, 2)))
    np.testing.assert_array_equal(predicted_present(two, [[0.3, 0.3]], [0.2, 0.3]),
                                  [[True, False]])
    np.testing.assert_array_equal(au_scores(two, [[1, 0]]).f1, [1.0, 0.0])  # 0/1 taken


@pytest.mark.parametrize("bad", [-0.1, 1.0, float("nan")])
def test_a_threshold_outside_zero_one_is_refused(bad: float) -> None:
    labels = AULabels((1,), [[1]], [[0]])
    with pytest.raises(ValueError, match="threshold"):
        au_scores(labels, [[0.7]], bad)


@pytest.mark.parametrize("bad", [[[1.5]], [[-0.2]], [[np.nan]]])
def test_logits_and_nan_are_refused(bad: list[list[float]]) -> None:
    with pytest.raises(ValueError, match="probabilities"):
        au_scores(AULabels((1,), [[1]], [[0]]), bad)


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="AUs"):
        AULabels((1, 2), [[1]], [[0]])
    with pytest.raises(ValueError, match="distinct"):
        AULabels((1, 1), [[1, 0]], [[0, 0]])
    with pytest.raises(ValueError, match="samples x AUs"):
        au_scores(AULabels((1,), [[1]], [[0]]), [[0.5, 0.5]])


def test_batched_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    labels, _ = _case(rng, 40, 6, ignore=0.2)
    batch = rng.random((3, 4, 40, 6))
    got = au_scores(labels, batch)
    assert got.f1.shape == (3, 4, 6) and got.mean_f1.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            one = au_scores(labels, batch[i, j])
            for field in ("f1", "mean_f1", "precision", "recall", "positives", "predicted",
                          "scored", "f1_defined"):
                np.testing.assert_array_equal(getattr(got, field)[i, j], getattr(one, field))


def _subjects(rng: np.random.Generator, n: int) -> pd.DataFrame:
    database = np.where(np.arange(n) < n * 0.6, "casme2", "samm")
    return pd.DataFrame({"database": database,
                         "subject": rng.integers(0, 12, n).astype(str)})


def test_a_pool_of_every_subject_once_is_the_pool() -> None:
    rng = np.random.default_rng(3)
    labels, _ = _case(rng, 90, 5, ignore=0.1)
    seeds = rng.random((2, 90, 5))
    keys_of, keys, _ = subject_strata(_subjects(rng, 90))
    per_subject = subject_counts(labels, seeds, list(keys_of), keys)
    pooled = pooled_scores(labels.au_set, per_subject, [list(range(len(keys)))])
    np.testing.assert_allclose(pooled.f1[:, 0], au_scores(labels, seeds).f1, rtol=1e-15)


def test_intervals_are_reproducible_and_hold_the_estimate() -> None:
    rng = np.random.default_rng(11)
    labels, _ = _case(rng, 160, 4, ignore=0.05)
    labels = AULabels(labels.au_set, rng.random((160, 4)) < 0.35, labels.ignored)
    # predictions that agree with the labels more often than not
    seeds = np.clip(labels.present + rng.normal(0, 0.45, (3, 160, 4)), 0, 1)
    samples = _subjects(rng, 160)
    first = au_intervals(labels, seeds, samples, resamples=400, seed=5)
    assert first == au_intervals(labels, seeds, samples, resamples=400, seed=5)
    assert first != au_intervals(labels, seeds, samples, resamples=400, seed=6)
    estimate = au_scores(labels, seeds)
    assert first.mean_f1.low <= estimate.mean_f1.mean() <= first.mean_f1.high
    assert first.mean_f1.low < first.mean_f1.high
    for interval, point in zip(first.f1, estimate.f1.mean(axis=0), strict=True):
        assert interval.low <= point <= interval.high
    assert first.au_set == labels.au_set and len(first.f1) == 4


def test_one_subject_per_database_gives_the_seed_mean_itself() -> None:
    """Nothing to resample: the interval is the point estimate, which for several seeds
    is the mean of the seeds' scores (the seed mean is what is resampled)."""
    labels = AULabels((1, 2), [[1, 0], [0, 1], [1, 1]], np.zeros((3, 2)))
    seeds = [[[0.9, 0.1], [0.1, 0.2], [0.7, 0.8]], [[0.9, 0.9], [0.1, 0.7], [0.2, 0.8]]]
    samples = pd.DataFrame({"database": ["a", "a", "b"], "subject": ["1", "1", "2"]})
    got = au_intervals(labels, seeds, samples, resamples=50)
    each = au_scores(labels, seeds)
    assert each.mean_f1[0] != each.mean_f1[1]
    assert got.mean_f1.low == got.mean_f1.high == pytest.approx(each.mean_f1.mean())
    for interval, point in zip(got.f1, each.f1.mean(axis=0), strict=True):
        assert interval.low == interval.high == pytest.approx(point)
