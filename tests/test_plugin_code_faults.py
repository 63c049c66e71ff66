"""A third-party model that raises in its own code, and one whose plugin failed to load, met
as a user meets them (pass 84l, N1, N6, N9).

A forward or ``fit`` raising after the first fold ended the run with a traceback; an
AssertionError or an ImportError did at any fold, and an OSError was said as "failed on a
file (the system gave no reason)", the plugin unnamed. Each is now one line naming the
plugin with what it raised, status 2, the finished folds kept and said so. A model whose
plugin failed to load was "unknown model ... (did you mean ...)". ``spot --recognise`` ran an
estimator that declares a recipe forward as a torch model, and dropped a raising model's
own error.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import one_line

from merbench.plugin_system.manager import default_plugins
from merbench.training.model_output import PluginCodeFailed

RAISING = """
    import os
    import numpy as np
    from torch import nn
    from merbench.api import ModelMeta, TrainRecipe, hookimpl

    def marked():
        # set by the fold_finished hook below: a fold has finished
        return os.path.exists(os.environ.get("MB_RAISE_MARK", "/nonexistent"))

    class BadStr(RuntimeError):
        def __str__(self):
            raise RuntimeError("str broke")

    class Net(nn.Module):
        def __init__(self, num_classes, mode):
            super().__init__()
            self.mode = mode
            self.fc = nn.Linear(3 * 28 * 28, num_classes)

        def forward(self, x):
            if self.mode == "assert":
                assert False, "shape assumption"
            if self.mode == "import":
                import mb_raise_missing_module  # noqa: F401
            if self.mode == "oserror":
                raise OSError("no such weights file")
            if self.mode == "baseexc":
                raise BaseException("base")
            if self.mode == "badstr":
                raise BadStr()
            if self.mode == "huge":
                raise ValueError("x" * 5000)
            if self.mode == "later" and marked():
                raise RuntimeError("forward broke after a fold")
            stop = {"exit0": SystemExit(0), "exit3": SystemExit(3), "kbint": KeyboardInterrupt(),
                    "exit-later": SystemExit("late exit"), "kbint-later": KeyboardInterrupt()}
            if self.mode in stop and (not self.mode.endswith("-later") or marked()):
                raise stop[self.mode]
            return self.fc(x.flatten(1).float())

    def torch_model(mode):
        def factory(num_classes=3, tag: str = "t"):  # tag: an option that changes nothing
            if mode == "facbadstr":
                raise BadStr()
            if mode == "facbaseexc":
                raise BaseException("factory base")
            if mode == "lib-later" and marked():  # torch's parts alone: no frame of the plugin
                return nn.Sequential(nn.Flatten(), nn.Linear(7, num_classes))
            return Net(num_classes, mode)
        return factory

    class Estimator:
        def __init__(self, C=1.0):
            self.C = C
        def get_params(self, deep=True):
            return {"C": self.C}
        def set_params(self, **params):
            return self
        def fit(self, X, y):
            if marked():
                raise ValueError("fit broke on a later fold")
            return self
        def predict(self, X):
            return np.zeros(len(X), int)

    def estimator(C: float = 1.0):
        return Estimator(C)

    def meta(name, **fields):
        fields.setdefault("recipe", TrainRecipe(epochs=1, batch_size=8, lr=1e-3))
        return ModelMeta(name=name, version=1, description="raising " + name, citation="x",
                         feature="flow-uvos", **fields)

    @hookimpl
    def merbench_register_models(registry):
        for mode in ("assert", "import", "oserror", "later", "exit0", "exit3", "kbint",
                     "exit-later", "kbint-later", "lib-later", "baseexc", "badstr", "huge",
                     "facbadstr", "facbaseexc"):
            registry.add(meta("r-" + mode), torch_model(mode))
        registry.add(meta("r-fit", kind="sklearn", recipe=None), estimator)
        # an estimator that declares a recipe too (unused: it is fitted once)
        registry.add(meta("r-svm", kind="sklearn"), estimator)
        if os.environ.get("MB_RAISE_BROKEN"):
            registry.add(meta("r-first"), torch_model("ok"))
            meta("r-second", recipe=TrainRecipe(epochs=2.5, batch_size=8, lr=1e-3))

    @hookimpl
    def merbench_fold_finished(run, fold):
        if os.environ.get("MB_RAISE_MARK"):
            open(os.environ["MB_RAISE_MARK"], "w").close()
        if os.environ.get("MB_RAISE_HOOK") == "baseexc":
            raise BaseException("hook base")
        if os.environ.get("MB_RAISE_HOOK") == "badstr":
            raise BadStr()
