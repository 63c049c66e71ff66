"""The ViT pieces MMNet and HSTA share, from timm, configured as their authors' ViTs are.

The transformer layers themselves are timm's (``timm.models.vision_transformer.Block``,
CrossViT's ``MultiScaleBlock`` in HSTA, ``timm.layers`` for stochastic depth and the
truncated-normal initialisation): MMNet's authors build their position branch on timm, and
HSTA's blocks are VideoMAE's and CrossViT's, both timm code. What is left here is how these
models configure them, in one place:

- :func:`vit_block`: a pre-norm block with qkv bias (``qkv_bias=True`` in the ViTs MMNet and
  HSTA use), LayerNorm eps 1e-6 (:data:`vit_norm`, timm ViT's ``partial(nn.LayerNorm,
  eps=1e-6)``) and no layer scale;
- :func:`init_vit`: timm's original ViT initialisation (``init_weights_vit_timm``: linears
  trunc-normal with std 0.02, zero biases), on linears only (LayerNorms are built 1 / 0), so
  convolutions keep PyTorch's initialisation, as in VideoMAE's and MMNet's code;
- :func:`sinusoid_table`: VideoMAE's fixed 1-D sinusoidal table, which timm does not have
  in this layout (its ``build_sincos2d_pos_embed`` is the 2-D MAE table).
"""

from __future__ import annotations

from functools import partial
from typing import cast

import torch
from timm.layers import calculate_drop_path_rates, trunc_normal_
from timm.models.vision_transformer import Block, init_weights_vit_timm
from torch import nn

#: The LayerNorm of timm's ViTs, and of the models built on them. timm annotates its
#: ``norm_layer`` arguments as classes but calls them only to build a layer, and passes this
#: same partial itself.
vit_norm = cast(type[nn.Module], partial(nn.LayerNorm, eps=1e-6))


def vit_block(dim: int, heads: int, mlp_ratio: float = 4.0, drop_path: float = 0.0) -> Block:
    """timm's ViT ``Block`` as MMNet's and HSTA's ViTs configure it."""
    return Block(dim, heads, mlp_ratio, qkv_bias=True, drop_path=drop_path, norm_layer=vit_norm)


def vit_block_weights(dim: int, mlp_ratio: float) -> int:
    """The weights of one :func:`vit_block` (its linears and LayerNorms), for a model that
    estimates its size from its options before it builds anything (pass 84ad)."""
    hidden = int(dim * mlp_ratio)
    return 4 * dim * dim + 2 * dim * hidden + hidden + 9 * dim


def init_vit(module: nn.Module) -> None:
    """timm's original ViT initialisation of the linears in ``module``; nothing else is
        drawn again."""
    for name, child in module.named_modules():
        init_weights_vit_timm(child, name, needs_reset=False)


def drop_path_rates(rate: float, depth: int) -> list[float]:
    """Stochastic depth rising linearly from 0 to ``rate`` over ``depth`` blocks (timm's)."""
    rates = cast(list[float], calculate_drop_path_rates(rate, depth))  # flat for an int depth
    return [float(r) for r in rates]


def sinusoid_table(n_positions: int, dim: int) -> torch.Tensor:
    """Fixed sinusoidal position encodings (Vaswani et al. 2017), (1, n_positions, dim):
    even features sin(pos / 10000^(2i/dim)), odd features cos of the same angle, the layout
    of VideoMAE's ``get_sinusoid_encoding_table`` that HSTA builds on."""
    position = torch.arange(n_positions, dtype=torch.float64)[:, None]
    index = torch.arange(dim, dtype=torch.float64)[None, :]
    angle = position / torch.pow(10000.0, 2 * torch.div(index, 2, rounding_mode="floor") / dim)
    table = torch.where(index.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.float()[None]


__all__ = ["drop_path_rates", "init_vit", "sinusoid_table", "trunc_normal_", "vit_block",
           "vit_norm"]
