"""Plugin models the fold-parallel engine meets as a user writes them (pass 84m, M4 and M16).

M4: a factory that defines its model class inside itself (ordinary Python) makes a new class
on every call; torch stacks folds' weights only from one class, so ``--parallel-folds 2``
ended with torch's text, blamed on the plugin. Such a model now trains one fold at a time,
and the engine record says why.

M16: a bias just before a BatchNorm has a gradient of rounding noise, which Adam turns into
whole steps, so folds trained together part from one fold at a time, from the first epoch
on; the run recorded ``same_numbers_as_sequential: true`` and its own audit then demanded
bit-identity and FAILED (and with false its tolerance still refuses the first epoch). Such a
model now trains one fold at a time, and the engine record names the layer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PLUGIN = """
    import torch
    from merbench.api import ModelMeta, TrainRecipe, hookimpl

    def meta(name):
        return ModelMeta(name=name, version=1, description="a small BatchNorm model",
                         citation="none", feature="flow-uvos",
                         recipe=TrainRecipe(epochs=1, batch_size=8, lr=1e-3))

    class Shared(torch.nn.Module):   # one class, at module level
        def __init__(self, num_classes=3, bias=True):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, stride=4, bias=bias)
            self.bn = torch.nn.BatchNorm2d(4)
            self.fc = torch.nn.Linear(4 * 7 * 7, num_classes)

        def forward(self, x):
            return self.fc(torch.relu(self.bn(self.conv(x.float() / 255))).flatten(1))

    def inner(num_classes=3):
        class Inner(Shared):   # a class made by the factory: a new one on each call
            pass
        return Inner(num_classes, bias=False)

    @hookimpl
    def merbench_register_models(registry):
        registry.add(meta("t-inner"), inner)
        registry.add(meta("t-bias"), Shared)
        registry.add(meta("t-nobias"), lambda num_classes=3: Shared(num_classes, bias=False))
"""

RUN = ("run", "--dataset", "synthetic", "--threads", "1", "--quiet",
       "--dataset-opt", "subjects=3", "--parallel-folds", "2")


@pytest.fixture
def bn_plugin(make_dist) -> None:  # type: ignore[no-untyped-def]
    make_dist("evilbn", "ebn", "mb_ebn_plugin", PLUGIN)


def _engine(run: Path) -> dict:
    return json.loads((run / "results.json").read_text())["engine"]


def test_a_class_made_by_the_factory_trains_one_fold_at_a_time(
        bn_plugin, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(*RUN, "--epochs", "1", "--model", "t-inner", "--out", tmp_path / "r")
    assert code == 0, err
    assert "stack_module_state" not in out + err
    engine = _engine(tmp_path / "r")
    assert (engine["mode"], engine["cause"]) == ("sequential", "not-batchable")
    assert engine["reason"] == (
        "model 't-inner' cannot train folds together: its factory makes a new class on each "
        "call (inner.<locals>.Inner), and folds trained together need one class; one fold at "
        "a time trains it the same (define the class at module level to train its folds "
        "together)")
    code, out, _ = cli("show", tmp_path / "r")
    assert code == 0 and "engine: one fold at a time — model 't-inner' cannot" in out


def test_a_bias_before_a_batchnorm_trains_one_fold_at_a_time(
        bn_plugin, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Recording such a run as not the same numbers was not enough: its first epoch already
    parts from one fold at a time, which even the audit's tolerance refuses."""
    run = tmp_path / "bias"
    code, _, err = cli(*RUN, "--epochs", "2", "--model", "t-bias", "--out", run)
    assert code == 0, err
    engine = _engine(run)
    assert (engine["mode"], engine["cause"]) == ("sequential", "not-batchable")
    said = ("model 't-bias' cannot train folds together: conv (Conv2d) has a bias just "
            "before bn (BatchNorm2d), which cancels in the batch mean, so its gradient is "
            "rounding noise that Adam turns into whole steps, and folds trained together "
            "would part from one at a time (make that layer with bias=False to train its "
            "folds together)")
    assert engine["reason"] == said
    code, out, _ = cli("show", run)
    assert code == 0 and f"engine: one fold at a time — {said}" in " ".join(out.split())
    code, out, err = cli("audit", "--folds", "1", run)
    assert code == 0, out + err
    assert "audit passed" in out and "bit-identical" in out


def test_the_same_model_without_the_bias_keeps_bit_identity(
        bn_plugin, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "nobias"
    code, _, err = cli(*RUN, "--epochs", "2", "--model", "t-nobias", "--out", run)
    assert code == 0, err
    engine = _engine(run)
    assert (engine["reason"], engine["same_numbers_as_sequential"]) == (
        "set by --parallel-folds", True)
