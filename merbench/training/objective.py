"""The loss a model trains on and the decision made from its outputs, for each task.

Emotion (:data:`merbench.task.EMOTION`): softmax cross-entropy over the classes; the decision
is the class with the largest logit.

Action units (:data:`merbench.task.AU`): one sigmoid a scored AU, binary cross-entropy on its
logit (``binary_cross_entropy_with_logits``), averaged over the sample's *scored* entries: an
AU coded only uncertainly for a sample is no target (merbench.action_units says why), so it
adds nothing to the loss. No class weighting: MEB's AU criterion is an unweighted
``BCEWithLogitsLoss`` (``meb/utils/metrics.py``, ``MultiLabelBCELoss`` with ``weight=None``,
github.com/tvaranka/meb), and merbench's AU rows are set beside MEB's figures. A sample's
loss is the mean over its scored AUs, so each sample weighs the same in a batch whatever the
number of its uncertain codes (MEB, which scores every entry, averages over all of them:
the two agree where nothing is uncertain). The decision is every AU whose logit is above 0
(a sigmoid above 0.5, :data:`merbench.au_metrics.THRESHOLD`), as bits of one integer
(:func:`merbench.action_units.label_codes`).

Both are per-sample functions of (logits, integer labels), so the sequential step, the
fold-parallel step (``vmap``) and the captured CUDA-graph step share them unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from merbench.action_units import IGNORED_SHIFT, MAX_AUS
from merbench.task import Task


def _bits(n: int, device: torch.device) -> torch.Tensor:
    return torch.arange(n, device=device, dtype=torch.long)


def per_sample_loss(task: Task, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each sample's loss, the shape of ``y`` (logits have one more, last, dimension)."""
    if not task.is_au:
        return nn.functional.cross_entropy(logits.flatten(0, -2), y.flatten(),
                                           reduction="none").view(y.shape)
    bits = _bits(logits.shape[-1], logits.device)
    target = ((y[..., None] >> bits) & 1).to(logits.dtype)
    scored = 1.0 - ((y[..., None] >> (IGNORED_SHIFT + bits)) & 1).to(logits.dtype)
    entries = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (entries * scored).sum(dim=-1) / scored.sum(dim=-1).clamp(min=1.0)


def mean_loss(task: Task, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The batch's loss: the mean of :func:`per_sample_loss` (for emotion exactly
    ``nn.CrossEntropyLoss()``'s mean)."""
    if not task.is_au:
        return nn.functional.cross_entropy(logits, y)
    return per_sample_loss(task, logits, y).mean()


def decide(task: Task, logits: torch.Tensor) -> torch.Tensor:
    """The prediction of each sample: its class, or its present AUs as bits (int64)."""
    if not task.is_au:
        return logits.argmax(dim=-1)
    assert logits.shape[-1] <= MAX_AUS
    bits = _bits(logits.shape[-1], logits.device)
    return ((logits > 0).long() << bits).sum(dim=-1)
