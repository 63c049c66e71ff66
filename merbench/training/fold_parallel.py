"""Training several LOSO folds at once: one stacked model, one optimiser, one process.

A LOSO protocol trains one small model per subject on a few hundred samples: one fold at a
time, every step is a tiny kernel launch and the device idles. Here K folds share each step.
Their weights are stacked along a new leading dimension (``torch.func.stack_module_state``)
and one ``vmap``'d ``functional_call`` runs all K models on their own batches.

Why this equals K sequential trainings (``torch_trainer.train_fold``):
- each fold's model is built after ``torch.manual_seed(fold seed)``, so its initial weights
  are the sequential path's; its batch order comes from its own generator with that seed;
- the steps make the sequential trainer's batches (``step_bounds``): every batch but an
  epoch's last is full in every fold, and the last runs to the longest fold's end; a model
  with BatchNorm merges a last batch of one sample into the one before, as
  ``torch_trainer.batch_bounds`` does, and its folds are grouped by that count;
- a fold's loss is the mean cross-entropy over its own real samples. Batches are padded to
  the largest in the step and the padding is masked out of the loss. Samples do not
  interact inside a batch except through BatchNorm, whose modules in the vmapped structure
  copy are swapped for ``masked_batchnorm.MaskedBatchNorm``: batch statistics over the
  fold's real rows only (the step passes its row mask under each one's ``row_mask`` buffer
  name), running statistics updated in place in the fold's own row of the stacked buffers,
  as torch updates them. The masks are never stored: the stacked buffers, ``state()`` and
  every fold's saved model hold torch's BatchNorm names only;
- a model's ``augment`` runs outside ``vmap`` on each fold's real rows of the step with that
  fold's own generator (``fold_augment``), so every generator draws what, and in the order,
  the sequential trainer's does;
- the loss summed over folds has, for each fold's weights, exactly that fold's gradient, and
  Adam / AdamW / SGD act element by element, so one optimiser over the stacked weights takes
  every fold's own step; a model's ``param_groups`` are one fold's groups mapped by name to
  the stacked tensors (``stacked_groups``), so each stacked tensor has its group's rate and
  weight decay. Folds are grouped so that all folds of a group have the same number of
  batches per epoch, so every fold steps at every step.
In float32 on CPU the predictions equal the sequential path's (``tests/test_fold_parallel``,
MMNet and HSTA included: logits within 2e-7 after 3 epochs); only the order of
floating-point sums differs. With ``precision`` bf16 or tf32 the forward
pass runs in that precision as on the sequential path, but batched products round
differently, so the numbers are the same training, not the same bits (and under ``vmap`` a
Linear's bias add promotes its bf16 output back to float32, pytorch#192617: the products
stay bf16, the elementwise work between them runs in float32).

The recipe's learning-rate schedule is batched exactly: it sets one rate per epoch, the
same for every fold, on the one optimiser (each group's rate scaled by the same factor).

What cannot be batched this way: a BatchNorm class with its own ``forward``
(SyncBatchNorm, a model's own variant), whose statistics the masked module would replace;
such a model trains on the sequential path, and the run says why. So does a model with a
bias just before a BatchNorm: that bias's gradient is rounding noise, which Adam scales up to
whole steps, so folds trained together would part from one at a time. Dropout and stochastic
depth are batched with independent masks per fold (``vmap(randomness="different")``):
statistically the same training, not the same random numbers as the sequential path. A
model that augments is never captured as a CUDA graph (``captured_step``): its draws are
made on the CPU every step.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

import merbench.training.model_output as model_output
from merbench.base.errors import MerbenchError
from merbench.data.task import EMOTION_TASK, Task
from merbench.meta import TrainRecipe
from merbench.plugin_system.plugin_fault import model_code
from merbench.training.epoch_loop import run_epochs, start_schedule
from merbench.training.fold_augment import FoldAugments, real_rows
from merbench.training.fold_checkpoint import FoldCheckpoint
from merbench.training.masked_batchnorm import (
    bias_before_batchnorm,
    mask_batchnorms,
    unmaskable_batchnorm,
)
from merbench.training.model_output import finite_untrained, logits, outputs_of, trainable
from merbench.training.objective import objective_for
from merbench.training.stacked_groups import stacked_param_groups
from merbench.training.torch_trainer import (
    as_stored,
    autocast,
    batch_bounds,
    build_optimizer,
    epoch_order,
    global_random_state,
    restore_global_random_state,
)

# Bytes per parameter a training fold holds: weights, gradients, Adam's two moments (float32).
BYTES_PER_PARAMETER = 16
ACTIVATION_MARGIN = 2.0  # activations and temporaries, relative to the above (measured: HTNet)


@dataclass(frozen=True)
class FoldTask:
    """One fold's data and seed, as the sequential trainer would get them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    seed: int


