"""Fold-parallel training gives each fold exactly what one-fold-at-a-time training gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from interrupt import stopping_after
from merbench_htnet.htnet import HTNet
from rounding import assert_same_training

import merbench
from merbench.meta import TrainRecipe
from merbench.training.fold_parallel import FoldTask, plan_groups, train_folds
from merbench.training.torch_trainer import train_fold

TINY_HTNET = {"dim": 12, "heads": 3, "block_repeats": [1, 1, 1]}
SMALL = {"subjects": 4, "samples_per_subject": 5}


def _without_threads(engine: dict) -> dict:
    """The engine record less its CPU threads (tests/test_threads_and_values.py checks them:
    the count depends on the machine's load)."""
    assert engine["threads"]["count"] >= 1
    return {k: v for k, v in engine.items() if k != "threads"}


def tasks(sizes: list[tuple[int, int]]) -> list[FoldTask]:
    rng = np.random.default_rng(0)
    return [FoldTask(rng.random((n, 3, 28, 28), dtype=np.float32) * 255,
                     rng.integers(0, 3, n), rng.random((m, 3, 28, 28), dtype=np.float32) * 255,
                     seed=10 + i)
            for i, (n, m) in enumerate(sizes)]


@pytest.mark.parametrize("recipe", [
    TrainRecipe(epochs=12, batch_size=16, lr=1e-3),
    TrainRecipe(epochs=8, batch_size=32, lr=1e-3, optimizer="adamw", weight_decay=0.05),
    TrainRecipe(epochs=8, batch_size=16, lr=1e-3, data_order="listed"),
])
def test_same_predictions_as_one_fold_at_a_time(recipe: TrainRecipe) -> None:
    """Folds of different sizes (so padded, masked last batches) and test sets."""
    group = tasks([(40, 5), (45, 3), (33, 7)])

    def build() -> HTNet:
        return HTNet(**TINY_HTNET)

    together = train_folds(build, recipe, group, device="cpu")
    for task, predicted in zip(group, together, strict=True):
        alone = train_fold(build, recipe, task.x_train, task.y_train, task.x_test,
                           device="cpu", seed=task.seed)
        assert predicted.shape == alone.shape == (recipe.epochs, len(task.x_test))
        assert_same_training(predicted, alone)
        assert len(np.unique(predicted)) > 1 or len(task.x_test) < 4  # it did learn something


def test_groups_have_equal_batches_per_epoch() -> None:
    assert plan_groups([300, 200, 260, 250, 512, 100], batch_size=256, k=2) == [
        [0, 2], [1, 3], [4], [5]]
    with pytest.raises(ValueError, match="same number of batches"):
        train_folds(lambda: HTNet(**TINY_HTNET), TrainRecipe(epochs=1, batch_size=16, lr=1e-3),
                    tasks([(10, 2), (40, 2)]), device="cpu")


def run(tmp_path: Path, name: str, model: str = "htnet", **options) -> dict:
    if model == "htnet":
        options.setdefault("model_options", TINY_HTNET)
    merbench.run(model=model, dataset="synthetic", dataset_options=SMALL, epochs=3,
                 device="cpu", out=tmp_path / name, **options)
    return json.loads((tmp_path / name / "results.json").read_text())


@pytest.mark.parametrize("selection", ["fixed", "inner-val"])
def test_a_run_gives_the_same_results_either_way(tmp_path: Path, selection: str) -> None:
    options = {"selection": selection, "inner_val_subjects": 1}
    together = run(tmp_path, "together", parallel_folds=8, **options)
    alone = run(tmp_path, "alone", **options)
    assert _without_threads(together["engine"]) == {"mode": "fold-parallel", "folds_at_once": 4,
                                  "cause": "asked", "reason": "set by --parallel-folds",
                                  "same_numbers_as_sequential": True,
                                  "lowered_after_out_of_memory_from": None,
                                  "fused_optimizer": False, "captured": False,
                                 "executor": "local"}
    assert alone["engine"]["mode"] == "sequential"
    assert alone["engine"]["reason"].startswith("on a CPU one fold at a time is faster")
    assert (tmp_path / "together" / "predictions.csv").read_text() == \
        (tmp_path / "alone" / "predictions.csv").read_text()
    assert together["metrics_by_policy"] == alone["metrics_by_policy"]
    for name in ("together", "alone"):
        for fold in range(4):
            saved = np.load(tmp_path / name / "folds" / f"fold-{fold:03d}.npz")
            assert saved["epoch_predictions"].shape[0] == 3


def test_batchnorm_models_train_folds_together_when_asked(tmp_path: Path, cli) -> None:
    """STSTNet has BatchNorm (masked per fold) and dropout (so not by default)."""
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=3",
                         "--epochs", "2", "--out", tmp_path / "r", "--quiet",
                         "--parallel-folds", "3")
    assert code == 0, err
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["engine"]["mode"] == "fold-parallel"
    assert results["engine"]["folds_at_once"] == 3


