"""Timing merbench's training steps on a CPU thread, and counting their FLOPs, with random
inputs of a feature's stored shape: the measuring half of ``model_costs.py``.

A seed is 68 folds of hundreds of epochs, far too long to time whole; a few steps of the
recipe's own batches (or, where one step of those would not fit the time budget, of a
micro-batch scaled linearly) give a fold-epoch's seconds, and the verdict CPU or GPU work
needs no more precision than that.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from merbench.meta import FeatureMeta, TrainRecipe
from merbench.training.torch_trainer import (
    batch_bounds,
    build_optimizer,
    has_batchnorm,
    model_param_groups,
)

TRAIN_SAMPLES = 436  # a fold's training samples: 442 less the left-out subject's (6 or 7)
TEST_SAMPLES = 6
FLOP_BATCH = 2  # FLOPs are linear in the batch; 2, not 1, so BatchNorm can train
PROBE_BATCH = 8
# Features whose meta declares no shape (whole frames, option-dependent): what they store at
# their defaults. flow-and-apex (merbench_features/frames.py): per sample two RGB-ordered
# frames, the 28x28 flow image upsampled to 224 and the apex face at 224, uint8 0..255.
STORED = {"flow-and-apex": ((2, 3, 224, 224), torch.uint8)}
# What the CPU timing gives (None in --quick): micro_batch None means the recipe's batches.
CPU_KEYS = ("cpu_s_per_fold_epoch", "cpu_steps_timed", "cpu_micro_batch", "cpu_test_s")


@dataclass(frozen=True)
class StepTime:
    """One timed training step: its batch, forward + backward seconds (the per-sample part,
    with the batch's conversion and augmentation) and optimiser-step seconds (per step)."""

    batch: int
    forward_backward_s: float
    optimizer_s: float


def stored_inputs(feature: FeatureMeta, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` random samples as the feature stores them (float32 0..255, or uint8 frames);
    the trainer converts each batch to float32, and so does :func:`train_step`."""
    if feature.name in STORED:
        shape, dtype = STORED[feature.name]
        return torch.randint(0, 256, (n, *shape), generator=generator, dtype=dtype)
    if not feature.shape:
        raise ValueError(f"feature {feature.name} declares no shape; add it to STORED")
    return torch.rand((n, *feature.shape), generator=generator) * 255


def training_flops(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> float:
    """FLOPs of one forward + backward of ``inputs`` in train mode (FlopCounterMode: matmuls,
    convolutions and attention only)."""
    model.train()
    with FlopCounterMode(display=False) as counter:
        loss = nn.functional.cross_entropy(model(inputs.float()).float(), labels)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def epoch_batches(n_train: int, batch_size: int, merge_single: bool) -> list[int]:
    """The sizes of an epoch's batches, as merbench's trainer cuts them."""
    return [stop - start for start, stop in batch_bounds(n_train, batch_size, merge_single)]


def recipe_batches(model: nn.Module, recipe: TrainRecipe) -> list[int]:
    """A composite fold-epoch's batches for ``model`` trained with ``recipe``."""
    return epoch_batches(TRAIN_SAMPLES, recipe.batch_size, has_batchnorm(model) is not None)


def extrapolate_epoch(steps: Sequence[StepTime], batches: Sequence[int]) -> float:
    """Seconds for an epoch of ``batches`` from timed ``steps``: a batch size that was timed
    takes its mean forward + backward, any other the timed seconds a sample times its size;
    every step adds the mean optimiser step (which does not depend on the batch)."""
    if not steps:
        raise ValueError("no timed steps to extrapolate from")
    per_sample = sum(s.forward_backward_s for s in steps) / sum(s.batch for s in steps)
    optimizer = sum(s.optimizer_s for s in steps) / len(steps)
    by_size: dict[int, list[float]] = {}
    for step in steps:
        by_size.setdefault(step.batch, []).append(step.forward_backward_s)
    return sum(optimizer + (sum(by_size[b]) / len(by_size[b]) if b in by_size
                            else per_sample * b) for b in batches)


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x_pool: torch.Tensor,
               y_pool: torch.Tensor, batch: int, generator: torch.Generator) -> StepTime:
    """One training step as merbench's trainer takes it, timed in two parts."""
    started = time.perf_counter()
    index = torch.randperm(len(x_pool), generator=generator)[:batch]
    inputs = x_pool[index].float()
    augment = getattr(model, "augment", None)
    if augment is not None:
        inputs = augment(inputs, generator)
    optimizer.zero_grad(set_to_none=True)
    nn.functional.cross_entropy(model(inputs).float(), y_pool[index]).backward()
    middle = time.perf_counter()
    optimizer.step()
    return StepTime(batch, middle - started, time.perf_counter() - middle)


def time_cpu(model: nn.Module, recipe: TrainRecipe, x_pool: torch.Tensor, y_pool: torch.Tensor,
             budget_s: float, generator: torch.Generator) -> dict[str, Any]:
    """Seconds a fold-epoch on this thread. A probe step of ``PROBE_BATCH`` samples (untimed)
    sizes the work: where the recipe's batch would take more than a sixth of the budget, the
    steps are timed on a micro-batch that fits. Then one untimed warm-up step at the timed
    size, and timed steps until two epochs' worth and a tenth of the budget are done, or
    about half the budget is spent."""
    model.train()
    optimizer = build_optimizer(model_param_groups(model, recipe), recipe, "cpu")
    batches = recipe_batches(model, recipe)
    probe = train_step(model, optimizer, x_pool, y_pool, min(PROBE_BATCH, batches[0]), generator)
    full_s = probe.forward_backward_s / probe.batch * batches[0] + probe.optimizer_s
    micro = None
    sizes = batches
    if full_s > budget_s / 6:
        micro = max(2, int(batches[0] * (budget_s / 6) / full_s))
        sizes = [micro]
    if sizes[0] != probe.batch:
        train_step(model, optimizer, x_pool, y_pool, sizes[0], generator)  # warm-up
    target = 3 if micro else max(3, 2 * len(batches))
    steps: list[StepTime] = []
    started = time.perf_counter()
    while True:  # small models: on for a tenth of the budget, to average out the noise
        spent = time.perf_counter() - started
        if steps and (spent + spent / len(steps) > budget_s / 2
                      or (len(steps) >= target and spent >= budget_s / 10)):
            break
        steps.append(train_step(model, optimizer, x_pool, y_pool,
                                sizes[len(steps) % len(sizes)], generator))
    model.eval()  # the test subject's prediction after every epoch (second call: warm)
    with torch.no_grad():
        model(x_pool[:TEST_SAMPLES].float())
        started = time.perf_counter()
        model(x_pool[:TEST_SAMPLES].float())
        test_s = time.perf_counter() - started
    return dict(zip(CPU_KEYS, (round(extrapolate_epoch(steps, batches) + test_s, 5),
                               len(steps), micro, round(test_s, 6)), strict=True))
