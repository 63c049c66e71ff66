"""Plugin loading through real entry points: failures, collisions, blocking, autoload."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import merbench
from merbench.base.errors import MerbenchError, PluginError
from merbench.meta import ModelMeta, TrainRecipe
from merbench.plugin_system.manager import PluginRuntimeWarning, load_plugins
from merbench.plugin_system.registry import LazyFactory, Registry

MakeDist = Callable[..., None]


MODEL_PLUGIN = """
    import merbench
    from merbench.meta import ModelMeta, TrainRecipe

    @merbench.hookimpl
    def merbench_register_models(registry):
        registry.add(ModelMeta(name="{name}", version=1, description="test model",
                               citation="none", feature="flow-uvos",
                               recipe=TrainRecipe(epochs=1, batch_size=8, lr=0.1)),
                     lambda num_classes=3: None)
"""


def test_first_party_plugins_come_through_entry_points(plugins) -> None:
    names = {r.origin.plugin: r.origin.package for r in plugins.records}
    assert names["cnn"] == names["datasets"] == names["features"] == "merbench"
    assert "ststnet" in plugins.registries.models
    assert plugins.registries.models.get("ststnet").origin.plugin == "cnn"
    assert "loso" in plugins.registries.protocols


def test_broken_plugin_is_one_line_and_the_rest_works(make_dist: MakeDist, cli) -> None:
    make_dist("merbench-broken", "broken", "mb_broken_plugin",
              "import a_module_that_does_not_exist\n")
    plugins = load_plugins()
    [failure] = plugins.failures
    line = failure.failure_line()
    assert "'broken'" in line and "merbench-broken" in line
    assert "a_module_that_does_not_exist" in line and "--no-plugin broken" in line
    assert "ModuleNotFoundError" not in line
    assert "\n" not in line
    assert "ststnet" in plugins.registries.models

    code, out, err = cli("list", "models")
    assert code == 0 and "ststnet" in out
    assert err.count("\n") == 1 and "merbench-broken" in err and "Traceback" not in err

    code, out, err = cli("list", "models", "--no-plugin", "broken")
    assert code == 0 and err == ""


def test_plugin_failing_while_registering_is_dropped_whole(make_dist: MakeDist) -> None:
    make_dist("merbench-half", "half", "mb_half_plugin", MODEL_PLUGIN.format(name="half-model")
              + "        raise RuntimeError('boom')\n")
    plugins = load_plugins()
    [failure] = plugins.failures
    assert failure.error == "error while registering models: boom"
    assert "half-model" not in plugins.registries.models


def test_a_third_party_never_takes_a_first_party_name(make_dist: MakeDist, cli) -> None:
    """An impostor registering ``htnet`` (or any first-party name) is skipped with one line
    naming both packages; merbench's model keeps the name and every command works."""
    make_dist("merbench-clash", "clash", "mb_clash_plugin", MODEL_PLUGIN.format(name="htnet"))
    plugins = load_plugins()
    assert plugins.failures == []
    assert plugins.registries.models.get("htnet").origin.package == "merbench"
    [line] = plugins.conflicts
    assert "model 'htnet'" in line and "package merbench " in line
    assert "package merbench-clash" in line and "merbench-clash's model is skipped" in line

    code, out, err = cli("list", "plugins")
    assert code == 0 and "clash" in out
    assert err.count("\n") == 1 and "merbench-clash" in err and "Traceback" not in err
    assert "--no-plugin" not in err  # that would switch off the real plugin's name