def why_not_batchable(model: nn.Module) -> str | None:
    """The reason ``model`` must train on the sequential path, or None if it can be batched:
    a BatchNorm whose class computes its own way (``masked_batchnorm`` stands in for torch's
    only), or a bias just before a BatchNorm, whose folds trained together part from one at
    a time from the first epoch on (pass 84m's M16: even an audit's tolerance refused them),
    while one at a time trains it as its author meant."""
    batchnorm = unmaskable_batchnorm(model)
    if batchnorm is not None:
        return (f"it has a BatchNorm of its own kind, {batchnorm}, whose batch statistics "
                "the engine cannot limit to each fold's real samples")
    bias = bias_before_batchnorm(model)
    if bias is not None:
        return (f"{bias}, which cancels in the batch mean, so its gradient is rounding "
                "noise that Adam turns into whole steps, and folds trained together would "
                "part from one at a time (make that layer with bias=False to train its "
                "folds together)")
    return None


def has_dropout(model: nn.Module) -> bool:
    """Whether ``model`` draws random masks in training: dropout, or stochastic depth (a
    module with a positive ``drop_prob``, as timm's ``DropPath`` has)."""
    return any((isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0)
               or float(getattr(m, "drop_prob", 0.0) or 0.0) > 0 for m in model.modules())


