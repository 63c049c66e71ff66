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

    Features are flattened to one row per sample; an estimator with a ``random_state``
    parameter gets the fold's seed.
    """
    model = build_model()
    if hasattr(model, "get_params") and "random_state" in model.get_params():
        model.set_params(random_state=seed)
    model.fit(x_train.reshape(len(x_train), -1), y_train)
    predicted = model.predict(x_test.reshape(len(x_test), -1))
    return np.asarray(predicted, dtype=np.int64).reshape(1, -1)
