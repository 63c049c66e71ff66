"""Pre-norm vision-transformer blocks, written out in the layout of timm's ViT.

MMNet and HSTA build on timm's ``Block`` / ``Attention`` / ``Mlp`` / ``DropPath``
(https://github.com/huggingface/pytorch-image-models, ``timm/layers`` and
``timm/models/vision_transformer.py``). merbench does not depend on timm: timm imports
torchvision unconditionally, and the torchvision wheels on PyPI are built against CUDA
(``libc10_cuda.so``), so with the CPU torch wheel merbench pins ``import timm`` fails on every
CPU machine. These classes are written from scratch with the same module and parameter names
and the same computation, so the structure (and a timm state dict of a block) carries over:

- :class:`Mlp`: ``fc1`` (dim -> hidden), GELU, dropout, ``fc2`` (hidden -> dim), dropout;
- :class:`Attention`: ``qkv`` one linear to 3 x dim (bias by default, as ``qkv_bias=True``
  in the ViTs MMNet and HSTA use), heads of width dim / heads, softmax(q k^T / sqrt(d)) v,
  ``proj`` linear, dropout (``torch.nn.functional.scaled_dot_product_attention``, as timm's
  fused attention);
- :class:`Block`: ``x + drop_path(attn(norm1(x)))``, then ``x + drop_path(mlp(norm2(x)))``,
  LayerNorm with eps 1e-6 (timm ViT's ``partial(nn.LayerNorm, eps=1e-6)``); no layer scale;
- :class:`DropPath`: stochastic depth, dropping a sample's whole residual branch with
  probability ``p`` in training and scaling the kept ones by 1 / (1 - p).
"""

from __future__ import annotations

import torch
from torch import nn

LAYER_NORM_EPS = 1e-6


class DropPath(nn.Module):
    """Stochastic depth per sample (Huang et al., ECCV 2016), as timm's ``DropPath``."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Mlp(nn.Module):
    """The transformer's feed-forward part: two linears with a GELU between them."""

    def __init__(self, dim: int, hidden: int, drop: float = 0.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class Attention(nn.Module):
    """Multi-head self-attention over the tokens of (B, N, dim)."""

    def __init__(self, dim: int, heads: int, qkv_bias: bool = True, attn_drop: float = 0.0,
                 proj_drop: float = 0.0) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.head_dim = dim // heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, dim = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        out = nn.functional.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0.0)
        return self.proj_drop(self.proj(out.transpose(1, 2).reshape(b, n, dim)))


class Block(nn.Module):
    """One pre-norm transformer block (timm's ``Block`` without layer scale)."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0, qkv_bias: bool = True,
                 drop: float = 0.0, attn_drop: float = 0.0, drop_path: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn = Attention(dim, heads, qkv_bias, attn_drop, drop)
        self.drop_path1 = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)
        self.drop_path2 = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path1(self.attn(self.norm1(x)))
        return x + self.drop_path2(self.mlp(self.norm2(x)))


def sinusoid_table(n_positions: int, dim: int) -> torch.Tensor:
    """Fixed sinusoidal position encodings (Vaswani et al. 2017), (1, n_positions, dim):
    even features sin(pos / 10000^(2i/dim)), odd features cos of the same angle, the layout
    of VideoMAE's ``get_sinusoid_encoding_table`` that HSTA builds on."""
    position = torch.arange(n_positions, dtype=torch.float64)[:, None]
    index = torch.arange(dim, dtype=torch.float64)[None, :]
    angle = position / torch.pow(10000.0, 2 * torch.div(index, 2, rounding_mode="floor") / dim)
    table = torch.where(index.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.float()[None]


def trunc_normal_(tensor: torch.Tensor, std: float = 0.02) -> torch.Tensor:
    """Truncated normal at +-2 std, ViT's initialisation of embeddings and linears."""
    return nn.init.trunc_normal_(tensor, std=std, a=-2 * std, b=2 * std)


def init_vit_weights(module: nn.Module) -> None:
    """timm ViT's initialisation: linears trunc-normal(0.02) with zero bias, LayerNorm 1 / 0."""
    if isinstance(module, nn.Linear):
        trunc_normal_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def drop_path_rates(rate: float, depth: int) -> list[float]:
    """Stochastic depth rising linearly from 0 to ``rate`` over ``depth`` blocks (timm)."""
    if depth <= 1:  # torch.linspace(0, rate, 1) is [0], as in timm
        return [0.0] * depth
    return [rate * i / (depth - 1) for i in range(depth)]


__all__ = ["Attention", "Block", "DropPath", "Mlp", "drop_path_rates", "init_vit_weights",
           "sinusoid_table", "trunc_normal_"]
