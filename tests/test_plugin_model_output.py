"""A third-party model whose code hands back what no run can use, met as a user meets it
(pass 84k, R1-R7).

A forward returning a tuple and an ``augment`` returning None were tracebacks; 4 logits for
3 classes, and an estimator predicting 7, -1, 1.5, one value too many or an (n, 3) array,
were written as a finished run (``status`` said complete, ``validate`` refused it); a
``fit_report_`` holding NaN likewise. Each is now one line naming the plugin and what its
code returned, status 2, before the fold is written. A recipe's or a model's metadata is
taken as the number it is (``Decimal("0.001")``, ``np.int64(8)``, ``2.0``), or refused
while the plugin loads, naming the field. And a plugin's own error is quoted where the
first training step fails with no option given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import one_line

from merbench.plugin_system.manager import default_plugins

ODD = """
    import os
    from decimal import Decimal
    from fractions import Fraction
    import numpy as np
    from torch import nn
    from merbench.api import ModelMeta, TrainRecipe, hookimpl

    RECIPE = dict(epochs=1, batch_size=8, lr=1e-3)

    def meta(name, recipe=RECIPE, **fields):
        return ModelMeta(name=name, version=1, description="odd " + name, citation="x",
                         feature="flow-uvos", recipe=TrainRecipe(**recipe) if recipe else None,
                         **fields)

    class Net(nn.Module):
        def __init__(self, num_classes, mode):
            super().__init__()
            self.mode = mode
            self.fc = nn.Linear(3 * 28 * 28, num_classes + (mode == "wide"))
            if mode == "augnone":
                self.augment = lambda batch, generator: None

        def forward(self, x):
            if self.mode == "raise":
                raise RuntimeError("forward broke")
            y = self.fc(x.flatten(1).float())
            return {"tuple": (y, y), "rows": y[:1]}.get(self.mode, y)

    def torch_model(mode):
        def factory(num_classes=3):
            if mode == "facraise":
                raise RuntimeError("factory broke\\n  it needs a weights file")
            return Net(num_classes, mode)
        return factory

    class Estimator:
        def __init__(self, mode, C=1.0):
            self.mode, self.C = mode, C
        def get_params(self, deep=True):
            return {"C": self.C}
        def set_params(self, **params):
            return self
        def fit(self, X, y):
            if self.mode == "fitraise":
                raise ValueError("fit broke")
            if self.mode == "nan":
                self.fit_report_ = {"inner": {"score": float("nan")}}
            return self
        def predict(self, X):
            n = len(X)
            return {"range": lambda: np.full(n, 7), "neg": lambda: np.full(n, -1),
                    "long": lambda: np.zeros(n + 1, int), "half": lambda: np.full(n, 1.5),
                    "2d": lambda: np.zeros((n, 3)), "none": lambda: None,
                    "whole": lambda: np.ones(n), "text": lambda: np.array(["0"] * n)
                    }.get(self.mode, lambda: np.zeros(n, int))()

    def estimator(mode):
        def factory(C: float = 1.0):
            return Estimator(mode, C)
        return factory

    METAS = {
        "numbers": dict(recipe=dict(epochs=Fraction(1), batch_size=np.int64(8),
                                    lr=Decimal("0.001"), weight_decay=np.float32(0))),
        "whole": dict(recipe=dict(epochs=2.0, batch_size=8.0, lr=1e-3)),
        "ep25": dict(recipe=dict(epochs=2.5, batch_size=8, lr=1e-3)),
        "eptrue": dict(recipe=dict(epochs=True, batch_size=8, lr=1e-3)),
        "wd": dict(recipe=dict(epochs=1, batch_size=8, lr=1e-3, weight_decay=-1)),
        "warm": dict(recipe=dict(epochs=1, batch_size=8, lr=1e-3, warmup_epochs=1.5)),
        "xno": dict(extra_training_data="no"),
        "gpu": dict(gpu_share=True),
        "aw": dict(authors_weights="nocolon"),
    }

    @hookimpl
    def merbench_register_models(registry):
        for mode in ("ok", "wide", "tuple", "rows", "augnone", "raise", "facraise"):
            registry.add(meta("o-" + mode), torch_model(mode))
        for mode in ("range", "neg", "long", "half", "2d", "none", "whole", "nan", "fitraise",
                     "text"):
            registry.add(meta("k-" + mode, recipe=None, kind="sklearn"), estimator(mode))
        case = os.environ.get("ODD_META")
        if case:
            registry.add(meta("z-" + case, **METAS[case]), torch_model("ok"))
