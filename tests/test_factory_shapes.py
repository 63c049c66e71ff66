"""Plugin factories of shapes the run misread (pass 84q): a scikit-learn factory returning the
class, not an instance (Q10); a ``**kwargs`` factory handed ``num_classes``, which the docs
say only a factory naming it gets (Q11); an ``option_check`` named by a string that cannot be
imported, called "the factory" with ``--no-plugin`` naming no plugin (Q12). Each is met as
the user meets it: ``merbench run`` of a throwaway plugin."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from refusal_line import refusal_line

from merbench.plugin_system.manager import default_plugins

PLUGIN = """
    from merbench.api import DatasetMeta, ModelMeta, hookimpl

    def meta(n):
        return ModelMeta(name=n, version=1, description="d", citation="none",
                         feature="flow-uvos", kind="sklearn")

    def f_cls():
        from sklearn.linear_model import LogisticRegression
        return LogisticRegression

    def f_kw(**kw):
        from sklearn.linear_model import LogisticRegression
        return LogisticRegression(**kw)

    @hookimpl
    def merbench_register_models(registry):
        registry.add(meta("fk-cls"), f_cls)
        registry.add(meta("fk-kw"), f_kw)

    @hookimpl
    def merbench_register_datasets(registry):
        registry.add(DatasetMeta(name="fk-data", version=1, description="d",
                                 citation="none: generated", provides=("flow_uvos",)),
                     "merbench_datasets.synthetic:make_synthetic",
                     option_check="mb_fk_nomod.x:check")
"""
RUN = ("run", "--dataset", "synthetic", "--threads", "1", "--quiet", "--dataset-opt",
       "subjects=3")


@pytest.fixture
def odd_factories(make_dist: Callable[..., None]) -> Iterator[None]:
    make_dist("fkplug", "fkp", "mb_fkp", PLUGIN)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


def test_a_factory_returning_the_class_is_said_so(odd_factories, cli, tmp_path: Path) -> None:
    line = refusal_line(*cli(*RUN, "--model", "fk-cls", "--out", tmp_path / "r"))
    assert ("its factory mb_fkp:f_cls returned the class LogisticRegression, not an "
            "estimator built from it") in line, line
    assert "self" not in line and "get_params" not in line and "--no-plugin fkp" in line


def test_a_kwargs_factory_gets_no_num_classes(odd_factories, cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, "--model", "fk-kw", "--out", tmp_path / "r")
    assert code == 0 and (tmp_path / "r" / "results.json").is_file(), err


def test_a_kwargs_factory_still_gets_the_users_options(odd_factories, cli,
                                                        tmp_path: Path) -> None:
    code, _, err = cli(*RUN, "--model", "fk-kw", "--model-opt", "C=0.5",
                       "--out", tmp_path / "r")
    assert code == 0, err
    run = json.loads((tmp_path / "r" / "run.json").read_text())
    assert run["identity"]["model"]["options"] == {"C": 0.5}, run["identity"]["model"]


def test_an_option_check_that_cannot_load_is_called_so(odd_factories, cli,
                                                       tmp_path: Path) -> None:
    line = refusal_line(*cli("run", "--dataset", "fk-data", "--model", "ststnet",
                             "--epochs", "1", "--quiet", "--out", tmp_path / "r"))
    assert line.startswith("merbench: error: cannot load the option_check "
                           "'mb_fk_nomod.x:check' of dataset 'fk-data': "), line
    assert line.endswith("skip its plugin with --no-plugin fkp"), line
    assert "factory" not in line