def test_dropout_models_go_fold_parallel_only_when_asked(tmp_path: Path, monkeypatch) -> None:
    from merbench.runner import engine

    # as on a GPU, where the engine would otherwise train folds together
    monkeypatch.setattr(engine, "default_parallel", lambda device: True)
    auto = run(tmp_path, "auto", model="offapexnet")
    assert auto["engine"]["mode"] == "sequential" and "dropout" in auto["engine"]["reason"]
    asked = run(tmp_path, "asked", model="offapexnet", parallel_folds=2)
    assert _without_threads(asked["engine"]) == {"mode": "fold-parallel", "folds_at_once": 2,
                               "cause": "asked", "reason": "set by --parallel-folds",
                               "same_numbers_as_sequential": False,
                               "lowered_after_out_of_memory_from": None,
                               "fused_optimizer": False, "captured": False,
                                 "executor": "local"}


def test_parallel_folds_must_be_positive(tmp_path: Path, cli) -> None:
    code, _, err = cli("run", "--model", "htnet", "--dataset", "synthetic",
                       "--parallel-folds", "0", "--out", tmp_path / "r")
    assert code == 2 and "--parallel-folds must be at least 1" in err


def test_fused_optimiser_steps_only_on_cuda() -> None:
    """CPU results stay bit for bit those of the default Adam; CUDA takes the fused step."""
    from merbench.training.torch_trainer import build_optimizer, uses_fused_optimizer

    recipe = TrainRecipe(epochs=1, batch_size=8, lr=1e-3)
    assert not uses_fused_optimizer(recipe, "cpu")
    assert uses_fused_optimizer(recipe, "cuda:0")
    assert not uses_fused_optimizer(TrainRecipe(epochs=1, batch_size=8, lr=1e-3,
                                                optimizer="sgd"), "cuda")
    model = HTNet(**TINY_HTNET)
    assert not build_optimizer(model.parameters(), recipe, "cpu").defaults.get("fused")


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_the_fused_step_on_stacked_folds_is_each_folds_own(optimizer: str) -> None:
    """What CUDA runs (the fused Adam kernel over the stacked weights of all folds), checked
    on this CPU, where torch has the same fused step (``--fused-optimizer``): each fold gets
    the predictions the fused step gives it trained alone."""
    from merbench.training.torch_trainer import build_optimizer

    recipe = TrainRecipe(epochs=10, batch_size=16, lr=1e-3, optimizer=optimizer,
                         weight_decay=0.05 if optimizer == "adamw" else 0.0)
    assert build_optimizer(HTNet(**TINY_HTNET).parameters(), recipe, "cpu",
                           fused_on_cpu=True).defaults["fused"] is True
    group = tasks([(40, 5), (45, 3), (33, 7)])

    def build() -> HTNet:
        return HTNet(**TINY_HTNET)

    together = train_folds(build, recipe, group, device="cpu", fused_optimizer=True)
    for task, predicted in zip(group, together, strict=True):
        alone = train_fold(build, recipe, task.x_train, task.y_train, task.x_test,
                           device="cpu", seed=task.seed, fused_optimizer=True)
        assert_same_training(predicted, alone)


