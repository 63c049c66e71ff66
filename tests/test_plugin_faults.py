"""A misbehaving third-party plugin, met the way a user meets it (pass 84g, G1-G3, G5).

The plugin's own code at fault is said as such, naming the plugin, in one line: a model
factory returning None (a raw AttributeError, run.json left behind), one calling sys.exit
(merbench ended with the plugin's status and no word), a hook calling sys.exit, a factory
failing with no option given ("change the option"), Python's names for kinds of error; and
MERBENCH_DISABLE_PLUGIN_AUTOLOAD takes on/off spellings only, and is named when it hides a
model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import one_line

import merbench
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import default_plugins

EVIL = """
    import os
    from merbench.api import ModelMeta, TrainRecipe, hookimpl
    from torch import nn

    def mk(name):
        return ModelMeta(name=name, version=1, description="evil", citation="x",
                         feature="flow-uvos", recipe=TrainRecipe(epochs=1, batch_size=8, lr=1e-3))

    @hookimpl
    def merbench_register_models(registry):
        for name, factory in (("evil-none", "returns_none"), ("evil-exit", "exits"),
                              ("evil-raise", "raising"), ("evil-ok", "ok"),
                              ("evil-str", "nosuchfn"), ("evil-shape", "one_column")):
            registry.add(mk(name), f"mb_evil:{factory}")
        if os.environ.get("EVIL") == "dup":
            registry.add(mk("evil-ok"), "mb_evil:ok")
        if os.environ.get("EVIL") == "badmeta":
            registry.add(mk("Evil Bad"), "mb_evil:ok")
        if os.environ.get("EVIL") == "wrongmeta":
            registry.add(registry, "mb_evil:ok")
        if os.environ.get("EVIL") == "uncallable":
            registry.add(mk("evil-five"), 5)

    @hookimpl
    def merbench_run_start(run):
        if os.environ.get("EVILHOOK") == "start":
            raise ValueError("start hook exploded")

    @hookimpl
    def merbench_fold_finished(run, fold):
        if os.environ.get("EVILHOOK") == "foldexit":
            raise SystemExit(5)

    class M(nn.Module):
        def __init__(self, nc):
            super().__init__()
            self.l = nn.Linear(3 * 28 * 28, nc)
        def forward(self, x):
            return self.l(x.flatten(1).float())

    def returns_none(num_classes=3):
        return None

    def exits(num_classes=3):
        raise SystemExit(7)

    def raising(num_classes=3):
        raise ValueError("factory exploded")

    def ok(num_classes=3):
        return M(num_classes)

    def one_column(num_classes=3):
        return M(1)
