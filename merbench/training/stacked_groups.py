"""A model's own optimiser parameter groups, over K folds' stacked weights.

A model may declare ``param_groups(lr, weight_decay)`` (:mod:`merbench.training.torch_trainer`):
per-layer learning rates (HSTA's layer-wise decay) or no weight decay on norms and biases.
The fold-parallel engine has one optimiser over stacked weights, one tensor a parameter name
holding every fold's copy (``torch.func.stack_module_state``). Every fold's model declares
the same groups with the same rates (they are built alike from the same options), so the
groups of one fold's model, mapped by parameter name to the stacked tensors, give each
stacked tensor its group's rate and weight decay: Adam, AdamW and SGD act element by element
within a group, so each fold takes the step its own optimiser would take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from merbench.meta import TrainRecipe
from merbench.training.torch_trainer import model_param_groups


def stacked_param_groups(model: nn.Module, stacked: Mapping[str, torch.Tensor],
                         recipe: TrainRecipe) -> list[Any]:
    """The optimiser's parameters for the stacked weights ``stacked`` (name -> (K, ...)):
    ``model``'s own groups (checked as the sequential trainer checks them) with each
    parameter replaced by its stacked tensor, or all the stacked tensors when ``model``
    declares no groups."""
    if getattr(model, "param_groups", None) is None:
        return list(stacked.values())
    names = {id(param): name for name, param in model.named_parameters()}
    groups = []
    for group in model_param_groups(model, recipe):
        groups.append({**group, "params": [stacked[names[id(param)]]
                                           for param in group["params"]]})
    return groups
