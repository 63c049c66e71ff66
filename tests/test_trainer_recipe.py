"""The trainer's recipe contract: schedules, parameter groups, augmentation, bf16, dtypes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import merbench
from merbench.base.errors import MerbenchError
from merbench.meta import TrainRecipe
from merbench.training.fold_parallel import why_not_batchable
from merbench.training.schedule import lr_factor
from merbench.training.torch_trainer import model_param_groups, train_fold


def test_cosine_with_warmup_per_epoch() -> None:
    recipe = TrainRecipe(epochs=10, batch_size=8, lr=1e-3, schedule="cosine", warmup_epochs=4)
    factors = [lr_factor(recipe, e) for e in range(10)]
    assert factors[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    # half a cosine from 1 (epoch 4, after the warm-up) to 0 (the last epoch)
    assert factors[4:] == pytest.approx([1.0, 0.9045085, 0.6545085, 0.3454915, 0.0954915, 0.0])
    floor = TrainRecipe(epochs=3, batch_size=8, lr=1e-3, schedule="cosine", min_lr=1e-4)
    assert [lr_factor(floor, e) for e in range(3)] == pytest.approx([1.0, 0.55, 0.1])


def test_exponential_decays_then_holds() -> None:
    recipe = TrainRecipe(epochs=74, batch_size=32, lr=8e-4, schedule="exponential",
                         gamma=0.987, decay_epochs=50)
    assert lr_factor(recipe, 0) == 1.0
    assert lr_factor(recipe, 1) == pytest.approx(0.987)
    assert lr_factor(recipe, 50) == pytest.approx(0.987 ** 50)
    assert lr_factor(recipe, 73) == lr_factor(recipe, 50)
    assert lr_factor(TrainRecipe(epochs=5, batch_size=1, lr=1.0), 4) == 1.0


def test_bad_recipes_are_refused() -> None:
    with pytest.raises(ValueError, match="schedule must be one of"):
        TrainRecipe(epochs=1, batch_size=1, lr=1.0, schedule="step")
    with pytest.raises(ValueError, match="gamma"):
        TrainRecipe(epochs=1, batch_size=1, lr=1.0, schedule="exponential", gamma=1.5)


def test_a_recipe_records_every_field() -> None:
    """Run identities and results record the whole recipe (older files gain the fields
    added later through their migration, merbench.results.migrations)."""
    plain = TrainRecipe(epochs=2, batch_size=4, lr=0.1)
    assert set(plain.to_dict()) == {"epochs", "batch_size", "lr", "optimizer", "weight_decay",
                                    "schedule", "warmup_epochs", "gamma", "decay_epochs",
                                    "min_lr", "data_order"}
    cosine = TrainRecipe(epochs=2, batch_size=4, lr=0.1, schedule="cosine", warmup_epochs=1)
    assert cosine.to_dict()["schedule"] == "cosine" and cosine.to_dict()["warmup_epochs"] == 1


class _Net(nn.Module):
    """A linear classifier that records what the trainer gives it."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(2 * 4, 8)
        self.head = nn.Linear(8, 2)
        self.seen_lr: list[float] = []
        self.augmented = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.body(x.flatten(1) / 255)))


class _Grouped(_Net):
    def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
        return [{"params": self.body.parameters(), "lr": lr * 0.1, "weight_decay": 0.0},
                {"params": self.head.parameters(), "lr": lr, "weight_decay": weight_decay}]


