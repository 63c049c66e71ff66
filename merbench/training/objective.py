"""The loss a model trains on and the decision made from its outputs: one :class:`Objective`
a task, chosen by :func:`objective_for` from the run's :class:`~merbench.data.task.Task`.

The task record lives in the vocabulary layer, below torch, so it cannot carry these
functions itself; this module's :data:`OBJECTIVES` is the training layer's one table of them,
keyed by the task's class, and every engine asks :func:`objective_for` once, when it is set
up, rather than asking which task it trains.

Emotion (:class:`~merbench.data.task.EmotionTask`): softmax cross-entropy over the classes; the
decision is the class with the largest logit.

Action units (:class:`~merbench.data.task.AUTask`): one sigmoid a scored AU, binary cross-entropy
on its logit (``binary_cross_entropy_with_logits``), averaged over the sample's *scored*
entries: an AU coded only uncertainly for a sample is no target (merbench.data.au_labels says
why), so it adds nothing to the loss. No class weighting: MEB's AU criterion is an unweighted
``BCEWithLogitsLoss`` (``meb/utils/metrics.py``, ``MultiLabelBCELoss`` with ``weight=None``,
github.com/tvaranka/meb), and merbench's AU rows are set beside MEB's figures. A sample's
loss is the mean over its scored AUs, so each sample weighs the same in a batch whatever the
number of its uncertain codes (MEB, which scores every entry, averages over all of them:
the two agree where nothing is uncertain). The decision is every AU whose logit is above 0
(a sigmoid above 0.5, :data:`merbench.au.metrics.THRESHOLD`), as bits of one integer
(:func:`merbench.data.au_labels.label_codes`).

Both are per-sample functions of (logits, integer labels), so the sequential step, the
fold-parallel step (``vmap``) and the captured CUDA-graph step share them unchanged.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from merbench.data.au_labels import IGNORED_SHIFT, MAX_AUS
from merbench.data.task import AUTask, EmotionTask, Task


class Objective(Protocol):
    """What a task computes from a model's outputs (logits: one more, last, dimension than
    the integer labels ``y``)."""

    def per_sample_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Each sample's loss, the shape of ``y``."""
        ...

    def mean_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The batch's loss: the mean of :meth:`per_sample_loss`."""
        ...

    def decide(self, logits: torch.Tensor) -> torch.Tensor:
        """The prediction of each sample, as an integer (int64)."""
        ...


class EmotionObjective:
    """Cross-entropy over the classes; the class with the largest logit."""

    def per_sample_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(logits.flatten(0, -2), y.flatten(),
                                           reduction="none").view(y.shape)

    def mean_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Exactly ``nn.CrossEntropyLoss()``'s mean, in one call: the mean of
        :meth:`per_sample_loss` may round otherwise, and an emotion run's numbers are its
        identity's."""
        return nn.functional.cross_entropy(logits, y)

    def decide(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.argmax(dim=-1)


def _bits(n: int, device: torch.device) -> torch.Tensor:
    return torch.arange(n, device=device, dtype=torch.long)


class AUObjective:
    """Binary cross-entropy over each sample's scored AUs; every AU whose logit is above 0,
    as the bits of one integer."""

    def per_sample_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        bits = _bits(logits.shape[-1], logits.device)
        target = ((y[..., None] >> bits) & 1).to(logits.dtype)
        scored = 1.0 - ((y[..., None] >> (IGNORED_SHIFT + bits)) & 1).to(logits.dtype)
        entries = nn.functional.binary_cross_entropy_with_logits(logits, target,
                                                                 reduction="none")
        return (entries * scored).sum(dim=-1) / scored.sum(dim=-1).clamp(min=1.0)

    def mean_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.per_sample_loss(logits, y).mean()

    def decide(self, logits: torch.Tensor) -> torch.Tensor:
        assert logits.shape[-1] <= MAX_AUS
        bits = _bits(logits.shape[-1], logits.device)
        return ((logits > 0).long() << bits).sum(dim=-1)


EMOTION_OBJECTIVE = EmotionObjective()

#: the objective of each task (tests check it covers :data:`merbench.data.task.TASKS`)
OBJECTIVES: dict[type[Task], Objective] = {EmotionTask: EMOTION_OBJECTIVE,
                                           AUTask: AUObjective()}


def objective_for(task: Task) -> Objective:
    """The loss and decision of ``task``."""
    return OBJECTIVES[type(task)]
