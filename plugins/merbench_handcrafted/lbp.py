"""Uniform LBP histograms per block, with scikit-image's ``local_binary_pattern``.

Codes are the 59 non-rotation-invariant uniform patterns of 8 neighbours
(``method="nri_uniform"``: 58 uniform patterns and one bin for all the others), which is the
"uniform, 59 bins" of LBP-TOP; scikit-image's ``"uniform"`` is the rotation-invariant 10-bin
variant and is not used. Each block's histogram is normalised to sum 1, so a descriptor sums
to its number of blocks whatever the image size.
"""

from __future__ import annotations

import numpy as np

from merbench_handcrafted.grid import block_index

NEIGHBOURS = 8
RADIUS = 3
N_CODES = 59  # nri_uniform with 8 neighbours: P * (P - 1) + 3


def lbp_codes(gray: np.ndarray, neighbours: int = NEIGHBOURS,
              radius: float = RADIUS) -> np.ndarray:
    """(H, W) uint8 grey image -> (H, W) int codes 0 .. 58 (non-rotation-invariant uniform)."""
    from skimage.feature import local_binary_pattern

    return local_binary_pattern(np.asarray(gray), neighbours, radius,
                                method="nri_uniform").astype(np.int64)


def block_histograms(codes: np.ndarray, blocks: int = 8, n_codes: int = N_CODES) -> np.ndarray:
    """(N, H, W) codes -> (N, blocks * blocks * n_codes) per-block histograms, each summing to
    1 (block edges as in :func:`merbench_handcrafted.grid.block_index`)."""
    codes = np.asarray(codes)
    if codes.ndim == 2:
        codes = codes[None]
    n, height, width = codes.shape
    block = block_index(height, width, blocks)
    cells = blocks * blocks * n_codes
    index = block[None] * n_codes + codes + np.arange(n)[:, None, None] * cells
    counts = np.bincount(index.ravel(), minlength=n * cells).reshape(n, blocks * blocks, n_codes)
    sizes = counts.sum(axis=2, keepdims=True)
    return (counts / sizes).reshape(n, cells)
