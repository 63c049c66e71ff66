"""HSTA: hierarchical space-time attention over the special frames and a clip.

Paper: H. Hao, S. Wang, H. Ben, Y. Hao, Y. Wang, W. Wang, "Hierarchical space-time
attention for micro-expression recognition", https://arxiv.org/abs/2405.03202; the
authors' public code is incomplete, so merbench's specification is this one
(docs/models.md#mmnet-and-hsta).

Input (``hsta``, feature ``hsta-clip``): (B, 2 + K, 3, 224, 224) RGB 0..255: onset, apex,
then K candidate frames of [onset, min(offset, onset + 50)] in order. :class:`ClipSampler`
picks the 6 clip frames: at random but in order for every training batch (``augment``, the
trainer's per-fold generator), evenly spaced at test. Frames are ImageNet-normalised here.

Network (two CrossViT-like branches):

- S ("special") on the onset and apex: a tubelet embedding, Conv3d with kernel = stride
  (2, 12, 12), 3 -> 384, giving 18x18 = 324 tokens (224 = 18 * 12 + 8: the last 8 pixel rows
  and columns are not seen, as with a strided convolution), plus a cls token;
- V ("video") on the 6 clip frames: Conv3d (2, 16, 16), 3 -> 768, 3x14x14 = 588 tokens, plus
  a cls token;
- fixed sinusoidal position encodings on the patch tokens (VideoMAE's table; the cls tokens
  are learned and get none);
- ``depth`` = 4 HSTA blocks. Each: unimodal space-time attention, i.e. joint attention over
  all of a branch's tokens in pre-norm ViT blocks (1 on S, 2 on V; 12 heads, MLP ratio 4);
  then crossmodal attention as in CrossViT's multi-scale block: each branch's cls token is
  projected to the other branch's width (LayerNorm, GELU, linear), attends as the only query
  over [itself, the other branch's patch tokens] (LayerNorm, q / k / v linears, the other
  branch's head count, DropPath residual on the cls token, no MLP), is projected back
  (LayerNorm, GELU, linear) and replaces the branch's cls token;
- head: LayerNorm per branch, the two cls tokens concatenated (384 + 768 = 1152), dropout
  0.4, linear to the classes.

Stochastic depth rises linearly from 0 (first HSTA block) to ``drop_path`` (0.2, last).
Linears and cls tokens are initialised trunc-normal(0.02), biases 0, LayerNorms 1 / 0.

Variant ``hsta-release`` (feature ``flow-and-apex``), for the public composite release, which
has no frames but the apex face and the 28x28 flow image: the S branch alone, on its two
special-frame inputs (the flow image upsampled to 224 in the onset's place, then the apex
face), with its unimodal blocks and head; there is no clip, so no V branch and no
crossmodal attention. Not the published model.

The transformer blocks are merbench's (``merbench_transformers.blocks``, timm's
``Block`` / ``Attention`` / ``Mlp`` / ``DropPath`` layout; timm cannot be imported with
merbench's CPU torch, see that module).

Training recipe (declared in the plugin): AdamW lr 6.25e-5 (5e-4 x 32 / 256), weight decay
0.05 (none on biases, norms and cls tokens, as in the MAE / VideoMAE fine-tuning recipe),
layer-wise learning-rate decay 0.9 through :meth:`HSTA.param_groups` (embeddings get
0.9^5, HSTA block i 0.9^(4 - i), the head 1), cosine schedule with 5 warm-up epochs, 150
epochs, batch 32, drop-path 0.2. The authors' other fine-tuning augmentations are not known
from the specification and are not applied.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from merbench_transformers.augment import imagenet_normalise
from merbench_transformers.blocks import (
    LAYER_NORM_EPS,
    Block,
    DropPath,
    drop_path_rates,
    init_vit_weights,
    sinusoid_table,
    trunc_normal_,
)
from torch import nn

from merbench.api import MerbenchError, fixed_options

__all__ = ["HSTA", "ClipSampler", "build_hsta", "build_hsta_release"]


class ClipSampler:
    """Which ``n`` of ``k`` candidate frames a sample uses: ordered random draws in training,
    evenly spaced ones at test."""

    def __init__(self, n: int) -> None:
        self.n = n

    def fixed(self, k: int) -> torch.Tensor:
        return torch.as_tensor(np.round(np.linspace(0, k - 1, self.n)).astype(np.int64))

    def random(self, batch: int, k: int, generator: torch.Generator) -> torch.Tensor:
        """(batch, n) sorted indices into k; without repeats when k >= n."""
        if k < self.n:
            draws = torch.randint(0, k, (batch, self.n), generator=generator)
        else:
            draws = torch.rand((batch, k), generator=generator).argsort(dim=1)[:, :self.n]
        return draws.sort(dim=1).values


class TubeletEmbedding(nn.Module):
    """(B, T, 3, H, W) frames -> (B, tokens, dim) through a Conv3d with kernel = stride."""

    def __init__(self, dim: int, tubelet: int, patch: int) -> None:
        super().__init__()
        self.proj = nn.Conv3d(3, dim, (tubelet, patch, patch), (tubelet, patch, patch))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.proj(frames.transpose(1, 2)).flatten(2).transpose(1, 2)


class CrossAttention(nn.Module):
    """The first token attends over all tokens (CrossViT's ``CrossAttention``)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.wq = nn.Linear(dim, dim)
        self.wk = nn.Linear(dim, dim)
        self.wv = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, dim = x.shape
        d = dim // self.heads
        q = self.wq(x[:, :1]).reshape(b, 1, self.heads, d).transpose(1, 2)
        k = self.wk(x).reshape(b, n, self.heads, d).transpose(1, 2)
        v = self.wv(x).reshape(b, n, self.heads, d).transpose(1, 2)
        out = nn.functional.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(b, 1, dim))