def test_a_fused_cpu_run_is_its_own_run(tmp_path: Path, cli, monkeypatch) -> None:
    """The fused step rounds differently from the default one: part of the identity."""
    fused = run(tmp_path, "fused", fused_optimizer=True)
    assert fused["hyperparameters"]["fused_optimizer"] is True
    assert fused["engine"]["fused_optimizer"] is True
    plain = run(tmp_path, "plain")
    assert "fused_optimizer" not in plain["hyperparameters"]
    assert plain["engine"]["fused_optimizer"] is False
    code, _, err = cli("run", "--model", "htnet", "--dataset", "synthetic", "--epochs", "3",
                       "--device", "cpu", "--model-opt", "dim=12", "--model-opt",
                       "block_repeats=[1,1,1]", "--dataset-opt", "subjects=4",
                       "--dataset-opt", "samples_per_subject=5", "--quiet",
                       "--out", tmp_path / "fused")
    assert code == 2
    assert f"{tmp_path / 'fused'} was trained with the fused optimiser step; add " \
           "--fused-optimizer to continue it on this CPU" in err
    code, _, err = cli("run", "--resume", tmp_path / "fused", "--fused-optimizer", "--quiet")
    assert code == 0, err
    # on CUDA the fused step always trains, so it is in the identity with or without the flag
    import merbench.training.device as device_module
    from merbench.plugin_system.manager import default_plugins
    from merbench.runner.identity import run_identity
    from merbench.runner.plan import plan_run
    from merbench.runner.spec import RunSettings, RunSpec
    from merbench.runner.task_run import load_data

    monkeypatch.setattr(device_module, "resolve_device", lambda name: "cuda")
    for flag in (False, True):
        plan = plan_run(RunSpec(model="htnet", dataset="synthetic", fused_optimizer=flag),
                        RunSettings(device="cuda"), default_plugins())
        assert run_identity(load_data(plan)).hyperparameters.fused_optimizer is True
    code, _, err = cli("run", "--model", "biwoof-release-svm", "--dataset", "synthetic",
                       "--fused-optimizer", "--quiet", "--out", tmp_path / "svm")
    assert code == 2 and "is a scikit-learn estimator and has no optimiser step" in err


def test_bf16_runs_under_autocast_when_folds_train_together() -> None:
    """The engine applies the run's precision as the sequential trainer does: matrix products
    in bfloat16 (seen inside the vmapped model), the loss and weights in float32, and
    training that agrees with one fold at a time up to rounding. (The probe's layers have no
    bias: under vmap a bias add promotes a Linear's output back to float32, pytorch#192617.)"""
    import torch
    from torch import nn

    seen: set[torch.dtype] = set()

    class _Probe(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 28 * 28, 16, bias=False),
                                     nn.ReLU(), nn.Linear(16, 3, bias=False))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.net(x / 255)
            seen.add(out.dtype)
            return out

    recipe = TrainRecipe(epochs=6, batch_size=16, lr=3e-3)
    group = tasks([(40, 9), (45, 9)])
    together = train_folds(_Probe, recipe, group, device="cpu", precision="bf16")
    assert seen == {torch.bfloat16}
    seen.clear()
    train_folds(_Probe, recipe, group, device="cpu")
    assert seen == {torch.float32}
    for task, predicted in zip(group, together, strict=True):
        alone = train_fold(_Probe, recipe, task.x_train, task.y_train, task.x_test,
                           device="cpu", seed=task.seed, precision="bf16")
        assert (predicted == alone).mean() >= 0.8


