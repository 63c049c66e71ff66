"""Peaks of a pass's signal, the interval around each, and one interval where passes agree.

**Threshold.** A frame is a candidate apex when the signal there is a local maximum at
least ``k`` frames from a higher one (SciPy's ``find_peaks(..., distance=k)``, as SoftNet
calls it: github.com/genbing99/SoftNet-SpotME, ``training.py``, commit
dd43d1e1d5ae471998ceb3be3177e2d9517c58fd) and reaches the higher of two levels:

- ``mean + p x (max - mean)`` of the video's own signal: the threshold of Moilanen et al.
  (2014) that the MEGC baselines use, MEGC 2019's (github.com/jingtingEmmaLi/
  MEGC_spotting, ``CAS(ME)2_LBP/detectAvecSeuil_longVid.m``, commit
  f992d4df8a998f1d6c1e25a69fe16871971286a0, where ``p = 0.15``), MEGC 2020's (MDMD,
  github.com/HeyingGithub/Baseline-project-for-MEGC2020_spotting, ``MDMD_codes/cmd.m``,
  commit 7d186cf60d94aa1b7955f8bf7e68fd45a7a235cd, which reports every ``p`` from 0.01 to
  0.99) and SoftNet's. Relative to the video, so that one threshold serves a subject who
  moves a lot and one who barely moves; ``p`` is the spotter's main option, to be chosen on
  training subjects only.
- ``median + min_motion``: an absolute floor, in working pixels of displacement above the
  video's typical level (its median). The relative level alone always finds something,
  since the largest noise blip of a still video is its ``max``; the floor is what lets a
  video with no expression yield no interval.

**Interval.** ``interval="drop"`` (the default): the onset is the earliest frame before
the peak from which motion in (from ``k`` frames earlier) stays above
``median + edge x (its value at the peak - median)``, the offset the latest frame after it
to which motion out (to ``k`` frames later) stays above the same fraction of its own
(:mod:`merbench_spotters.apex_signal`: each side traces one flank of the expression). So
an interval runs from where the expression has grown to ``edge`` of its apex to where it
has faded back to it. MDMD's intervals are likewise the runs of frames above its threshold
(``MDMD_results/MDMDmat_to_txt.m``), here per peak and at a level relative to that peak,
so that a strong and a weak expression are cut alike.
``interval="window"``: ``[peak - k, peak + k]``, SoftNet's fixed interval ("Extend left and
right side of peak by k frames"), which fits only expressions of about ``2k`` frames.

**Passes agree.** Two passes (micro and macro ``k``) can both find one expression: a short
expression is seen at full height by either. Candidates are kept strongest first (height
above the median, in pixels, comparable across passes), and one is dropped when at least
``overlap`` of the shorter of it and a kept interval is shared: non-maximum suppression,
as the MEGC 2020 baseline's ``nms`` in ``MDMD_results/result_helper.py`` (same commit)
keeps the higher-scored of overlapping clips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from merbench.api import FrameInterval, intersection
from merbench_spotters.apex_signal import PassSignal

INTERVALS = ("drop", "window")


@dataclass(frozen=True)
class Candidate:
    """A peak's interval (frames of the video) and its height above the pass's median."""

    interval: FrameInterval
    height: float
    lag: int


def threshold(values: np.ndarray, p: float, min_motion: float) -> float:
    """max(mean + p (max - mean), median + min_motion) of ``values``."""
    mean, top, median = float(values.mean()), float(values.max()), float(np.median(values))
    return max(mean + p * (top - mean), median + min_motion)


def _drop_edge(side: np.ndarray, peak: int, edge: float, step: int) -> int:
    """The last position, from ``peak`` going ``step`` (-1: earlier, 1: later), before
    ``side`` falls to ``median + edge x (side[peak] - median)`` or below; the end of the
    signal when it does not."""
    median = float(np.median(side))
    level = median + edge * (float(side[peak]) - median)
    if step < 0:
        below = np.flatnonzero(side[:peak] <= level)
        return int(below[-1]) + 1 if len(below) else 0
    below = np.flatnonzero(side[peak + 1:] <= level)
    return peak + int(below[0]) if len(below) else len(side) - 1


def candidates(signal: PassSignal, n_frames: int, *, p: float, min_motion: float,
               edge: float, interval: str) -> list[Candidate]:
    """Every peak of one pass above its threshold, with its interval in video frames
    (within ``0 .. n_frames - 1``)."""
    values = signal.score
    if len(values) == 0:
        return []
    from scipy.signal import find_peaks  # deferred: SciPy takes a while to load

    median = float(np.median(values))
    peaks, _ = find_peaks(values, height=threshold(values, p, min_motion),
                          distance=max(1, signal.lag))
    found = []
    for peak in (int(x) for x in peaks):
        height = float(values[peak]) - median
        if interval == "drop":
            start = _drop_edge(signal.moved_in, peak, edge, step=-1)
            end = _drop_edge(signal.moved_out, peak, edge, step=1)
            onset, offset = signal.first + start, signal.first + end
        else:
            apex = signal.first + peak
            onset, offset = max(0, apex - signal.lag), min(n_frames - 1, apex + signal.lag)
        found.append(Candidate(FrameInterval(onset, offset), height, signal.lag))
    return found


def suppress_overlaps(found: list[Candidate], overlap: float) -> list[Candidate]:
    """The strongest candidates, none sharing ``overlap`` or more of the shorter interval
    with a stronger one kept; in time order. Ties in height keep the shorter lag's (the
    micro pass's) first, so the result does not depend on the order of the passes."""
    kept: list[Candidate] = []
    for candidate in sorted(found, key=lambda c: (-c.height, c.lag, c.interval)):
        if all(intersection(candidate.interval, other.interval)
               < overlap * min(candidate.interval.frames, other.interval.frames)
               for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda c: c.interval)
