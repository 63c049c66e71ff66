"""The captured-epoch engine's choice and the epoch loop around it, on the CPU.

The CUDA graph itself needs a GPU (``tests/test_gpu.py`` checks its predictions against the
eager engine's, K = 1 and K > 1); what is decided and run on the host is checked here: which
runs capture their epochs, that ``--eager`` turns it off and is recorded, that folds trained
together take the captured step and a fold trained alone the sequential trainer, the
learning rate the graph reads from a device tensor, and the epoch loop's reporting of
epochs the device has finished, not merely queued.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from merbench.meta import TrainRecipe


def _plan(monkeypatch: pytest.MonkeyPatch, device: str, model: str = "htnet",
          **settings: Any) -> Any:
    import merbench.training.device as device_module
    from merbench.plugin_system.manager import default_plugins
    from merbench.runner.plan import plan_run
    from merbench.runner.spec import RunSettings, RunSpec

    monkeypatch.setattr(device_module, "resolve_device", lambda name: device)
    return plan_run(RunSpec(model=model, dataset="synthetic"),
                    RunSettings(device=device, **settings), default_plugins())


def test_cuda_adam_runs_capture_their_epochs_unless_eager(monkeypatch) -> None:
    assert _plan(monkeypatch, "cuda").captures() is True
    assert _plan(monkeypatch, "cuda:1").captures() is True
    assert _plan(monkeypatch, "cuda", eager=True).captures() is False
    assert _plan(monkeypatch, "cpu").captures() is False
    # a scikit-learn estimator trains no epochs
    assert _plan(monkeypatch, "cuda", model="biwoof-release-svm").captures() is False


def test_a_cpu_run_records_that_nothing_was_captured(tmp_path: Path, cli) -> None:
    import json

    code, _, err = cli("run", "--model", "htnet", "--dataset", "synthetic", "--epochs", "2",
                       "--model-opt", "dim=8", "--model-opt", "heads=2", "--device", "cpu",
                       "--quiet", "--out", tmp_path / "r")
    assert code == 0, err
    engine = json.loads((tmp_path / "r" / "results.json").read_text())["engine"]
    assert engine["captured"] is False
    code, out, _ = cli("run", "--help")
    assert code == 0 and "--eager" in out


def test_folds_trained_together_take_the_captured_step(monkeypatch) -> None:
    import merbench.training.fold_parallel as fold_parallel
    from merbench.plugin_system.manager import default_plugins
    from merbench.runner.fold_work import FoldRows, GroupWork, ModelSource, compute

    seen: dict[str, Any] = {}

    def recorded(build, recipe, tasks, **options):  # type: ignore[no-untyped-def]
        seen.update(options, folds=len(tasks))
        return [np.zeros((recipe.epochs, len(t.x_test)), dtype=np.int64) for t in tasks]

    monkeypatch.setattr(fold_parallel, "train_folds", recorded)
    rows = FoldRows(index=0, seed=1, train=np.arange(4), y_train=np.zeros(4, dtype=np.int64),
                    evaluate=np.arange(4, 6), groups=np.zeros(4))
    htnet = default_plugins().registries.models.get("htnet")
    work = GroupWork(kind="train", model=ModelSource.of(htnet, {}, 3),
                     recipe=TrainRecipe(epochs=2, batch_size=4, lr=1e-3, optimizer="adam"),
                     device="cpu", precision="fp32", fused_optimizer=False, folds=(rows,),
                     captured=True)
    from dataclasses import replace

    pair = replace(work, folds=(rows, replace(rows, index=1, seed=2)))
    computed = compute(pair, np.zeros((6, 3, 4, 4), dtype=np.float32))
    assert seen["step_kind"].__name__ == "CapturedFoldsStep" and seen["folds"] == 2
    assert computed[0].predictions.shape == (2, 2)
    seen.clear()
    compute(replace(pair, captured=False), np.zeros((6, 3, 4, 4), dtype=np.float32))
    assert seen["step_kind"].__name__ == "FoldsStep"
    # a fold trained alone: the sequential trainer (whose saved states stay continuable)
    import merbench.training.torch_trainer as trainer

    monkeypatch.setattr(trainer, "train_fold", lambda *a, **k: np.zeros((2, 2), dtype=int))
    seen.clear()
    alone = compute(work, np.zeros((6, 3, 4, 4), dtype=np.float32))
    assert not seen and alone[0].predictions.shape == (2, 2)


def test_a_captured_step_reads_its_rate_from_a_device_tensor_filled_in_place() -> None:
    from merbench.training.epoch_loop import set_epoch_lr, start_schedule
    from merbench.training.torch_trainer import build_optimizer

    recipe = TrainRecipe(epochs=10, batch_size=4, lr=1e-3, optimizer="adam",
                         schedule="cosine")
    with pytest.raises(ValueError, match="only the fused Adam / AdamW step on CUDA"):
        build_optimizer([torch.zeros(2, requires_grad=True)], recipe, "cpu", capturable=True)
    optimizer = torch.optim.Adam([torch.zeros(2, requires_grad=True)],
                                 lr=torch.tensor(1e-3))
    rate = optimizer.param_groups[0]["lr"]
    start_schedule(optimizer)
    set_epoch_lr(optimizer, recipe, 5)
    assert optimizer.param_groups[0]["lr"] is rate  # the tensor a graph would read
    plain = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=1e-3)
    start_schedule(plain)
    set_epoch_lr(plain, recipe, 5)
    assert float(rate) == pytest.approx(plain.param_groups[0]["lr"], rel=1e-6)
    assert float(rate) < 1e-3


class _LaggingStep:
    """An engine whose device finishes an epoch two epochs after the host queued it."""

    device = "cpu"
    predictions_shape = (1, 2)

    def __init__(self) -> None:
        from merbench.training.epoch_loop import start_schedule

        self.optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        start_schedule(self.optimizer)
        self.queued = self.done = 0

    def train_epoch(self) -> torch.Tensor:
        self.queued += 1
        return torch.zeros(1)

    def predict(self) -> torch.Tensor:
        return torch.full((1, 2), self.queued)

    def check_finite(self, loss: torch.Tensor | None, epoch: int) -> None:
        pass

    def epochs_finished(self, queued: int, wait: bool = False) -> int:
        self.done = max(self.done, queued if wait else queued - 2)
        return self.done

    def state(self) -> dict[str, Any]:
        return {"queued": self.queued}

    def restore(self, state: dict[str, Any]) -> None:
        raise AssertionError("nothing saved to restore")

    def start_over(self) -> None:
        raise AssertionError("nothing to start over")


class _EveryEpoch:
    label = "fold db/s1"  # what a stop says it saves

    def __init__(self, step: _LaggingStep) -> None:
        from merbench.training.fold_checkpoint import SaveCost

        self.step, self.saved = step, []
        self.cost = SaveCost()  # what a stop weighs a save by (none made yet)

    def load(self) -> None:
        return None

    def due(self) -> bool:
        return True

    def save(self, state: dict[str, Any]) -> None:
        self.saved.append(state["epochs_done"])


def test_the_epoch_loop_reports_epochs_the_device_finished_and_saves_checked_ones() -> None:
    from merbench.training.epoch_loop import run_epochs

    step = _LaggingStep()
    reported: list[int] = []
    checkpoint = _EveryEpoch(step)
    recipe = TrainRecipe(epochs=6, batch_size=4, lr=0.1, optimizer="sgd")
    predictions = run_epochs(step, recipe, on_epoch=reported.append,  # type: ignore[arg-type]
                             checkpoint=checkpoint)  # type: ignore[arg-type]
    assert predictions[:, 0, 0].tolist() == [1, 2, 3, 4, 5, 6]
    # a save waits for the device, so every epoch up to it is reported before the next one
    assert reported == [1, 2, 3, 4, 5, 6]
    assert checkpoint.saved == [1, 2, 3, 4, 5]
    lagging = _LaggingStep()
    reported.clear()
    run_epochs(lagging, recipe, on_epoch=reported.append)  # type: ignore[arg-type]
    assert reported == [1, 2, 3, 4, 6]  # two behind the host, then all at the end