def test_a_bf16_run_trains_folds_together_when_asked(tmp_path: Path) -> None:
    results = run(tmp_path, "bf16", parallel_folds=4, precision="bf16")
    assert _without_threads(results["engine"]) == {"mode": "fold-parallel", "folds_at_once": 4,
                                 "cause": "asked", "reason": "set by --parallel-folds",
                                 "same_numbers_as_sequential": False,
                                 "lowered_after_out_of_memory_from": None,
                                 "fused_optimizer": False, "captured": False,
                                 "executor": "local"}
    assert results["hyperparameters"]["precision"] == "bf16"


def test_running_out_of_memory_trains_fewer_folds_at_once(tmp_path: Path,
                                                           monkeypatch) -> None:
    """The free-memory estimate can be wrong (another process, a model's activations): the
    run goes on with half as many folds at once, and gives the numbers it would have given."""
    import torch

    import merbench.training.fold_parallel as fold_parallel

    real = fold_parallel.train_folds
    sizes = []

    def small_device(build, recipe, tasks, **options):
        sizes.append(len(tasks))
        if len(tasks) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(build, recipe, tasks, **options)

    monkeypatch.setattr(fold_parallel, "train_folds", small_device)
    with pytest.warns(RuntimeWarning, match="cpu ran out of memory training 4 folds at once; "
                                            "training the remaining folds 2 at a time"):
        together = run(tmp_path, "together", parallel_folds=8)
    run(tmp_path, "alone")
    assert sizes == [4, 2, 2]
    assert together["engine"] | {"folds_at_once": 2, "lowered_after_out_of_memory_from": 4,
                                 "mode": "fold-parallel"} == together["engine"]
    assert (tmp_path / "together" / "predictions.csv").read_text() == \
        (tmp_path / "alone" / "predictions.csv").read_text()


def test_one_fold_too_large_for_memory_is_one_line_and_keeps_the_rest(tmp_path: Path, cli,
                                                                      monkeypatch) -> None:
    import merbench.training.torch_trainer as trainer

    real = trainer.train_fold
    calls = []

    def second_fails(*args, **options):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("[enforce fail at alloc_cpu.cpp:116] DefaultCPUAllocator: "
                               "can't allocate memory: you tried to allocate 9000000000 "
                               "bytes\nmore")
        return real(*args, **options)

    monkeypatch.setattr(trainer, "train_fold", second_fails)
    out = tmp_path / "r"
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "2",
                       "--device", "cpu", "--dataset-opt", "subjects=3", "--quiet",
                       "--out", out)
    assert code == 2
    assert err.strip() == (
        "merbench: error: cpu ran out of memory training fold syn2/s01 of model 'ststnet' "
        "(it asked for 9.0 GB at once); free the device or use a smaller --batch-size; every "
        f"finished fold is kept in {out}")
    assert [p.name for p in (out / "folds").iterdir()] == ["fold-000.npz"]


def test_each_fold_records_how_many_trained_with_it(tmp_path: Path, cli) -> None:
    """A run resumed with another engine says so: with dropout the engines draw other masks."""
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, "mixed", parallel_folds=2,
            plugins=stopping_after(2))
    results = run(tmp_path, "mixed", parallel_folds=1)
    assert [f["folds_at_once"] for f in results["folds"]] == [2, 2, 1, 1]
    assert [f["resumed"] for f in results["folds"]] == [True, True, False, False]
    code, out, err = cli("run", "--model", "htnet", "--dataset", "synthetic", "--epochs", "3",
                         "--device", "cpu", "--model-opt", "dim=12", "--model-opt",
                         "block_repeats=[1,1,1]", "--dataset-opt", "subjects=4",
                         "--dataset-opt", "samples_per_subject=5", "--out",
                         tmp_path / "mixed", "--quiet")
    assert code == 0, err
    assert "note: this run trained 2 fold(s) alone and 2 together with others" \
        in " ".join(out.split())


