"""The one epoch loop both training engines share; each engine supplies only its step.

Training a fold (:func:`merbench.training.torch_trainer.train_fold`) and training K folds at
once (:func:`merbench.training.fold_parallel.train_folds`) differ in how they build and step
their models, not in what happens around an epoch: a saved state is continued (or, when it
cannot be, set aside and the fold started over), the learning-rate schedule is set, the
epoch's batches are trained, the test set is predicted, a diverged loss stops the run, the
reporter hears of the epoch, and the state is saved when it is due, or when a stop signal came
during the epoch. That skeleton lives here once, so the two engines cannot drift apart in it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

import torch

from merbench.base.running_hook import HookCutShort
from merbench.meta import TrainRecipe
from merbench.training.epoch_end_stop import holds_finished_folds, stop_at_epoch_end
from merbench.training.fold_checkpoint import FoldCheckpoint
from merbench.training.schedule import lr_factor


class EpochStep(Protocol):
    """What an engine gives the loop: its optimiser, and how it trains, predicts and saves.

    ``predictions_shape`` is one epoch's test predictions (``(n_test,)`` for one fold,
    ``(k, n_test)`` for k folds). ``restore`` loads a saved state and raises when the state
    does not fit; ``start_over`` then rebuilds the engine's fresh start. ``train_epoch``
    trains one epoch and returns its last loss(es); ``check_finite`` raises the engine's
    one-line error when they diverged. ``epochs_finished`` is how many of the ``queued``
    epochs the device has finished and checked (all of them with ``wait``): an engine that
    queues epochs without waiting for the device (``captured_step``) checks and reports
    each epoch when the device is done with it, the others as it ends.
    """

    optimizer: torch.optim.Optimizer
    predictions_shape: tuple[int, ...]
    device: str

    def restore(self, state: dict[str, Any]) -> None: ...

    def start_over(self) -> None: ...

    def train_epoch(self) -> torch.Tensor | None: ...

    def predict(self) -> torch.Tensor: ...

    def check_finite(self, loss: torch.Tensor | None, epoch: int) -> None: ...

    def epochs_finished(self, queued: int, wait: bool = False) -> int: ...

    def state(self) -> dict[str, Any]: ...


def start_schedule(optimizer: torch.optim.Optimizer) -> None:
    """Remember each group's starting rate, which the schedule scales."""
    for group in optimizer.param_groups:
        group["base_lr"] = float(group["lr"])


def set_epoch_lr(optimizer: torch.optim.Optimizer, recipe: TrainRecipe, epoch: int) -> None:
    """Each group's rate for ``epoch``. A rate held in a device tensor (a step replayed as a
    CUDA graph reads it from there) is filled in place, without a host synchronisation."""
    factor = lr_factor(recipe, epoch)
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(group["base_lr"] * factor)
        else:
            group["lr"] = group["base_lr"] * factor


def run_epochs(step: EpochStep, recipe: TrainRecipe, *,
               on_epoch: Callable[[int], None] | None = None,
               checkpoint: FoldCheckpoint | None = None) -> torch.Tensor:
    """Train ``recipe.epochs`` epochs (going on from a saved state when there is one) and
    return the test predictions after every epoch, ``(epochs, *predictions_shape)``. With
    ``checkpoint``, a stop signal (Ctrl-C, SIGTERM, SIGHUP) saves the state when the epoch
    ends and then stops (:mod:`merbench.training.epoch_end_stop`)."""
    predictions = torch.empty((recipe.epochs, *step.predictions_shape), dtype=torch.long,
                              device=step.device)
    label = checkpoint.label if checkpoint is not None else "the fold"
    with stop_at_epoch_end(label, enabled=checkpoint is not None) as stop:
        first_epoch = _go_on(step, checkpoint, predictions)
        reported = _report(on_epoch, first_epoch, 0)
        if stop.cut_hook:
            stop.stop()  # the state just restored is the one saved: nothing to save again
        # the fold's end is its file, written by the runner, not a saved state
        last_saved = recipe.epochs - 1 if holds_finished_folds() else recipe.epochs
        for epoch in range(first_epoch, recipe.epochs):
            stop.epoch_begins(last=epoch + 1 > last_saved,
                              save_seconds=checkpoint.cost.seconds if checkpoint else 0.0)
            set_epoch_lr(step.optimizer, recipe, epoch)
            loss = step.train_epoch()
            step.check_finite(loss, epoch)  # first: a diverged loss explains NaN test logits
            predictions[epoch] = step.predict()
            stop.epoch_ended()
            reported = _report(on_epoch, step.epochs_finished(epoch + 1), reported, stop.requested)
            if checkpoint is not None and epoch + 1 <= last_saved and (stop.requested or (
                    epoch + 1 < recipe.epochs and checkpoint.due())):
                # a saved state is a checked one: wait for the device to finish every epoch
                reported = _report(on_epoch, step.epochs_finished(epoch + 1, wait=True),
                                   reported, stop.requested)
                state = {"epochs_done": epoch + 1, **step.state(),
                         "predictions": predictions[:epoch + 1].cpu()}
                if stop.time_for(checkpoint.cost.seconds or _unmeasured_save_s(state)):
                    checkpoint.save(state)
                stop.stop()  # stops here when a stop signal came during the epoch
        _report(on_epoch, step.epochs_finished(recipe.epochs, wait=True), reported,
                stop.requested)
    return predictions


#: what writing a state is taken to cost before a save of this run has been timed: a slow
#: disk's pace, so that a stop does not begin a save it cannot end in time (HTNet's 1.6 GB)
UNMEASURED_BYTES_PER_S = 200e6


def _unmeasured_save_s(state: dict[str, Any]) -> float:
    """The seconds writing ``state`` is taken to cost, from its tensors' bytes."""
    def size(value: Any) -> int:
        if isinstance(value, torch.Tensor):
            return value.nelement() * value.element_size()
        if isinstance(value, dict):
            return sum(size(item) for item in value.values())
        if isinstance(value, (list, tuple)):
            return sum(size(item) for item in value)
        return 0

    return size(state) / UNMEASURED_BYTES_PER_S


def _go_on(step: EpochStep, checkpoint: FoldCheckpoint | None,
           predictions: torch.Tensor) -> int:
    """Restore the saved state when there is one that fits; the epochs it had trained (0:
    none, or one that did not fit, and the engine started over)."""
    saved = checkpoint.load() if checkpoint is not None else None
    if checkpoint is None or saved is None:
        return 0
    try:
        step.restore(saved)
        first_epoch = int(saved["epochs_done"])
        predictions[:first_epoch] = saved["predictions"].to(step.device)
    except Exception as exc:  # a state this engine cannot take: start over
        checkpoint.restore_failed(exc)
        step.start_over()
        return 0
    checkpoint.went_on_from = first_epoch
    return first_epoch


def _report(on_epoch: Callable[[int], None] | None, finished: int, reported: int,
            stopping: bool = False) -> int:
    """Tell ``on_epoch`` when the device has finished more epochs than it was last told;
    not once a stop has come (pass 84r: an estimate printed after the stopping notice read
    as if training went on)."""
    if on_epoch is not None and finished > reported and not stopping:
        with contextlib.suppress(HookCutShort):  # a stop cut a reporter's hook short: the
            on_epoch(finished)                   # loop saves the fold (it has ended) and stops
    return max(finished, reported)
