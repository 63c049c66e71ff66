"""Scikit-learn style models: one fit per fold, seeded all the way into pipelines."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from merbench.training.estimator import fit_predict


def test_every_random_state_in_a_pipeline_gets_the_fold_seed() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3, 2, 2)), rng.integers(0, 3, 40)
    built = []

    def build():
        built.append(make_pipeline(StandardScaler(), SGDClassifier(random_state=None)))
        return built[-1]

    first = fit_predict(build, x[:30], y[:30], x[30:], seed=11)
    second = fit_predict(build, x[:30], y[:30], x[30:], seed=11)
    assert built[0].get_params()["sgdclassifier__random_state"] == 11
    assert first.shape == (1, 10)
    np.testing.assert_array_equal(first, second)