"""

RUN = ("run", "--dataset", "synthetic", "--threads", "1", "--quiet", "--dataset-opt",
       "subjects=3")
ORIGIN = "of plugin 'odd' (package oddplug 1.0)"


@pytest.fixture
def odd(make_dist: Callable[..., None]) -> None:
    make_dist("oddplug", "odd", "mb_odd", ODD)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


def _run(cli: Callable[..., tuple[int, str, str]], model: str, out: Path) -> tuple[int, str]:
    epochs = ("--epochs", "1") if model.startswith(("o-", "z-")) else ()
    code, _, err = cli(*RUN, *epochs, "--model", model, "--out", out)
    return code, err


@pytest.mark.parametrize(("mode", "said"), [
    ("tuple", "its forward returned a tuple, not a tensor of logits"),
    ("augnone", "its augment() returned None, not a batch of inputs"),
    ("wide", "its output gives each sample 4 values where the run needs 3"),
    ("rows", "its output has 1 row for a batch of 8 samples"),
])
def test_a_forward_that_gives_no_logits_of_the_classes_is_refused(
        odd, cli, tmp_path: Path, mode: str, said: str) -> None:
    code, err = _run(cli, f"o-{mode}", tmp_path / mode)
    line = one_line(err)
    assert code == 2 and f"model 'o-{mode}' {ORIGIN} failed its first training step" in line
    assert said in line and "--no-plugin odd" in line, line
    assert not (tmp_path / mode / "results.json").exists()
    assert not (tmp_path / mode / "run.json").exists()


@pytest.mark.parametrize(("mode", "said"), [
    ("range", "its predict() returned 7 for sample 0; the classes are 0..2"),
    ("neg", "its predict() returned -1 for sample 0; the classes are 0..2"),
    ("long", "its predict() returned 11 values for 10 test samples"),
    ("half", "its predict() returned 1.5 for sample 0, not a class index"),
    ("2d", "its predict() returned an array of shape (10, 3), not one class index per "
           "sample"),
    ("none", "its predict() returned None, not one class index per sample"),
    ("nan", "its fit_report_ holds a value that is not a finite number (NaN or an "
            "infinity) at 'inner.score'"),
    ("fitraise", "with no options given: fit broke"),
    ("text", "its predict() returned an array of text, not one class index per sample"),
])
def test_an_estimator_that_predicts_no_class_index_is_refused(
        odd, cli, tmp_path: Path, mode: str, said: str) -> None:
    code, err = _run(cli, f"k-{mode}", tmp_path / mode)
    line = one_line(err)
    assert code == 2 and f"model 'k-{mode}' {ORIGIN} failed" in line and said in line, line
    assert "Error" not in line
    assert not (tmp_path / mode / "results.json").exists()


def test_a_whole_float_prediction_is_its_class(odd, cli, tmp_path: Path) -> None:
    code, err = _run(cli, "k-whole", tmp_path / "w")
    assert code == 0, err
    assert cli("validate", tmp_path / "w")[0] == 0


def test_a_forward_raising_is_quoted(odd, cli, tmp_path: Path) -> None:
    line = one_line(_run(cli, "o-raise", tmp_path / "r")[1])
    assert f"{ORIGIN} failed its first training step, before any fold finished, with no " \
           "options given: forward broke; report it to the authors of oddplug" in line, line


def test_a_factorys_message_of_two_lines_is_quoted_whole(odd, cli, tmp_path: Path) -> None:
    """A factory raising "factory broke\\n  it needs a weights file" was quoted by its first
    line only (pass 84l, N12): its author wrote the second for the user too. It could not
    be built, as a factory raising ValueError could not: it was said to have failed its
    "first training step" (pass 84n, N5)."""
    line = one_line(_run(cli, "o-facraise", tmp_path / "f")[1])
    assert "could not be built: factory broke / it needs a weights file; its factory failed " \
           "with no options given: report it to the authors of oddplug" in line, line


def test_status_agrees_with_validate_on_predictions_outside_the_classes(
        odd, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # such a folder, as a run wrote it before predictions were checked
    monkeypatch.setattr("merbench.training.estimator.class_indices",
                        lambda predicted, n, classes: predicted)
    assert _run(cli, "k-range", tmp_path / "k")[0] == 0
    _, out, _ = cli("status", tmp_path / "k")
    assert "complete" not in out and "predictions outside the 3 classes" in out, out
    assert "('merbench validate' refuses it)" in out
    assert cli("validate", tmp_path / "k")[0] == 2


@pytest.mark.parametrize("case", ["numbers", "whole"])
def test_a_recipe_of_numbers_python_gives_is_taken(
        odd, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    monkeypatch.setenv("ODD_META", case)
    code, err = _run(cli, f"z-{case}", tmp_path / case)
    assert code == 0, err
    assert cli("validate", tmp_path / case)[0] == 0


@pytest.mark.parametrize(("case", "said"), [
    ("ep25", "a training recipe needs epochs to be a whole number >= 1, not 2.5"),
    ("eptrue", "a training recipe needs epochs to be a whole number >= 1, not True"),
    ("wd", "a training recipe needs weight_decay to be a number >= 0, not -1"),
    ("warm", "a training recipe needs warmup_epochs to be a whole number >= 0, not 1.5"),
    ("xno", "model 'z-xno': extra_training_data must be True or False, not 'no'"),
    ("gpu", "model 'z-gpu': gpu_share must be a number in (0, 1], not True"),
    ("aw", "model 'z-aw': authors_weights must be None or a function named "
           "'module:function', not 'nocolon'"),
])
def test_a_malformed_metadata_field_is_refused_as_the_plugin_loads(
        odd, cli, monkeypatch: pytest.MonkeyPatch, case: str, said: str) -> None:
    monkeypatch.setenv("ODD_META", case)
    code, out, err = cli("list", "models")
    line = one_line(err)
    assert code == 0 and "plugin 'odd' (package oddplug 1.0) failed to load" in line, line
    assert said in line and "Error" not in line, line
    assert f"z-{case}" not in out