def test_allocation_failures_are_recognised() -> None:
    import torch

    from merbench.training.device import is_out_of_memory

    for failure in (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
                    RuntimeError("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling "
                                 "`cublasCreate(handle)`"),
                    RuntimeError("cuDNN error: CUDNN_STATUS_NOT_ENOUGH_WORKSPACE"),
                    RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to "
                                 "allocate 9 GB"), MemoryError()):
        assert is_out_of_memory(failure), failure
    assert not is_out_of_memory(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))


def test_a_default_step_run_continues_only_with_the_default_step(tmp_path: Path, cli,
                                                                 monkeypatch) -> None:
    """On CUDA the fused step always trains: a CPU run of the default step is refused there
    with how to go on, and a CPU run of either step continues only with the same step."""
    import merbench.training.device as device_module
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, "r", plugins=stopping_after(2))
    code, _, err = cli("run", "--resume", tmp_path / "r", "--fused-optimizer")
    assert code == 2 and err.strip().endswith(
        "was trained with Adam's default step; leave out --fused-optimizer to continue it")
    monkeypatch.setattr(device_module, "resolve_device", lambda name: "cuda")
    code, _, err = cli("run", "--resume", tmp_path / "r")
    assert code == 2
    assert err.strip() == (f"merbench: error: {tmp_path / 'r'} was trained with Adam's "
                           "default step, and on cuda merbench takes the fused step; continue "
                           "it where it started, with --device cpu, or start a new --out")
    monkeypatch.undo()
    code, _, err = cli("run", "--resume", tmp_path / "r", "--device", "cpu")
    assert code == 0, err


def test_fused_on_cpu_needs_a_recent_torch(cli, monkeypatch) -> None:
    import merbench.training.torch_trainer as trainer

    monkeypatch.setattr(trainer, "fused_step_on_cpu", lambda: False)
    code, _, err = cli("run", "--model", "offapexnet", "--dataset", "synthetic",
                       "--fused-optimizer", "--quiet")
    assert code == 2 and "--fused-optimizer needs torch 2.4 or newer on a CPU" in err


def test_the_progress_bar_does_not_count_a_retried_fold_twice(tmp_path: Path) -> None:
    from merbench.cli.progress import ProgressReporter
    from merbench.plugin_system.runinfo import RunInfo

    info = RunInfo(run_dir=tmp_path, model="htnet", dataset="synthetic", protocol="loso",
                   n_folds=2, folds_to_train=2, epochs=3, device="cpu")
    reporter = ProgressReporter()
    reporter.merbench_run_start(run=info)
    task = reporter._progress.tasks[0]
    for fold, epochs in ((0, [1, 2]), (1, [1, 2]),  # both together, then out of memory
                         (0, [1, 2, 3]), (1, [1, 2, 3])):  # each again, alone
        for epoch in epochs:
            reporter.merbench_epoch_finished(run=info, fold_index=fold, epoch=epoch)
    assert task.completed == task.total == 6
    reporter.stop()


def test_both_engines_keep_image_inputs_in_their_stored_dtype() -> None:
    """uint8 images stay uint8 on the device in both engines (converted per batch), and
    converting per batch gives the numbers converting first gave."""
    import torch

    from merbench.training.fold_parallel import FoldsStep
    from merbench.training.torch_trainer import _FoldStep

    rng = np.random.default_rng(0)
    recipe = TrainRecipe(epochs=3, batch_size=4, lr=1e-2)
    tasks = [FoldTask(rng.integers(0, 255, (8, 2, 4), dtype=np.uint8), rng.integers(0, 2, 8),
                      rng.integers(0, 255, (3, 2, 4), dtype=np.uint8), seed) for seed in (1, 2)]

    def build() -> torch.nn.Module:
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8, 2))

    together = FoldsStep(build, recipe, tasks, device="cpu", precision="fp32",
                          fused_optimizer=False)
    alone = _FoldStep(build, recipe, tasks[0].x_train, tasks[0].y_train, tasks[0].x_test,
                      device="cpu", seed=1, precision="fp32", fused_optimizer=False)
    assert together.x_train.dtype == together.x_test.dtype == torch.uint8
    assert alone.x_train.dtype == alone.x_test.dtype == torch.uint8
    as_float = [FoldTask(t.x_train.astype(np.float32), t.y_train, t.x_test.astype(np.float32),
                         t.seed) for t in tasks]
    for stored, floats in zip(train_folds(build, recipe, tasks, device="cpu"),
                              train_folds(build, recipe, as_float, device="cpu"), strict=True):
        np.testing.assert_array_equal(stored, floats)


