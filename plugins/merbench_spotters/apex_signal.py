"""The per-frame movement signal of one pass: high at an expression's frames, low elsewhere.

Why "differs from the frame k before *and* the frame k after". Both MEGC baselines score a
frame ``i`` by how far it is from its neighbours ``k`` frames away on both sides: the
MEGC 2019 baseline (Li et al., after Moilanen et al. 2014) compares frame ``i``'s features
with the mean of frames ``i - k`` and ``i + k``; the MEGC 2020 baseline (MDMD,
github.com/HeyingGithub/Baseline-project-for-MEGC2020_spotting, ``MDMD_codes/MDMD.m``,
commit 7d186cf60d94aa1b7955f8bf7e68fd45a7a235cd) takes the flow from ``i - k`` to ``i``
less the flow from ``i - k`` to ``i + k``. An expression that lasts about ``k`` frames or
less is away from neutral at its apex and back to neutral ``k`` frames before and after,
so the apex scores high on both sides; head drift, a slow change or a held pose scores
low on at least one side. Motion relative to one side only (frame ``i - k`` alone) would
score each expression twice, once going and once coming back.

This module computes it with one flow per frame instead of MDMD's two: the block scores of
the flow ``i - k -> i`` (:mod:`merbench_spotters.region_motion`, "in") and of the flow
``i -> i + k`` ("out") are the same lag-``k`` rows, ``k`` rows apart, so each is computed
once (SoftNet, too, computes one flow per frame, from frame ``j`` to ``j + k``:
github.com/genbing99/SoftNet-SpotME, ``extraction_preprocess.py``, commit
dd43d1e1d5ae471998ceb3be3177e2d9517c58fd). Frame ``i``'s score is, per block, the smaller
of in and out (motion on both sides), then the mean of the top third of blocks (MDMD's
``Rset(1:round(rows*cols/3))``): an expression moves a few regions, and the mean of all 36
would drown them in the still ones.
For an expression of ``k`` frames or less this traces its envelope: near 0 before the
onset, its displacement at each frame, near 0 after the offset. A longer one shows only
its middle (its first frames still differ little from the frame ``k`` later, which is in
the expression too), so the score finds the apex but not the edges.

Edges from each side. The two sides apart keep what the score loses: motion in (from
``i - k``) traces the expression's rise as long as ``i - k`` is before the onset, and
motion out (to ``i + k``) its fall as long as ``i + k`` is after the offset. So the onset
is read on motion in and the offset on motion out, which holds for an expression of up to
about ``2k`` frames with its apex in the middle (:mod:`merbench_spotters.peaks`).

Smoothing. The score is then averaged over a sliding window of ``window`` frames (SoftNet
averages its scores over ``2k`` frames before finding peaks, github.com/genbing99/
SoftNet-SpotME, ``training.py``, commit dd43d1e1d5ae471998ceb3be3177e2d9517c58fd). The
window is a fixed duration (:class:`~merbench_spotters.flow_peak.FlowPeakOptions`
``smooth_seconds``), shorter than SoftNet's, since the intervals here are read from the
signal's shape (:mod:`merbench_spotters.peaks`), which a ``2k`` average would widen by
``2k`` frames.

Frame numbers. The signal exists for frames ``k .. T - 1 - k`` only (the others lack a
neighbour ``k`` away); :class:`PassSignal` keeps that offset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from merbench_spotters.region_motion import top_mean


@dataclass(frozen=True)
class PassSignal:
    """One pass's signals, smoothed; position ``n`` of each is frame ``first + n``, in
    working pixels. ``score`` is the both-sides score (peaks are found on it); ``moved_in``
    (motion from the frame ``lag`` before) and ``moved_out`` (motion to the frame ``lag``
    after) are the two sides apart, over their own top blocks: an interval's onset is read
    on ``moved_in`` and its offset on ``moved_out`` (:mod:`merbench_spotters.peaks`).
    ``lag`` is the pass's ``k``."""

    score: np.ndarray
    moved_in: np.ndarray
    moved_out: np.ndarray
    first: int
    lag: int


def both_sides(blocks: np.ndarray, lag: int, fraction: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame ``i`` in ``lag .. T - 1 - lag``, from the ``(T - lag, blocks)`` rows of
    :func:`merbench_spotters.region_motion.lagged_block_motion`: the top-``fraction`` mean
    over blocks of min(motion ``i - lag -> i``, motion ``i -> i + lag``), and the
    top-``fraction`` means of each side alone."""
    frames = max(0, len(blocks) - lag)  # T - 2 lag: the frames with a neighbour each side
    moved_in, moved_out = blocks[:frames], blocks[lag:lag + frames]
    if frames == 0:
        empty = np.zeros(0, dtype=np.float64)
        return empty, empty, empty
    return (top_mean(np.minimum(moved_in, moved_out), fraction),
            top_mean(moved_in, fraction), top_mean(moved_out, fraction))


def smoothed(values: np.ndarray, window: int) -> np.ndarray:
    """The moving average of ``values`` over ``window`` frames, centred, the ends repeated
    (a plain mean: every frame of the window weighs the same)."""
    if window <= 1 or len(values) == 0:
        return values
    from scipy.ndimage import uniform_filter1d  # deferred: SciPy takes a while to load

    return np.asarray(uniform_filter1d(values, size=window, mode="nearest"))


def pass_signal(blocks: np.ndarray, lag: int, *, fraction: float, window: int) -> PassSignal:
    """The smoothed signals of one pass, with their first frame number."""
    score, moved_in, moved_out = (smoothed(v, window) for v in both_sides(blocks, lag, fraction))
    return PassSignal(score, moved_in, moved_out, lag, lag)
