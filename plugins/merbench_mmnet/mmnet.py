"""MMNet: micro-expression recognition with a main branch on motion and a position branch.

Paper: H. Li, M. Sui, Z. Zhu, F. Zhao, "MMNet: Muscle motion-guided network for
micro-expression recognition", IJCAI 2022, https://doi.org/10.24963/ijcai.2022/150,
preprint https://arxiv.org/abs/2201.05297; authors' code: https://github.com/muse1998/MMNet

Input: (B, 2, 3, 224, 224), two RGB frames with values 0..255 (uint8 from the feature,
float32 here), each ImageNet-normalised inside the model; or (B, 2 + 2J, 3, 224, 224) with
the feature's onset / apex jitter candidates after the pair, used in training only.

- ``mmnet`` (feature ``onset-apex-224``): frame 0 is the onset, frame 1 the apex. The main
  branch sees apex − onset, the position-calibration (PC) branch the onset.
- ``mmnet-release`` (feature ``flow-and-apex``), a VARIANT for the public MEGC2019 composite
  release, which has no onset frame: frame 0 is the release's 28x28 flow image upsampled to
  224x224 and goes to the main branch in place of apex − onset; frame 1 is the apex face and
  goes to the PC branch in place of the onset. Not the published model: its numbers are
  the variant's own.

Network (from the authors' code; docs/models.md#mmnet-and-hsta):

- Main branch: conv 3x3 stride 2, 3 -> 180, BN, ReLU; conv 3x3, 180 -> 128, BN, ReLU
  (112x112); four continuous-attention (CA) blocks 128 -> 128 (stride 1), 128 -> 128 (2),
  128 -> 256 (2), 256 -> 512 (2), ending at 512x14x14.
- A CA block: conv 3x3 (stride), BN, ReLU, conv 1x1, BN, plus the shortcut (identity, or
  conv 1x1 with the stride + BN when the shape changes), ReLU. Its attention map is
  sigmoid(BN(conv 1x1 over the two maps [channel mean, channel max] of that output)),
  multiplied by the previous block's map (max-pooled 3 / 2 / 1 when the size halves) and
  multiplied onto the block's output; the product is passed on to the next block. As the
  authors' ``CA_block.py`` has it, the map is taken from the block's output after the
  residual sum and ReLU, and the first block has no previous map.
- PC branch: the image resized bilinearly to 14x14, a 1x1 patch embedding (a 1x1 conv)
  3 -> 512 giving 196 tokens, a learned position embedding (196 x 512, trunc-normal 0.02),
  ``pc_depth`` = 2 pre-norm ViT blocks (4 heads, MLP ratio 4, qkv bias), LayerNorm, and the
  tokens laid back out as a 512x14x14 map.
- Fusion: main + PC, flattened (100,352 values), one linear layer to the classes.

The ViT blocks are timm's ``Block`` (``merbench_transformers.blocks``), as the authors' code
builds its position branch on timm. Initialisation is the authors': every convolution after
the first (their ``main_branch``, a torchvision-style ResNet) Kaiming-normal with fan-out
and ReLU gain, BN weights 1 and biases 0; the first convolution (their ``conv_act``), the
patch embedding and the head keep PyTorch's default; the ViT part timm's (trunc-normal 0.02
linears, zero biases). The authors' state dicts load through ``merbench convert-weights``
(``merbench_mmnet.authors_weights``).

Training recipe (declared in the plugin, applied by the core trainer), the authors'
``CASME2_5.py``: cross-entropy, AdamW lr 8e-4, weight decay 0.6, learning rate multiplied by
0.987 after each of the first 50 epochs, 74 epochs, batch 32; training batches augmented by
:meth:`MMNet.augment`: the onset / apex index jitter when the feature gives candidates
(``onset-apex-224``: the onset drawn from [onset, onset + d], the apex from [apex - d,
apex], d = 3.75 % of the span, as the authors draw, see ``merbench_features/frames.py``),
then horizontal flip, rotation +-3 degrees, random 224 crop with 15 px padding, the same
transform for both frames of a sample, with the nearest pixel and the ImageNet mean colour
filled in, as torchvision does on the authors' normalised tensors. ``mmnet-3class`` has the
settings of their 3-class script (``CASME2_3.py``): position branch depth 3, MLP ratio 2,
drop-path 0.3, rotation +-4 degrees, 4 px padding (recipe: weight decay 0.7, batch 24, 99
epochs). Not its jitter: that script draws the onset within 5 % of the span and the apex on
both sides of it, while the feature's candidates are a fixed number, inward, shared with
``mmnet`` (docs/models.md#mmnet-merbench_mmnetmmnetpy; ``--feature-opt jitter=0.05`` is the
nearest).
"""

from __future__ import annotations

import torch
from merbench_transformers.augment import IMAGENET_FILL, flip_rotate_crop, imagenet_normalise
from merbench_transformers.blocks import (
    drop_path_rates,
    init_vit,
    trunc_normal_,
    vit_block,
    vit_block_weights,
    vit_norm,
)
from torch import nn

