"""HTNet: Hierarchical Transformer Network for micro-expression recognition.

Paper: Z. Wang, K. Zhang, W. Luo, R. Sankaranarayana, "HTNet for micro-expression
recognition", Neurocomputing 602 (2024) 128196, https://doi.org/10.1016/j.neucom.2024.128196,
preprint https://arxiv.org/abs/2307.14637; authors' code:
https://github.com/wangzhifengharrison/HTNet

Input: the ``htnet-regions`` feature, (N, 3, 28, 28) float32 with raw 0..255 values: four
14x14 facial-region crops of the 28x28 flow image, tiled [left eye | right eye] over
[left mouth corner | right mouth corner]. The network itself is region-agnostic.

Network (read in the authors' code; docs/models.md#htnet-the-reference-model). The module
tree and every parameter name are those of the authors' implementation, so their
checkpoints load with ``strict=True`` (the paper configuration's 171 tensors, 139,582,982 numbers):

- ``to_patch_embedding``: cut the image into ``patch_size`` x ``patch_size`` patches, lay each
  patch out as (row in patch, column in patch, channel) -- 7 * 7 * 3 = 147 values for the
  paper's setting -- and project with a 1x1 conv to ``dim``: a 4x4 map for a 28x28 input.
- ``layers``: one (``Transformer``, aggregation) pair per hierarchy level. Level widths are
  ``dim * 2**i`` with ``heads * 2**i`` heads. Each level splits the map into
  ``2**(levels-1-i)`` x ``2**(levels-1-i)`` blocks (4, 2, 1 for the paper), adds a learned
  positional vector of one value per block position, runs ``block_repeats[i]`` pre-norm
  transformer blocks inside every block, then merges the blocks back. The aggregation is a
  3x3 conv to the next width, a channel LayerNorm and a 3/2/1 max-pool; the last level has
  none.
- Attention uses 1x1 convs; its per-head width is ``width // heads``, so with the paper's
  256 and 3 heads the inner width is 255, not 256 (the same at every level: 85 per head).
- ``mlp_head``: channel LayerNorm, global mean over the map, linear to the classes.
- The channel LayerNorm normalises over channels with the biased variance and eps 1e-5 and
  has its own gain and bias of shape (1, C, 1, 1).

With the paper's 28x28 input and patch 7 every block holds one position, so the softmax
attends to a single token; the attention is still computed in full, so other sizes work.

Differences from the authors' code, none of which changes a number (checked against their
logits to 1e-5 by ``tests/test_htnet.py``): the reshapes are written with ``reshape`` /
``permute`` instead of einops, and the attention is written out as matrix products (not
``scaled_dot_product_attention``) so that ``torch.func.vmap`` can train many folds at once.
The authors' constructor also takes ``dim_head`` and ``dropout`` arguments; ``dim_head`` is
never read by their code, so it is not accepted here, and ``dropout`` (0 in the paper) is kept.

Training recipe (declared in the plugin): cross-entropy, Adam lr 5e-5, batch 256, 800 epochs,
weights reset per fold, PyTorch's default initialisation (the authors set none).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import cast

import torch
from torch import nn

from merbench.api import MerbenchError, refuse_beyond_memory

__all__ = ["PAPER_CONFIG", "HTNet"]

PAPER_CONFIG = {
    "image_size": 28, "patch_size": 7, "dim": 256, "heads": 3, "num_hierarchies": 3,
    "block_repeats": (2, 2, 10), "mlp_mult": 4, "channels": 3,
}


class LayerNorm(nn.Module):
    """LayerNorm over the channels of a (B, C, H, W) map, with per-channel gain and bias."""

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.g = nn.Parameter(torch.ones(1, dim, 1, 1))
        self.b = nn.Parameter(torch.zeros(1, dim, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        var, mean = torch.var_mean(x, dim=1, unbiased=False, keepdim=True)
        return (x - mean) / (var + self.eps).sqrt() * self.g + self.b


class PointwiseConv(nn.Conv2d):
    """A 1x1 convolution (same parameters and state-dict entries) computed as an einsum:
    about twice as fast as ``conv2d`` on the 4x4, 2x2 and 1x1 maps HTNet works on."""

    def __init__(self, dim_in: int, dim_out: int, bias: bool = True) -> None:
        super().__init__(dim_in, dim_out, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.einsum("bchw,oc->bohw", x, self.weight.flatten(1))
        return y if self.bias is None else y + self.bias[:, None, None]


class PreNorm(nn.Module):
    """``fn(norm(x))``: the residual is added by the caller."""

    def __init__(self, dim: int, fn: nn.Module) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(self.norm(x))


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4, dropout: float = 0.0) -> None:
        super().__init__()
        self.net = nn.Sequential(
            PointwiseConv(dim, dim * mult), nn.GELU(), nn.Dropout(dropout),
            PointwiseConv(dim * mult, dim), nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Attention(nn.Module):
    """Multi-head self-attention over the positions of a map, with 1x1-conv projections."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.heads = heads
        self.dim_head = dim // heads
        inner = self.dim_head * heads
        self.to_qkv = PointwiseConv(dim, inner * 3, bias=False)
        self.to_out = nn.Sequential(PointwiseConv(inner, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        # (B, 3 * heads * d, H, W) -> three (B, heads, H*W, d)
        qkv = self.to_qkv(x).reshape(b, 3, self.heads, self.dim_head, h * w).transpose(-1, -2)
        q, k, v = qkv.unbind(1)
        attention = (q @ k.transpose(-1, -2) * self.dim_head ** -0.5).softmax(dim=-1)
        out = attention @ v
        out = out.transpose(-1, -2).reshape(b, self.heads * self.dim_head, h, w)
        return self.to_out(out)


class Transformer(nn.Module):
    """A learned positional vector, then ``depth`` pre-norm (attention, feed-forward) blocks."""

    def __init__(self, dim: int, seq_len: int, depth: int, heads: int, mlp_mult: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.pos_emb = nn.Parameter(torch.randn(seq_len))
        self.layers = nn.ModuleList(
            nn.ModuleList([PreNorm(dim, Attention(dim, heads, dropout)),
                           PreNorm(dim, FeedForward(dim, mlp_mult, dropout))])
            for _ in range(depth)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        x = x + self.pos_emb[: h * w].reshape(1, 1, h, w)
        for attention, feed_forward in rows(self.layers):
            x = attention(x) + x
            x = feed_forward(x) + x
        return x


class PatchEmbedding(nn.Module):
    """(B, C, H, W) -> (B, p * p * C, H / p, W / p), values of a patch ordered (row, col, C)."""

    def __init__(self, patch_size: int) -> None:
        super().__init__()
        self.patch_size = patch_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, height, width = x.shape
        p = self.patch_size
        x = x.reshape(b, c, height // p, p, width // p, p)
        return x.permute(0, 3, 5, 1, 2, 4).reshape(b, p * p * c, height // p, width // p)


class GlobalMean(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


def aggregate(dim_in: int, dim_out: int) -> nn.Sequential:
    """Between levels: widen with a 3x3 conv, normalise, halve the map."""
    return nn.Sequential(nn.Conv2d(dim_in, dim_out, 3, padding=1), LayerNorm(dim_out),
                         nn.MaxPool2d(3, stride=2, padding=1))


def rows(layers: nn.ModuleList) -> Iterator[nn.ModuleList]:
    """The rows of a ModuleList of ModuleLists, typed as lists: torch types an item as a bare
    Module, which a type checker will not unpack."""
    return (cast(nn.ModuleList, row) for row in layers)


def split_blocks(x: torch.Tensor, n: int) -> torch.Tensor:
    """(B, C, n*h, n*w) -> (B*n*n, C, h, w): every block becomes its own batch item."""
    b, c, height, width = x.shape
    x = x.reshape(b, c, n, height // n, n, width // n).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(b * n * n, c, height // n, width // n)


def merge_blocks(x: torch.Tensor, n: int) -> torch.Tensor:
    """The inverse of :func:`split_blocks`."""
    bnn, c, h, w = x.shape
    x = x.reshape(bnn // (n * n), n, n, c, h, w).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(bnn // (n * n), c, n * h, n * w)


def patch_embedding(patch_size: int, channels: int, dim: int) -> nn.Sequential:
    """The hierarchy's input layer: each patch's values projected to ``dim`` channels."""
    return nn.Sequential(PatchEmbedding(patch_size),
                         PointwiseConv(channels * patch_size ** 2, dim))


def hierarchy(widths: Sequence[int], block_repeats: Sequence[int], seq_len: int, heads: int,
              mlp_mult: int, dropout: float) -> nn.ModuleList:
    """One row per level, [transformer, aggregation]: the level's transformer (its heads
    doubling per level) and the aggregation to the next level's width (none after the last).
    The parameter names (``<i>.0``, ``<i>.1``) and construction order are the authors'."""
    last = len(widths) - 1
    return nn.ModuleList(
        nn.ModuleList([Transformer(width, seq_len, depth, heads * 2 ** i, mlp_mult, dropout),
                       nn.Identity() if i == last else aggregate(width, widths[i + 1])])
        for i, (width, depth) in enumerate(zip(widths, block_repeats, strict=True)))


def through_hierarchy(x: torch.Tensor, block_counts: Sequence[int],
                      layers: nn.ModuleList) -> torch.Tensor:
    """Embedded patches through every level of ``layers``: the level's ``n x n`` blocks
    attended apart, merged back, then aggregated."""
    for n, (transformer, aggregation) in zip(block_counts, rows(layers), strict=True):
        x = aggregation(merge_blocks(transformer(split_blocks(x, n)), n))
    return x


class HTNet(nn.Module):
    """HTNet as the authors built it; defaults are the paper's configuration."""

    def __init__(
        self,
        *,
        num_classes: int = 3,
        image_size: int = 28,
        patch_size: int = 7,
        dim: int = 256,
        heads: int = 3,
        num_hierarchies: int = 3,
        block_repeats: int | Sequence[int] = (2, 2, 10),
        mlp_mult: int = 4,
        channels: int = 3,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_config(num_classes, image_size, patch_size, dim, heads, num_hierarchies,
                     block_repeats, mlp_mult, channels, dropout)
        if isinstance(block_repeats, int):
            block_repeats = (block_repeats,) * num_hierarchies
        self.config = {
            "num_classes": num_classes, "image_size": image_size, "patch_size": patch_size,
            "dim": dim, "heads": heads, "num_hierarchies": num_hierarchies,
            "block_repeats": tuple(block_repeats), "mlp_mult": mlp_mult, "channels": channels,
            "dropout": dropout,
        }
        fmap_size = image_size // patch_size
        self.block_counts = [2 ** level for level in reversed(range(num_hierarchies))]
        seq_len = (fmap_size // self.block_counts[0]) ** 2  # the same at every level
        widths = [dim * 2 ** i for i in range(num_hierarchies)]
        self.to_patch_embedding = patch_embedding(patch_size, channels, dim)
        self.layers = hierarchy(widths, block_repeats, seq_len, heads, mlp_mult, dropout)
        self.mlp_head = nn.Sequential(LayerNorm(widths[-1]), GlobalMean(),
                                      nn.Linear(widths[-1], num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = through_hierarchy(self.to_patch_embedding(x), self.block_counts, self.layers)
        return self.mlp_head(x)


def check_config(num_classes: int, image_size: int, patch_size: int, dim: int, heads: int,
                 num_hierarchies: int, block_repeats: int | Sequence[int], mlp_mult: int,
                 channels: int, dropout: float, model: str = "htnet") -> None:
    """One clear line, naming ``model``, for a configuration HTNet's hierarchy cannot be
    built with (CausalNet's encoders are this hierarchy too)."""
    positive = {"num_classes": num_classes, "image_size": image_size,
                "patch_size": patch_size, "dim": dim, "heads": heads,
                "num_hierarchies": num_hierarchies, "mlp_mult": mlp_mult, "channels": channels}
    for name, value in positive.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MerbenchError(f"{model}: {name} must be a positive whole number (got {value!r})")
    if image_size % patch_size:
        raise MerbenchError(f"{model}: image_size {image_size} is not a multiple of "
                            f"patch_size {patch_size}")
    fmap_size = image_size // patch_size
    blocks = 2 ** (num_hierarchies - 1)
    if fmap_size % blocks:
        raise MerbenchError(
            f"{model}: a {fmap_size}x{fmap_size} patch map cannot be split into {blocks}x{blocks} "
            f"blocks for {num_hierarchies} levels; use fewer levels or a larger image_size"
        )
    if heads > dim:
        raise MerbenchError(f"{model}: heads ({heads}) cannot exceed dim ({dim})")
    repeats = [block_repeats] if isinstance(block_repeats, int) else list(block_repeats)
    if isinstance(block_repeats, int):
        repeats = repeats * num_hierarchies
    if len(repeats) != num_hierarchies or any(
            isinstance(r, bool) or not isinstance(r, int) or r < 1 for r in repeats):
        raise MerbenchError(
            f"{model}: block_repeats needs {num_hierarchies} positive whole numbers, one per "
            f"level (got {block_repeats!r})"
        )
    if isinstance(dropout, bool) or not isinstance(dropout, int | float) \
            or not 0.0 <= dropout < 1.0:
        raise MerbenchError(f"{model}: dropout must be in [0, 1) (got {dropout!r})")
    # each level's blocks, a width doubling per level, at least their pointwise convolutions
    # (qkv and output at least dim x dim together, the feed-forward's two): a billion blocks
    # were built one by one for ever (pass 84ad)
    refuse_beyond_memory(sum(r * (2 + 2 * mlp_mult) * (dim * 2 ** i) ** 2
                             for i, r in enumerate(repeats)))