def test_an_entry_point_named_like_a_first_party_one_is_skipped(make_dist: MakeDist,
                                                                 cli) -> None:
    make_dist("merbench-impostor", "htnet", "mb_impostor_plugin",
              MODEL_PLUGIN.format(name="htnet"))
    plugins = load_plugins()
    assert plugins.failures == []
    assert plugins.registries.models.get("htnet").origin.package == "merbench"
    assert [r.origin.package for r in plugins.records if r.origin.plugin == "htnet"] == \
        ["merbench"]
    [line] = plugins.conflicts
    assert "merbench (merbench_htnet.plugin) keeps it" in line
    assert "merbench-impostor (mb_impostor_plugin) is skipped" in line
    for argv in (("list", "plugins"), ("list", "models")):
        code, out, err = cli(*argv)
        assert code == 0 and "htnet" in out and err.count("\n") == 1


def test_two_third_parties_the_first_loaded_keeps_the_name(make_dist: MakeDist) -> None:
    make_dist("merbench-aaa", "aaa", "mb_aaa_plugin", MODEL_PLUGIN.format(name="shared-name"))
    make_dist("merbench-bbb", "bbb", "mb_bbb_plugin", MODEL_PLUGIN.format(name="shared-name"))
    plugins = load_plugins()
    assert plugins.registries.models.get("shared-name").origin.package == "merbench-aaa"
    [line] = plugins.conflicts
    assert "merbench-bbb's model is skipped" in line


def test_misnamed_hook_is_reported_and_that_plugin_left_out(make_dist: MakeDist, cli) -> None:
    make_dist("merbench-typo", "typo", "mb_typo_plugin", MODEL_PLUGIN.format(name="typo-model")
              .replace("merbench_register_models", "merbench_register_model"))
    plugins = load_plugins()
    [failure] = plugins.failures
    assert failure.error == ("merbench_register_model is not a merbench hook "
                             "(did you mean merbench_register_models?)")
    assert "typo-model" not in plugins.registries.models
    assert "ststnet" in plugins.registries.models
    code, out, err = cli("list", "models")
    assert code == 0 and "ststnet" in out and err.count("\n") == 1 and "merbench-typo" in err


def test_broken_lazy_factory_is_one_line(cli, make_dist: MakeDist) -> None:
    make_dist("merbench-lazy", "lazy", "mb_lazy_plugin", MODEL_PLUGIN.format(name="lazy-model")
              .replace("lambda num_classes=3: None", "'mb_missing_module:build'"))
    code, _, err = cli("run", "--model", "lazy-model", "--dataset", "synthetic")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "cannot load the factory 'mb_missing_module:build'" in err
    # the plugin to skip named, as every other plugin fault names it (walk 85k)
    assert err.rstrip().endswith("skip its plugin with --no-plugin lazy"), err


class _CrashingReporter:
    @merbench.hookimpl
    def merbench_fold_finished(self, run, fold) -> None:
        raise RuntimeError("disk full")


def test_crashing_reporter_does_not_stop_the_run(tmp_path: Path) -> None:
    plugins = load_plugins(extra=[("crash", _CrashingReporter())])
    with pytest.warns(PluginRuntimeWarning, match="merbench_fold_finished.*disk full"):
        result = merbench.run(model="ststnet", dataset="synthetic", out=tmp_path / "r",
                              epochs=1, device="cpu", plugins=plugins,
                              dataset_options={"subjects": 2, "databases": 1})
    assert result.results.protocol.n_folds == 2
    assert "crash" not in result.results.environment.plugins  # in-process, not provenance


def test_autoload_can_be_switched_off(monkeypatch: pytest.MonkeyPatch, cli) -> None:
    monkeypatch.setenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    plugins = load_plugins()
    assert len(plugins.registries.models) == 0
    assert "loso" in plugins.registries.protocols  # builtins stay
    plugins = load_plugins(enable=["cnn"])
    assert "ststnet" in plugins.registries.models
    assert {e.origin.plugin for e in plugins.registries.models} == {"cnn"}
    assert len(plugins.registries.datasets) == 0
    with pytest.raises(PluginError, match="no installed merbench plugin is named 'cnnn'"):
        load_plugins(enable=["cnnn"])
    code, out, _ = cli("list", "models", "-p", "cnn")
    assert code == 0 and "ststnet" in out


