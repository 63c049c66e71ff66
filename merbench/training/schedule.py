"""Learning-rate schedules: the rate of each epoch, as a factor of the recipe's ``lr``.

The trainer sets every parameter group's rate once per epoch, before its first step, to the
group's own starting rate times :func:`lr_factor`; so a model's parameter groups with their
own rates (layer-wise decay) keep their ratios, and the fold-parallel engine, which has one
optimiser for all folds, gives every fold the same rates as one-fold-at-a-time training.

Per epoch rather than per step: the schedule then does not depend on the number of batches,
which differs between LOSO folds. (The MMNet and HSTA authors' code steps its scheduler per
epoch and per step respectively; the per-step warm-up and cosine differ from these by less
than one epoch's step of the curve.)
"""

from __future__ import annotations

import math

from merbench.meta import TrainRecipe


def lr_factor(recipe: TrainRecipe, epoch: int) -> float:
    """The factor on ``recipe.lr`` during ``epoch`` (counted from 0).

    - warm-up (any schedule): ``(epoch + 1) / warmup_epochs`` for the first ``warmup_epochs``;
    - ``constant``: 1;
    - ``cosine``: from 1 after the warm-up down to ``min_lr / lr`` at the last epoch,
      half a cosine period;
    - ``exponential``: ``gamma ** min(epoch, decay_epochs)``, i.e. multiplied by ``gamma``
      after each of the first ``decay_epochs`` epochs and then held.
    """
    warmup = recipe.warmup_epochs
    if epoch < warmup:
        return (epoch + 1) / warmup
    if recipe.schedule == "cosine":
        span = recipe.epochs - warmup - 1
        progress = (epoch - warmup) / span if span > 0 else 1.0
        floor = recipe.min_lr / recipe.lr
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    if recipe.schedule == "exponential":
        steps = epoch if recipe.decay_epochs is None else min(epoch, recipe.decay_epochs)
        return recipe.gamma ** steps
    return 1.0