"""

RUN = ("run", "--dataset", "synthetic", "--threads", "1", "--quiet", "--dataset-opt",
       "subjects=3")
ORIGIN = "of plugin 'rz' (package raiseplug 1.0)"
ADVICE = "report it to the authors of raiseplug, or skip the plugin with --no-plugin rz"


@pytest.fixture
def raising(make_dist: Callable[..., None]) -> Iterator[None]:
    make_dist("raiseplug", "rz", "mb_raise", RAISING)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


@pytest.mark.parametrize(("model", "said"), [
    ("r-later", "forward broke after a fold"),
    ("r-fit", "fit broke on a later fold"),
    # its sys.exit ended the run with its text and status 1; its own KeyboardInterrupt read
    # as the user's Ctrl-C, status 130 (pass 84m, M1, M2)
    ("r-exit-later", "it called sys.exit(...)"),
    ("r-kbint-later", "it raised KeyboardInterrupt with no Ctrl-C or stop signal received"),
    # a model of torch's parts alone failing inside torch: a traceback (pass 84m, M3)
    ("r-lib-later", "mat1 and mat2 shapes cannot be multiplied (8x2352 and 7x3)"),
])
def test_a_model_raising_after_the_first_fold_is_one_line_keeping_the_folds(
        raising, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: str,
        said: str) -> None:
    monkeypatch.setenv("MB_RAISE_MARK", str(tmp_path / "mark"))
    epochs = ("--epochs", "1") if model == "r-later" else ()
    code, _, err = cli(*RUN, *epochs, "--model", model, "--out", tmp_path / "run")
    line = one_line(err)
    assert code == 2, err
    assert line == (f"merbench: error: model '{model}' {ORIGIN} failed in the middle of the "
                    f"run: {said}; {ADVICE}. The folds it finished before are kept, and no "
                    "results file is written"), line
    assert not (tmp_path / "run" / "results.json").exists()
    _, out, _ = cli("status", tmp_path / "run")
    assert "1/3 folds, stopped" in out, out


@pytest.mark.parametrize(("model", "said"), [
    # pass 84n, N1 and N2: a bare BaseException, and an exception whose message cannot be
    # made, were tracebacks
    ("r-baseexc", "it raised BaseException, which is no Exception: base"),
    # pass 84n, N5: said as "a bad str", as if the model had said it
    ("r-badstr", "BadStr (its message could not be shown)"),
    # pass 84n, N5: 5,001 characters, the ";" after it lost
    ("r-huge", f"{'x' * 60}… (5,000 characters)"),
    ("r-assert", "shape assumption"),
    ("r-import", "it imports 'mb_raise_missing_module', which is not installed"),
    ("r-oserror", "no such weights file"),
    # sys.exit ended the run silently with the plugin's status (0 or 3), and its own
    # KeyboardInterrupt was "interrupted", status 130 (pass 84m, M1, M2)
    ("r-exit0", "it called sys.exit(0)"),
    ("r-exit3", "it called sys.exit(3)"),
    ("r-kbint", "it raised KeyboardInterrupt with no Ctrl-C or stop signal received"),
])
def test_a_model_raising_any_error_at_its_first_step_is_its_plugins_fault(
        raising, cli, tmp_path: Path, model: str, said: str) -> None:
    code, _, err = cli(*RUN, "--epochs", "1", "--model", model, "--out", tmp_path / "run")
    line = one_line(err)
    assert code == 2, err
    assert line == (f"merbench: error: model '{model}' {ORIGIN} failed its first training "
                    f"step, before any fold finished, with no options given: {said}; "
                    f"{ADVICE}. This run kept no fold"), line
    assert "Error" not in line and not (tmp_path / "run" / "run.json").exists()


@pytest.mark.parametrize(("model", "said"), [
    ("r-facbadstr", "BadStr (its message could not be shown)"),
    # pass 84p, N5 leftover: a bare BaseException was still "failed its first training step"
    ("r-facbaseexc", "it raised BaseException, which is no Exception: factory base"),
])
def test_a_factory_raising_what_cannot_be_said_could_not_be_built(
        raising, cli, tmp_path: Path, model: str, said: str) -> None:
    """Pass 84n, N5: a factory raising an exception whose own __str__ raises was said to have
    failed its "first training step", where one raising ValueError could not be built."""
    code, _, err = cli(*RUN, "--epochs", "1", "--model", model, "--out", tmp_path / "f")
    line = one_line(err)
    assert code == 2 and line == (
        f"merbench: error: model '{model}' {ORIGIN} could not be built: {said}; its "
        f"factory failed with no options given: {ADVICE}"
    ), line
    assert not (tmp_path / "f" / "run.json").exists()
    # with an option given it was "failed its first training step", where a ValueError of
    # the factory's was "cannot be built with ...": one wording for any class (pass 84p)
    code, _, err = cli(*RUN, "--epochs", "1", "--model", model, "--model-opt", "tag=x",
                       "--out", tmp_path / "g")
    line = one_line(err)
    assert code == 2 and line == (
        f"merbench: error: model '{model}' cannot be built with tag=\"x\": {said}; change "
        "the option"), line


def test_what_a_plugin_raised_travels_from_a_ray_worker() -> None:
    """A Ray worker's exception reaches the driver pickled: the line must survive it."""
    fault = pickle.loads(pickle.dumps(PluginCodeFailed("forward broke after a fold")))
    assert isinstance(fault, PluginCodeFailed) and str(fault) == "forward broke after a fold"


