"""A linear SVM whose C is chosen on the fold's training subjects only.

:class:`SubjectSearchSVC` wraps scikit-learn's ``GridSearchCV`` over a ``Pipeline``
(optional ``StandardScaler``, then ``SVC(kernel="linear")``). merbench passes the training
rows' ``"database/subject"`` keys as ``groups`` (see ``merbench.training.estimator``), and the
search splits them with ``GroupKFold``, so no subject is ever in both an inner training and an
inner validation part, and the fold's test subject, which is not among the training rows, is
never seen. The chosen C, the grid and every inner score go into ``fit_report_``, which
merbench stores in the fold's row of ``results.json``.

Nothing here is random: libsvm's ``SVC`` uses no random numbers without ``probability=True``
and ``GroupKFold`` without ``shuffle`` splits deterministically, so one seed gives the same
numbers as any other. Ties in the inner score go to the smallest C (the first in the grid),
which is ``GridSearchCV``'s rule.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from merbench.api import MerbenchError, OptionValueError, grid_fault, number_shown


class SubjectSearchSVC(ClassifierMixin, BaseEstimator):
    """Linear SVM with C picked by an inner leave-subjects-out search (macro F1).

    ``inner_splits`` GroupKFold parts over the training subjects (fewer when there are fewer
    subjects); ``scale`` standardises each dimension on the inner training rows first;
    ``class_weight`` goes to ``SVC`` (``"balanced"`` weighs classes by inverse frequency, as
    the benchmark's UF1 and UAR weigh them equally).
    """

    def __init__(self, Cs: Sequence[float] = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0),
                 scale: bool = False, inner_splits: int = 5,
                 class_weight: str | None = "balanced") -> None:
        self.Cs = Cs
        self.scale = scale
        self.inner_splits = inner_splits
        self.class_weight = class_weight

    def _check(self) -> list[float]:
        """The grid, sorted; each refusal is one :class:`~merbench.api.OptionValueError`
        showing the value as the user wrote it (JSON), which building puts after the
        model's name (``model 'lbptop-svm': Cs=[0.1, "abc"]: "abc" is text; ...``): these
        printed Python's reprs (``[0.1, 'abc']``, ``None`` for null) and no model (pass 84o,
        O6). A value listed twice is refused, as ``spot --tune`` refuses one: ``Cs=[1,1]``
        searched one C twice, a grid other than the ``[1]`` it is."""
        example = "e.g. --model-opt Cs=[0.1,1,10]"
        fault = grid_fault(self.Cs)
        if fault is not None:  # merbench's option check says it first; a direct caller too
            raise OptionValueError(f"Cs={_shown(self.Cs)}{fault}; Cs takes a list of positive "
                                   f"numbers, {example}")
        grid = [float(c.strip() if isinstance(c, str) else c) for c in self.Cs]
        if not grid:
            raise OptionValueError(f"Cs=[] lists no value; Cs takes a list of positive "
                                   f"numbers, {example}")
        for c in grid:
            if c <= 0:
                raise OptionValueError(f"Cs={_shown(self.Cs)} lists {number_shown(c)}, which "
                                       "is not positive; Cs takes a list of positive numbers, "
                                       f"{example}")
            if grid.count(c) > 1:
                raise OptionValueError(f"Cs={_shown(self.Cs)} lists {number_shown(c)} twice; "
                                       "give each value once")
        if isinstance(self.inner_splits, bool) or not isinstance(self.inner_splits, int) \
                or self.inner_splits < 2:
            raise OptionValueError(f"inner_splits={_shown(self.inner_splits)} is not a whole "
                                   "number of 2 or more; give inner_splits=2 or more (default 5)")
        if self.class_weight not in (None, "balanced"):
            raise OptionValueError(f"class_weight={_shown(self.class_weight)} is neither "
                                   '"balanced" nor null; give class_weight="balanced" or '
                                   "class_weight=null")
        return sorted(grid)

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None
            ) -> SubjectSearchSVC:
        """Search C over GroupKFold splits of ``groups`` (the training subjects), then refit
        the best C on every training row."""
        from sklearn.metrics import f1_score, make_scorer
        from sklearn.model_selection import GridSearchCV, GroupKFold
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        grid = self._check()
        if groups is None:
            raise MerbenchError("SubjectSearchSVC needs the training rows' subjects as "
                                "fit(X, y, groups=...) to search C on whole subjects; "
                                "merbench passes them, a direct caller must too")
        groups = np.asarray(groups)
        n_subjects = len(np.unique(groups))
        if n_subjects < 2:
            raise MerbenchError(f"the inner search needs at least 2 training subjects, got "
                                f"{n_subjects}; use a dataset with more subjects")
        y = np.asarray(y)
        if len(np.unique(y)) < 2:
            raise MerbenchError(f"the training subjects have only class {y[0]}; an SVM needs "
                                "two classes or more: use a dataset with more subjects")
        splits = min(self.inner_splits, n_subjects)
        # an inner training part with one class cannot fit an SVM: such splits are left out
        # (and counted) rather than failing the fold; small datasets have them
        parts = list(GroupKFold(n_splits=splits).split(X, y, groups))
        usable = [(train, val) for train, val in parts if len(np.unique(y[train])) >= 2]
        if not usable:
            raise MerbenchError(f"every inner split of the {n_subjects} training subjects "
                                "leaves one class only to train on; use more subjects or "
                                "a smaller --model-opt inner_splits")
        steps: list[tuple[str, Any]] = [("scale", StandardScaler())] if self.scale else []
        steps.append(("svc", SVC(kernel="linear", class_weight=self.class_weight)))
        search = GridSearchCV(
            Pipeline(steps), {"svc__C": grid}, cv=usable,
            # pos_label=None as scikit-learn's own "f1_macro" has it: the scorer otherwise
            # checks f1_score's default pos_label=1 against an inner fit of two classes and
            # raised "pos_label=1 is not a valid label" when class 1 was not among them (a
            # fold of spot --recognise whose training expressions had classes 0 and 2 only)
            scoring=make_scorer(f1_score, average="macro", zero_division=0.0, pos_label=None),
            refit=True, n_jobs=1, error_score="raise",
        )
        search.fit(np.asarray(X), y)
        self.search_ = search
        self.classes_ = search.classes_
        scores = search.cv_results_["mean_test_score"]
        self.fit_report_ = {
            "C": float(search.best_params_["svc__C"]),
            "inner_cv": f"GroupKFold({splits}) over {n_subjects} training subjects",
            "inner_splits_used": len(usable),
            "inner_scoring": "macro F1, mean over the inner splits",
            "inner_scores": {f"{c:g}": round(float(s), 6)
                             for c, s in zip(grid, scores, strict=True)},
        }
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.search_.predict(np.asarray(X))


def _shown(value: Any) -> str:
    """``value`` as JSON writes it, as the user gave it (``null``, ``"abc"``), not Python's
    repr; a list of numbers each as written (``[1, 1]``, not the ``[1.0, 1.0]`` that reading
    them as floats made); a value JSON cannot write (a direct caller's object) as Python
    writes it."""
    if isinstance(value, list | tuple) and grid_fault(value) is None:
        return "[" + ", ".join(number_shown(float(c)) for c in value) + "]"
    try:
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    except (TypeError, ValueError):
        return str(value)


def checked(svc: SubjectSearchSVC) -> SubjectSearchSVC:
    """``svc`` once its options are checked: a factory refuses ``Cs=-1`` when it builds the
    model (``merbench.create_model`` too), not first when the run fits it."""
    svc._check()
    return svc


BIWOOF_CS = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
LBP_CS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def build_biwoof_svm(Cs: Sequence[float] = BIWOOF_CS, scale: bool = False,
                     inner_splits: int = 5,
                     class_weight: str | None = "balanced") -> SubjectSearchSVC:
    """Bi-WOOF's SVM: the L2-normalised descriptor goes in unscaled, as in the original; the
    grid spans the C range where a unit-norm input's margin changes."""
    return checked(SubjectSearchSVC(Cs=Cs, scale=scale, inner_splits=inner_splits,
                                    class_weight=class_weight))


def build_lbp_svm(Cs: Sequence[float] = LBP_CS, scale: bool = True, inner_splits: int = 5,
                  class_weight: str | None = "balanced") -> SubjectSearchSVC:
    """The LBP SVM: thousands of histogram bins are standardised, so the useful C values are
    small (a standardised 3776-dimensional row has a squared norm near 3776)."""
    return checked(SubjectSearchSVC(Cs=Cs, scale=scale, inner_splits=inner_splits,
                                    class_weight=class_weight))


MDMO_CS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)


def build_mdmo_svm(Cs: Sequence[float] = MDMO_CS, scale: bool = True, inner_splits: int = 5,
                   class_weight: str | None = "balanced") -> SubjectSearchSVC:
    """MDMO's SVM: magnitudes (0..1) and angles (radians) differ in range, so the 72 values
    are standardised; a standardised 72-dimensional row has a squared norm near 72."""
    return checked(SubjectSearchSVC(Cs=Cs, scale=scale, inner_splits=inner_splits,
                                    class_weight=class_weight))
