"""Scikit-learn style models: one ``fit`` on the training fold, one ``predict`` on the test.

Two optional parts of the contract, both found by looking at the estimator, never at its name:

- **groups**: when the estimator's ``fit`` has a parameter named ``groups``, it receives the
  training rows' subject keys (``"database/subject"``, one string per row), so that it can
  search its hyper-parameters with a leave-subjects-out split of the training subjects (the
  test subject is never among them).
- **fit report**: after ``fit``, a ``fit_report_`` attribute holding a JSON-serialisable dict
  (the C a grid search chose, say) is stored with the fold and copied into that fold's row of
  ``results.json`` as ``fit_report``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.training.model_output import ModelFault, class_indices, outputs_of


@dataclass(frozen=True)
class EstimatorFit:
    """A fold's test predictions as one "epoch", (1, n_test), and what the estimator reported."""

    predictions: np.ndarray
    report: dict[str, Any] | None = None


def accepts_groups(model: Any) -> bool:
    """Whether ``model.fit`` names a ``groups`` parameter (``**kwargs`` alone does not count:
    a pipeline would hand an unexpected keyword on to its steps and fail)."""
    fit = getattr(model, "fit", None)
    if fit is None:
        return False
    try:
        return "groups" in inspect.signature(fit).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        return False


def fit_report(model: Any) -> dict[str, Any] | None:
    """The estimator's ``fit_report_`` as plain JSON values, or None when it has none."""
    report = getattr(model, "fit_report_", None)
    if report is None:
        return None
    name = type(model).__name__
    if not isinstance(report, dict):
        raise MerbenchError(f"estimator {name} has a fit_report_ of type "
                            f"{type(report).__name__}; make it a dict of plain values")
    try:
        plain: dict[str, Any] = json.loads(json.dumps(report))
    except (TypeError, ValueError) as exc:
        raise MerbenchError(f"estimator {name} has a fit_report_ that JSON cannot hold ({exc}); "
                            "report plain numbers, strings, lists and dicts (float(x), not "
                            "numpy scalars)") from None
    at = _non_finite_at(plain)
    if at is not None:  # JSON has no NaN: validate refused the results file the run wrote
        raise ModelFault(f"its fit_report_ holds a value that is not a finite number (NaN or "
                         f"an infinity) at '{at}', which no results file can hold")
    return plain


def fit_predict(
    build_model: Callable[[], Any],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    *,
    seed: int,
    groups: np.ndarray | None = None,
) -> EstimatorFit:
    """Fit a fresh estimator and return its test predictions and its fit report.

    Features are flattened to one row per sample; every ``random_state`` parameter of the
    estimator, also of the steps inside a pipeline, gets the fold's seed. ``groups`` (the
    training rows' subject keys) goes to ``fit`` only when ``fit`` takes ``groups``.
    """
    model = build_model()
    if hasattr(model, "get_params"):
        states = [k for k in model.get_params(deep=True)
                  if k == "random_state" or k.endswith("__random_state")]
        if states:
            model.set_params(**dict.fromkeys(states, seed))
    extra: dict[str, Any] = {}
    if groups is not None and accepts_groups(model):
        if len(groups) != len(x_train):
            raise MerbenchError(f"{len(groups)} subject groups for {len(x_train)} training "
                                "rows; give one group per training row")
        extra["groups"] = np.asarray(groups)
    model.fit(x_train.reshape(len(x_train), -1), y_train, **extra)
    predicted = class_indices(model.predict(x_test.reshape(len(x_test), -1)), len(x_test),
                              outputs_of(build_model))
    return EstimatorFit(predicted.reshape(1, -1), fit_report(model))


def _non_finite_at(report: Any, where: str = "") -> str | None:
    """Where in ``report`` (plain JSON values) the first NaN or infinity is, as ``a.b`` (a
    list's items by number), or None where there is none."""
    items = report.items() if isinstance(report, dict) else \
        enumerate(report) if isinstance(report, list) else ()
    for key, value in items:
        at = f"{where}.{key}" if where else str(key)
        if isinstance(value, float) and not np.isfinite(value):
            return at
        found = _non_finite_at(value, at)
        if found is not None:
            return found
    return None