def test_a_model_of_a_plugin_that_failed_to_load_is_said_so(
        raising, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MB_RAISE_BROKEN", "1")
    why = ("error while registering models: a training recipe needs epochs to be a whole "
           "number >= 1, not 2.5")
    code, _, err = cli(*RUN, "--epochs", "1", "--model", "r-first", "--out", tmp_path / "a")
    line = err.strip().splitlines()[-1]
    assert code == 2 and line == (
        f"merbench: error: model 'r-first' is registered by plugin 'rz' (package raiseplug "
        f"1.0), which failed to load: {why}; fix or reinstall raiseplug, then run the "
        "command again"), err
    code, _, err = cli(*RUN, "--epochs", "1", "--model", "r-second", "--out", tmp_path / "b")
    line = err.strip().splitlines()[-1]
    assert code == 2 and line == (
        "merbench: error: no plugin that loaded registers model 'r-second'; plugin 'rz' "
        f"(package raiseplug 1.0), which failed to load ({why}), may be the one that "
        "registers it: fix or reinstall raiseplug, then run the command again"), err
    assert "unknown model" not in err and "available:" not in err


SPOT = ("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long", "--quiet")


def test_spot_recognises_with_an_estimator_that_declares_a_recipe(
        raising, cli, tmp_path: Path) -> None:
    code, out, err = cli(*SPOT, "--recognise", "r-svm", "--out", tmp_path / "s")
    assert code == 0, err
    assert (tmp_path / "s" / "str.json").exists(), out


@pytest.mark.parametrize(("model", "said"), [
    # pass 84n, N1 and N2: a bare BaseException, and an exception whose message cannot be
    # made, were tracebacks
    ("r-baseexc", "it raised BaseException, which is no Exception: base"),
    ("r-badstr", "BadStr (its message could not be shown)"),
    ("r-assert", "shape assumption"),
    # its sys.exit ended spot silently with its status (pass 84m, M1)
    ("r-exit3", "it called sys.exit(3)"),
])
def test_spot_recognise_quotes_what_a_models_forward_raised(
        raising, cli, tmp_path: Path, model: str, said: str) -> None:
    code, _, err = cli(*SPOT, "--recognise", model, "--epochs", "1", "--out", tmp_path / "s")
    line = one_line(err)
    assert code == 2 and f"before anything is spotted: {said}; with no options " \
        f"given, plugin 'rz' (package raiseplug 1.0) is at fault: {ADVICE}" in line, line


def test_a_packages_several_failed_plugins_are_one_fix() -> None:
    """Walk 85p: a package whose five plugins failed to load was told "fix or reinstall
    merbench-walk" five times in one line; each fix is said once."""
    from merbench.meta import ModelMeta
    from merbench.plugin_system.entry import Origin
    from merbench.plugin_system.registry import Registry

    registry = Registry("model", ModelMeta)
    for plugin in ("w1", "w2", "w3"):
        registry.broken.append((Origin(plugin, "merbench-walk", "0.1"), "it raised"))
    with pytest.raises(Exception) as raised:
        registry.get("nope")
    line = str(raised.value)
    assert line.count("fix or reinstall merbench-walk") == 1, line
    assert line.count("failed to load (it raised)") == 3, line


@pytest.mark.parametrize("hook", ["baseexc", "badstr"])
def test_a_hook_raising_what_no_plugin_should_is_a_warning_and_the_run_goes_on(
        raising, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: str) -> None:
    """Pass 84n, N1 and N2: a fold_finished hook raising a bare BaseException, or an
    exception whose own __str__ raises, ended the run in a traceback after its first fold."""
    monkeypatch.setenv("MB_RAISE_HOOK", hook)
    code, _, err = cli(*RUN, "--epochs", "1", "--model", "r-later", "--out", tmp_path / "run")
    assert code == 0 and "Traceback" not in err, err
    assert "failed in merbench_fold_finished" in err and "the run goes on" in err, err
    if hook == "badstr":  # said by its class, not as a message of its own (pass 84n, N5)
        assert "BadStr (its message could not be shown)" in err, err
    assert (tmp_path / "run" / "results.json").is_file()
