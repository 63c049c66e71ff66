"""Training augmentations that move every frame of a sample together.

A sample here is a stack of frames, (F, C, H, W): onset and apex, or a clip. MMNet subtracts
the onset from the apex and HSTA attends across frames, so a flip, rotation or crop applied
to one frame and not to the other would create motion that is not in the data. Each sample
draws one transform, and that transform is applied to all its frames.

:func:`flip_rotate_crop` is MMNet's training pipeline (horizontal flip with probability
1/2, rotation by a uniform angle in [-3, 3] degrees, random 224 crop of the image padded by
15 pixels on every side) as one affine resampling per sample: output pixel p takes the
input at ``flip(rotate(p + shift))``. The crop is the integer shift (``shift`` in [-15, 15]
pixels per axis), so with no rotation the pixels are copied exactly. The MMNet authors'
script applies torchvision's transforms after ImageNet normalisation, so their rotation
samples the nearest pixel and both rotation and padding fill with 0 in normalised units,
the ImageNet mean colour; on 0..255 images the same is ``mode="nearest"`` with
``fill=IMAGENET_FILL`` (the mean x 255), which :mod:`merbench_mmnet.mmnet` passes. The
defaults (bilinear, black) are torchvision's on unnormalised images. All random numbers
come from the generator passed in (the trainer's per-fold augmentation generator), drawn on the CPU.
"""

from __future__ import annotations

import math

import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: the ImageNet mean colour on 0..255 images: 0 once normalised
IMAGENET_FILL = tuple(255.0 * m for m in IMAGENET_MEAN)


def imagenet_normalise(x: torch.Tensor) -> torch.Tensor:
    """RGB values 0..255 in dimension -3 -> ImageNet-normalised (as ``ToTensor`` then
    ``Normalize(IMAGENET_MEAN, IMAGENET_STD)``)."""
    shape = (3, 1, 1)
    mean = torch.tensor(IMAGENET_MEAN, device=x.device, dtype=x.dtype).view(shape)
    std = torch.tensor(IMAGENET_STD, device=x.device, dtype=x.dtype).view(shape)
    return (x / 255.0 - mean) / std


def draw_transforms(n: int, generator: torch.Generator, *, flip: bool = True,
                    degrees: float = 3.0, pad: int = 15) -> dict[str, torch.Tensor]:
    """One transform per sample: ``flip`` (bool), ``angle`` (radians), ``shift`` (n, 2)
    integer pixels (x, y)."""
    flips = torch.rand(n, generator=generator) < 0.5 if flip else torch.zeros(n, dtype=torch.bool)
    angles = (torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * \
        math.radians(degrees)
    shifts = torch.randint(-pad, pad + 1, (n, 2), generator=generator)
    return {"flip": flips, "angle": angles, "shift": shifts}


def affine_matrices(transforms: dict[str, torch.Tensor], height: int,
                    width: int) -> torch.Tensor:
    """(n, 2, 3) matrices for ``affine_grid`` (normalised coordinates, align_corners=False)
    mapping each output pixel to the input position it samples."""
    n = len(transforms["flip"])
    cos, sin = torch.cos(transforms["angle"]), torch.sin(transforms["angle"])
    # rotation in pixel units, expressed in normalised coordinates (x scaled by W/2, y by H/2)
    ax, ay = width / 2.0, height / 2.0
    rotation = torch.stack([torch.stack([cos, -sin * ay / ax], -1),
                            torch.stack([sin * ax / ay, cos], -1)], -2)  # (n, 2, 2)
    sign = torch.where(transforms["flip"], -1.0, 1.0).to(torch.float64)
    flip = torch.zeros((n, 2, 2), dtype=torch.float64)
    flip[:, 0, 0] = sign
    flip[:, 1, 1] = 1.0
    linear = flip @ rotation
    shift = transforms["shift"].to(torch.float64) * torch.tensor([2.0 / width, 2.0 / height],
                                                                  dtype=torch.float64)
    offset = (linear @ shift[:, :, None])[:, :, 0]
    return torch.cat([linear, offset[:, :, None]], dim=2)


def apply_same(batch: torch.Tensor, matrices: torch.Tensor, *, mode: str = "bilinear",
               fill: tuple[float, ...] | None = None) -> torch.Tensor:
    """Resample (B, F, C, H, W) frames, sample b's frames all with ``matrices[b]``, sampling
    ``mode`` ("bilinear" or "nearest"), ``fill`` (one value per channel; None: 0) outside."""
    b, f, c, h, w = batch.shape
    theta = matrices.to(device=batch.device, dtype=batch.dtype).repeat_interleave(f, dim=0)
    frames = batch.reshape(b * f, c, h, w)
    shift = None
    if fill is not None:  # resample the offset from the fill, whose outside is then 0
        shift = torch.tensor(fill, device=batch.device, dtype=batch.dtype).view(1, c, 1, 1)
        frames = frames - shift
    grid = nn.functional.affine_grid(theta, [b * f, c, h, w], align_corners=False)
    out = nn.functional.grid_sample(frames, grid, mode=mode, padding_mode="zeros",
                                    align_corners=False)
    if shift is not None:
        out = out + shift
    return out.reshape(b, f, c, h, w)


def flip_rotate_crop(batch: torch.Tensor, generator: torch.Generator, *, flip: bool = True,
                     degrees: float = 3.0, pad: int = 15, mode: str = "bilinear",
                     fill: tuple[float, ...] | None = None) -> torch.Tensor:
    """MMNet's augmentation on (B, F, C, H, W), one random transform per sample."""
    transforms = draw_transforms(len(batch), generator, flip=flip, degrees=degrees, pad=pad)
    return apply_same(batch, affine_matrices(transforms, batch.shape[-2], batch.shape[-1]),
                      mode=mode, fill=fill)
