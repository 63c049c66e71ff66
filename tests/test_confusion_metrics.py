"""merbench.stats.confusion against scikit-learn, on seeded random cases.

The one implementation of UF1, UAR, per-class F1 / recall and accuracy must give what
scikit-learn gives with the label sets merbench has always passed it (UF1 over the classes
some sample is or is predicted, UAR over the classes some sample is, ``zero_division=0``),
bit for bit up to 7 classes, so that every stored result recomputes exactly; and its batched
form must equal its single form. Cases include classes absent from the labels and/or the
predictions, one class, labels that are no class, and no sample at all.
"""

from __future__ import annotations

import numpy as np
import pytest
from pooled_scores import uf1_uar
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from merbench.scores.metrics import scores
from merbench.scores.selection import epoch_accuracy, epoch_uf1
from merbench.stats.confusion import (
    ConfusionCounts,
    accuracy,
    confusion_matrix,
    counts_from_confusion,
    counts_from_labels,
    f1_per_class,
    grouped_confusion_matrices,
    label_accuracy,
    recall_per_class,
    uar,
    uf1,
)
from merbench.stats.intervals import batch_score, subject_confusions

CASES = 240

# scikit-learn warns when a pool holds one label; here that case is on purpose
pytestmark = pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")


def _case(rng: np.random.Generator, index: int, n_classes: int,
          out_of_range: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Labels and one row of predictions, skewed so that classes go missing often: some
    cases have one true class, some predict one class, some predict exactly right."""
    n = int(rng.integers(1, 40))
    prior = rng.dirichlet(np.full(n_classes, rng.uniform(0.1, 2.0)))
    y_true = rng.choice(n_classes, n, p=prior)
    kind = index % 6
    if kind == 1:
        y_true[:] = rng.integers(n_classes)  # a single true class
    y_pred = rng.choice(n_classes, n, p=rng.dirichlet(np.full(n_classes, 0.5)))
    if kind == 2:
        y_pred[:] = rng.integers(n_classes)  # a single predicted class (a collapsed model)
    elif kind == 3:
        y_pred = y_true.copy()
    if out_of_range:
        wrong = rng.random(n) < 0.3
        y_pred[wrong] = rng.choice([-1, n_classes, n_classes + 2], wrong.sum())
    return y_true, y_pred


def _sklearn(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict[str, object]:
    """What merbench.scores.metrics asked scikit-learn for before it had its own arithmetic."""
    labels = list(range(n_classes))
    seen = [c for c in labels if np.any(y_true == c) or np.any(y_pred == c)]
    present = [c for c in labels if np.any(y_true == c)]
    return {
        "uf1": f1_score(y_true, y_pred, labels=seen, average="macro", zero_division=0.0),
        "uar": recall_score(y_true, y_pred, labels=present, average="macro",
                            zero_division=0.0),
        "accuracy": accuracy_score(y_true, y_pred),
        "f1": f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0.0),
        "recall": recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0.0),
        "confusion": sk_confusion_matrix(y_true, y_pred, labels=labels),
        "seen": seen, "present": present,
    }


@pytest.mark.parametrize("out_of_range", [False, True])
def test_single_pools_equal_scikit_learn_bit_for_bit(out_of_range: bool) -> None:
    rng = np.random.default_rng(59 + out_of_range)
    for index in range(CASES):
        n_classes = int(rng.integers(1, 8))
        y_true, y_pred = _case(rng, index, n_classes, out_of_range)
        if not np.isin(y_true, np.arange(n_classes)).any():
            continue
        expected = _sklearn(y_true, y_pred, n_classes)
        counts = counts_from_labels(y_true, y_pred, n_classes)
        where = f"case {index}: {y_true.tolist()} -> {y_pred.tolist()}"
        assert float(uf1(counts)) == expected["uf1"], where
        assert float(uar(counts)) == expected["uar"], where
        assert float(accuracy(counts)) == expected["accuracy"], where
        assert np.array_equal(f1_per_class(counts), expected["f1"]), where
        assert np.array_equal(recall_per_class(counts), expected["recall"]), where
        assert np.flatnonzero(counts.f1_defined).tolist() == expected["seen"], where
        assert np.flatnonzero(counts.recall_defined).tolist() == expected["present"], where
        assert np.array_equal(confusion_matrix(y_true, y_pred, n_classes),
                              expected["confusion"]), where

        reported = scores(y_true, y_pred, [f"c{c}" for c in range(n_classes)])
        assert (reported["uf1"], reported["uar"], reported["accuracy"]) == \
            (expected["uf1"], expected["uar"], expected["accuracy"]), where
        assert reported["confusion"] == expected["confusion"].tolist(), where
        assert reported["uf1_excluded"] == [f"c{c}" for c in range(n_classes)
                                            if c not in expected["seen"]], where
        assert reported["uar_excluded"] == [f"c{c}" for c in range(n_classes)
                                            if c not in expected["present"]], where


def test_more_than_seven_classes_agree_to_rounding() -> None:
    """Past 7 classes NumPy sums in pairs, so a mean may differ in the last bit only."""
    rng = np.random.default_rng(8)
    for index in range(CASES // 4):
        n_classes = int(rng.integers(8, 20))
        y_true, y_pred = _case(rng, index, n_classes)
        expected = _sklearn(y_true, y_pred, n_classes)
        counts = counts_from_labels(y_true, y_pred, n_classes)
        assert float(uf1(counts)) == pytest.approx(expected["uf1"], abs=1e-12, rel=0)
        assert float(uar(counts)) == pytest.approx(expected["uar"], abs=1e-12, rel=0)
        assert np.array_equal(f1_per_class(counts), expected["f1"])


def test_the_comparison_can_fail() -> None:
    """The left-out classes matter: averaging a class with no sample and no prediction as 0,
    or every class's recall, gives other numbers, which the tests above would catch."""
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    counts = counts_from_labels(y_true, y_pred, 3)
    expected = _sklearn(y_true, y_pred, 3)
    assert float(uf1(counts)) == expected["uf1"] == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert float(f1_per_class(counts).mean()) != expected["uf1"]
    assert float(recall_per_class(counts).mean()) != expected["uar"]


def test_batches_equal_their_pools_one_by_one() -> None:
    rng = np.random.default_rng(1)
    for index in range(CASES // 4):
        n_classes = int(rng.integers(1, 8))
        y_true, _ = _case(rng, index, n_classes)
        epochs = rng.integers(0, n_classes, (int(rng.integers(1, 7)), len(y_true)))
        epochs[0] = y_true
        batch = counts_from_labels(y_true, epochs.reshape(1, *epochs.shape), n_classes)
        matrices = confusion_matrix(y_true, epochs, n_classes)
        from_matrices = counts_from_confusion(matrices)
        for score in (uf1, uar, accuracy):
            one_by_one = [float(score(counts_from_labels(y_true, row, n_classes)))
                          for row in epochs]
            assert score(batch).shape == (1, len(epochs))
            assert score(batch)[0].tolist() == one_by_one
            assert score(from_matrices).tolist() == one_by_one
        for row, matrix in zip(epochs, matrices, strict=True):
            assert np.array_equal(matrix, confusion_matrix(y_true, row, n_classes))
        assert epoch_uf1(epochs, y_true, n_classes).tolist() == uf1(batch)[0].tolist()
        assert epoch_accuracy(epochs, y_true).tolist() == label_accuracy(y_true, epochs).tolist()


def test_grouped_matrices_are_each_groups_own() -> None:
    rng = np.random.default_rng(2)
    for index in range(CASES // 8):
        n_classes = int(rng.integers(1, 8))
        y_true, y_pred = _case(rng, index, n_classes)
        seeds = np.stack([y_pred, rng.integers(0, n_classes, len(y_true))])
        n_groups = int(rng.integers(1, 6))
        groups = rng.integers(0, n_groups, len(y_true))
        grouped = grouped_confusion_matrices(y_true, seeds, n_classes, groups, n_groups)
        assert grouped.shape == (2, n_groups, n_classes, n_classes)
        assert grouped.dtype == np.int64
        for seed, row in enumerate(seeds):
            for group in range(n_groups):
                mine = groups == group
                expected = (sk_confusion_matrix(y_true[mine], row[mine],
                                                labels=list(range(n_classes)))
                            if mine.any() else np.zeros((n_classes, n_classes)))
                assert np.array_equal(grouped[seed, group], expected)
            assert np.array_equal(grouped[seed].sum(axis=0),
                                  confusion_matrix(y_true, row, n_classes))


def test_the_bootstrap_scores_pools_as_the_run_does() -> None:
    """A resampled pool is a weighted sum of subjects' matrices (floats): it must score as
    the same predictions scored directly, and as scikit-learn scores them."""
    rng = np.random.default_rng(3)
    for index in range(CASES // 8):
        n_classes = int(rng.integers(1, 8))
        y_true, y_pred = _case(rng, index, n_classes)
        subjects = rng.integers(0, 5, len(y_true)).astype(str)
        order = sorted(set(subjects.tolist()))
        confusions = subject_confusions(y_true, y_pred, subjects, order, n_classes)
        chosen = rng.integers(0, len(order), (4, len(order)))
        for metric in ("uf1", "uar"):
            found = batch_score(confusions, chosen, metric)
            for drawn, value in zip(chosen, found, strict=True):
                take = np.concatenate([np.flatnonzero(subjects == order[s]) for s in drawn])
                expected = _sklearn(y_true[take], y_pred[take], n_classes)[metric]
                assert value == expected
        whole = uf1_uar(confusions[0].sum(axis=0))
        expected = _sklearn(y_true, y_pred, n_classes)
        assert whole == (expected["uf1"], expected["uar"])


def test_nothing_to_score() -> None:
    """No sample: every score NaN, per-class arrays 0 and nothing defined; the run reports
    None (merbench.scores.metrics) and epoch selection 0 (merbench.scores.selection)."""
    counts = counts_from_labels(np.array([], dtype=int), np.array([], dtype=int), 3)
    assert np.isnan(uf1(counts)) and np.isnan(uar(counts)) and np.isnan(accuracy(counts))
    assert f1_per_class(counts).tolist() == recall_per_class(counts).tolist() == [0.0] * 3
    assert not counts.f1_defined.any() and not counts.recall_defined.any()
    empty = scores([], [], ("a", "b"))
    assert (empty["uf1"], empty["uar"], empty["accuracy"]) == (None, None, None)
    assert empty["confusion"] == [[0, 0], [0, 0]]
    assert epoch_uf1(np.zeros((4, 0), dtype=int), np.array([], dtype=int), 3).tolist() == \
        [0.0] * 4
    assert epoch_uf1(np.zeros((0, 5), dtype=int), np.arange(5) % 3, 3).shape == (0,)
    assert np.isnan(uf1_uar(np.zeros((3, 3)))).all()
    zero = counts_from_confusion(np.zeros((2, 3, 3), dtype=int))
    assert isinstance(zero, ConfusionCounts) and np.isnan(uf1(zero)).all()


def test_what_scikit_learn_refused_is_refused() -> None:
    with pytest.raises(ValueError, match="y_true"):
        scores([5, 5], [0, 5], ("a", "b", "c"))  # no true label is a class
    with pytest.raises(ValueError, match="classes"):
        scores([0], [0], ())
    with pytest.raises(ValueError):
        scores([0, 1], [0], ("a", "b"))
    with pytest.raises(ValueError):
        counts_from_labels(np.zeros((2, 3), dtype=int), np.zeros((2, 3), dtype=int), 2)
    with pytest.raises(ValueError):
        counts_from_confusion(np.zeros((2, 3)))
