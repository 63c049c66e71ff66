"""One long video's frames as the flow spotter takes them: checked, stacked, at a working size.

The :class:`~merbench.spotting.spotter.Spotter` contract takes grey uint8 frames, as an
array ``(T, H, W)`` or an iterable of ``(H, W)`` arrays, and a positive frame rate, and
refuses anything else with one :class:`ValueError` before any flow is computed: a spotter
that silently accepted colour frames, floats in 0..1 or a frame rate of 0 would return
intervals that mean nothing, and the mistake would surface only as a low F1.

Why a working size. Optical flow costs time in proportion to the pixels, and a long video
has thousands of frames (minutes at 30 or 200 fps). Frames whose longer side exceeds
``max_side`` are shrunk (``cv2.INTER_AREA``, which averages and so does not alias) to that
side; smaller frames are kept as they are, never enlarged, since enlarging adds no motion
to measure. Frames given one by one are shrunk as they come, so only the working size is
held: a caller can stream a long video from disk. The default 128 is the face size the
SoftNet spotter works at (github.com/genbing99/SoftNet-SpotME, ``load_images.py``, commit
dd43d1e1d5ae471998ceb3be3177e2d9517c58fd: faces resized to 128 x 128).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from merbench.api import OptionValueError

MIN_SIDE = 16  # pixels: below this a 6 x 6 grid has blocks of two pixels or fewer

FRAMES_ARE = ("grey uint8 frames: a (T, H, W) uint8 array or an iterable of (H, W) uint8 "
              "arrays of one size")


def check_fps(fps: Any) -> float:
    """``fps`` as a float, or a ValueError: a frame rate is a finite number above 0."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)) \
            or not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a positive number of frames per second, not {fps!r}")
    return float(fps)


def _describe(array: np.ndarray) -> str:
    shape = " x ".join(map(str, array.shape)) or "scalar"
    return f"a {array.ndim}-D {array.dtype} array of shape {shape}"


def _check_size(height: int, width: int) -> None:
    if min(height, width) < MIN_SIDE:
        raise ValueError(f"the spotter takes frames of at least {MIN_SIDE} x {MIN_SIDE} "
                         f"pixels (a face crop); got {width} x {height}")


def check_grid(grid: int, max_side: int) -> None:
    """Refuse a ``grid`` of more blocks a side than ``max_side`` lets a working frame have
    pixels, when the options are read: no frame can hold it, whatever its size, and the
    refusal that came after reading the video blamed the frames' size, which the user had
    right (256-pixel frames said to be 128 x 128, their working size)."""
    if grid > max_side:
        raise OptionValueError(f"grid={grid} needs working frames of at least {grid} pixels "
                               f"a side, more than max_side={max_side} lets them have; give "
                               f"grid <= {max_side} or max_side >= {grid}")


def check_grid_fits(video: np.ndarray, grid: int, max_side: int) -> None:
    """Refuse ``video`` (at the working size) where a side has fewer pixels than ``grid``
    has blocks: said as the working size, which ``max_side`` may have made smaller than the
    frames given (a wide frame's shorter side), with the grid that fits."""
    if len(video) and min(video.shape[1:]) < grid:
        height, width = video.shape[1:]
        raise ValueError(f"a grid of {grid} x {grid} blocks needs working frames of at least "
                         f"{grid} pixels a side; these are {width} x {height} at the working "
                         f"size (frames whose longer side is above max_side={max_side} are "
                         f"shrunk to it): give grid <= {min(height, width)}")


class _Shrink:
    """One frame to the working size (see the module docstring): area averaging so that
    the longer side is ``max_side``, or the frame itself when it is no larger."""

    def __init__(self, height: int, width: int, max_side: int) -> None:
        scale = max_side / max(height, width)
        self.size = None if scale >= 1 else (max(MIN_SIDE, round(width * scale)),
                                              max(MIN_SIDE, round(height * scale)))

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        if self.size is None:
            return frame
        import cv2  # deferred: OpenCV loads in a noticeable share of a second

        return np.asarray(cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA))


def working_frames(frames: np.ndarray | Iterable[np.ndarray], max_side: int) -> np.ndarray:
    """The frames as one contiguous ``(T, h, w)`` uint8 array at the working size, or a
    ValueError saying what they are instead. ``T`` may be 0 (an empty video). Frames that
    come one by one are shrunk as they come, so a long video read from disk never has to
    be held at full size."""
    if isinstance(frames, np.ndarray):
        if frames.ndim != 3 or frames.dtype != np.uint8:
            raise ValueError(f"the spotter takes {FRAMES_ARE}; got {_describe(frames)}")
        if len(frames) == 0:
            return np.zeros((0, MIN_SIDE, MIN_SIDE), dtype=np.uint8)
        height, width = frames.shape[1], frames.shape[2]
        _check_size(height, width)
        whole = _Shrink(height, width, max_side)
        if whole.size is None:
            return np.ascontiguousarray(frames)  # OpenCV reads rows in memory order
        return np.stack([whole(frame) for frame in frames])
    if isinstance(frames, (str, bytes)) or not isinstance(frames, Iterable):
        raise ValueError(f"the spotter takes {FRAMES_ARE}; got {type(frames).__name__}")
    kept: list[np.ndarray] = []
    first: np.ndarray | None = None
    shrink: _Shrink | None = None
    for position, given in enumerate(frames):
        frame = np.asarray(given)
        if frame.ndim != 2 or frame.dtype != np.uint8 or \
                (first is not None and frame.shape != first.shape):
            raise ValueError(f"the spotter takes {FRAMES_ARE}; frame {position} is "
                             f"{_describe(frame)}"
                             + (f" (frame 0: {_describe(first)})" if first is not None else ""))
        if first is None or shrink is None:
            _check_size(frame.shape[0], frame.shape[1])
            first, shrink = frame, _Shrink(frame.shape[0], frame.shape[1], max_side)
        kept.append(np.ascontiguousarray(shrink(frame)))
    if not kept:
        return np.zeros((0, MIN_SIDE, MIN_SIDE), dtype=np.uint8)
    return np.stack(kept)
