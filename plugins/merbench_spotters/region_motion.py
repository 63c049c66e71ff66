"""How much each region of the face moved between a frame and the frame ``lag`` frames later.

This is the flow half of the MEGC 2020 baseline (MDMD, "main directional maximal
difference": github.com/HeyingGithub/Baseline-project-for-MEGC2020_spotting,
``MDMD_codes/MDMD.m`` and ``MDMD_codes/cmd.m``, commit
7d186cf60d94aa1b7955f8bf7e68fd45a7a235cd), reduced to what a training-free baseline needs
and written here from its description:

1. **Flow** from frame ``j`` to frame ``j + lag``: OpenCV's Farneback (the default: about
   0.6 ms for a 64 x 64 pair on one core, so a long video takes seconds to minutes) with
   the settings merbench's ``tvl1-uvos`` feature pins for it, or OpenCV contrib's Dual
   TV-L1 at OpenCV's defaults (``method="tvl1"``: the flow of the learned spotters,
   SoftNet's ``cv2.optflow.DualTVL1OpticalFlow_create()``, and about 80 times slower:
   48 ms a pair). MDMD used RLOF, a MATLAB build not available here.
2. **Head motion removed** from each flow before any magnitude is taken. An expression moves
   part of the face; the head moves all of it, and a spotter that counted head motion would
   spot every nod. ``head_motion="median"`` (the default) subtracts the median flow vector
   over the face: the translation most pixels share, which an expression (a minority of the
   pixels) does not move, and which needs no landmark. ``"nose"`` subtracts the mean flow of
   a box at the nose, as SoftNet does (github.com/genbing99/SoftNet-SpotME,
   ``extraction_preprocess.py``, commit dd43d1e1d5ae471998ceb3be3177e2d9517c58fd: "Remove
   global head movement by minus nose region", an 11 x 11 box at landmark 28); here the box
   is placed by proportion (:data:`NOSE`), since the frames are aligned crops and this
   spotter uses no landmark. ``"none"`` keeps the flow as it is (for frames already
   stabilised). Only translation is removed: a turn or a nod that scales or rotates the
   face still counts as motion.
3. **Regions: a grid** of ``grid`` x ``grid`` blocks over the face (MDMD's 6 x 6,
   ``blocks=[6]`` in ``cmd.m``), not eye, brow and mouth boxes. The frames are only roughly
   aligned, so boxes placed by proportion would miss a brow that sits a few pixels higher
   in one subject; a grid covers the whole face, and the selection below picks whichever
   blocks moved. Pixels left over when the size is not a multiple of ``grid`` (the last
   rows and columns) are left out, as MDMD's ``floor`` leaves them.
4. **Robust block score**: the mean of the largest third of the block's magnitudes (MDMD
   keeps the top third of each block's vectors, ``R(1:round(m/3))``): a block where a
   brow corner moved scores by the moving pixels, not by its still majority. MDMD first
   keeps only the vectors of the block's dominant quarter of directions; this module does
   not, since with head motion removed the magnitudes alone carry the movement.

The result is one row of ``grid * grid`` block scores (working pixels of displacement) per
frame pair; :mod:`merbench_spotters.apex_signal` turns rows into the per-frame signal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHODS = ("farneback", "tvl1")
HEAD_MOTIONS = ("median", "nose", "none")

# Farneback as merbench's tvl1-uvos feature pins it (plugins/merbench_features/tvl1_uvos.py)
FARNEBACK = {"pyr_scale": 0.5, "levels": 3, "winsize": 15, "iterations": 3, "poly_n": 5,
             "poly_sigma": 1.2, "flags": 0}
# the nose box of an aligned face crop, as fractions of (height, width): (top, bottom),
# (left, right); the middle of the face, between the eyes' and the mouth's rows
NOSE = ((0.45, 0.65), (0.42, 0.58))


def flow_settings(method: str) -> dict[str, Any]:
    """Every setting of the flow, as the spotter's params record it."""
    if method == "farneback":
        return {"method": "farneback", **FARNEBACK}
    return {"method": "tvl1", "settings": "OpenCV DualTVL1OpticalFlow_create defaults"}


class FlowSolver:
    """Dense flow between two grey frames, ``(H, W, 2)`` float32 ``(u, v)`` in pixels, with
    ``first(x, y) ~ second(x + u, y + v)``. One TV-L1 solver is made and reused."""

    def __init__(self, method: str) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        self.method = method
        self._tvl1: Any = None

    def __call__(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        import cv2  # deferred: OpenCV loads in a noticeable share of a second

        if self.method == "farneback":
            # OpenCV's stubs type the output argument as required; None lets it allocate one
            return cv2.calcOpticalFlowFarneback(  # type: ignore[call-overload]
                first, second, None, **FARNEBACK)
        if self._tvl1 is None:
            # the contrib build has it; the stubs OpenCV ships describe the main build only
            self._tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()  # type: ignore[attr-defined]
        return np.asarray(self._tvl1.calc(first, second, None))


def without_head_motion(flow: np.ndarray, head_motion: str) -> np.ndarray:
    """``flow`` less the head's translation (see the module docstring, step 2)."""
    if head_motion == "none":
        return flow
    if head_motion == "median":
        shift = np.median(flow.reshape(-1, 2), axis=0)
    else:
        height, width = flow.shape[:2]
        (top, bottom), (left, right) = NOSE
        box = flow[int(top * height):max(int(top * height) + 1, int(bottom * height)),
                   int(left * width):max(int(left * width) + 1, int(right * width))]
        shift = box.reshape(-1, 2).mean(axis=0)
    return flow - shift


def top_mean(values: np.ndarray, fraction: float) -> np.ndarray:
    """The mean of the largest ``fraction`` of ``values`` along the last axis (at least
    one value): MDMD's "top third" when ``fraction`` is 1/3."""
    count = values.shape[-1]
    keep = min(count, max(1, round(count * fraction)))
    largest = np.partition(values, count - keep, axis=-1)[..., count - keep:]
    return np.asarray(largest.mean(axis=-1))


def block_scores(flow: np.ndarray, grid: int, fraction: float) -> np.ndarray:
    """``grid * grid`` scores of one flow's magnitudes, row by row: each block's
    :func:`top_mean`."""
    height, width = flow.shape[:2]
    rows, cols = height // grid, width // grid
    magnitude = np.hypot(flow[..., 0], flow[..., 1])[:rows * grid, :cols * grid]
    blocks = magnitude.reshape(grid, rows, grid, cols).transpose(0, 2, 1, 3)
    return top_mean(blocks.reshape(grid * grid, rows * cols), fraction)


def lagged_block_motion(video: np.ndarray, lag: int, *, solver: FlowSolver, head_motion: str,
                        grid: int, fraction: float) -> np.ndarray:
    """``(T - lag, grid * grid)``: row ``j`` scores the motion from frame ``j`` to frame
    ``j + lag`` by block (empty when the video has ``lag`` frames or fewer)."""
    if head_motion not in HEAD_MOTIONS:
        raise ValueError(f"head_motion must be one of {', '.join(HEAD_MOTIONS)}, "
                         f"not {head_motion!r}")
    pairs = max(0, len(video) - lag)
    scores = np.empty((pairs, grid * grid), dtype=np.float64)
    for j in range(pairs):
        flow = without_head_motion(solver(video[j], video[j + lag]), head_motion)
        scores[j] = block_scores(flow, grid, fraction)
    return scores
