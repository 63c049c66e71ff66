"""Bi-WOOF (Liong et al., 2018): bi-weighted oriented optical flow, vectorised over samples.

Definition (part of the feature versions that use it):
- the face is cut into a ``grid`` x ``grid`` block grid (5 x 5; see
  :func:`merbench_handcrafted.grid.block_index`: a 28-pixel side gives blocks of 5 or 6 pixels);
- per block, an 8-bin histogram of the flow orientation ``atan2(v, u)``, each pixel weighted
  by its flow magnitude, normalised to sum 1 (a block without motion stays all zero);
- each block's histogram is multiplied by the block's summed optical strain, the blocks are
  concatenated (25 x 8 = 200) and the vector is L2-normalised (an all-zero vector stays zero).

Bins: 8 equal bins over [-180°, 180°), bin ``k`` covering [-180 + 45k, -135 + 45k); an angle
of exactly 180° is the same direction as -180° and goes to bin 0. The authors' code places its
bin edges so that orientations in (135°, 180°] fall outside every bin and are silently dropped;
merbench counts them, so its numbers are not bit-comparable with the original code's.
Orientation follows image coordinates: u to the right, v downwards.
"""

from __future__ import annotations

import numpy as np

from merbench.api import MerbenchError
from merbench_handcrafted.grid import block_index

GRID = 5
BINS = 8


def orientation_bin(u: np.ndarray, v: np.ndarray, bins: int = BINS) -> np.ndarray:
    """The bin of each flow vector's angle among ``bins`` equal bins over [-180°, 180°)."""
    angle = np.arctan2(v, u)  # (-pi, pi]
    position = np.floor((angle + np.pi) / (2 * np.pi) * bins).astype(np.int64)
    return np.mod(position, bins)  # +180° (position == bins) is -180°: bin 0


def biwoof(u: np.ndarray, v: np.ndarray, strain: np.ndarray, grid: int = GRID,
           bins: int = BINS) -> np.ndarray:
    """Bi-WOOF descriptors of N flow fields: u, v, strain (N, H, W) -> (N, grid*grid*bins)."""
    u, v, strain = (np.asarray(a, dtype=np.float64) for a in (u, v, strain))
    if u.ndim == 2:
        u, v, strain = u[None], v[None], strain[None]
    if not (u.shape == v.shape == strain.shape) or u.ndim != 3:
        raise MerbenchError(f"Bi-WOOF needs u, v and strain of one shape (N, H, W); got "
                            f"{u.shape}, {v.shape} and {strain.shape}")
    n, height, width = u.shape
    blocks = grid * grid
    block = block_index(height, width, grid)                       # (H, W)
    magnitude = np.hypot(u, v)                                      # (N, H, W)
    cell = block[None] * bins + orientation_bin(u, v, bins)         # (N, H, W) in 0..blocks*bins
    offset = np.arange(n)[:, None, None] * (blocks * bins)
    hist = np.bincount((cell + offset).ravel(), weights=magnitude.ravel(),
                       minlength=n * blocks * bins).reshape(n, blocks, bins)
    total = hist.sum(axis=2, keepdims=True)
    hist = np.divide(hist, total, out=np.zeros_like(hist), where=total > 0)
    block_strain = np.bincount((block[None] + np.arange(n)[:, None, None] * blocks).ravel(),
                               weights=strain.ravel(), minlength=n * blocks).reshape(n, blocks)
    features = (hist * block_strain[:, :, None]).reshape(n, blocks * bins)
    norm = np.linalg.norm(features, axis=1, keepdims=True)
    return np.divide(features, norm, out=np.zeros_like(features), where=norm > 0)