def test_no_plugin_blocks_one_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    plugins = load_plugins(block=["cnn"])
    assert "ststnet" not in plugins.registries.models
    assert "synthetic" in plugins.registries.datasets


def _meta(name: str) -> ModelMeta:
    return ModelMeta(name=name, version=1, description="d", citation="c", feature="f",
                     recipe=TrainRecipe(epochs=1, batch_size=1, lr=1.0))


def test_registry_did_you_mean_and_available() -> None:
    registry = Registry("model", ModelMeta)
    registry.add(_meta("htnet"), lambda num_classes=3: None)
    registry.add(_meta("mmnet"), lambda num_classes=3: None)
    with pytest.raises(MerbenchError) as excinfo:
        registry.get("htnt")
    assert str(excinfo.value) == (
        "unknown model 'htnt' (did you mean 'htnet'?); available: htnet, mmnet"
    )


def test_unknown_factory_option_names_the_options() -> None:
    registry = Registry("model", ModelMeta)
    registry.add(_meta("lazy"), "merbench_cnn.ststnet:build_ststnet")
    entry = registry.get("lazy")
    assert isinstance(entry.factory, LazyFactory)
    assert "padding" in entry.options()
    with pytest.raises(MerbenchError, match="model 'lazy' has no option 'paddin'; its options"):
        entry.create("model", paddin=1)


@pytest.mark.parametrize("bad", [
    {"name": "Bad Name"}, {"version": 0}, {"version": "1"}, {"description": ""},
    {"description": "two\nlines"}, {"citation": " "},
])
def test_metadata_is_validated(bad: dict) -> None:
    fields = {"name": "ok", "version": 1, "description": "d", "citation": "c", "feature": "f",
              "recipe": TrainRecipe(epochs=1, batch_size=1, lr=1.0)} | bad
    with pytest.raises(ValueError):
        ModelMeta(**fields)


def test_torch_models_must_declare_a_recipe() -> None:
    with pytest.raises(ValueError, match="TrainRecipe"):
        ModelMeta(name="x", version=1, description="d", citation="c", feature="f")


def test_undecorated_hook_functions_count_like_in_pytest(make_dist: MakeDist) -> None:
    make_dist("merbench-plain", "plain", "mb_plain_plugin",
              MODEL_PLUGIN.format(name="plain-model").replace("    @merbench.hookimpl\n", ""))
    plugins = load_plugins()
    assert plugins.failures == []
    assert "plain-model" in plugins.registries.models


def test_fixed_options_make_a_variant_whose_fixed_options_cannot_be_set() -> None:
    import inspect

    from merbench.plugin_system.entry import fixed_options

    def make(num_classes: int = 3, width: int = 8, branch: str = "a") -> tuple:
        return num_classes, width, branch

    variant = fixed_options(make, branch="b")
    assert list(inspect.signature(variant).parameters) == ["num_classes", "width"]
    assert variant(width=4) == (3, 4, "b")
    with pytest.raises(TypeError, match="has no option"):
        fixed_options(make, depth=2)


def test_options_set_to_their_defaults_are_no_options() -> None:
    registry = Registry("model", ModelMeta)

    def make(num_classes: int = 3, width: int = 8, blocks: tuple = (2, 2), scale: float = 1.0,
             flag: bool = True, act: object = len, depth: int | None = None) -> None:
        return None

    registry.add(_meta("m"), make)
    entry = registry.get("m")
    given = {"width": 8, "blocks": [2, 2], "scale": 1, "flag": 1, "act": len, "depth": None,
             "extra": 5}
    # a JSON list equals a tuple default; 1 is neither 1.0 nor true to a factory that checks
    # types; a default that is no JSON value is never dropped; unknown options stay for the
    # check that names them
    assert entry.without_defaults(given) == {"scale": 1, "flag": 1, "act": len, "extra": 5}
    assert entry.without_defaults({"width": 16, "blocks": [2, 3]}) == {"width": 16,
                                                                       "blocks": [2, 3]}


