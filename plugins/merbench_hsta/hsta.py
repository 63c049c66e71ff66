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

The HSTA blocks are timm's CrossViT ``MultiScaleBlock`` (its ViT ``Block`` per branch, its
``CrossAttentionBlock`` with projections for the cls tokens); the layer-wise decay is timm's
``param_groups_layer_decay`` over :meth:`HSTA.group_matcher`.

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
    drop_path_rates,
    init_vit,
    sinusoid_table,
    trunc_normal_,
    vit_block,
    vit_block_weights,
    vit_norm,
)
from timm.models.crossvit import MultiScaleBlock
from timm.optim import param_groups_layer_decay
from torch import nn

from merbench.api import MerbenchError, fixed_options, refuse_beyond_memory

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


class SpecialBranchBlock(nn.Module):
    """An HSTA block of the release variant, which has the S branch alone: its unimodal
    blocks, and no other branch to attend to. Its modules are named as in timm's
    ``MultiScaleBlock`` (``blocks.0.<i>``), which the two-branch model uses."""

    def __init__(self, dim: int, count: int, heads: int, mlp_ratio: float,
                 drop_path: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([nn.Sequential(*(vit_block(dim, heads, mlp_ratio, drop_path)
                                                     for _ in range(count)))])

    def forward(self, branches: list[torch.Tensor]) -> list[torch.Tensor]:
        return [self.blocks[0](branches[0])]


def hsta_block(dims: tuple[int, ...], counts: tuple[int, ...], heads: int, mlp_ratio: float,
               drop_path: float) -> nn.Module:
    """One HSTA block: timm's CrossViT ``MultiScaleBlock`` for the two branches (unimodal ViT
    blocks per branch, then each cls token's crossmodal attention, no MLP, through
    projections), or the S branch's blocks alone."""
    if len(dims) == 1:
        return SpecialBranchBlock(dims[0], counts[0], heads, mlp_ratio, drop_path)
    return MultiScaleBlock(dim=dims, patches=dims, depth=(*counts, 0),
                           num_heads=(heads,) * len(dims), mlp_ratio=(mlp_ratio,) * len(dims),
                           qkv_bias=True, drop_path=[drop_path] * max(counts),
                           norm_layer=vit_norm)


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
        self.blocks = nn.ModuleList(hsta_block(dims, counts, heads, mlp_ratio, rate)
                                    for rate in drop_path_rates(drop_path, depth))
        self.norms = nn.ModuleList(vit_norm(dim) for dim in dims)
        self.dropout = nn.Dropout(head_dropout)
        self.head = nn.Linear(sum(dims), num_classes)
        init_vit(self)
        for name, param in self.named_parameters():
            if name.endswith("_cls"):
                trunc_normal_(param, std=0.02)

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

    def group_matcher(self, coarse: bool = False) -> dict[str, Any]:
        """timm's layer grouping: the embeddings and cls tokens first, then each HSTA block,
        then the norms and the head (what timm's layer-wise decay counts as layers)."""
        return {"stem": r"^(?:s_embed|v_embed|s_cls|v_cls)", "blocks": r"^blocks\.(\d+)",
                "head": r"^(?:norms|head)"}

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """Layer-wise learning-rate decay by timm's ``param_groups_layer_decay`` (the
        embeddings at ``layer_decay``^(depth + 1), HSTA block i at ``layer_decay``^(depth -
        i), the head at 1) and no weight decay on biases, norms and cls tokens; timm gives
        each group a scale, merbench's trainer a rate."""
        groups = param_groups_layer_decay(self, weight_decay=weight_decay,
                                          no_weight_decay_list=("s_cls", "v_cls"),
                                          layer_decay=self.layer_decay)
        return [{"params": group["params"], "weight_decay": group["weight_decay"],
                 "lr": lr * group["lr_scale"]} for group in groups]


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
    patches = {"s_patch": options["s_patch"]} if options["branches"] == "s" else \
        {"s_patch": options["s_patch"], "v_patch": options["v_patch"]}
    if options["image_size"] < max(patches.values()):  # image_size=1 built and trained (84ad)
        raise MerbenchError(f"hsta: image_size {options['image_size']} is smaller than one "
                            f"patch ({', '.join(f'{k} {v}' for k, v in patches.items())}), so "
                            "a branch would see no tokens; give an image_size of at least "
                            f"{max(patches.values())}")
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
    # every block's ViT blocks alone, before timm lists a rate per block (84ad)
    dims = (options["s_dim"], options["v_dim"])[:len(options["branches"])]
    counts = (options["s_blocks"], options["v_blocks"])
    refuse_beyond_memory(options["depth"] * sum(
        count * vit_block_weights(dim, options["mlp_ratio"])
        for dim, count in zip(dims, counts, strict=False)))


# The model name fixes the branches; every other option is --model-opt.
build_hsta = fixed_options(HSTA, branches="sv")  # both branches: special frames and a clip
build_hsta_release = fixed_options(HSTA, branches="s")  # S alone: flow image and apex face
