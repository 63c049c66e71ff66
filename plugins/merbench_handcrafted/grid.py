"""Cutting an image into a grid of blocks, as the handcrafted descriptors do."""

from __future__ import annotations

import numpy as np

from merbench.api import MerbenchError


def block_index(height: int, width: int, grid: int) -> np.ndarray:
    """(height, width) int array: the block (row-major, 0 .. grid*grid - 1) of every pixel.

    Block edges are ``round(linspace(0, size, grid + 1))``, so sides that ``grid`` does not
    divide get blocks differing by one pixel (28 pixels in 5 blocks: 6, 5, 6, 5, 6).
    """
    if height < grid or width < grid:
        raise MerbenchError(f"a {height}x{width} image cannot be cut into a {grid}x{grid} "
                            "block grid; give a larger image or a smaller grid")
    rows = np.searchsorted(np.round(np.linspace(0, height, grid + 1))[1:-1],
                           np.arange(height), side="right")
    cols = np.searchsorted(np.round(np.linspace(0, width, grid + 1))[1:-1],
                           np.arange(width), side="right")
    return rows[:, None] * grid + cols[None, :]
