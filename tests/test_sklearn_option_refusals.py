"""An option scikit-learn refuses, met as a user meets it (pass 84p, P11): ``--model-opt
criterion=foo`` of a random sklearn_forest was said as Python's ``criterion='foo'`` and the values
criterion takes were dropped. The line now writes the option as JSON, with what the
estimator declares the option takes, in merbench's words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FOREST_RUN, one_line

from merbench.plugin_system.option_values import declared_constraints, declares_fraction


@pytest.mark.parametrize(("option", "said"), [
    ("criterion=foo", 'criterion="foo" is not a value it takes (criterion takes "entropy", '
                      '"gini" or "log_loss")'),
    ("n_estimators=0", "n_estimators=0 is not a value it takes (n_estimators takes a whole "
                       "number of at least 1)"),
    ("max_features=foo", 'max_features="foo" is not a value it takes (max_features takes a '
                         'whole number of at least 1, a number above 0 and at most 1, "log2", '
                         '"sqrt" or null)'),
])
def test_an_option_scikit_learn_refuses_is_said_with_what_it_takes(
        sklearn_forest, cli, tmp_path: Path, option: str, said: str) -> None:
    code, _, err = cli(*FOREST_RUN, "--model-opt", option, "--out", tmp_path / "rf")
    line = one_line(err)
    assert code == 2 and line == (
        f"merbench: error: model 'sk-rf' failed its first training step, before any fold "
        f"finished: {said}; change the option. This run kept no fold"), line
    assert "'" not in line.split("finished:")[1] and not (tmp_path / "rf").exists()


@pytest.mark.parametrize(("option", "recorded"), [
    ("min_samples_split=0.5", {"min_samples_split": 0.5}),
    ("min_samples_leaf=0.1", {"min_samples_leaf": 0.1}),
    ("min_samples_split=1.0", {"min_samples_split": 1.0}),  # all the samples, not 1
    ("min_samples_split=3", {"min_samples_split": 3}),
])
def test_an_option_taking_a_whole_number_or_a_fraction_takes_the_fraction(
        sklearn_forest, cli, tmp_path: Path, option: str, recorded: dict[str, float]) -> None:
    """Pass 84q, Q1: the default (2) said whole numbers only, so 0.5 was refused as "not a
    whole number"; the estimator declares "an int in [2, inf) or a float in (0.0, 1.0]"."""
    code, _, err = cli(*FOREST_RUN, "--model-opt", option, "--out", tmp_path / "rf")
    assert code == 0, err
    options = json.loads((tmp_path / "rf" / "run.json").read_text())["config"]["model_options"]
    assert {k: v for k, v in options.items() if k in recorded} == recorded
    assert type(options[next(iter(recorded))]) is type(next(iter(recorded.values())))


def test_a_fraction_out_of_the_declared_range_is_refused_in_its_words(
        sklearn_forest, cli, tmp_path: Path) -> None:
    code, _, err = cli(*FOREST_RUN, "--model-opt", "min_samples_split=1.5",
                       "--out", tmp_path / "rf")
    assert code == 2 and one_line(err).endswith(
        "min_samples_split=1.5 is not a value it takes (min_samples_split takes a whole number "
        "of at least 2 or a number above 0 and at most 1); change the option. This run kept "
        "no fold"), err


LOGISTIC_PLUGIN = """
    from merbench.api import ModelMeta, hookimpl

    @hookimpl
    def merbench_register_models(registry):
        from sklearn.linear_model import LogisticRegression
        registry.add(ModelMeta(name="sk-logreg", version=1, description="logistic regression",
                               citation="none", feature="flow-uvos", kind="sklearn"),
                     LogisticRegression)
"""


def test_a_hidden_placeholder_is_not_listed_as_a_value(make_dist, cli, tmp_path: Path) -> None:
    """LogisticRegression's ``penalty`` defaults to ``"deprecated"``, a value scikit-learn
    hides from its own words while the option is retired: the refusal listed it beside
    "l1" and "l2" as a value to give (issue 84)."""
    from merbench.plugin_system.manager import default_plugins

    make_dist("sklogreg", "slr", "mb_sklogreg", LOGISTIC_PLUGIN)
    default_plugins.cache_clear()
    try:
        code, _, err = cli(*FOREST_RUN[:-1], "sk-logreg", "--model-opt", "penalty=bogus",
                           "--out", tmp_path / "lr")
    finally:
        default_plugins.cache_clear()
    assert code == 2 and one_line(err).endswith(
        ': penalty="bogus" is not a value it takes (penalty takes "elasticnet", "l1", "l2" '
        "or null); change the option. This run kept no fold"), err
    assert "deprecated" not in err and not (tmp_path / "lr").exists()


def test_the_declared_constraints_are_read_in_one_place() -> None:
    """One reader of ``_parameter_constraints`` serves the kind of number an option takes
    and a refusal's words; it keeps the hidden ones, which the estimator still takes."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    declared = declared_constraints(LogisticRegression, "penalty") or []
    assert None in declared and "Hidden" in {type(c).__name__ for c in declared}, declared
    assert declared_constraints(LogisticRegression, "no_such_option") is None
    assert declared_constraints(object, "penalty") is None
    assert declares_fraction(RandomForestClassifier, "min_samples_split")
    assert not declares_fraction(RandomForestClassifier, "n_estimators")
    assert not declares_fraction(object, "n_estimators")


def test_a_tune_space_of_fractions_searches_them(sklearn_forest, cli, tmp_path: Path) -> None:
    plan = tmp_path / "t3.toml"
    plan.write_text('model = "sk-rf"\ndataset = "synthetic"\nprotocol = "loso"\nseed = 0\n'
                    'objective = "uf1"\ninner_folds = 2\ndataset_options = {subjects = 3}\n'
                    '[options]\nmodel_options = {n_estimators = 3}\n[search]\n'
                    'sampler = "grid"\n[space]\n'
                    '"model_options.min_samples_split" = {choices = [0.1, 0.5]}\n')
    code, _, err = cli("tune", plan, "--out", tmp_path / "tu", "--threads", "1", "--quiet")
    assert code == 0, err
