"""Scikit-learn style models: one fit per fold, seeded all the way into pipelines."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import merbench
from merbench.base.errors import MerbenchError
from merbench.meta import ModelMeta
from merbench.plugin_system.manager import load_plugins
from merbench.training.estimator import accepts_groups, fit_predict
from merbench.verification.validate import validate_run


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
    assert first.predictions.shape == (1, 10)
    assert first.report is None  # a plain pipeline reports nothing
    np.testing.assert_array_equal(first.predictions, second.predictions)


class _GroupRecorder(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; remembers the groups ``fit`` got and reports them."""

    seen: ClassVar[list[np.ndarray]] = []

    def fit(self, x, y, groups=None):
        _GroupRecorder.seen.append(groups)
        self.majority_ = int(np.bincount(y).argmax())
        self.fit_report_ = {"n_groups": len(np.unique(groups)), "C": 0.5}
        return self

    def predict(self, x):
        return np.full(len(x), self.majority_)


class _BadReport(_GroupRecorder):
    def fit(self, x, y, groups=None):
        super().fit(x, y, groups)
        self.fit_report_ = {"C": np.zeros(2)}
        return self


class _ContractPlugin:
    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        for name, factory in (("recorder", _GroupRecorder), ("bad-report", _BadReport),
                              ("plain", lambda: make_pipeline(StandardScaler(),
                                                              LogisticRegression()))):
            registry.add(ModelMeta(name=name, version=1, kind="sklearn", description="d",
                                   citation="c", feature="flow-uvos"), factory)


def test_groups_go_only_to_a_fit_that_names_them() -> None:
    x, y = np.zeros((6, 2)), np.array([0, 1, 1, 0, 1, 1])
    groups = np.array(["a/1", "a/1", "a/2", "a/2", "b/1", "b/1"])
    _GroupRecorder.seen.clear()
    fitted = fit_predict(_GroupRecorder, x, y, x[:2], seed=0, groups=groups)
    np.testing.assert_array_equal(_GroupRecorder.seen[0], groups)
    assert fitted.report == {"n_groups": 3, "C": 0.5}
    assert accepts_groups(_GroupRecorder()) and not accepts_groups(
        make_pipeline(StandardScaler(), SGDClassifier()))
    # a pipeline's fit(**params) would pass groups on to its steps and fail: it gets none
    plain = fit_predict(lambda: make_pipeline(StandardScaler(), SGDClassifier()),
                        np.random.default_rng(0).normal(size=(6, 2)), y, x[:2], seed=0,
                        groups=groups)
    assert plain.predictions.shape == (1, 2)


def test_each_fold_gets_its_training_subjects_and_its_report_lands_in_results(
        tmp_path: Path) -> None:
    plugins = load_plugins(extra=[("contract", _ContractPlugin())])
    _GroupRecorder.seen.clear()
    out = tmp_path / "run"
    result = merbench.run(model="recorder", dataset="synthetic", out=out, plugins=plugins,
                          dataset_options={"subjects": 4, "samples_per_subject": 5})
    folds = result.results.folds
    assert len(_GroupRecorder.seen) == len(folds) == 4
    for fold, groups in zip(folds, _GroupRecorder.seen, strict=True):
        test_subject = "/".join(fold.key)
        assert test_subject not in set(groups)  # the test subject is never a group
        assert len(groups) == fold.n_train and len(set(groups)) == 3
        assert fold.fit_report == {"n_groups": 3, "C": 0.5}
    # the report is kept in the fold file, so a resumed run still has it
    (out / "results.json").unlink()  # restored from the folds, not reported as written
    again = merbench.run(model="recorder", dataset="synthetic", out=out, plugins=plugins,
                         dataset_options={"subjects": 4, "samples_per_subject": 5})
    assert again.results.folds_resumed == 4
    assert [f.fit_report for f in again.results.folds] == [f.fit_report for f in folds]
    validate_run(out)  # a results.json with fit reports is a valid result
    plain = merbench.run(model="plain", dataset="synthetic", out=tmp_path / "plain",
                         plugins=plugins,
                         dataset_options={"subjects": 4, "samples_per_subject": 5})
    assert all(f.fit_report is None for f in plain.results.folds)


def test_a_report_json_cannot_hold_is_one_clear_error(tmp_path: Path) -> None:
    plugins = load_plugins(extra=[("contract", _ContractPlugin())])
    with pytest.raises(MerbenchError, match="fit_report_ holds a numpy array at 'C', which"):
        merbench.run(model="bad-report", dataset="synthetic", out=tmp_path / "bad",
                     plugins=plugins, dataset_options={"subjects": 3, "samples_per_subject": 4})