@pytest.mark.parametrize("columns", ["80", "60", "100", "120"])
def test_listing_never_cuts_a_name_and_descriptions_stay_readable(columns: str) -> None:
    import subprocess
    import sys

    from merbench.plugin_system.manager import load_plugins

    plugins = load_plugins()
    shown = subprocess.run([sys.executable, "-m", "merbench", "list"], capture_output=True,
                           text=True, check=True, env={**os.environ, "COLUMNS": columns}).stdout
    assert "…" not in shown
    # every table whole: within the width, its right edge drawn (at 100 and 120 columns
    # rich's own layout left the features table wider than the terminal, cut on the right)
    for line in shown.splitlines():
        assert len(line) <= int(columns), line
        if line[:1] in ("│", "┃", "┏", "┡", "└"):
            assert line.rstrip()[-1] in "│┃┓┩┘", line
    cells = {cell.strip() for line in shown.splitlines() for cell in line.split("│")}
    registries = plugins.registries
    for kind in ("datasets", "features", "models", "protocols"):
        for entry in getattr(registries, kind):
            assert entry.meta.name in cells, (kind, entry.meta.name)
            # the description wraps in a column wide enough to read: its opening words
            # share a line (at 80 columns the models' descriptions were 8 characters wide)
            words = entry.meta.description.split()
            opening = " ".join(words[:next((i + 1 for i in range(len(words))
                                            if len(" ".join(words[:i + 1])) >= 15),
                                           len(words))])
            assert any(opening in cell for cell in cells), (kind, opening)
    for record in plugins.records:
        assert record.origin.plugin in cells


def test_first_party_modules_are_pyprojects_entry_points() -> None:
    import tomllib

    from merbench.plugin_system.first_party import FIRST_PARTY_MODULES

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["merbench"] == FIRST_PARTY_MODULES


@pytest.mark.parametrize("columns", ["70", "80", "120"])
def test_a_long_package_name_is_never_split_mid_word(make_dist: MakeDist, cli,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     columns: str) -> None:
    """``merbench-mymodel`` read "merbench-mymo" / "del" in ``list plugins`` and ``list
    models`` at 80 columns (issue 70's walk): a name folds between words only."""
    make_dist("merbench-mymodel", "mymodel", "mb_mymodel_plugin",
              MODEL_PLUGIN.format(name="my-model"))
    monkeypatch.setenv("COLUMNS", columns)
    for kind in ("plugins", "models", "protocols"):
        code, out, _ = cli("list", kind)
        assert code == 0 and all(len(line) <= int(columns) for line in out.splitlines())
        if kind != "protocols":
            assert "merbench-mymodel" in out, (kind, out)


@pytest.mark.parametrize(("target", "said"), [
    ("mb_lazy_target:NOT_A_FUNCTION", "it names a value of type str, not a function"),
    ("mb_lazy_target:json", "it names a module, not a function"),
])
def test_a_lazy_factory_naming_no_function_is_one_line(cli, make_dist: MakeDist, tmp_path,
                                                      target: str, said: str) -> None:
    """A lazy target that names a value or a module (not a function) ended in inspect's
    traceback ("'' is not a callable object") where its options were read."""
    (tmp_path / "site" / "mb_lazy_target.py").write_text(
        "import json\nNOT_A_FUNCTION = ''\n")
    module = f"mb_lazy_{target.rpartition(':')[2].lower()}"  # a module of its own a case
    make_dist("merbench-lazy", "lazy", module, MODEL_PLUGIN.format(name="lazy-model")
              .replace("lambda num_classes=3: None", repr(target)))
    code, _, err = cli("run", "--model", "lazy-model", "--dataset", "synthetic")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.strip().endswith(f"cannot load the factory '{target}': {said}; report it to "
                                "the authors of merbench-lazy, or skip the plugin with "
                                "--no-plugin lazy"), err
