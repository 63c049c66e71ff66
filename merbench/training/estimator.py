"""Scikit-learn style models: one ``fit`` on the training fold, one ``predict`` on the test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def fit_predict(
    build_model: Callable[[], Any],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    *,
    seed: int,
) -> np.ndarray:
    """Fit a fresh estimator and return its test predictions as one "epoch", (1, n_test).

    Features are flattened to one row per sample; every ``random_state`` parameter of the
    estimator, also of the steps inside a pipeline, gets the fold's seed.
    """
    model = build_model()
    if hasattr(model, "get_params"):
        states = [k for k in model.get_params(deep=True)
                  if k == "random_state" or k.endswith("__random_state")]
        if states:
            model.set_params(**dict.fromkeys(states, seed))
    model.fit(x_train.reshape(len(x_train), -1), y_train)
    predicted = model.predict(x_test.reshape(len(x_test), -1))
    return np.asarray(predicted, dtype=np.int64).reshape(1, -1)