from merbench.api import MerbenchError, fixed_options, refuse_beyond_memory

__all__ = ["MMNet", "build_mmnet", "build_mmnet_3class", "build_mmnet_release"]

MAIN_INPUTS = ("difference", "first")


def conv_bn(dim_in: int, dim_out: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(dim_in, dim_out, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(dim_out))


class ContinuousAttentionBlock(nn.Module):
    """A residual block whose spatial attention map is chained with the previous block's."""

    def __init__(self, dim_in: int, dim_out: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_bn(dim_in, dim_out, 3, stride), nn.ReLU(inplace=True),
                                  conv_bn(dim_out, dim_out, 1))
        self.shortcut = (nn.Identity() if stride == 1 and dim_in == dim_out
                         else conv_bn(dim_in, dim_out, 1, stride))
        self.attention = nn.Sequential(nn.Conv2d(2, 1, 1, bias=False), nn.BatchNorm2d(1))
        self.pool = nn.MaxPool2d(3, stride=2, padding=1) if stride > 1 else nn.Identity()

    def forward(self, x: torch.Tensor, previous: torch.Tensor | None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        out = torch.relu(self.body(x) + self.shortcut(x))
        pooled = torch.cat([out.mean(dim=1, keepdim=True), out.amax(dim=1, keepdim=True)], 1)
        attention = torch.sigmoid(self.attention(pooled))
        if previous is not None:
            attention = attention * self.pool(previous)
        return out * attention, attention


class MainBranch(nn.Module):
    """Motion features: two convolutions, then four continuous-attention blocks."""

    def __init__(self, widths: tuple[int, ...] = (128, 128, 256, 512),
                 strides: tuple[int, ...] = (1, 2, 2, 2), stem: int = 180) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, stem, 3, 2), nn.ReLU(inplace=True),
                                  conv_bn(stem, widths[0], 3), nn.ReLU(inplace=True))
        dims = (widths[0], *widths)
        self.blocks = nn.ModuleList(ContinuousAttentionBlock(dims[i], dims[i + 1], strides[i])
                                    for i in range(len(widths)))
        # the authors' ResNet initialises its own convolutions (all but their conv_act, the
        # first here) Kaiming-normal fan-out; its BatchNorms 1 / 0 are PyTorch's default too
        for part in (self.stem[2], self.blocks):
            for module in part.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, mode="fan_out",
                                            nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        attention = None
        for block in self.blocks:
            x, attention = block(x, attention)
        return x


class PositionCalibration(nn.Module):
    """A small ViT on the image at the main branch's map size, laid out as a map."""

    def __init__(self, dim: int = 512, grid: int = 14, depth: int = 2, heads: int = 4,
                 mlp_ratio: float = 4.0, drop_path: float = 0.0) -> None:
        super().__init__()
        self.grid = grid
        self.patch_embed = nn.Conv2d(3, dim, 1)
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid, dim))
        self.blocks = nn.Sequential(*(vit_block(dim, heads, mlp_ratio, rate)
                                      for rate in drop_path_rates(drop_path, depth)))
        self.norm = vit_norm(dim)
        trunc_normal_(self.pos_embed, std=0.02)
        init_vit(self.blocks)
        init_vit(self.norm)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        small = nn.functional.interpolate(image, size=(self.grid, self.grid), mode="bilinear",
                                          align_corners=False)
        tokens = self.patch_embed(small).flatten(2).transpose(1, 2) + self.pos_embed
        tokens = self.norm(self.blocks(tokens))
        return tokens.transpose(1, 2).reshape(len(image), -1, self.grid, self.grid)


