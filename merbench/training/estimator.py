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
from merbench.base.literal import indefinite
from merbench.meta.field_values import plain_number
from merbench.plugin_system.plugin_fault import model_code
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
    """The estimator's ``fit_report_`` as plain JSON values, or None when it has none.

    Its numbers are taken as the numbers they are, as a model's metadata is read
    (:func:`merbench.meta.field_values.plain_number`: ``np.float32(0.5)`` is 0.5,
    ``Decimal("2")`` is 2); anything else JSON cannot hold is the plugin's fault, one
    :class:`ModelFault` the runner says naming the model and its plugin. Both once ended
    the run with the JSON writer's own words ("Object of type float32 is not JSON
    serializable", pass 84l N3), naming only the estimator's class."""
    report = getattr(model, "fit_report_", None)
    if report is None:
        return None
    if not isinstance(report, dict):
        raise ModelFault(f"its fit_report_ is {indefinite(type(report).__name__)}, not a dict "
                         "of plain numbers, strings, lists and dicts")
    plain: dict[str, Any] = _plain(report, "")
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
    with model_code():
        model.fit(x_train.reshape(len(x_train), -1), y_train, **extra)
        raw = model.predict(x_test.reshape(len(x_test), -1))
    predicted = class_indices(raw, len(x_test), outputs_of(build_model))
    return EstimatorFit(predicted.reshape(1, -1), fit_report(model))


def _plain(value: Any, at: str) -> Any:
    """``value`` (found at ``at`` in the report, as ``a.b``) as plain JSON values, or the
    :class:`ModelFault` naming what it holds there that no results file can hold."""
    if value is None or isinstance(value, str):
        return value
    number = plain_number(value)
    if number is not None:
        return number
    if isinstance(value, dict):
        return {_key(key, at): _plain(item, f"{at}.{key}" if at else str(key))
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, f"{at}.{index}" if at else str(index))
                for index, item in enumerate(value)]
    kind = "a numpy array" if isinstance(value, np.ndarray) else \
        indefinite(type(value).__name__)
    raise ModelFault(f"its fit_report_ holds {kind} at '{at}', which no results file can "
                     "hold (a fit report holds plain numbers, strings, lists and dicts"
                     + ("; x.tolist() makes an array a list)" if isinstance(value, np.ndarray)
                        else ")"))


def _key(key: Any, at: str) -> str:
    """A report's key as JSON writes it (``1`` as ``"1"``, True as ``"true"``); a key that is
    no text or number is the plugin's fault."""
    if isinstance(key, str):
        return key
    number = plain_number(key) if key is not None else None
    if key is None or number is not None:
        return json.dumps(number)
    raise ModelFault(f"its fit_report_ has a key that is {indefinite(type(key).__name__)}"
                     f"{f' at {at!r}' if at else ''}, where a results file holds text")


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
