"""Metrics against hand-computed cases, including classes that do not occur."""

from __future__ import annotations

import pytest

from merbench.scores.metrics import pooled_scores, scores

CLASSES = ("negative", "positive", "surprise")


def test_perfect_predictions() -> None:
    result = scores([0, 1, 2, 0], [0, 1, 2, 0], CLASSES)
    assert result["uf1"] == result["uar"] == result["accuracy"] == 1.0
    assert result["confusion"] == [[2, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_hand_computed_case() -> None:
    y_true = [0, 0, 0, 0, 1, 1, 2, 2]
    y_pred = [0, 0, 1, 2, 1, 0, 2, 2]
    # negative: TP 2, FP 1, FN 2 -> F1 4/7, recall 2/4
    # positive: TP 1, FP 1, FN 1 -> F1 2/4, recall 1/2
    # surprise: TP 2, FP 1, FN 0 -> F1 4/5, recall 2/2
    result = scores(y_true, y_pred, CLASSES)
    assert result["uf1"] == pytest.approx((4 / 7 + 2 / 4 + 4 / 5) / 3)
    assert result["uar"] == pytest.approx((2 / 4 + 1 / 2 + 1) / 3)
    assert result["accuracy"] == pytest.approx(5 / 8)
    assert result["confusion"] == [[2, 1, 1], [1, 1, 0], [0, 0, 2]]
    assert result["uf1_excluded"] == result["uar_excluded"] == []


def test_class_never_true_nor_predicted_is_left_out_and_named() -> None:
    result = scores([0, 0, 1, 1], [0, 1, 1, 1], CLASSES)
    # negative F1 = 2/3, positive F1 = 4/5; surprise is 0/0 and is excluded, not 0 or 1
    assert result["uf1"] == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert result["uar"] == pytest.approx((1 / 2 + 1) / 2)
    assert result["uf1_excluded"] == ["surprise"]
    assert result["uar_excluded"] == ["surprise"]


def test_class_predicted_but_absent_counts_in_uf1_only() -> None:
    result = scores([0, 0, 1, 1], [0, 2, 1, 1], CLASSES)
    # surprise was predicted once and never occurs: F1 0 counts, recall is undefined
    assert result["uf1"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert result["uar"] == pytest.approx((1 / 2 + 1) / 2)
    assert result["uf1_excluded"] == []
    assert result["uar_excluded"] == ["surprise"]


def test_pooled_per_database_with_a_class_absent_from_one_database() -> None:
    y_true = [0, 1, 2, 0, 1, 0]
    y_pred = [0, 1, 1, 0, 0, 0]
    databases = ["a", "a", "a", "b", "b", "b"]
    result = pooled_scores(y_true, y_pred, databases, CLASSES)
    overall, a, b = result["overall"], result["per_database"]["a"], result["per_database"]["b"]
    # overall: negative TP3 FP1 FN0 -> 6/7; positive TP1 FP1 FN1 -> 1/2; surprise 0
    assert overall["uf1"] == pytest.approx((6 / 7 + 1 / 2 + 0) / 3)
    assert overall["uar"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    # database b has no surprise at all: excluded there, and said so
    assert b["uf1"] == pytest.approx((4 / 5 + 0) / 2)
    assert b["uar"] == pytest.approx((1 + 0) / 2)
    assert b["uf1_excluded"] == ["surprise"] and b["uar_excluded"] == ["surprise"]
    assert a["n"] == 3 and b["n"] == 3
    assert a["uf1"] == pytest.approx((1 + 2 / 3 + 0) / 3)


def test_empty_predictions_give_no_scores() -> None:
    result = scores([], [], CLASSES)
    assert result["n"] == 0 and result["uf1"] is None and result["uar"] is None