class MMNet(nn.Module):
    """MMNet; the defaults are the paper's configuration (see the module docstring)."""

    def __init__(self, *, num_classes: int = 5, main_input: str = "difference",
                 image_size: int = 224, widths: tuple[int, ...] = (128, 128, 256, 512),
                 stem: int = 180, pc_depth: int = 2, pc_heads: int = 4,
                 pc_mlp_ratio: float = 4.0, drop_path: float = 0.0, augment_flip: bool = True,
                 augment_degrees: float = 3.0, augment_pad: int = 15) -> None:
        super().__init__()
        _check(num_classes, main_input, image_size, widths, stem, pc_depth, pc_heads,
               drop_path, pc_mlp_ratio)
        # -1 was taken, then ended the first training batch in torch's randint (pass 84aa)
        if isinstance(augment_pad, bool) or not isinstance(augment_pad, int) or augment_pad < 0:
            raise MerbenchError(f"mmnet: augment_pad must be a whole number >= 0 "
                                f"(got {augment_pad!r})")
        self.main_input = main_input
        self.image_size = image_size
        self.augment_flip, self.augment_degrees = augment_flip, augment_degrees
        self.augment_pad = augment_pad
        self.main_branch = MainBranch(tuple(widths), (1, 2, 2, 2), stem)
        grid = image_size // 16
        self.position = PositionCalibration(widths[-1], grid, pc_depth, pc_heads, pc_mlp_ratio,
                                            drop_path)
        self.head = nn.Linear(widths[-1] * grid * grid, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 5 or x.shape[1] < 2 or x.shape[1] % 2 or x.shape[2] != 3 or \
                x.shape[-2:] != (self.image_size,) * 2:
            raise MerbenchError(f"mmnet takes (batch, 2, 3, {self.image_size}, "
                                f"{self.image_size}) frame pairs (plus jitter candidates), got "
                                f"{tuple(x.shape)}; use its feature (onset-apex-224 or "
                                "flow-and-apex)")
        frames = imagenet_normalise(x[:, :2])  # at test: the annotated onset and apex
        first, second = frames[:, 0], frames[:, 1]
        if self.main_input == "difference":  # onset, apex
            motion, position = second - first, first
        else:  # release variant: flow image, apex face
            motion, position = first, second
        fused = self.main_branch(motion) + self.position(position)
        return self.head(fused.flatten(1))

    def augment(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The training augmentation: the onset / apex jitter when the feature gives
        candidates, then one flip / rotation / crop for both frames of a sample."""
        if batch.shape[1] > 2:
            batch = jitter_pairs(batch, generator)
        return flip_rotate_crop(batch, generator, flip=self.augment_flip,
                                degrees=self.augment_degrees, pad=self.augment_pad,
                                mode="nearest", fill=IMAGENET_FILL)


def jitter_pairs(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(B, 2 + 2J, ...) [onset, apex, J onset candidates, J apex candidates] -> (B, 2, ...):
    per sample one onset among the annotated one and its candidates, likewise the apex,
    uniformly and independently."""
    j = (batch.shape[1] - 2) // 2
    draws = torch.randint(0, j + 1, (len(batch), 2), generator=generator)
    onset = torch.where(draws[:, 0] == 0, 0, 1 + draws[:, 0])
    apex = torch.where(draws[:, 1] == 0, 1, 1 + j + draws[:, 1])
    picks = torch.stack([onset, apex], dim=1).to(batch.device)
    rows = torch.arange(len(batch), device=batch.device)[:, None]
    return batch[rows, picks]


def _check(num_classes: int, main_input: str, image_size: int, widths: tuple[int, ...],
           stem: int, pc_depth: int, pc_heads: int, drop_path: float,
           pc_mlp_ratio: float) -> None:
    """One clear line for a configuration MMNet cannot be built with."""
    if main_input not in MAIN_INPUTS:
        raise MerbenchError(f"mmnet: main_input must be one of {', '.join(MAIN_INPUTS)} "
                            f"(got {main_input!r})")
    if len(widths) != 4 or any(isinstance(w, bool) or not isinstance(w, int) or w < 1
                               for w in widths):
        raise MerbenchError(f"mmnet: widths needs 4 positive whole numbers, one per CA block "
                            f"(got {widths!r})")
    for name, value in (("num_classes", num_classes), ("image_size", image_size),
                        ("stem", stem), ("pc_depth", pc_depth), ("pc_heads", pc_heads)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MerbenchError(f"mmnet: {name} must be a positive whole number (got {value!r})")
    if image_size % 16:
        raise MerbenchError(f"mmnet: image_size {image_size} must be a multiple of 16 (the "
                            "main branch halves it four times)")
    if widths[-1] % pc_heads:
        raise MerbenchError(f"mmnet: the last width {widths[-1]} must be divisible by "
                            f"pc_heads {pc_heads}")
    if not 0.0 <= drop_path < 1.0:
        raise MerbenchError(f"mmnet: drop_path must be in [0, 1) (got {drop_path!r})")
    # the position branch's blocks alone, before timm lists a rate per block (84ad)
    refuse_beyond_memory(pc_depth * vit_block_weights(widths[-1], pc_mlp_ratio))


# The model name fixes which image the main branch gets; every other option is --model-opt.
build_mmnet = fixed_options(MMNet, main_input="difference")  # apex − onset; PC on the onset
build_mmnet_release = fixed_options(MMNet, main_input="first")  # flow image; PC on apex face


def build_mmnet_3class(*, num_classes: int = 3, image_size: int = 224,
                       widths: tuple[int, ...] = (128, 128, 256, 512), stem: int = 180,
                       pc_depth: int = 3, pc_heads: int = 4, pc_mlp_ratio: float = 2.0,
                       drop_path: float = 0.3, augment_flip: bool = True,
                       augment_degrees: float = 4.0, augment_pad: int = 4) -> MMNet:
    """MMNet with the defaults of the authors' 3-class script (``CASME2_3.py``)."""
    return MMNet(num_classes=num_classes, main_input="difference", image_size=image_size,
                 widths=widths, stem=stem, pc_depth=pc_depth, pc_heads=pc_heads,
                 pc_mlp_ratio=pc_mlp_ratio, drop_path=drop_path, augment_flip=augment_flip,
                 augment_degrees=augment_degrees, augment_pad=augment_pad)