# Folds trained together against one at a time, in float32 on this CPU (tests/fold_parity.py).
# The same arithmetic in other kernels (stacked, vmapped, a masked BatchNorm's own sums) rounds
# otherwise: a logit is a sum of a few hundred products here, so float32's relative 6e-8 a
# rounding, grown over 3 epochs of steps, stays far below LOGIT_TOLERANCE (seen: at most
# 1.2e-6), while a real difference of training (a padded row in a batch mean, another
# augmentation draw, another rate) moves the logits by 1e-3 and more.
LOGIT_TOLERANCE = 1e-4
# Adam divides a step by the root of the squared gradients' average, so a weight whose
# gradient is near zero (a late layer-decayed group, a norm) takes the rounding of its
# gradient as a relative error of its whole step: the weights part a little more (seen: at
# most 3.2e-5, HSTA) while the logits do not.
WEIGHT_TOLERANCE = 1e-3
# Folds of different sizes, batch 8: 17 = 2 x 8 + 1 (a last batch of one sample, which a
# BatchNorm model merges into the one before), 16 and 11 (padded to the longest): 2 batches.
SIZES = [(17, 5), (16, 3), (11, 6)]


def image_tasks(sizes: list[tuple[int, int]], frames: int, side: int) -> list[FoldTask]:
    rng = np.random.default_rng(1)

    def images(n: int) -> np.ndarray:
        return rng.integers(0, 256, (n, frames, 3, side, side), dtype=np.uint8)

    return [FoldTask(images(n), rng.integers(0, 3, n), images(m), seed=20 + i)
            for i, (n, m) in enumerate(sizes)]


def assert_same_as_alone(build, recipe: TrainRecipe, group: list[FoldTask]) -> None:
    from fold_parity import compare

    parity = compare(build, recipe, group)
    assert parity.same_predictions
    assert parity.logits < LOGIT_TOLERANCE, parity.logits
    assert parity.buffers < LOGIT_TOLERANCE, parity.buffers  # BatchNorm's running stats
    assert parity.weights < WEIGHT_TOLERANCE, parity.weights


