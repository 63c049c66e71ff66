"""``flow-peak``: the training-free spotter of the MEGC baselines, on optical flow and peaks.

What it does, for one long video of aligned grey face crops at ``fps`` frames per second:

1. Frames checked and shrunk to a working size (:mod:`merbench_spotters.frames`).
2. For each pass (micro, then macro), ``k = round(k_seconds x fps)`` frames: the motion of
   each block of a 6 x 6 grid from every frame to the frame ``k`` later, head translation
   removed (:mod:`merbench_spotters.region_motion`).
3. Per frame, the motion it shows against both the frame ``k`` before and ``k`` after,
   over the top third of blocks, averaged over a short window
   (:mod:`merbench_spotters.apex_signal`).
4. Peaks above ``mean + p x (max - mean)`` of the video's own signal (and an absolute
   floor), each turned into the interval where the signal stays above ``edge`` of its
   height; the passes' intervals merged by non-maximum suppression
   (:mod:`merbench_spotters.peaks`).
5. Each interval typed micro or macro by its duration at ``fps``
   (:func:`merbench.spotting.intervals.kind_by_duration`): a pass finds candidates, the
   duration names them, so a micro-expression found by the macro pass is still micro.

Why these ``k``. The MEGC 2020 baseline (MDMD, github.com/HeyingGithub/
Baseline-project-for-MEGC2020_spotting, ``MDMD_codes/cmd.m``, commit
7d186cf60d94aa1b7955f8bf7e68fd45a7a235cd) runs one pass per type with ``k = 12`` (micro)
and ``39`` (macro) on CAS(ME)^2 at 30 fps and ``80`` and ``260`` on SAMM at 200 fps: 0.4 s
and 1.3 s in both databases. merbench states them in seconds (``micro_k_seconds``,
``macro_k_seconds``) and converts them per video, as it converts the micro / macro rule.
SoftNet (github.com/genbing99/SoftNet-SpotME, ``load_label.py`` ``cal_k``, commit
dd43d1e1d5ae471998ceb3be3177e2d9517c58fd) sets ``k`` to half the mean duration of the
database's labelled expressions instead, which reads the test subjects' labels; merbench
does not.

What it is not: a trained spotter. Nothing here is fitted; ``p``, ``min_motion`` and the
other options are its only knobs, and the spotting protocol is to choose them on training
subjects. It spots movement, not expressions: a blink, a swallow or a head turn that
rotates the face moves regions as an expression does and is reported as one.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from merbench.api import MICRO_MAX_SECONDS, Spotted, Spotter, kind_by_duration, whole_value
from merbench_spotters.apex_signal import PassSignal, pass_signal
from merbench_spotters.frames import check_fps, check_grid, check_grid_fits, working_frames
from merbench_spotters.peaks import INTERVALS, Candidate, candidates, suppress_overlaps
from merbench_spotters.region_motion import (
    HEAD_MOTIONS,
    METHODS,
    FlowSolver,
    flow_settings,
    lagged_block_motion,
)

NAME = "flow-peak"


@dataclass(frozen=True)
class FlowPeakOptions:
    """The spotter's options; every one decides the intervals and is recorded in ``params``.

    - ``micro_k_seconds`` (0.4): the micro pass's ``k``, MDMD's 12 frames at 30 fps and 80
      at 200 fps.
    - ``macro_k_seconds`` (1.3): the macro pass's ``k``, MDMD's 39 and 260; None runs the
      micro pass only.
    - ``p`` (0.3): the relative threshold ``mean + p x (max - mean)``, 0 <= p < 1. MDMD
      reports every p from 0.01 to 0.99, MEGC 2019's baseline uses 0.15; 0.3 keeps the
      synthetic tests' planted expressions and drops the noise between them. Choose it on
      training subjects.
    - ``min_motion`` (0.1): the absolute floor, a peak's height above the video's median in
      working pixels of displacement; what keeps a still video empty.
    - ``smooth_seconds`` (0.1): the moving-average window (3 frames at 30 fps, 20 at 200).
    - ``edge`` (0.1): an interval ends where the signal falls to this fraction of its
      peak's height above the median, 0 < edge < 1. Lower reaches further into an
      expression's slow start and end; 0.1 gives the synthetic tests' planted expressions
      (raised-cosine envelopes) intervals of 60-85 % of their length, 0.25 only 55-70 %.
    - ``interval`` ("drop"): "drop" (edges by ``edge``) or "window" (``[peak - k, peak +
      k]``, SoftNet's).
    - ``overlap`` (0.5): two passes' intervals sharing this fraction of the shorter one are
      one expression; the stronger is kept.
    - ``grid`` (6): blocks per side, MDMD's 6 x 6; at most ``max_side``.
    - ``top_fraction`` (1/3): the share of pixels per block, and of blocks per frame,
      averaged: MDMD's top third.
    - ``head_motion`` ("median"): "median", "nose" or "none"
      (:mod:`merbench_spotters.region_motion`).
    - ``method`` ("farneback"): the flow, "farneback" or "tvl1".
    - ``max_side`` (128): frames larger than this are shrunk to it (working pixels).
    - ``micro_max_seconds`` (0.5): the micro / macro rule by duration.
    """

    micro_k_seconds: float = 0.4
    macro_k_seconds: float | None = 1.3
    p: float = 0.3
    min_motion: float = 0.1
    smooth_seconds: float = 0.1
    edge: float = 0.1
    interval: str = "drop"
    overlap: float = 0.5
    grid: int = 6
    top_fraction: float = 1 / 3
    head_motion: str = "median"
    method: str = "farneback"
    max_side: int = 128
    micro_max_seconds: float = MICRO_MAX_SECONDS

    def __post_init__(self) -> None:
        # durations at most 10 s, as flow-score's: a micro-expression lasts under 0.5 s, and
        # 1e308 s overflowed into frames, 1e9 s asked for a window of gigabytes
        _number("micro_k_seconds", self.micro_k_seconds, low=0, low_open=True,
                high=MAX_SECONDS)
        if self.macro_k_seconds is not None:
            _number("macro_k_seconds", self.macro_k_seconds, low=0, low_open=True,
                    high=MAX_SECONDS)
        _number("p", self.p, low=0, high=1, high_open=True)
        _number("min_motion", self.min_motion, low=0)
        _number("smooth_seconds", self.smooth_seconds, low=0, high=MAX_SECONDS)
        _number("edge", self.edge, low=0, high=1, low_open=True, high_open=True)
        _number("overlap", self.overlap, low=0, high=1, low_open=True)
        _number("top_fraction", self.top_fraction, low=0, high=1, low_open=True)
        _number("micro_max_seconds", self.micro_max_seconds, low=0, low_open=True,
                high=MAX_SECONDS)
        _whole("grid", self.grid, low=1)
        _whole("max_side", self.max_side, low=16)
        check_grid(self.grid, self.max_side)
        for name, value, allowed in (("interval", self.interval, INTERVALS),
                                     ("head_motion", self.head_motion, HEAD_MOTIONS),
                                     ("method", self.method, METHODS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


#: the longest duration a seconds option takes (flow-score's bound too)
MAX_SECONDS = 10


def _number(name: str, value: Any, *, low: float, high: float = math.inf,
            low_open: bool = False, high_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < low or (low_open and value == low) \
            or value > high or (high_open and value == high):
        span = (f"{'(' if low_open else '['}{low:g}, "
                f"{'inf' if high == math.inf else f'{high:g}'}{')' if high_open else ']'}")
        raise ValueError(f"{name} must be a number in {span}, not {value!r}")


def _whole(name: str, value: Any, *, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number of at least {low}, not {value!r}")


def frames_of(seconds: float, fps: float) -> int:
    """A duration in whole frames at ``fps``, at least 1 (half up: 0.4 s at 30 fps is 12)."""
    return max(1, math.floor(seconds * fps + 0.5))


class FlowPeakSpotter:
    """The ``flow-peak`` spotter: a :class:`~merbench.spotting.spotter.Spotter`."""

    def __init__(self, options: FlowPeakOptions) -> None:
        self.options = options

    @property
    def params(self) -> dict[str, Any]:
        return {"spotter": NAME, **asdict(self.options),
                "flow": flow_settings(self.options.method)}

    def lags(self, fps: float) -> list[int]:
        """Each pass's ``k`` in frames at ``fps``, micro first; one when both are equal."""
        seconds = [self.options.micro_k_seconds]
        if self.options.macro_k_seconds is not None:
            seconds.append(self.options.macro_k_seconds)
        return sorted({frames_of(s, fps) for s in seconds})

    def min_frames(self, fps: float) -> int:
        """The fewest frames a pass scores one in: a frame with ``k`` on both sides, for the
        shortest pass's ``k`` at ``fps`` (:class:`~merbench.api.NeedsFrames`)."""
        return 2 * min(self.lags(check_fps(fps))) + 1

    def signals(self, frames: np.ndarray | Iterable[np.ndarray], fps: float
                ) -> tuple[list[PassSignal], int]:
        """Each pass's motion signal and the video's length in frames: the costly part,
        which depends on no option of :data:`AFTER_SIGNAL`."""
        fps = check_fps(fps)
        video = working_frames(frames, self.options.max_side)
        o = self.options
        check_grid_fits(video, o.grid, o.max_side)
        solver = FlowSolver(o.method)
        window = frames_of(o.smooth_seconds, fps) if o.smooth_seconds > 0 else 1
        found: list[PassSignal] = []
        for lag in self.lags(fps):
            if len(video) < 2 * lag + 1:
                continue  # no frame has a neighbour k away on both sides: nothing to spot
            blocks = lagged_block_motion(video, lag, solver=solver, head_motion=o.head_motion,
                                         grid=o.grid, fraction=o.top_fraction)
            found.append(pass_signal(blocks, lag, fraction=o.top_fraction, window=window))
        return found, len(video)

    def candidates(self, frames: np.ndarray | Iterable[np.ndarray], fps: float
                   ) -> list[Candidate]:
        """Every pass's peaks with their intervals, before the passes are merged."""
        return _candidates(*self.signals(frames, fps), self.options)

    def spot(self, frames: np.ndarray | Iterable[np.ndarray], fps: float
             ) -> tuple[Spotted, ...]:
        fps = check_fps(fps)
        return _spotted(self.candidates(frames, fps), fps, self.options)

    def spot_variants(self, frames: np.ndarray | Iterable[np.ndarray], fps: float,
                      variants: Sequence[Mapping[str, Any]]) -> list[tuple[Spotted, ...]]:
        """The intervals of each variant (option overrides), from one pass of flow where the
        variants differ from this spotter only in options of :data:`AFTER_SIGNAL`."""
        fps = check_fps(fps)
        settings = [_with(self.options, variant) for variant in variants]
        if all(_same_signal(self.options, setting) for setting in settings):
            passes, n_frames = self.signals(frames, fps)
            return [_spotted(_candidates(passes, n_frames, setting), fps, setting)
                    for setting in settings]
        video = frames if isinstance(frames, np.ndarray) else np.stack(list(frames))
        return [FlowPeakSpotter(setting).spot(video, fps) for setting in settings]


#: the options applied after the motion signal: settings differing only in these share a pass
AFTER_SIGNAL = frozenset({"p", "min_motion", "edge", "interval", "overlap",
                          "micro_max_seconds"})


def _with(options: FlowPeakOptions, variant: Mapping[str, Any]) -> FlowPeakOptions:
    known = {f.name for f in fields(FlowPeakOptions)}
    unknown = sorted(set(variant) - known)
    if unknown:
        raise ValueError(f"{NAME} has no option {', '.join(map(repr, unknown))}; its options "
                         f"are {', '.join(sorted(known))}")
    return replace(options, **variant)


def _same_signal(a: FlowPeakOptions, b: FlowPeakOptions) -> bool:
    return all(getattr(a, f.name) == getattr(b, f.name) for f in fields(FlowPeakOptions)
               if f.name not in AFTER_SIGNAL)


def _candidates(passes: list[PassSignal], n_frames: int, o: FlowPeakOptions
                ) -> list[Candidate]:
    found: list[Candidate] = []
    for signal in passes:
        found += candidates(signal, n_frames, p=o.p, min_motion=o.min_motion, edge=o.edge,
                            interval=o.interval)
    return found


def _spotted(found: list[Candidate], fps: float, o: FlowPeakOptions) -> tuple[Spotted, ...]:
    kept = suppress_overlaps(found, o.overlap)
    return tuple(Spotted(c.interval, kind_by_duration(
        c.interval, fps, micro_max_seconds=o.micro_max_seconds)) for c in kept)


def flow_peak_spotter(**options: Any) -> Spotter:
    """The ``flow-peak`` spotter with ``options`` (:class:`FlowPeakOptions`, each documented
    there with its default); an unknown option is a ValueError naming the known ones."""
    known = [f.name for f in fields(FlowPeakOptions)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"{NAME} has no option {', '.join(map(repr, unknown))}; its options "
                         f"are {', '.join(known)}")
    return FlowPeakSpotter(FlowPeakOptions(**whole_where_declared(FlowPeakOptions, options)))


def options_signature(options_class: type) -> inspect.Signature:
    """The fields of ``options_class`` as keyword options with their defaults: the signature
    merbench reads a factory's options from. A ``**options`` factory showed none, so
    ``--spotter-opt grid=6.0`` was recorded as given, another configuration than ``grid=6``,
    and an option set to its default another than the option left out."""
    return inspect.Signature([
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, annotation=f.type,
                          default=inspect.Parameter.empty if f.default is MISSING else f.default)
        for f in fields(options_class)])


flow_peak_spotter.__signature__ = options_signature(FlowPeakOptions)  # type: ignore[attr-defined]


def whole_where_declared(options_class: type, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with a whole number in any spelling (``6.0``, ``'06'``) as the int, for
    each field of ``options_class`` whose default is an int: merbench's one rule for whole
    numbers (``--spotter-opt grid=6.0`` was refused as "not 6.0"); a tuned grid's values,
    floats by declaration, reach them as 6.0 too."""
    whole = {f.name for f in fields(options_class)
             if isinstance(f.default, int) and not isinstance(f.default, bool)}
    read = {name: whole_value(value) for name, value in options.items()
            if name in whole and isinstance(value, float | str)}
    return {**options, **{name: value for name, value in read.items() if value is not None}}