def projection(dim_in: int, dim_out: int) -> nn.Sequential:
    return nn.Sequential(nn.LayerNorm(dim_in, eps=LAYER_NORM_EPS), nn.GELU(),
                         nn.Linear(dim_in, dim_out))


class CrossModal(nn.Module):
    """One branch's cls token visits the other branch's patch tokens and comes back."""

    def __init__(self, dim: int, other_dim: int, other_heads: int, drop_path: float) -> None:
        super().__init__()
        self.project = projection(dim, other_dim)
        self.norm = nn.LayerNorm(other_dim, eps=LAYER_NORM_EPS)
        self.attn = CrossAttention(other_dim, other_heads)
        self.drop_path = DropPath(drop_path)
        self.revert = projection(other_dim, dim)

    def forward(self, own: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        cls = self.project(own[:, :1])
        tokens = torch.cat([cls, other[:, 1:]], dim=1)
        cls = cls + self.drop_path(self.attn(self.norm(tokens)))
        return torch.cat([self.revert(cls), own[:, 1:]], dim=1)


class HSTABlock(nn.Module):
    """Unimodal space-time blocks per branch, then crossmodal cls-token attention."""

    def __init__(self, dims: tuple[int, ...], blocks: tuple[int, ...], heads: int,
                 mlp_ratio: float, drop_path: float) -> None:
        super().__init__()
        self.unimodal = nn.ModuleList(
            nn.Sequential(*(Block(dim, heads, mlp_ratio, drop_path=drop_path)
                            for _ in range(count)))
            for dim, count in zip(dims, blocks, strict=True))
        self.crossmodal = nn.ModuleList()
        if len(dims) == 2:
            self.crossmodal.extend([CrossModal(dims[0], dims[1], heads, drop_path),
                                    CrossModal(dims[1], dims[0], heads, drop_path)])

    def forward(self, branches: list[torch.Tensor]) -> list[torch.Tensor]:
        branches = [blocks(x) for blocks, x in zip(self.unimodal, branches, strict=True)]
        if not self.crossmodal:
            return branches
        return [self.crossmodal[0](branches[0], branches[1]),
                self.crossmodal[1](branches[1], branches[0])]


class HSTA(nn.Module):
    """HSTA; the defaults are the paper's configuration (see the module docstring).
    ``branches="s"`` is the composite-release variant (S branch only)."""

    def __init__(self, *, num_classes: int = 3, branches: str = "sv", image_size: int = 224,
                 s_dim: int = 384, v_dim: int = 768, s_patch: int = 12, v_patch: int = 16,
                 tubelet: int = 2, clip_frames: int = 6, depth: int = 4, s_blocks: int = 1,
                 v_blocks: int = 2, heads: int = 12, mlp_ratio: float = 4.0,
                 drop_path: float = 0.2, head_dropout: float = 0.4,
                 layer_decay: float = 0.9) -> None:
        super().__init__()
        _check(locals())
        self.branches = branches
        self.image_size = image_size
        self.clip_frames = clip_frames
        self.layer_decay = layer_decay
        self.sampler = ClipSampler(clip_frames)
        dims = (s_dim, v_dim) if branches == "sv" else (s_dim,)
        self.dims = dims
        self.s_embed = TubeletEmbedding(s_dim, tubelet, s_patch)
        s_tokens = (image_size // s_patch) ** 2
        self.register_buffer("s_pos", sinusoid_table(s_tokens, s_dim), persistent=False)
        self.s_cls = nn.Parameter(torch.zeros(1, 1, s_dim))
        if branches == "sv":
            self.v_embed = TubeletEmbedding(v_dim, tubelet, v_patch)
            v_tokens = (clip_frames // tubelet) * (image_size // v_patch) ** 2
            self.register_buffer("v_pos", sinusoid_table(v_tokens, v_dim), persistent=False)
            self.v_cls = nn.Parameter(torch.zeros(1, 1, v_dim))
        counts = (s_blocks, v_blocks)[:len(dims)]
        self.blocks = nn.ModuleList(HSTABlock(dims, counts, heads, mlp_ratio, rate)
                                    for rate in drop_path_rates(drop_path, depth))
        self.norms = nn.ModuleList(nn.LayerNorm(dim, eps=LAYER_NORM_EPS) for dim in dims)
        self.dropout = nn.Dropout(head_dropout)
        self.head = nn.Linear(sum(dims), num_classes)
        self.apply(init_vit_weights)
        for name, param in self.named_parameters():
            if name.endswith("_cls"):
                trunc_normal_(param)

    @property
    def n_frames(self) -> int:
        return 2 + self.clip_frames if self.branches == "sv" else 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 5 or x.shape[2] != 3 or x.shape[-2:] != (self.image_size,) * 2 or \
                x.shape[1] < self.n_frames:
            raise MerbenchError(
                f"hsta takes (batch, frames, 3, {self.image_size}, {self.image_size}) with at "
                f"least {self.n_frames} frames, got {tuple(x.shape)}; use its feature "
                "(hsta-clip, or flow-and-apex for hsta-release)")
        if self.branches == "sv" and x.shape[1] != self.n_frames:  # test time: fixed frames
            x = torch.cat([x[:, :2], x[:, 2:][:, self.sampler.fixed(x.shape[1] - 2)]], dim=1)
        x = imagenet_normalise(x)
        b = len(x)
        tokens = [torch.cat([self.s_cls.expand(b, -1, -1),
                             self.s_embed(x[:, :2]) + self.s_pos], dim=1)]
        if self.branches == "sv":
            tokens.append(torch.cat([self.v_cls.expand(b, -1, -1),
                                     self.v_embed(x[:, 2:]) + self.v_pos], dim=1))
        for block in self.blocks:
            tokens = block(tokens)
        cls = torch.cat([norm(t[:, 0]) for norm, t in zip(self.norms, tokens, strict=True)], 1)
        return self.head(self.dropout(cls))

    def augment(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Training clip sampling: per sample, ``clip_frames`` candidates at random, in
        order (the special frames stay)."""
        if self.branches != "sv" or batch.shape[1] <= self.n_frames:
            return batch
        k = batch.shape[1] - 2
        picks = self.sampler.random(len(batch), k, generator).to(batch.device) + 2
        rows = torch.arange(len(batch), device=batch.device)[:, None]
        return torch.cat([batch[:, :2], batch[rows, picks]], dim=1)

    def layer_id(self, name: str) -> int:
        """0 for the embeddings and cls tokens, i + 1 for HSTA block i, depth + 1 after."""
        if name.startswith(("s_embed", "v_embed", "s_cls", "v_cls")):
            return 0
        if name.startswith("blocks."):
            return int(name.split(".")[1]) + 1
        return len(self.blocks) + 1

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """Layer-wise learning-rate decay and no weight decay on biases, norms, cls tokens."""
        top = len(self.blocks) + 1
        groups: dict[tuple[int, bool], dict[str, Any]] = {}
        for name, param in self.named_parameters():
            if not param.requires_grad:
                continue
            layer = self.layer_id(name)
            decay = not (param.ndim == 1 or name.endswith("_cls"))
            group = groups.setdefault((layer, decay), {
                "params": [], "lr": lr * self.layer_decay ** (top - layer),
                "weight_decay": weight_decay if decay else 0.0})
            group["params"].append(param)
        return [groups[key] for key in sorted(groups)]


def _check(options: dict[str, Any]) -> None:
    """One clear line for a configuration HSTA cannot be built with."""
    if options["branches"] not in ("sv", "s"):
        raise MerbenchError(f"hsta: branches must be 'sv' or 's' (got {options['branches']!r})")
    whole = ("num_classes", "image_size", "s_dim", "v_dim", "s_patch", "v_patch", "tubelet",
             "clip_frames", "depth", "s_blocks", "v_blocks", "heads")
    for name in whole:
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MerbenchError(f"hsta: {name} must be a positive whole number (got {value!r})")
    for name in ("s_dim", "v_dim"):
        if options[name] % options["heads"]:
            raise MerbenchError(f"hsta: {name} {options[name]} is not divisible by "
                                f"{options['heads']} heads")
    if options["tubelet"] != 2:
        raise MerbenchError("hsta: tubelet must be 2 (the S branch's two special frames form "
                            "one tubelet)")
    if options["clip_frames"] % options["tubelet"]:
        raise MerbenchError(f"hsta: clip_frames {options['clip_frames']} must be a multiple of "
                            f"the tubelet length {options['tubelet']}")
    for name in ("drop_path", "head_dropout"):
        if not 0.0 <= options[name] < 1.0:
            raise MerbenchError(f"hsta: {name} must be in [0, 1) (got {options[name]!r})")
    if not 0.0 < options["layer_decay"] <= 1.0:
        raise MerbenchError(f"hsta: layer_decay must be in (0, 1] (got {options['layer_decay']!r})")


# The model name fixes the branches; every other option is --model-opt.
build_hsta = fixed_options(HSTA, branches="sv")  # both branches: special frames and a clip
build_hsta_release = fixed_options(HSTA, branches="s")  # S alone: flow image and apex face