def folds_that_fit(model: nn.Module, device: str, limit: int | None = None) -> int:
    """How many folds of ``model`` fit in the device's free memory at once (at least 1)."""
    n_parameters = sum(p.numel() for p in model.parameters())
    per_fold = n_parameters * BYTES_PER_PARAMETER * (1 + ACTIVATION_MARGIN)
    if device.startswith("cuda"):
        free, _ = torch.cuda.mem_get_info(torch.device(device))
    else:
        free = _free_host_memory()
    fit = max(1, int(0.8 * free // max(per_fold, 1)))
    return min(fit, limit) if limit else fit


def _free_host_memory() -> int:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: assume 4 GiB
        return 4 << 30


def batches_per_epoch(n_train: int, batch_size: int, merge_single: bool = False) -> int:
    """The sequential trainer's batches an epoch (``torch_trainer.batch_bounds``): with
    ``merge_single`` (a model with BatchNorm) a last batch of one sample joins the one before."""
    if merge_single:
        return len(batch_bounds(n_train, batch_size, True))
    return math.ceil(n_train / batch_size)


def step_bounds(n_train: Sequence[int], batch_size: int,
                merge_single: bool) -> list[tuple[int, int]]:
    """``[start, stop)`` positions of each step of an epoch for folds of ``n_train``
    samples: fold i's batch of the step is its rows in there that are below ``n_train[i]``,
    which is the sequential trainer's batch. Every batch but the last is full in every fold,
    so the steps start where the sequential batches do; the last runs to the longest fold's
    end, a merged single sample included."""
    counts = {batches_per_epoch(n, batch_size, merge_single) for n in n_train}
    if len(counts) != 1:
        raise ValueError("folds trained together need the same number of batches per epoch")
    starts = [batch_size * j for j in range(counts.pop())]
    return [(start, stop) for start, stop in zip(starts, [*starts[1:], max(n_train)],
                                                 strict=True)]


def train_folds(
    build_model: Callable[[], nn.Module],
    recipe: TrainRecipe,
    tasks: Sequence[FoldTask],
    *,
    device: str,
    on_epoch: Callable[[int, int], None] | None = None,
    precision: str = "fp32",
    fused_optimizer: bool = False,
    checkpoint: FoldCheckpoint | None = None,
    step_kind: type[FoldsStep] | None = None,
    task: Task = EMOTION_TASK,
) -> list[np.ndarray]:
    """Train one fresh model per task, all at once; return each task's test predictions after
    every epoch, (epochs, n_test), exactly as :func:`torch_trainer.train_fold` would.

    ``precision`` is the sequential trainer's (``torch_trainer.autocast``): the forward pass
    and the loss run under it, the weights and the optimiser stay float32.
    ``fused_optimizer`` is the sequential trainer's too (the fused step on a CPU), and so is
    ``checkpoint``: the state of all the folds together, saved every so often and continued.
    ``step_kind`` is the engine's step, :class:`FoldsStep` unless another is given
    (:class:`~merbench.training.captured_step.CapturedFoldsStep` replays each epoch after
    the first as one CUDA graph: the same numbers). ``task``: what the loss and the
    predictions are (:mod:`merbench.training.objective`)."""
    step = (step_kind or FoldsStep)(build_model, recipe, tasks, device=device, precision=precision,
                fused_optimizer=fused_optimizer, task=task)

    def each_fold(epoch: int) -> None:
        if on_epoch is not None:
            for position in range(len(tasks)):
                on_epoch(position, epoch)

    predictions = run_epochs(step, recipe, on_epoch=each_fold, checkpoint=checkpoint)
    stacked = predictions.cpu().numpy()
    return [stacked[:, i, :len(t.x_test)] for i, t in enumerate(tasks)]


class FoldsStep:
    """K folds' stacked weights, one optimiser and their generators, an epoch at a time."""

    params: dict[str, torch.Tensor]
    buffers: dict[str, torch.Tensor]
    base: nn.Module
    optimizer: torch.optim.Optimizer
    generators: list[torch.Generator]
    augments: FoldAugments | None
    capturable = False  # the optimiser's step may be captured in a CUDA graph (captured_step)

    def __init__(self, build_model: Callable[[], nn.Module], recipe: TrainRecipe,
                 tasks: Sequence[FoldTask], *, device: str, precision: str,
                 fused_optimizer: bool, task: Task = EMOTION_TASK) -> None:
        self.build_model, self.recipe, self.tasks = build_model, recipe, tasks
        self.objective = objective_for(task)
        self.device, self.precision, self.fused_optimizer = device, precision, fused_optimizer
        # inputs stay in their stored dtype (uint8 images), converted per batch as the
        # sequential engine does
        self.x_train, self.train_mask = _stack_padded([t.x_train for t in tasks], device)
        self.y_train, _ = _stack_padded([t.y_train for t in tasks], device, torch.long)
        self.x_test, self.test_mask = _stack_padded([t.x_test for t in tasks], device)
        self.n_train = [len(t.y_train) for t in tasks]
        self.rows = torch.arange(len(tasks), device=device)[:, None]
        self.predictions_shape: tuple[int, ...] = (len(tasks), self.x_test.shape[1])
        self.start_over()
        # a model with BatchNorm merges a last batch of one sample, as the sequential one does
        self.bounds = step_bounds(self.n_train, recipe.batch_size, bool(self.mask_names))
        randomness = "different" if has_dropout(self.base) else "error"
        n_outputs = outputs_of(build_model)

        def forward(p: dict, b: dict, x: torch.Tensor) -> torch.Tensor:
            with model_code():
                output = torch.func.functional_call(self.base, (p, b), (x,))
            return logits(output, len(x), n_outputs)

        self.batched = torch.func.vmap(forward, randomness=randomness)

    def start_over(self) -> None:
        """The folds' start: each seed's weights, stacked; one new optimiser; generators."""
        for old in ("params", "buffers", "optimizer"):  # memory before building again
            self.__dict__.pop(old, None)
        models = []
        for task in self.tasks:
            torch.manual_seed(task.seed)
            models.append(trainable(self.build_model(), self.device).to(self.device))
        self.params, self.buffers = torch.func.stack_module_state(models)
        self.base = copy.deepcopy(models[0]).to("meta")
        # the structure copy's BatchNorms count each fold's real rows only; their row masks
        # are passed each step and are never part of the stacked (saved) buffers
        self.mask_names = mask_batchnorms(self.base)
        self.optimizer = build_optimizer(
            stacked_param_groups(models[0], self.params, self.recipe), self.recipe,
            self.device, fused_on_cpu=self.fused_optimizer, capturable=self.capturable)
        if self.capturable:  # a group's own rate, too, is read from a device tensor
            for group in self.optimizer.param_groups:
                if not isinstance(group["lr"], torch.Tensor):
                    group["lr"] = torch.tensor(float(group["lr"]), dtype=torch.float32,
                                               device=self.device)
        start_schedule(self.optimizer)
        self.generators = [torch.Generator().manual_seed(t.seed) for t in self.tasks]
        augment = getattr(self.base, "augment", None)
        self.augments = (None if augment is None
                         else FoldAugments(augment, [t.seed for t in self.tasks]))

    def restore(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            for mine, theirs in ((self.params, state["params"]),
                                 (self.buffers, state["buffers"])):
                if mine.keys() != theirs.keys():
                    raise KeyError("other parameter names")
                for name, value in mine.items():  # in place: the optimiser holds them
                    value.copy_(theirs[name])
        self.optimizer.load_state_dict(state["optimizer"])
        for generator, saved in zip(self.generators, state["random"]["shuffles"], strict=True):
            generator.set_state(saved)
        if self.augments is not None:
            self.augments.restore(state["random"]["augments"])
        restore_global_random_state(self.device, state["random"]["global"])

    def train_epoch(self) -> torch.Tensor:
        return self.train_batches(self.epoch_order().to(self.device))

    def epoch_order(self) -> torch.Tensor:
        """Each fold's batch order for the next epoch, (K, n_max) on the CPU, drawn from its
        own generator; a shorter fold's padding positions point at its row 0 (masked out)."""
        order = torch.zeros((len(self.tasks), self.x_train.shape[1]), dtype=torch.long)
        for i, (n, generator) in enumerate(zip(self.n_train, self.generators, strict=True)):
            order[i, :n] = epoch_order(n, self.recipe.data_order, generator)
        return order

    def train_batches(self, order: torch.Tensor) -> torch.Tensor:
        """One epoch's steps over ``order`` (on the device); each fold's last batch loss."""
        self.base.train()
        last = torch.zeros(len(self.tasks))
        for start, stop in self.bounds:
            index = order[:, start:stop]
            mask = self.train_mask[:, start:stop]
            if self.augments is not None:
                inputs = self.augments.batch(self.x_train, index,
                                             real_rows(self.n_train, start, stop))
            else:
                inputs = self.x_train[self.rows, index].float()
            with self.precision_context():
                logits = finite_untrained(self.batched(self.params, self.with_masks(mask),
                                                       inputs).float(), self.optimizer)
                loss = self.objective.per_sample_loss(logits, self.y_train[self.rows, index])
            per_fold = (loss * mask).sum(dim=1) / mask.sum(dim=1)
            self.optimizer.zero_grad(set_to_none=True)
            per_fold.sum().backward()
            model_output.gradient_reached(self.optimizer)
            self.optimizer.step()
            last = per_fold.detach()
        return last

    def with_masks(self, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """The stacked buffers, and the step's (K, B) real-row mask under every masked
        BatchNorm's ``row_mask`` name (``vmap`` gives each fold its row)."""
        if not self.mask_names:
            return self.buffers
        return {**self.buffers, **dict.fromkeys(self.mask_names, mask)}

    def test_logits(self, start: int, stop: int) -> torch.Tensor:
        """The folds' float32 logits of test positions ``[start, stop)``, in eval mode."""
        self.base.eval()
        with self.precision_context():
            return self.batched(self.params, self.with_masks(self.test_mask[:, start:stop]),
                                self.x_test[:, start:stop].float()).float()

    def precision_context(self) -> contextlib.AbstractContextManager:
        return autocast(self.device, self.precision)

    def epochs_finished(self, queued: int, wait: bool = False) -> int:
        return queued  # each epoch's loss was checked as it ended

    @torch.inference_mode()
    def predict(self) -> torch.Tensor:
        size = self.recipe.batch_size
        return self.objective.decide(model_output.finite_at_test(torch.cat(
            [self.test_logits(start, start + size)
             for start in range(0, self.x_test.shape[1], size)], dim=1)))

    def check_finite(self, loss: torch.Tensor | None, epoch: int) -> None:
        if loss is not None and not torch.isfinite(loss).all():
            bad = int((~torch.isfinite(loss)).nonzero()[0, 0])
            raise MerbenchError(
                f"training diverged at epoch {epoch + 1} (loss {loss[bad].item()} in one of "
                "the folds trained together); try a smaller --lr"
            )

    def state(self) -> dict[str, Any]:
        random: dict[str, Any] = {"shuffles": [g.get_state() for g in self.generators],
                                  "global": global_random_state(self.device)}
        if self.augments is not None:
            random["augments"] = self.augments.state()
        return {"params": self.params, "buffers": self.buffers,
                "optimizer": self.optimizer.state_dict(), "random": random}


def _stack_padded(arrays: Sequence[np.ndarray], device: str,
                  dtype: torch.dtype | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(K, n_max, ...) zero-padded in ``dtype`` (None: the arrays' stored dtype, as
    ``torch_trainer.as_stored`` keeps it), and a (K, n_max) float mask of the real rows."""
    first = torch.as_tensor(as_stored(arrays[0], "cpu"))
    dtype = dtype or first.dtype
    n_max = max(len(a) for a in arrays)
    stacked = torch.zeros((len(arrays), n_max, *arrays[0].shape[1:]), dtype=dtype)
    mask = torch.zeros((len(arrays), n_max), dtype=torch.float32)
    for i, array in enumerate(arrays):
        stacked[i, :len(array)] = torch.as_tensor(array, dtype=dtype)
        mask[i, :len(array)] = 1.0
    return stacked.to(device), mask.to(device)


def plan_groups(n_train: Sequence[int], batch_size: int, k: int,
                merge_single: bool = False) -> list[list[int]]:
    """Positions of folds to train together: equal batches per epoch (counted as
    :func:`batches_per_epoch` counts them with ``merge_single``), at most ``k`` each, in the
    protocol's fold order within every group."""
    by_count: dict[int, list[int]] = {}
    for position, n in enumerate(n_train):
        by_count.setdefault(batches_per_epoch(n, batch_size, merge_single), []).append(position)
    groups: list[list[int]] = []
    for positions in by_count.values():
        groups.extend(positions[i:i + k] for i in range(0, len(positions), k))
    return sorted(groups, key=lambda g: g[0])