def _small_batchnorm_net(**batchnorm):
    import torch
    from torch import nn

    class _Net(nn.Module):
        """Conv, BatchNorm2d, Linear, BatchNorm1d; no bias before a BatchNorm (its gradient
        is zero but for rounding, which Adam scales up to whole steps: any two float paths
        part there, whatever the engine)."""

        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4, **batchnorm),
                                     nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 8, bias=False),
                                     nn.BatchNorm1d(8, **batchnorm), nn.Linear(8, 3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.net(x[:, 0] / 255)

    return _Net


@pytest.mark.parametrize("batchnorm", [{}, {"momentum": None}, {"affine": False},
                                       {"track_running_stats": False}],
                         ids=["default", "momentum-none", "affine-false", "no-running-stats"])
def test_batchnorm_counts_each_folds_real_rows_only(batchnorm: dict) -> None:
    """Batch statistics of the real rows, running statistics updated as torch does, the
    last single sample merged: each fold's logits and running stats are its own."""
    recipe = TrainRecipe(epochs=3, batch_size=8, lr=1e-2)
    assert_same_as_alone(_small_batchnorm_net(**batchnorm), recipe,
                         image_tasks(SIZES, 1, 8))


def test_masked_batchnorm_state_is_torchs() -> None:
    """The row mask is no weight: the stacked buffers, a saved state and a fold's state
    dict hold torch's BatchNorm names only, so old checkpoints and saved models load."""
    import torch

    from merbench.training.fold_parallel import FoldsStep

    build = _small_batchnorm_net()
    step = FoldsStep(build, TrainRecipe(epochs=1, batch_size=8, lr=1e-2),
                     image_tasks(SIZES, 1, 8), device="cpu", precision="fp32",
                     fused_optimizer=False)
    names = set(build().state_dict())
    assert set(step.buffers) | set(step.params) == names
    assert set(step.state()["buffers"]) == {n for n in names if "running" in n
                                            or "num_batches" in n}
    assert step.mask_names == ["net.1.row_mask", "net.5.row_mask"]
    assert all(isinstance(m, torch.nn.Module) for m in step.base.modules())


def test_batchnorm_groups_count_a_merged_single_sample() -> None:
    """33 = 2 x 16 + 1 trains in 2 batches with BatchNorm, as the sequential trainer does."""
    assert plan_groups([33, 32, 49, 48], batch_size=16, k=4, merge_single=True) == [
        [0, 1], [2, 3]]
    assert plan_groups([33, 32, 49, 48], batch_size=16, k=4) == [[0, 3], [1], [2]]


TINY_MMNET = {"num_classes": 3, "image_size": 16, "widths": (4, 4, 8, 8), "stem": 4,
              "pc_depth": 1, "pc_heads": 2}
TINY_HSTA = {"num_classes": 3, "image_size": 16, "s_dim": 8, "v_dim": 8, "s_patch": 8,
             "v_patch": 8, "clip_frames": 2, "depth": 1, "heads": 2, "drop_path": 0.0,
             "head_dropout": 0.0}


def test_mmnet_trains_fold_parallel_as_one_fold_at_a_time() -> None:
    """BatchNorm and augment: onset / apex jitter candidates (4 frames in, 2 out), flips,
    rotations and crops drawn from each fold's own generator."""
    from merbench_mmnet.mmnet import MMNet

    recipe = TrainRecipe(epochs=3, batch_size=8, lr=8e-4, optimizer="adamw",
                         weight_decay=0.6)
    assert_same_as_alone(lambda: MMNet(**TINY_MMNET), recipe, image_tasks(SIZES, 4, 16))


def test_hsta_trains_fold_parallel_as_one_fold_at_a_time() -> None:
    """augment (clip frames drawn per sample) and param_groups (layer-wise decay: one rate
    a layer, no weight decay on norms, biases and cls tokens)."""
    from merbench_hsta.hsta import HSTA

    from merbench.training.fold_parallel import FoldsStep

    recipe = TrainRecipe(epochs=3, batch_size=8, lr=1e-3, optimizer="adamw",
                         weight_decay=0.05)
    group = image_tasks([(16, 5), (13, 3), (10, 6)], 6, 16)
    step = FoldsStep(lambda: HSTA(**TINY_HSTA), recipe, group, device="cpu",
                     precision="fp32", fused_optimizer=False)
    rates = {(g["lr"], g["weight_decay"]) for g in step.optimizer.param_groups}
    assert len(rates) > 3 and (recipe.lr, 0.0) in rates
    assert_same_as_alone(lambda: HSTA(**TINY_HSTA), recipe, group)


def test_mmnet_folds_go_on_from_a_saved_state(tmp_path: Path) -> None:
    """Saved after an epoch (BatchNorm's running stats, every fold's batch order and
    augmentation generator) and continued: each fold ends as an uninterrupted run."""
    import torch
    from merbench_mmnet.mmnet import MMNet

    from merbench.training.fold_checkpoint import FoldCheckpoint

    recipe = TrainRecipe(epochs=3, batch_size=8, lr=8e-4, optimizer="adamw",
                         weight_decay=0.6)
    group = image_tasks(SIZES[:2], 4, 16)

    def build() -> MMNet:
        return MMNet(**TINY_MMNET)

    def state(name: str) -> FoldCheckpoint:
        return FoldCheckpoint(tmp_path / name, 0.0, {"tests": [[0], [1]]}, "g")

    class Stop(Exception):
        pass

    def stop_at_2(position: int, epoch: int) -> None:  # after epoch 1's save
        if (position, epoch) == (1, 2):
            raise Stop

    whole = train_folds(build, recipe, group, device="cpu", checkpoint=state("whole.pt"))
    with pytest.raises(Stop):
        train_folds(build, recipe, group, device="cpu", on_epoch=stop_at_2,
                    checkpoint=state("resumed.pt"))
    saved = torch.load(tmp_path / "resumed.pt", weights_only=True)
    assert saved["epochs_done"] == 1 and len(saved["random"]["augments"]) == 2
    assert not [name for name in saved["buffers"] if "row_mask" in name]
    resumed = train_folds(build, recipe, group, device="cpu", checkpoint=state("resumed.pt"))
    for alone, again in zip(whole, resumed, strict=True):
        np.testing.assert_array_equal(again, alone)
    # and the stacked weights and running stats, continued from a saved state, to the bit
    from merbench.training.epoch_loop import set_epoch_lr
    from merbench.training.fold_parallel import FoldsStep

    def step() -> FoldsStep:
        return FoldsStep(build, recipe, group, device="cpu", precision="fp32",
                         fused_optimizer=False)

    def train(folds: FoldsStep, epochs: range) -> None:
        for epoch in epochs:
            set_epoch_lr(folds.optimizer, recipe, epoch)
            folds.train_epoch()

    uninterrupted, continued = step(), step()
    train(uninterrupted, range(1))
    path = tmp_path / "state.pt"
    torch.save(uninterrupted.state(), path)
    train(uninterrupted, range(1, 3))
    continued.restore(torch.load(path, weights_only=True))
    train(continued, range(1, 3))
    for name, value in (*uninterrupted.buffers.items(), *uninterrupted.params.items()):
        assert torch.equal(continued.buffers.get(name, continued.params.get(name)), value), name


def test_on_cuda_the_engine_trains_mmnet_and_hsta_fold_parallel(monkeypatch) -> None:
    """What the engine chooses on CUDA (free memory stubbed): MMNet's folds together,
    eager (its augmentation draws on the CPU every step, which a CUDA graph would replay
    as one draw); HSTA's too once its dropout is off or --parallel-folds asks; before issue
    81 both went one fold at a time (not-batchable)."""
    from types import SimpleNamespace

    from merbench_hsta.hsta import HSTA
    from merbench_mmnet.mmnet import MMNet

    import merbench.training.fold_parallel as fold_parallel
    from merbench.runner.engine import choose_engine

    monkeypatch.setattr(fold_parallel, "folds_that_fit", lambda model, device: 8)

    def chosen(build, asked=None):
        plan = SimpleNamespace(
            settings=SimpleNamespace(parallel_folds=asked), device="cuda",
            spec=SimpleNamespace(model="m", precision="fp32"), trains_in_epochs=True,
            is_torch=True, captures=lambda: True, fused_optimizer=lambda: True)
        return choose_engine(SimpleNamespace(plan=plan, build_model=build), [object()] * 68)

    mmnet = chosen(lambda: MMNet(**TINY_MMNET))
    assert (mmnet.mode, mmnet.folds_at_once, mmnet.captured) == ("fold-parallel", 8, False)
    assert mmnet.same_numbers_as_sequential
    hsta = chosen(lambda: HSTA(**TINY_HSTA))
    assert (hsta.mode, hsta.folds_at_once, hsta.captured) == ("fold-parallel", 8, False)
    with_dropout = {**TINY_HSTA, "depth": 2, "drop_path": 0.1}  # stochastic depth: random
    assert chosen(lambda: HSTA(**with_dropout)).cause == "dropout"
    asked = chosen(lambda: HSTA(**with_dropout), asked=4)
    assert (asked.mode, asked.folds_at_once) == ("fold-parallel", 4)
    assert not asked.same_numbers_as_sequential