class _Augmented(_Net):
    def augment(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        self.augmented += 1
        flip = torch.rand(len(batch), generator=generator) < 0.5
        return torch.where(flip[:, None, None], batch.flip(-1), batch)


def _data(n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    x = (rng.random((n, 2, 4)) * 100 + y[:, None, None] * 100).astype(np.uint8)
    return x, y


def test_param_groups_keep_their_ratio_under_the_schedule(monkeypatch) -> None:
    recipe = TrainRecipe(epochs=3, batch_size=16, lr=0.01, optimizer="adamw",
                         weight_decay=0.5, schedule="exponential", gamma=0.5)
    seen = []
    original = torch.optim.AdamW.step

    def spy(self, *args, **kwargs):
        seen.append([group["lr"] for group in self.param_groups])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", spy)
    x, y = _data()
    train_fold(_Grouped, recipe, x, y, x[:4], device="cpu", seed=1)
    per_epoch = [lr for i in (0, 3, 6) for lr in seen[i]]  # 3 batches per epoch
    assert per_epoch == pytest.approx([0.001, 0.01, 0.0005, 0.005, 0.00025, 0.0025])
    assert seen[1] == seen[2] == seen[0]  # set once per epoch


def test_param_groups_must_cover_every_parameter() -> None:
    class Partial(_Net):
        def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
            return [{"params": self.head.parameters()}]

    recipe = TrainRecipe(epochs=1, batch_size=4, lr=0.1)
    with pytest.raises(MerbenchError, match=r"leaves out 2 trainable parameter\(s\), e.g. body"):
        model_param_groups(Partial(), recipe)
    assert len(model_param_groups(_Grouped(), recipe)) == 2
    # folds trained together take both (tests/test_fold_parallel.py): nothing is refused
    assert why_not_batchable(_Grouped()) is None
    assert why_not_batchable(_Augmented()) is None
    assert "SyncBatchNorm" in why_not_batchable(torch.nn.Sequential(torch.nn.SyncBatchNorm(2)))


def test_augmentation_is_seeded_and_only_on_training_batches() -> None:
    recipe = TrainRecipe(epochs=4, batch_size=16, lr=0.05)
    x, y = _data()
    built = []

    def build() -> _Augmented:
        built.append(_Augmented())
        return built[-1]

    first = train_fold(build, recipe, x, y, x, device="cpu", seed=3)
    again = train_fold(build, recipe, x, y, x, device="cpu", seed=3)
    assert np.array_equal(first, again)
    assert built[0].augmented == 4 * 3  # every training batch, no test batch
    plain = train_fold(_Net, recipe, x, y, x, device="cpu", seed=3)
    assert not np.array_equal(first, plain)  # the flips did change the training


def test_bf16_trains_on_cpu_and_is_recorded(tmp_path: Path) -> None:
    x, y = _data()
    recipe = TrainRecipe(epochs=3, batch_size=16, lr=0.05)
    predicted = train_fold(_Net, recipe, x, y, x, device="cpu", seed=0, precision="bf16")
    assert predicted.shape == (3, len(x)) and (predicted[-1] == y).mean() > 0.7
    out = tmp_path / "bf16"
    merbench.run(model="ststnet", dataset="synthetic", epochs=1, precision="bf16",
                 dataset_options={"subjects": 3, "samples_per_subject": 3}, device="cpu",
                 out=out)
    results = json.loads((out / "results.json").read_text())
    assert results["precision"] == "bf16"
    assert results["hyperparameters"]["precision"] == "bf16"
    assert results["engine"]["mode"] == "sequential"


def test_precision_is_checked_before_anything_runs(tmp_path: Path, cli) -> None:
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--precision", "fp8",
                       "--out", tmp_path / "r")
    assert code == 2 and "--precision" in err and "fp8" in err
    with pytest.raises(MerbenchError, match="unknown precision='half'"):  # the API's keyword
        merbench.run(model="ststnet", dataset="synthetic", precision="half", out=tmp_path / "x")


def test_fold_parallel_applies_the_schedule_like_one_fold_at_a_time() -> None:
    from merbench.training.fold_parallel import FoldTask, train_folds

    recipe = TrainRecipe(epochs=6, batch_size=16, lr=0.05, optimizer="adamw",
                         weight_decay=0.1, schedule="cosine", warmup_epochs=2)
    x, y = _data(48)
    tasks = [FoldTask(x[:40], y[:40], x[40:], seed=5), FoldTask(x[8:], y[8:], x[:8], seed=6)]
    together = train_folds(_Net, recipe, tasks, device="cpu")
    for task, predicted in zip(tasks, together, strict=True):
        alone = train_fold(_Net, recipe, task.x_train, task.y_train, task.x_test,
                           device="cpu", seed=task.seed)
        assert np.array_equal(predicted, alone)


def test_tf32_is_a_cuda_mode(tmp_path, cli) -> None:
    """TF32 changes CUDA matrix products only; asking for it on a CPU is refused in one line."""
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--device", "cpu",
                       "--precision", "tf32", "--out", tmp_path / "r")
    assert code == 2 and "--precision tf32 is a CUDA matrix-product mode" in err


@pytest.mark.parametrize(("precision", "tf32"), [("fp32", False), ("tf32", True)])
def test_cuda_precision_sets_both_tf32_switches_and_restores_them(precision: str,
                                                                  tf32: bool) -> None:
    """On CUDA, fp32 means float32 in convolutions too (PyTorch's cuDNN default is TF32) and
    tf32 means TF32 in matrix products too (the default there is float32). The switches are
    plain flags, so this holds on a machine without a GPU."""
    import torch

    from merbench.training.torch_trainer import autocast

    switches = (torch.backends.cuda.matmul, torch.backends.cudnn)
    before = [s.allow_tf32 for s in switches]
    for s, value in zip(switches, (not tf32, not tf32), strict=True):
        s.allow_tf32 = value
    try:
        with autocast("cuda:0", precision):
            assert [s.allow_tf32 for s in switches] == [tf32, tf32]
        assert [s.allow_tf32 for s in switches] == [not tf32, not tf32]
        with autocast("cpu", "fp32"):  # a CPU run touches nothing
            assert [s.allow_tf32 for s in switches] == [not tf32, not tf32]
    finally:
        for s, value in zip(switches, before, strict=True):
            s.allow_tf32 = value


def test_a_last_batch_of_one_joins_the_batch_before_it_when_the_model_has_batchnorm() -> None:
    """BatchNorm cannot train on one sample where its map is 1x1 (timm's resnet18 on the flow
    image; SAMM-alone LOSO leaves 129 = 4 x 32 + 1 training samples): that sample joins the
    batch before it, and only for a model with BatchNorm."""
    from merbench.training.torch_trainer import batch_bounds

    assert batch_bounds(129, 32, True) == [(0, 32), (32, 64), (64, 96), (96, 129)]
    assert batch_bounds(129, 32, False)[-1] == (128, 129)
    assert batch_bounds(1, 32, True) == [(0, 1)] and batch_bounds(64, 32, True)[-1] == (32, 64)

    class PooledBN(torch.nn.Module):  # a 1x1 map into BatchNorm, as resnet18's last stage
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 4)
            self.bn = torch.nn.BatchNorm2d(4)
            self.fc = torch.nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.bn(self.conv(x)).flatten(1))

    rng = np.random.default_rng(0)
    x = rng.random((9, 3, 4, 4), dtype=np.float32)
    recipe = TrainRecipe(epochs=2, batch_size=4, lr=1e-2)
    result = train_fold(PooledBN, recipe, x, np.arange(9) % 3, x[:2], device="cpu", seed=0)
    assert np.asarray(result).shape == (2, 2)  # each epoch's predictions of 2 test samples