"""

RUN = ("run", "--dataset", "synthetic", "--epochs", "1", "--threads", "1", "--quiet",
       "--dataset-opt", "subjects=3")


@pytest.fixture
def evil(make_dist: Callable[..., None]) -> None:
    make_dist("evilplug", "evil", "mb_evil", EVIL)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


def test_a_factory_returning_none_is_refused_before_the_run(evil, cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, "--model", "evil-none", "--out", tmp_path / "g1")
    line = one_line(err)
    assert code == 2, err
    assert "plugin 'evil' (package evilplug 1.0)" in line and "returned None" in line
    assert "mb_evil:returns_none" in line and "--no-plugin evil" in line
    assert not (tmp_path / "g1" / "run.json").exists()
    with pytest.raises(MerbenchError, match="returned None, not a torch module"):
        merbench.create_model("evil-none", num_classes=3)


def test_a_factory_calling_sys_exit_is_worded(evil, cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, "--model", "evil-exit", "--out", tmp_path / "g2")
    line = one_line(err)
    assert code == 2 and "plugin 'evil'" in line and "sys.exit(7)" in line, err
    with pytest.raises(MerbenchError, match=r"sys\.exit\(7\)"):
        merbench.create_model("evil-exit", num_classes=3)


def test_a_hook_calling_sys_exit_warns_and_the_run_goes_on(
        evil, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVILHOOK", "foldexit")
    code, _, err = cli(*RUN, "--model", "evil-ok", "--out", tmp_path / "g2b")
    assert code == 0, err
    assert "plugin 'evil' (package evilplug 1.0) failed in merbench_fold_finished" in err
    assert "sys.exit(5)" in err and err.count("merbench_fold_finished") == 1
    assert len(list((tmp_path / "g2b" / "folds").glob("fold-*.npz"))) == 3


def test_a_failing_hook_names_its_plugin_not_an_exception_class(
        evil, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVILHOOK", "start")
    code, _, err = cli(*RUN, "--model", "evil-ok", "--out", tmp_path / "g3d")
    assert code == 0 and "plugin 'evil'" in err and "start hook exploded" in err, err
    assert "ValueError" not in err


def test_a_factory_failing_with_no_options_blames_the_plugin(evil, cli, tmp_path) -> None:
    code, _, err = cli(*RUN, "--model", "evil-raise", "--out", tmp_path / "g3a")
    line = one_line(err)
    assert code == 2 and "factory exploded" in line and "plugin 'evil'" in line, err
    assert "change the option" not in line and "--no-plugin evil" in line
    code, _, err = cli(*RUN, "--model", "evil-shape", "--out", tmp_path / "g3b")
    line = one_line(err)
    assert code == 2 and "plugin 'evil'" in line and "options (none)" not in line, err
    assert "gives each sample 1 value where the run needs 3" in line
    code, _, err = cli(*RUN, "--model", "evil-str", "--out", tmp_path / "g3c")
    line = one_line(err)
    assert code == 2 and "mb_evil has no 'nosuchfn'" in line and "AttributeError" not in line


@pytest.mark.parametrize(("mode", "said"), [
    ("dup", "plugin 'evil' (package evilplug 1.0) registers model 'evil-ok' twice; the first "
            "is kept"),
    ("badmeta", "error while registering models: ModelMeta name 'Evil Bad' must be"),
])
def test_registration_faults_are_worded(evil, cli, monkeypatch: pytest.MonkeyPatch,
                                        mode: str, said: str) -> None:
    monkeypatch.setenv("EVIL", mode)
    code, _, err = cli("list", "models")
    assert code == 0 and said in err and "Error:" not in err, err


@pytest.mark.parametrize(("mode", "said"), [
    ("wrongmeta", "it registered a model with Registry; use ModelMeta"),
    ("uncallable", "the factory it gives for model 'evil-five' is not callable"),
])
def test_a_registration_refused_names_the_plugin_once(evil, cli, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      mode: str, said: str) -> None:
    """The registry's refusal named the plugin, and so did the warning around it: "plugin
    'evil' (package evilplug 1.0) failed to load: error while registering models: plugin
    'evil' (package evilplug 1.0) registered a model with Registry" (issue 84)."""
    monkeypatch.setenv("EVIL", mode)
    code, _, err = cli("list", "models")
    warning = next(line for line in err.splitlines() if "failed to load" in line)
    assert code == 0 and warning == (
        "merbench: warning: plugin 'evil' (package evilplug 1.0) failed to load: error while "
        f"registering models: {said} — fix or reinstall the package, or skip it with "
        "--no-plugin evil"), err
    code, _, err = cli(*RUN, "--model", "evil-ok", "--out", tmp_path / "r")
    # the warning, then the refusal naming the plugin that failed: each names it once
    assert code == 2 and err.count("plugin 'evil' (package evilplug 1.0)") == 2, err


@pytest.mark.parametrize("value", ["off", "OFF", "0", "no", " false "])
def test_autoload_off_spellings_keep_plugins_loaded(cli, monkeypatch: pytest.MonkeyPatch,
                                                    value: str) -> None:
    monkeypatch.setenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", value)
    code, out, err = cli("list", "models")
    assert code == 0 and "ststnet" in out, err


@pytest.mark.parametrize("value", ["n", "maybe", "2"])
def test_autoload_values_neither_on_nor_off_are_refused(cli, monkeypatch: pytest.MonkeyPatch,
                                                        value: str) -> None:
    monkeypatch.setenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", value)
    code, _, err = cli("list", "models")
    line = one_line(err)
    assert code == 2 and f"MERBENCH_DISABLE_PLUGIN_AUTOLOAD={value} is neither on nor off" \
        in line, err


def test_an_unknown_model_with_autoload_off_names_the_variable(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", "ON")
    code, _, err = cli(*RUN, "--model", "ststnet", "--out", tmp_path / "g5")
    line = one_line(err)
    assert code == 2 and "unknown model 'ststnet'" in line, err
    assert "MERBENCH_DISABLE_PLUGIN_AUTOLOAD=ON is set" in line and "-p NAME" in line
