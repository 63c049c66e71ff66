"""BatchNorm that counts only a fold's real rows, for folds trained together.

The fold-parallel engine (:mod:`merbench.training.fold_parallel`) pads every fold's batch to
the largest of the step. A torch BatchNorm would take the padded rows into its batch mean
and variance, so a shorter fold's real rows would be normalised by other statistics than
its sequential training uses, and its running statistics would drift from them too. Here
each BatchNorm of the engine's structure copy (the module ``functional_call`` runs) is
swapped for :class:`MaskedBatchNorm`, which reads which rows are real from a buffer,
``row_mask``: the engine passes its (K, B) mask under that name with the stacked weights,
and ``vmap`` hands each fold its own (B,) row of it.

Why this equals torch's BatchNorm on the real rows alone (``torch.nn.BatchNorm1d/2d/3d``):
in training (and whenever there are no running statistics) the mean and the biased
variance are taken over the real rows and every dimension but the channel's, as torch
normalises with; the running mean and variance are updated in place with the momentum (or,
with ``momentum=None``, the cumulative average over ``num_batches_tracked``) from the
unbiased variance, as torch updates them. Under ``vmap`` the in-place update writes
through to the engine's stacked buffers, one row per fold. In evaluation with running
statistics the mask is not read: torch's own ``batch_norm`` normalises with them. The
statistics are computed in float32 whatever autocast gives (bf16 activations would lose
most of a variance's digits), and the output keeps the input's dtype, as torch's does.

The mask buffer is not persistent: a saved fold model, a checkpoint and ``state_dict`` hold
exactly what torch's BatchNorm holds, and the engine keeps it out of its stacked buffers.
"""

from __future__ import annotations

import torch
from torch import nn

ROW_MASK = "row_mask"  # the buffer each masked BatchNorm reads its batch's real rows from


class MaskedBatchNorm(nn.Module):
    """A torch BatchNorm's parameters, buffers and settings, with batch statistics over the
    rows ``row_mask`` marks real (1.0) only."""

    row_mask: torch.Tensor
    weight: torch.Tensor | None
    bias: torch.Tensor | None
    running_mean: torch.Tensor | None
    running_var: torch.Tensor | None
    num_batches_tracked: torch.Tensor | None

    def __init__(self, batchnorm: nn.modules.batchnorm._BatchNorm) -> None:
        super().__init__()
        self.eps, self.momentum = batchnorm.eps, batchnorm.momentum
        self.affine = batchnorm.affine
        self.track_running_stats = batchnorm.track_running_stats
        self.training = batchnorm.training
        # the same names as torch's, so the stacked weights and state dicts fit unchanged
        self.weight, self.bias = batchnorm.weight, batchnorm.bias
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            self.register_buffer(name, getattr(batchnorm, name))
        self.register_buffer(ROW_MASK, torch.ones(0, device=_device_of(batchnorm)),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        running_mean, running_var = self.running_mean, self.running_var
        if not self.training and running_mean is not None and running_var is not None:
            # evaluation with running statistics reads no batch statistics: torch's own
            return nn.functional.batch_norm(x, running_mean, running_var, self.weight,
                                            self.bias, False, 0.0, self.eps)
        rows = self.row_mask.to(torch.float32).reshape(-1, *([1] * (x.ndim - 1)))
        dims = [0, *range(2, x.ndim)]
        shape = [1, -1, *([1] * (x.ndim - 2))]
        values = x.float()
        count = rows.sum() * (values[0, 0].numel())  # real values per channel
        mean = (values * rows).sum(dims) / count
        centred = values - mean.reshape(shape)
        variance = (centred.square() * rows).sum(dims) / count
        if self.training and self.track_running_stats:
            self._update_running(mean, variance, count)
        out = centred * torch.rsqrt(variance + self.eps).reshape(shape)
        if self.weight is not None and self.bias is not None:
            out = out * self.weight.float().reshape(shape) + self.bias.float().reshape(shape)
        return out.to(x.dtype)

    @torch.no_grad()
    def _update_running(self, mean: torch.Tensor, variance: torch.Tensor,
                        count: torch.Tensor) -> None:
        """torch's update: the momentum's exponential average, or with ``momentum=None``
        the cumulative one (1 / batches seen), of the batch mean and unbiased variance."""
        tracked = self.num_batches_tracked
        if tracked is not None:
            tracked.add_(1)
        factor: float | torch.Tensor
        if self.momentum is None:
            factor = 1.0 / tracked.to(torch.float32) if tracked is not None else 0.0
        else:
            factor = self.momentum
        unbiased = variance * count / (count - 1)
        if self.running_mean is not None and self.running_var is not None:
            self.running_mean.mul_(1 - factor).add_(mean.detach() * factor)
            self.running_var.mul_(1 - factor).add_(unbiased.detach() * factor)


def _device_of(module: nn.Module) -> torch.device:
    for tensor in (*module.parameters(), *module.buffers()):
        return tensor.device
    return torch.device("cpu")


def mask_batchnorms(model: nn.Module) -> list[str]:
    """Swap every torch BatchNorm inside ``model`` for a :class:`MaskedBatchNorm` (in place)
    and return the names of their row-mask buffers, as ``functional_call`` takes them."""
    names = []
    for parent_name, parent in list(model.named_modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, child_name, MaskedBatchNorm(child))
                names.append(".".join(filter(None, (parent_name, child_name, ROW_MASK))))
    return names


def unmaskable_batchnorm(model: nn.Module) -> str | None:
    """The name of a BatchNorm :func:`mask_batchnorms` cannot stand in for (one whose class
    has its own ``forward``: SyncBatchNorm, a model's own variant; or the model itself, which
    has no parent to swap it in), or None."""
    if isinstance(model, nn.modules.batchnorm._BatchNorm):
        return f"the model itself ({type(model).__name__})"
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and \
                type(module).forward is not nn.modules.batchnorm._BatchNorm.forward:
            return f"{name or 'the model'} ({type(module).__name__})"
    return None


def bias_before_batchnorm(model: nn.Module) -> str | None:
    """A layer whose bias feeds a BatchNorm straight away, said as "conv (Conv2d) has a bias
    just before bn (BatchNorm2d)", or None. Such a bias cancels in the batch mean, so its
    gradient is rounding noise, which Adam scales up to whole steps: folds trained together
    round their sums in another order than one at a time, so that bias, the running mean
    and then predictions part by more than rounding (pass 84m's M16), and the engine trains
    such a model one fold at a time (``fold_parallel.why_not_batchable``). Read from the
    order the modules were made in (a Sequential's, or a class's ``__init__``), never by
    running the model's code."""
    previous: tuple[str, nn.Module] | None = None
    for name, module in model.named_modules():
        if next(module.children(), None) is not None:
            continue  # containers: only the layers that compute follow each other
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and previous is not None:
            before_name, before = previous
            width = getattr(before, "out_channels", getattr(before, "out_features", None))
            if (isinstance(before, nn.modules.conv._ConvNd | nn.Linear)
                    and getattr(before, "bias", None) is not None
                    and width == module.num_features):
                return (f"{before_name} ({type(before).__name__}) has a bias just before "
                        f"{name or 'the model'} ({type(module).__name__})")
        previous = (name, module)
    return None
