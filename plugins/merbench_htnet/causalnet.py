"""CausalNet: HTNet's hierarchy on two flows and two direction maps, joined by causal attention.

Paper: CausalNet, ICCV 2025 (arXiv 2508.06640); authors' code
https://github.com/tony19980810/CausalNet (``Models.py``, ``main_train.py``). Reported
composite Full UF1 .8976 / UAR .9020, with the epoch chosen on the test subject (the script
keeps each subject's first best test-accuracy epoch and stops the subject once it reaches
100 % accuracy): test-set selection per subject, merbench's ``first-best`` policy (the
model's ``authors_selection``, recorded by every run), not comparable with ``fixed``.

Input: the ``causalnet-flows`` feature, (N, 4, 3, 28, 28) with raw 0..255 values in OpenCV's
B, G, R order: the onset->apex flow image, the apex->offset flow image, the onset->apex
direction map and the apex->offset direction map (the order of the authors' ``''``, ``_1``,
``_2``, ``_3`` files). Each image is first cut as the authors' loader cuts it, four 14x14
patches at fixed places (the mean landmarks their script hard-codes, clipped to 7..21), tiled
[left eye | left mouth corner] over [right eye | right mouth corner]: rows 2-15 / cols 4-17,
rows 14-27 / cols 3-16, rows 3-16 / cols 14-27, rows 13-26 / cols 14-27 (``crop="none"``
feeds the whole images).

Network (read in ``Models.py``; parameter names are the authors', so their checkpoints load):

- two HTNet encoders (:mod:`merbench_htnet.htnet`'s blocks; patch 7, widths 256 / 512 / 1024,
  heads 3 / 6 / 12, depths 3 / 3 / 9): ``to_patch_embedding`` + ``layers`` for both flows,
  ``to_patch_embedding1`` + ``layers1`` for both direction maps (weights shared within a
  pair). Each ends in a 1024 x 1 x 1 map, reshaped to 256 x 2 x 2: four "positions" carved
  out of the channels;
- ``CrossAttention`` (the paper's motion-position module): pre-norm cross-attention between
  the two direction maps' 2x2 grids, 8 heads, scale ``256 ** -0.5``, logits masked to
  grid neighbours (``M``) plus a bias ``-(j + 1) * gamma`` on the diagonal pairs (``P``),
  ``softmax(logits * M + P) * M``; queries from the normalised stream, keys and values from
  the other stream as it is, the second stream attending to the first's updated output; then
  a 4x MLP. Its depth is the encoder's last depth (9): the authors' constructor passes the
  loop variable ``depth`` left over from building the encoders. The direction features are
  added to the flows': onset->apex to onset->apex, apex->offset to apex->offset;
- ``cab`` (causal attention block, depth 1, 8 heads): for the pair (onset->apex,
  apex->offset) and the swapped pair, masked spatial self-attention on each, then the second
  attends, at each position, to the first and to itself (temporal step), then an MLP (the
  residuals are added to the normalised inputs, as the authors'); a relation-mining attention
  (queries from the forward pair's second item, keys from the backward's, values from their
  sum, plus both) gives ``y_long``;
- ``mlp_head``: [y_long, forward first, backward first] flattened (12 x 256) -> Linear 2048
  -> Linear classes, no activation between.

276,590,089 parameters for three classes (PyTorch's default initialisation; dropout 0).

Training recipe (``main_train.py``): cross-entropy, Adam lr 5e-5, batch 1024 (more than the
training samples: one step an epoch), 200 epochs, no augmentation, unshuffled: like
HTNet's, their loader lists ``u_train/<label>/`` folders, so the batch holds the samples
class by class. merbench's recipe feeds the sample table's order (``data_order="listed"``);
with one batch an epoch the order only changes float rounding, and ``--data-order authors``
feeds their class-by-class order, rounding included.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from merbench.api import MerbenchError
from merbench_htnet.htnet import (
    check_config,
    hierarchy,
    patch_embedding,
    rows,
    through_hierarchy,
)

__all__ = ["CROP_CORNERS", "CausalNet", "crop_regions", "grid_mask_and_bias"]

# Top-left corners (row, column) of the four 14x14 patches, in tile order: the authors'
# landmarks (9, 11), (21, 10), (10, 21), (20, 21) (row, column; clipped to 7..21) minus 7.
CROP_CORNERS = ((2, 4), (14, 3), (3, 14), (13, 14))
PATCH = 14
IMAGES = 4  # flow onset->apex, flow apex->offset, direction onset->apex, apex->offset
JOINT_HEADS = 8
CROPS = ("causalnet", "none")


def crop_regions(images: torch.Tensor) -> torch.Tensor:
    """(..., C, 28, 28) -> (..., C, 28, 28): the four fixed patches, tiled 2 x 2."""
    tiles = [images[..., r:r + PATCH, c:c + PATCH] for r, c in CROP_CORNERS]
    return torch.cat([torch.cat(tiles[:2], dim=-1), torch.cat(tiles[2:], dim=-1)], dim=-2)


def grid_mask_and_bias(gamma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``M`` (1 where two cells of the 2x2 grid are at most 1 apart) and ``P`` (``-(j + 1) *
    gamma`` at the diagonal pairs ``(i, j)``, else 0), both 4 x 4."""
    cells = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float)
    distance = torch.cdist(cells, cells)
    mask = (distance <= 1.0).float()
    columns = torch.arange(1, 5, dtype=torch.float).expand(4, 4)
    bias = torch.where(distance > 1.0, -columns * gamma, torch.zeros(4, 4))
    return mask, bias


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    b, n, d = x.shape
    return x.reshape(b, n, heads, d // heads).transpose(1, 2)


def _merge(x: torch.Tensor) -> torch.Tensor:
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


class _GridAttention(nn.Module):
    """Multi-head attention of a sequence over a context on the 2x2 grid, logits masked to
    grid neighbours: ``softmax(logits * M + P) * M``. Buffers ``M_mask`` / ``P_matrix`` and
    layers ``to_q`` / ``to_kv`` / ``to_out`` are named, and made in the order, of the authors'
    two attentions that share this shape (only their scales differ)."""

    M_mask: torch.Tensor
    P_matrix: torch.Tensor

    def __init__(self, dim: int, heads: int, scale: float, gamma: float,
                 dropout: float) -> None:
        super().__init__()
        mask, bias = grid_mask_and_bias(gamma)
        self.register_buffer("M_mask", mask)
        self.register_buffer("P_matrix", bias)
        self.heads, self.scale = heads, scale
        self.to_q = nn.Linear(dim, dim)
        self.to_kv = nn.Linear(dim, dim * 2)
        self.to_out = nn.Sequential(nn.Linear(dim, dim), nn.Dropout(dropout))

    def attend(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        k, v = self.to_kv(context).chunk(2, dim=-1)
        q, k, v = (_heads(t, self.heads) for t in (self.to_q(x), k, v))
        logits = q @ k.transpose(-1, -2) * self.scale
        weights = (logits * self.M_mask + self.P_matrix).softmax(dim=-1) * self.M_mask
        return self.to_out(_merge(weights @ v))


def _mlp(dim: int, mult: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(dim, dim * mult), nn.GELU(), nn.Dropout(dropout),
                         nn.Linear(dim * mult, dim), nn.Dropout(dropout))


class PositionalCrossAttention(_GridAttention):
    """Cross-attention between two 2x2 grids with the neighbour mask; scale ``dim ** -0.5``
    (the full width, as the authors')."""

    def __init__(self, dim: int, heads: int, gamma: float, dropout: float = 0.0) -> None:
        super().__init__(dim, heads, dim ** -0.5, gamma, dropout)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.attend(x, context)


class CrossTransformer(nn.Module):
    """The motion-position module: ``depth`` layers of (LayerNorm, cross-attention, MLP)
    shared by the two streams, on (B, dim, 2, 2) maps."""

    def __init__(self, dim: int, depth: int, heads: int, mlp_mult: int, gamma: float,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleList([nn.LayerNorm(dim),
                           PositionalCrossAttention(dim, heads, gamma, dropout),
                           _mlp(dim, mlp_mult, dropout)])
            for _ in range(depth))

    def forward(self, x: torch.Tensor, x2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, d = x.shape[:2]
        x, x2 = x.flatten(2).transpose(1, 2), x2.flatten(2).transpose(1, 2)
        for norm, attention, mlp in rows(self.layers):
            x_norm, x2_norm = norm(x), norm(x2)
            x = x + attention(x_norm, x2)
            x2 = x2 + attention(x2_norm, x)
            x = mlp(x) + x
            x2 = mlp(x2) + x2
        return (x.transpose(1, 2).reshape(b, d, 2, 2), x2.transpose(1, 2).reshape(b, d, 2, 2))


class SpatialTemporalCausalAttention(_GridAttention):
    """Masked spatial self-attention on each of two sequences (scale per head), then the
    second attends, at each position, to the first and to itself."""

    def __init__(self, dim: int, heads: int, gamma: float, dropout: float = 0.0) -> None:
        super().__init__(dim, heads, (dim // heads) ** -0.5, gamma, dropout)
        self.temp_to_q = nn.Linear(dim, dim)
        self.temp_to_kv = nn.Linear(dim, dim * 2)
        self.temp_to_out = nn.Sequential(nn.Linear(dim, dim), nn.Dropout(dropout))

    def spatial(self, x: torch.Tensor) -> torch.Tensor:
        return self.attend(x, x)

    def temporal(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        q = _heads(self.temp_to_q(x2), self.heads)
        keys, values = zip(*(self.temp_to_kv(x).chunk(2, dim=-1) for x in (x1, x2)),
                           strict=True)
        k = torch.stack([_heads(t, self.heads) for t in keys], dim=3)  # (B, h, N, 2, d)
        v = torch.stack([_heads(t, self.heads) for t in values], dim=3)
        weights = (torch.einsum("bhnd,bhnkd->bhnk", q, k) * self.scale).softmax(dim=-1)
        return self.temp_to_out(_merge(torch.einsum("bhnk,bhnkd->bhnd", weights, v)))

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x1 = self.spatial(x1) + x1
        x2 = self.spatial(x2) + x2
        return x1, self.temporal(x1, x2) + x2


class CausalRelationMining(nn.Module):
    """Attention from the forward pair's second item to the backward pair's, over their sum,
    plus both, projected."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.to_q, self.to_k, self.to_v = (nn.Linear(dim, dim) for _ in range(3))
        self.to_out = nn.Sequential(nn.Linear(dim, dim), nn.Dropout(dropout))

    def forward(self, forward_: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
        q = _heads(self.to_q(forward_), self.heads)
        k = _heads(self.to_k(backward), self.heads)
        v = _heads(self.to_v(backward + forward_), self.heads)
        weights = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)
        return self.to_out(_merge(weights @ v) + forward_ + backward)


class CausalAttentionBlock(nn.Module):
    """The causal attention block on the (onset->apex, apex->offset) pair and its reverse."""

    def __init__(self, dim: int, depth: int, heads: int, mlp_mult: int, gamma: float,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleList([nn.LayerNorm(dim),
                           SpatialTemporalCausalAttention(dim, heads, gamma, dropout),
                           _mlp(dim, mlp_mult, dropout),
                           CausalRelationMining(dim, heads, dropout)])
            for _ in range(depth))

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        y1_for, y2_for, y1_back, y2_back = x1, x2, x2, x1
        y_long = x1
        for norm, attention, mlp, mining in rows(self.layers):
            y1_for, y2_for = attention(norm(y1_for), norm(y2_for))
            y1_for, y2_for = mlp(y1_for) + y1_for, mlp(y2_for) + y2_for
            y1_back, y2_back = attention(norm(y1_back), norm(y2_back))
            y1_back, y2_back = mlp(y1_back) + y1_back, mlp(y2_back) + y2_back
            y_long = mining(y2_for, y2_back)
        return torch.cat([y_long, y1_for, y1_back], dim=1)  # (B, 12, dim)


class CausalNet(nn.Module):
    """CausalNet as the authors built it; defaults are their released configuration."""

    def __init__(self, *, num_classes: int = 3, image_size: int = 28, patch_size: int = 7,
                 dim: int = 256, heads: int = 3, num_hierarchies: int = 3,
                 block_repeats: Sequence[int] = (3, 3, 9), mlp_mult: int = 4,
                 channels: int = 3, dropout: float = 0.0, gamma: float = 0.5,
                 crop: str = "causalnet") -> None:
        super().__init__()
        _check(num_classes, image_size, patch_size, dim, heads, num_hierarchies, block_repeats,
               mlp_mult, channels, dropout, gamma, crop)
        self.crop, self.image_size, self.channels = crop, image_size, channels
        seq_len = 1  # every block of every level holds one position (checked above)
        widths = [dim * 2 ** i for i in range(num_hierarchies)]
        self.block_counts = [2 ** level for level in reversed(range(num_hierarchies))]

        def embedding() -> nn.Sequential:
            return patch_embedding(patch_size, channels, dim)

        def encoder() -> nn.ModuleList:
            return hierarchy(widths, block_repeats, seq_len, heads, mlp_mult, dropout)

        self.to_patch_embedding, self.layers = embedding(), encoder()
        self.to_patch_embedding1, self.layers1 = embedding(), encoder()
        token = widths[-1] // 4
        self.token_dim = token
        self.CrossAttention = CrossTransformer(token, block_repeats[-1], JOINT_HEADS, mlp_mult,
                                               gamma, dropout)
        self.cab = CausalAttentionBlock(token, 1, JOINT_HEADS, mlp_mult, gamma, dropout)
        self.mlp_head = nn.Sequential(nn.Linear(12 * token, 2048), nn.Linear(2048, num_classes))

    def encode(self, image: torch.Tensor, embedding: nn.Module,
               layers: nn.ModuleList) -> torch.Tensor:
        """One image -> its top map, reshaped to (B, token_dim, 2, 2)."""
        x = through_hierarchy(embedding(image), self.block_counts, layers)
        return x.reshape(x.shape[0], self.token_dim, 2, 2)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        expected = (IMAGES, self.channels, self.image_size, self.image_size)
        if images.ndim != 5 or tuple(images.shape[1:]) != expected:
            raise MerbenchError(f"causalnet: the input is {tuple(images.shape[1:])} a sample; "
                                f"the network takes {expected} (the causalnet-flows feature: "
                                "two flow images and two direction maps)")
        if self.crop == "causalnet":
            images = crop_regions(images)
        flow, flow_back = (self.encode(images[:, i], self.to_patch_embedding, self.layers)
                           for i in (0, 1))
        direction, direction_back = (
            self.encode(images[:, i], self.to_patch_embedding1, self.layers1) for i in (2, 3))
        direction, direction_back = self.CrossAttention(direction, direction_back)
        flow, flow_back = flow + direction, flow_back + direction_back
        joint = self.cab(flow.flatten(2).transpose(1, 2), flow_back.flatten(2).transpose(1, 2))
        return self.mlp_head(joint.flatten(1))


def _check(num_classes: int, image_size: int, patch_size: int, dim: int, heads: int,
           num_hierarchies: int, block_repeats: Sequence[int], mlp_mult: int, channels: int,
           dropout: float, gamma: float, crop: str) -> None:
    """One line naming the option: HTNet's checks for the encoders, then what the joint 2x2
    grid needs."""
    check_config(num_classes, image_size, patch_size, dim, heads, num_hierarchies,
                 block_repeats, mlp_mult, channels, dropout, model="causalnet")
    if isinstance(block_repeats, int):
        raise MerbenchError(f"causalnet: block_repeats must be {num_hierarchies} whole numbers, "
                            f"one per level (got {block_repeats!r})")
    if crop not in CROPS:
        raise MerbenchError(f"causalnet: crop must be one of {', '.join(CROPS)} (got {crop!r})")
    if crop == "causalnet" and image_size != 2 * PATCH:
        raise MerbenchError(f"causalnet: crop=causalnet cuts 14x14 patches from 28x28 images; "
                            f"image_size is {image_size} (use crop=none)")
    if image_size != patch_size * 2 ** (num_hierarchies - 1):
        raise MerbenchError(f"causalnet: image_size must be patch_size * 2**(num_hierarchies - "
                            f"1) = {patch_size * 2 ** (num_hierarchies - 1)}, so that the top "
                            f"map is 1x1 (got {image_size})")
    if (dim * 2 ** (num_hierarchies - 1)) % (4 * JOINT_HEADS):
        raise MerbenchError(f"causalnet: dim * 2**(num_hierarchies - 1) must divide by "
                            f"{4 * JOINT_HEADS} (the joint grid's 4 cells x {JOINT_HEADS} "
                            f"heads; got dim {dim})")
    if isinstance(gamma, bool) or not isinstance(gamma, int | float) \
            or not math.isfinite(gamma) or gamma < 0:
        raise MerbenchError(f"causalnet: gamma must be a finite number >= 0 (got {gamma!r})")


# The factory merbench calls: every constructor argument is an option (--model-opt).
build_causalnet = CausalNet
