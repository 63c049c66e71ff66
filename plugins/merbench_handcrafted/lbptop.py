"""``lbptop``: LBP-TOP (Zhao & Pietikäinen, 2007) of a raw clip, as the MEGC2019 baseline uses.

Definition (part of the feature's version):

1. The clip: frames from onset to offset (apex where the offset is unknown), see
   :mod:`merbench_handcrafted.clip`; faces aligned with the ``tvl1-uvos`` / ``biwoof``
   transform computed on the onset frame and applied to every frame, ``size`` x ``size``
   (112) grey.
2. Temporal interpolation to ``T`` = 10 frames: frame ``k`` is at normalised time
   ``k / 9`` of the span, i.e. at position ``p = k (L - 1) / 9`` of its ``L`` frames, and is
   the linear mix of the two frames around ``p`` (rounded back to uint8). Only those (at most
   20) frames are read, so a long clip costs no more than a short one. The original uses the
   temporal interpolation model (TIM, a graph embedding of the whole clip, Zhou et al. 2011),
   so the frames in between differ from TIM's; onset and last frame are the same.
3. Uniform LBP codes, 8 neighbours at radius 3 on each of the three planes (radii
   (3, 3, 3)): scikit-image ``local_binary_pattern(..., method="nri_uniform")``, 59 codes
   (:mod:`merbench_handcrafted.lbp`). XY: each frame; XT: each row's T x W slice; YT: each
   column's T x H slice. The slices of a plane are stacked into one image and coded in one
   call; only centres whose whole neighbourhood lies inside the volume are counted
   (t in [3, 6], x and y at least 3 pixels from the edge), as in the original code, so
   nothing sampled across two slices or beyond the volume enters a histogram.
4. 8 x 8 blocks over the face (edges as :func:`merbench_handcrafted.grid.block_index`); per
   block and plane a 59-bin histogram of its centres' codes, normalised to sum 1;
   concatenated as (64 blocks, 3 planes XY / XT / YT, 59) -> 11328 values. Each plane's
   histograms together sum to the block count (64).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.api import MerbenchError, Sample
from merbench_handcrafted.clip import ClipFaces, check_options, grey_frames
from merbench_handcrafted.grid import block_index
from merbench_handcrafted.lbp import N_CODES, NEIGHBOURS, RADIUS, lbp_codes

FRAMES = 10
BLOCKS = 8
PLANES = ("XY", "XT", "YT")


def interpolation(length: int, frames: int = FRAMES) -> tuple[list[int], np.ndarray]:
    """The span positions to read, and per output frame (low, high, weight of high) as
    indices into those positions, for linear interpolation at ``frames`` normalised times."""
    at = np.linspace(0.0, length - 1, frames)
    low = np.floor(at).astype(np.int64)
    high = np.minimum(low + 1, length - 1)
    weight = at - low
    weight[high == low] = 0.0
    needed = sorted({int(p) for p in low} | {int(p) for p in high[weight > 0]})
    where = {p: i for i, p in enumerate(needed)}
    mix = np.array([[where[int(lo)], where[int(hi)] if w > 0 else where[int(lo)], w]
                    for lo, hi, w in zip(low, high, weight, strict=True)])
    return needed, mix


def interpolate(faces: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """(K, S, S) uint8 faces and a (T, 3) mix from :func:`interpolation` -> (T, S, S) uint8."""
    low, high = mix[:, 0].astype(np.int64), mix[:, 1].astype(np.int64)
    weight = mix[:, 2][:, None, None]
    values = (1.0 - weight) * faces[low].astype(np.float64) + weight * faces[high]
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _stacked_codes(slices: np.ndarray) -> np.ndarray:
    """(N, A, B) slices -> (N, A, B) LBP codes, computed in one call on the slices stacked
    along A (codes near a seam mix two slices; the caller does not count them)."""
    n, a, b = slices.shape
    return lbp_codes(np.ascontiguousarray(slices.reshape(n * a, b))).reshape(n, a, b)


def lbp_top(volume: np.ndarray, blocks: int = BLOCKS, radius: int = RADIUS) -> np.ndarray:
    """(T, H, W) uint8 volume -> (blocks * blocks, 3, 59) per-block, per-plane histograms,
    each summing to 1 (planes XY, XT, YT; see the module doc for the centres counted)."""
    volume = np.asarray(volume)
    frames, height, width = volume.shape
    if frames < 2 * radius + 1 or min(height, width) < 2 * radius + blocks:
        raise MerbenchError(f"LBP-TOP needs at least {2 * radius + 1} frames of at least "
                            f"{2 * radius + blocks} pixels; got {frames} of {width}x{height}")
    xy = _stacked_codes(volume)                                            # (T, H, W)
    xt = _stacked_codes(volume.transpose(1, 0, 2)).transpose(1, 0, 2)      # rows: T x W
    yt = _stacked_codes(volume.transpose(2, 0, 1)).transpose(1, 2, 0)      # columns: T x H
    inner = (slice(radius, frames - radius), slice(radius, height - radius),
             slice(radius, width - radius))
    block = np.broadcast_to(block_index(height, width, blocks)[None], volume.shape)[inner]
    n_blocks = blocks * blocks
    hist = np.empty((n_blocks, len(PLANES), N_CODES), dtype=np.float64)
    for plane, codes in enumerate((xy, xt, yt)):
        counts = np.bincount((block * N_CODES + codes[inner]).ravel(),
                             minlength=n_blocks * N_CODES).reshape(n_blocks, N_CODES)
        hist[:, plane] = counts / counts.sum(axis=1, keepdims=True)
    return hist


@dataclass
class LBPTOPClip(ClipFaces):
    """The ``lbptop`` extractor; its fields (``size``, ``margin``, ``face``) are the options."""

    name = "lbptop"

    def __post_init__(self) -> None:
        check_options(self.name, self.size, self.margin, self.face)

    def positions(self, length: int) -> list[int]:
        return interpolation(length)[0]

    @property
    def params(self) -> dict[str, Any]:
        from importlib import metadata

        return {**self.base_params(), "frames": FRAMES, "interpolation": "linear in time",
                "blocks": BLOCKS, "radius": [RADIUS] * 3, "neighbours": NEIGHBOURS,
                "codes": "skimage nri_uniform", "planes": list(PLANES),
                "centres": "whole neighbourhood inside the volume",
                "scikit-image": metadata.version("scikit-image")}

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        frames = np.asarray(inputs["frames"])
        grey = grey_frames(frames, sample_id, self.name)
        faces, transform = self.faces(grey, frames[0])
        length = int(inputs["span"][0])
        needed, mix = interpolation(length)
        if list(np.asarray(inputs["positions"])) != needed:
            raise MerbenchError(f"feature lbptop: sample {sample_id} came with frames at span "
                                f"positions {list(inputs['positions'])}, not {needed}")
        values = lbp_top(interpolate(faces, mix)).ravel().astype(np.float32)
        return Sample(values, {"face": self.face_note(transform), "span": length})

    def summarise(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                  ) -> tuple[dict[str, Any], str]:
        report, line = self.face_summary(sample_ids, notes)
        report["frames"] = FRAMES
        spans = report["span_frames"]
        return report, (f"LBP-TOP of {len(sample_ids)} clips ({spans['min']}..{spans['max']} "
                        f"frames, interpolated to {FRAMES}); {line}")


def build_lbptop(size: int = 112, margin: float = 0.1, face: str = "align") -> LBPTOPClip:
    """The ``lbptop`` feature (see the module docstring)."""
    return LBPTOPClip(size=size, margin=margin, face=face)
