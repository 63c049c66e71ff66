"""A third-party plugin's faults blamed on the wrong party, or said in torch's words (pass
84aa, AA1-AA3).

AA1: a model whose logits are NaN or infinite on its very first batch, before any training
step, was said to have diverged ("try a smaller --lr"), which no --lr can help, and its plugin
went unnamed. AA2: a forward returning whole numbers, a model left on the meta device and
one without trainable parameters failed their first step in torch's own words. AA3: a
subject named with a control character and a NaN in a dataset's own array were blamed on
merbench's builtin protocol and feature plugins, not on the dataset's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import one_line

from merbench.plugin_system.manager import default_plugins

EVIL = """
    import numpy as np
    import pandas as pd
    import torch
    from torch import nn
    from merbench.api import (DatasetMeta, InMemoryDataset, ModelMeta, TrainRecipe,
                              hookimpl)

    class Net(nn.Module):
        def __init__(self, num_classes, mode, scale=1.0):
            super().__init__()
            self.mode, self.scale, self.calls = mode, scale, 0
            self.fc = nn.Linear(3 * 28 * 28, num_classes)

        def forward(self, x):
            y = self.fc(x.flatten(1) / 255.0) * self.scale
            self.calls += 1  # "late": NaN once a step was taken
            return {"nan": lambda: y * float("nan"), "inf": lambda: y * float("inf"),
                    "late": lambda: y * float("nan") if self.calls > 1 else y,
                    "int": lambda: y.long(), "ok": lambda: y,
                    "detach": lambda: y.detach(), "sparse": lambda: y.to_sparse(),
                    "leaf": lambda: torch.zeros_like(y, requires_grad=True),
                    "fresh": lambda: torch.zeros(y.shape, requires_grad=True)}[self.mode]()

    class Empty(nn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.n = num_classes

        def forward(self, x):
            return torch.zeros(len(x), self.n)

    def factory(mode):
        def build(num_classes=3, scale: float = 1.0):
            if mode == "meta":
                return Net(num_classes, "ok").to("meta")
            if mode == "noparam":
                return Empty(num_classes)
            if mode == "frozen":
                return Net(num_classes, "ok").requires_grad_(False)
            return Net(num_classes, mode, scale)
        return build

    def dataset(kind):
        def build():
            if kind == "mem":
                raise MemoryError()
            n = 12
            samples = pd.DataFrame({
                "sample_id": [f"e{i:03d}" for i in range(n)], "database": "evil",
                "subject": ["" if kind == "empty" and i < 4 else
                            f"s{i // 4}" + ("\\u202e" if kind == "rlo" else "")
                            for i in range(n)],
                "label": np.arange(n) % 3})
            flows = np.random.default_rng(1).integers(0, 256, (n, 28, 28, 3)).astype(
                np.float32)
            if kind == "nan":
                flows[0, 0, 0, 0] = np.nan
            if kind == "complex":
                flows = flows.astype(np.complex64)
            return InMemoryDataset("evil-" + kind, samples, ("a", "b", "c"),
                                   {"flow_uvos": flows})
        return build

    @hookimpl
    def merbench_register_models(registry):
        for mode in ("nan", "inf", "int", "meta", "noparam", "frozen", "ok", "late", "detach",
                     "sparse", "leaf", "fresh"):
            registry.add(ModelMeta(name="e-" + mode, version=1, description="evil",
                                   citation="x", feature="flow-uvos",
                                   recipe=TrainRecipe(epochs=1, batch_size=8, lr=1e-3)),
                         factory(mode))

    @hookimpl
    def merbench_register_datasets(registry):
        for kind in ("rlo", "nan", "mem", "empty", "complex"):
            registry.add(DatasetMeta(name="evil-" + kind, version=1, description="evil",
                                     citation="x", provides=("flow_uvos",)), dataset(kind))
"""

ORIGIN = "of plugin 'evil' (package evilplug 1.0)"
ADVICE = "report it to the authors of evilplug, or skip the plugin with --no-plugin evil"
RUN = ("run", "--threads", "1", "--quiet", "--epochs", "1")
SYNTHETIC = ("--dataset", "synthetic", "--dataset-opt", "subjects=3")


@pytest.fixture
def evil(make_dist: Callable[..., None]) -> Iterator[None]:
    make_dist("evilplug", "evil", "mb_evil84aa", EVIL)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


@pytest.mark.parametrize(("mode", "said"), [
    ("int", "its forward returned int64 values, not floating-point logits"),
    ("meta", "its parameters are on the meta device (shapes with no values), so it cannot "
             "be moved to cpu to train"),
    ("noparam", "it has no trainable parameters (none that requires a gradient)"),
    ("frozen", "it has no trainable parameters (none that requires a gradient)"),
    # pass 84ab, AB10: the first was AA2's torch text again, the second torch's paragraph
    ("detach", "its forward returned logits cut off from its parameters (no gradient flows "
               "to them"),
    ("sparse", "its forward returned a sparse tensor, not dense logits"),
])
def test_a_model_no_step_can_train_is_said_in_merbenchs_words(
        evil, cli, tmp_path: Path, mode: str, said: str) -> None:
    """AA2: each was torch's own text ("element 0 of tensors does not require grad", "Cannot
    copy out of meta tensor", "optimizer got an empty parameter list")."""
    code, _, err = cli(*RUN, *SYNTHETIC, "--model", f"e-{mode}", "--out", tmp_path / mode)
    line = one_line(err)
    assert code == 2 and f"model 'e-{mode}' {ORIGIN} failed its first training step" in line
    assert said in line and ADVICE in line, line
    for torch_words in ("grad_fn", "meta tensor", "parameter list", "to_empty", "SparseCPU"):
        assert torch_words not in line, line
    assert not (tmp_path / mode).exists()


@pytest.mark.parametrize("parallel", [(), ("--parallel-folds", "2")])
@pytest.mark.parametrize("mode", ["leaf", "fresh"])
def test_logits_from_a_fresh_tensor_reach_no_parameter_and_are_refused(
        evil, cli, tmp_path: Path, mode: str, parallel: tuple[str, ...]) -> None:
    """Logits made as a new tensor that requires a gradient (``zeros_like(y,
    requires_grad=True)``) reach none of the model's parameters, so no step changes it: the
    run exited 0 with the constant model's scores and validated. Refused as a detached
    forward is, after the fold's first backward pass, by both engines (under ``vmap`` the
    ``zeros_like`` form already comes out detached; ``zeros(shape)`` does not)."""
    code, _, err = cli(*RUN, *SYNTHETIC, *parallel, "--model", f"e-{mode}",
                       "--out", tmp_path / mode)
    line = one_line(err)
    assert code == 2 and f"model 'e-{mode}' {ORIGIN} failed its first training step, " \
        "before any fold finished: its forward returned logits cut off from its parameters " \
        "(no gradient flows to them: detached, computed under torch.no_grad(), or made as a " \
        "new tensor); " + ADVICE in line, line
    assert not (tmp_path / mode).exists()


@pytest.mark.parametrize("parallel", [(), ("--parallel-folds", "2")])
@pytest.mark.parametrize(("mode", "what"), [("nan", "NaN"), ("inf", "infinite")])
def test_logits_not_finite_before_any_step_name_the_plugin_not_the_lr(
        evil, cli, tmp_path: Path, mode: str, what: str, parallel: tuple[str, ...]) -> None:
    """AA1: it said "training diverged at epoch 1 (loss nan); try a smaller --lr", and as
    much with --lr 1e-9; both engines check a fold's first batch."""
    for lr in ((), ("--lr", "1e-9")):
        code, _, err = cli(*RUN, *SYNTHETIC, *parallel, *lr, "--model", f"e-{mode}",
                           "--out", tmp_path / mode)
        line = one_line(err)
        assert code == 2 and f"model 'e-{mode}' {ORIGIN} failed its first training step, " \
            f"before any fold finished: its forward gave {what} logits on the first batch " \
            "of a fold, before any training step, so no --lr can help; " + ADVICE in line, line
        assert "diverged" not in line and "smaller --lr" not in line
        assert not (tmp_path / mode).exists()


def test_logits_not_finite_before_any_step_with_options_blame_the_options(
        evil, cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, *SYNTHETIC, "--model", "e-ok", "--model-opt", "scale=1e39",
                       "--out", tmp_path / "o")
    line = one_line(err)
    assert code == 2 and "model 'e-ok' failed its first training step, before any fold " \
        "finished: its forward gave infinite logits on the first batch of a fold, before " \
        "any training step, so no --lr can help; its options (scale=1e+39) are the likely " \
        "cause" in line, line


def test_a_loss_that_diverges_after_steps_still_asks_for_a_smaller_lr(
        evil, cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, *SYNTHETIC, "--model", "e-late", "--out", tmp_path / "d")
    line = one_line(err)
    assert code == 2 and "training diverged at epoch 1" in line
    assert line.endswith("try a smaller --lr"), line


def _reading_the_dataset(command: str, tmp_path: Path) -> tuple[object, ...]:
    """A run of STSTNet (into ``r``) or an extract of flow-uvos (into ``f.npz``), either
    of which reads the dataset given after it."""
    return (*RUN, "--model", "ststnet", "--out", tmp_path / "r") if command == "run" else \
        ("extract", "--feature", "flow-uvos", "--save", tmp_path / "f.npz")


@pytest.mark.parametrize("command", ["run", "extract"])
def test_a_subject_named_with_a_control_character_is_the_datasets_fault(
        evil, cli, tmp_path: Path, command: str) -> None:
    """AA3: "protocol 'loso' of plugin 'builtin' (package merbench ...) cannot be run: ...;
    report it to the plugin's authors"."""
    args = _reading_the_dataset(command, tmp_path)
    code, _, err = cli(*args, "--dataset", "evil-rlo")
    line = one_line(err)
    assert code == 2 and line == (
        f"merbench: error: dataset 'evil-rlo' {ORIGIN}: its subject 's0\\u202e' holds a "
        "control character, and a subject's name is part of its fold's name, on one line; "
        f"{ADVICE}"), line
    assert "builtin" not in line and "merbench 0" not in line


@pytest.mark.parametrize("command", ["run", "extract"])
def test_nan_in_a_datasets_own_array_is_the_datasets_fault(
        evil, cli, tmp_path: Path, command: str) -> None:
    """AA3: "feature 'flow-uvos' of plugin 'features' (package merbench ...) gave NaN for
    sample e000; ... --no-plugin features", which takes every feature away."""
    args = _reading_the_dataset(command, tmp_path)
    code, _, err = cli(*args, "--dataset", "evil-nan")
    line = one_line(err)
    assert code == 2 and line == (
        f"merbench: error: dataset 'evil-nan' {ORIGIN}: its source 'flow_uvos' holds NaN for "
        f"sample e000, which feature 'flow-uvos' reads; {ADVICE}"), line
    assert not (tmp_path / "r").exists() and not (tmp_path / "f.npz").exists()


def test_merbenchs_own_dataset_names_the_files_not_its_authors() -> None:
    """What merbench's own datasets hold came from the user's files: those are to change."""
    from merbench.plugin_system.manager import load_plugins

    entry = load_plugins().registries.datasets.get("synthetic")
    said = str(entry.data_fault("its subject 'x' is odd", "rename it"))
    assert said == "dataset 'synthetic': its subject 'x' is odd; rename it", said


def test_a_dataset_out_of_memory_while_built_is_one_line(evil, cli, tmp_path: Path) -> None:
    """Pass 84ab, AB3: a dataset factory's MemoryError ended in a traceback (a model's is
    kept a MemoryError, for its folds to be built again as fewer), and its line said to
    "give smaller sizes" of a dataset given no options."""
    code, _, err = cli(*RUN, "--model", "ststnet", "--dataset", "evil-mem", "--out",
                       tmp_path / "r")
    assert code == 2 and one_line(err) == (
        f"merbench: error: dataset 'evil-mem' {ORIGIN} ran out of memory while being built, "
        f"with no options given; free memory, or {ADVICE}"), err


def test_a_plugin_out_of_memory_while_loading_says_so() -> None:
    """Pass 84ab, AB5: a register hook's bare MemoryError was "it failed without saying
    why"; a bare one of any other class still is."""
    from merbench.plugin_system.plugin_import import describe

    assert describe(MemoryError()) == "it ran out of memory (free memory, or report it to " \
                                      "the plugin's authors)"
    assert describe(RuntimeError()) == "it failed without saying why"


def test_a_subject_with_an_empty_name_is_the_datasets_fault(evil, cli, tmp_path: Path) -> None:
    """Pass 84ab, AB6: "protocol 'loso' of plugin 'builtin' (package merbench ...) cannot be
    run: fold 0 ... has a key whose part 1 is empty; ... report it to the plugin's authors"."""
    code, _, err = cli(*RUN, "--model", "ststnet", "--dataset", "evil-empty", "--out",
                       tmp_path / "r")
    line = one_line(err)
    assert code == 2 and line.startswith(f"merbench: error: dataset 'evil-empty' {ORIGIN}: "
                                         "a subject of its samples has an empty name"), line
    assert "builtin" not in line and ADVICE in line, line


def test_complex_values_in_a_datasets_own_array_are_the_datasets_fault(
        evil, cli, tmp_path: Path) -> None:
    """Pass 84ab, AB4: flow-uvos cast them to real numbers with numpy's warning relayed
    ("Casting complex values to real discards the imaginary part"), and the run was scored."""
    code, out, err = cli(*RUN, "--model", "ststnet", "--dataset", "evil-complex", "--out",
                         tmp_path / "r")
    assert code == 2 and one_line(err) == (
        f"merbench: error: dataset 'evil-complex' {ORIGIN}: its source 'flow_uvos' holds "
        f"complex values, not real numbers, which feature 'flow-uvos' reads; {ADVICE}"), err
    assert "Casting" not in out + err and not (tmp_path / "r").exists()
