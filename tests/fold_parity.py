"""Folds trained together against the same folds trained one at a time, epoch by epoch:
their test logits, their argmax predictions and their final buffers (BatchNorm's running
statistics), for the tests of the fold-parallel engine (tests/test_fold_parallel.py).

Both engines are stepped through the epoch loop's own calls (the schedule's rate, an
epoch's training, the test logits), so a difference is the engines', not the loop's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from merbench.meta import TrainRecipe
from merbench.training.epoch_loop import set_epoch_lr
from merbench.training.fold_parallel import FoldsStep, FoldTask
from merbench.training.torch_trainer import _FoldStep


@dataclass
class Parity:
    """The largest differences seen over every epoch, fold and test sample."""

    logits: float  # max |logit together - logit alone|
    buffers: float  # max |buffer together - buffer alone| after the last epoch
    weights: float  # max |weight together - weight alone| after the last epoch
    same_predictions: bool  # every epoch's argmax equal
    predictions: list[np.ndarray]  # each fold's (epochs, n_test) argmax, trained together


def together_logits(step: FoldsStep) -> torch.Tensor:
    with torch.inference_mode():
        size = step.recipe.batch_size
        return torch.cat([step.test_logits(start, start + size)
                          for start in range(0, step.x_test.shape[1], size)], dim=1)


def alone_logits(step: _FoldStep) -> torch.Tensor:
    step.model.eval()
    with torch.inference_mode():
        return torch.cat([step.model(step.x_test[start:start + step.recipe.batch_size].float())
                          for start in range(0, len(step.x_test), step.recipe.batch_size)])


def compare(build: Callable[[], nn.Module], recipe: TrainRecipe,
            tasks: Sequence[FoldTask]) -> Parity:
    """Train ``tasks`` together and each alone, in float32 on the CPU."""
    step = FoldsStep(build, recipe, tasks, device="cpu", precision="fp32",
                     fused_optimizer=False)
    logits = []
    for epoch in range(recipe.epochs):
        set_epoch_lr(step.optimizer, recipe, epoch)
        step.train_epoch()
        logits.append(together_logits(step))
    worst_logit = worst_buffer = worst_weight = 0.0
    same = True
    predictions = []
    for i, task in enumerate(tasks):
        alone = _FoldStep(build, recipe, task.x_train, task.y_train, task.x_test, device="cpu",
                          seed=task.seed, precision="fp32", fused_optimizer=False)
        mine = []
        for epoch in range(recipe.epochs):
            set_epoch_lr(alone.optimizer, recipe, epoch)
            alone.train_epoch()
            expected = alone_logits(alone)
            found = logits[epoch][i, :len(task.x_test)]
            worst_logit = max(worst_logit, float((found - expected).abs().max()))
            same = same and bool((found.argmax(1) == expected.argmax(1)).all())
            mine.append(found.argmax(1).numpy())
        predictions.append(np.stack(mine))
        for name, value in alone.model.named_buffers():
            if value.is_floating_point():
                worst_buffer = max(worst_buffer,
                                   float((step.buffers[name][i] - value).abs().max()))
            elif name in step.buffers:  # num_batches_tracked
                assert torch.equal(step.buffers[name][i], value), name
        for name, value in alone.model.named_parameters():
            worst_weight = max(worst_weight,
                               float((step.params[name][i] - value).detach().abs().max()))
    return Parity(worst_logit, worst_buffer, worst_weight, same, predictions)
