"""A model's training augmentation for folds trained together: each fold its own draws.

A model that declares ``augment(batch, generator)`` (:mod:`merbench.training.torch_trainer`)
has every training batch of a fold augmented with random numbers from that fold's own CPU
generator, seeded ``seed ^ AUGMENT_STREAM``. The draws an augmentation makes depend on the
batch it is given (MMNet draws one flip, angle and shift a sample), so the fold-parallel
engine cannot augment its padded (K, B) batch in one call and match. Here each fold's real
rows of the step, exactly the sequential trainer's batch of that fold, are augmented with
that fold's generator, outside ``vmap``, in the fold's batch order: so each generator makes
the sequential trainer's draws in the sequential trainer's order, whatever order the folds
are visited in (the generators are independent). The augmented rows are laid back out as a
(K, B, ...) batch; padding rows are zeros, which the loss and BatchNorm's statistics mask out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from merbench.training.model_output import augmented
from merbench.training.torch_trainer import AUGMENT_STREAM

Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


class FoldAugments:
    """The folds' augmentation generators and the model's ``augment``, a step at a time."""

    def __init__(self, augment: Augment, seeds: Sequence[int]) -> None:
        self.augment = augment
        self.generators = [torch.Generator().manual_seed(seed ^ AUGMENT_STREAM)
                           for seed in seeds]

    def batch(self, x_train: torch.Tensor, index: torch.Tensor,
              real: Sequence[int]) -> torch.Tensor:
        """The step's inputs, (K, B, ...) float32: fold i's first ``real[i]`` rows of
        ``index`` taken from ``x_train`` (K, n_max, ...) and augmented, then zeros."""
        pieces = []
        for fold, (generator, rows) in enumerate(zip(self.generators, real, strict=True)):
            inputs = x_train[fold, index[fold, :rows]].float()
            pieces.append(augmented(self.augment(inputs, generator), inputs))
        shapes = {tuple(piece.shape[1:]) for piece in pieces}
        if len(shapes) != 1:
            raise ValueError(f"augment() gave the folds' batches other sample shapes: "
                             f"{sorted(shapes)}")
        out = pieces[0].new_zeros((len(pieces), index.shape[1], *pieces[0].shape[1:]))
        for fold, piece in enumerate(pieces):
            out[fold, :len(piece)] = piece
        return out

    def state(self) -> list[torch.Tensor]:
        return [generator.get_state() for generator in self.generators]

    def restore(self, states: Sequence[torch.Tensor]) -> None:
        for generator, saved in zip(self.generators, states, strict=True):
            generator.set_state(saved)


def real_rows(n_train: Sequence[int], start: int, stop: int) -> list[int]:
    """How many of each fold's rows in ``[start, stop)`` are real (the rest is padding)."""
    return [max(0, min(n, stop) - start) for n in n_train]
