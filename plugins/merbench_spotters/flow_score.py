"""``flow-score``: a learned spotter, trained leave one subject out on block-motion features.

The learned spotters of the recent literature share one plan, which SoftNet set out (Liong,
See, Wong and Phan, "Shallow optical flow three-stream CNN for macro- and micro-expression
spotting from long videos", ICIP 2021; github.com/genbing99/SoftNet-SpotME): for every frame,
the optical flow between it and a frame ``k`` away goes into a model that regresses a score
of how much of an expression lies around that frame (a *pseudo-label* made from the ground
truth, not a hard yes or no), the scores are smoothed, and the peaks above a threshold are
the intervals. ``flow-score`` follows that plan with merbench's parts:

1. **Features, once per video.** The frames shrunk to the working size, then for each type's
   ``k`` (``micro_k_seconds``, ``macro_k_seconds``, converted per video) the motion of each
   block of a 6 x 6 grid from the frame ``k`` before and to the frame ``k`` after, head
   translation removed (:mod:`merbench_spotters.region_motion`, MDMD's blocks, as flow-peak
   computes them): ``2 x 36`` numbers a frame, ``log1p``-compressed.
2. **Pseudo-labels.** A frame's target is the largest intersection over union between the
   window ``[t - k, t + k]`` and a ground-truth interval of the pass's type: 0 far from any
   expression, highest at an expression's centre. Training videos only.
3. **The model.** scikit-learn's ``HistGradientBoostingRegressor`` per type (``max_iter``
   rounds, fixed seed, no early stopping: the same fit every time), in place of SoftNet's
   shallow three-stream CNN on the flow images of three regions. Trained on every frame of
   the training subjects' videos.
4. **The threshold, chosen on training subjects.** The training subjects are split into
   ``inner_groups`` groups; each group's videos are scored by a model fitted on the other
   groups, and the threshold of :data:`THRESHOLDS` that gives the best pooled F1 (micro and
   macro together, MEGC's rule) over those held-out scores is kept; then the model is fitted
   on all training subjects. SoftNet's threshold ``mean + p (max - mean)`` is a function of
   the test video's own scores, with ``p`` reported at its best on the test set; here nothing
   about the subject spotted is chosen on it.
5. **Intervals.** Each type's scores smoothed over ``smooth_seconds``; each peak above the
   threshold (at least ``k`` frames from the next) is the interval where the score stays
   above ``edge`` of the peak; the types' intervals merged by non-maximum suppression
   (``overlap``), each keeping its pass's type.

What the run records: the intervals of every video, each from a spotter fitted without its
subject (``merbench spot`` fits one per subject, :class:`merbench.api.LearnsToSpot`); the
threshold each fit chose is printed with the run. Its cost is flow-peak's flow plus the fits
(seconds on ``synthetic-long``; the boosting's time grows with the training frames).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from merbench.api import (
    MACRO,
    MICRO,
    Expression,
    FrameInterval,
    Spotted,
    TrainingVideo,
    Video,
    pooled_counts,
)
from merbench_spotters.apex_signal import smoothed
from merbench_spotters.flow_peak import frames_of, options_signature, whole_where_declared
from merbench_spotters.frames import check_fps, check_grid, check_grid_fits, working_frames
from merbench_spotters.peaks import Candidate, suppress_overlaps
from merbench_spotters.region_motion import (
    HEAD_MOTIONS,
    METHODS,
    FlowSolver,
    flow_settings,
    lagged_block_motion,
)

NAME = "flow-score"
#: the thresholds on the smoothed predicted score tried on the training subjects' held-out
#: folds, lowest first (ties keep the lower: more recall)
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


@dataclass(frozen=True)
class FlowScoreOptions:
    """The spotter's options, each recorded in ``params``.

    - ``micro_k_seconds`` (0.2) and ``macro_k_seconds`` (0.65; None: micro only): each type's
      ``k``, about half a typical expression of the type, as SoftNet sets ``k`` (it takes
      half the mean labelled duration; a fixed number of seconds reads no label).
    - ``smooth_seconds`` (0.1): the moving average of the predicted scores.
    - ``interval`` ("window"): SoftNet's interval, the peak's frame +- ``k``; or "drop",
      where the score stays above ``edge`` (0.5) of the peak's.
    - ``overlap`` (0.5): two intervals sharing this share of the shorter are one; the
      higher-scored is kept.
    - ``inner_groups`` (3): the training subjects' groups the threshold is chosen on.
    - ``max_iter`` (100): boosting rounds. ``seed`` (0): the boosting's seed.
    - ``grid`` (6), ``top_fraction`` (1/3), ``head_motion`` ("median"), ``method``
      ("farneback"), ``max_side`` (128): the block motion, as flow-peak's.
    """

    micro_k_seconds: float = 0.2
    macro_k_seconds: float | None = 0.65
    smooth_seconds: float = 0.1
    edge: float = 0.5
    interval: str = "window"
    overlap: float = 0.5
    inner_groups: int = 3
    max_iter: int = 100
    seed: int = 0
    grid: int = 6
    top_fraction: float = 1 / 3
    head_motion: str = "median"
    method: str = "farneback"
    max_side: int = 128

    def __post_init__(self) -> None:
        for name, value, low, high in (("micro_k_seconds", self.micro_k_seconds, 0, 10),
                                       ("smooth_seconds", self.smooth_seconds, 0, 10),
                                       ("edge", self.edge, 0, 1),
                                       ("overlap", self.overlap, 0, 1),
                                       ("top_fraction", self.top_fraction, 0, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or not low <= value <= high \
                    or (value == low and name != "smooth_seconds"):
                raise ValueError(f"{name} must be a number in ({low}, {high}], not {value!r}")
        if self.macro_k_seconds is not None and not 0 < self.macro_k_seconds <= 10:
            raise ValueError(f"macro_k_seconds must be in (0, 10] or None, not "
                             f"{self.macro_k_seconds!r}")
        whole: tuple[tuple[str, int, int], ...] = (
            ("inner_groups", self.inner_groups, 2), ("max_iter", self.max_iter, 1),
            ("grid", self.grid, 1), ("max_side", self.max_side, 16), ("seed", self.seed, 0))
        for label, number, least in whole:
            if isinstance(number, bool) or not isinstance(number, int) or number < least:
                raise ValueError(f"{label} must be a whole number of at least {least}, not "
                                 f"{number!r}")
        check_grid(self.grid, self.max_side)
        for option, text, allowed in (("interval", self.interval, ("window", "drop")),
                                      ("head_motion", self.head_motion, HEAD_MOTIONS),
                                      ("method", self.method, METHODS)):
            if text not in allowed:
                raise ValueError(f"{option} must be one of {', '.join(allowed)}, not {text!r}")


@dataclass(frozen=True)
class PassFeatures:
    """One type's features of one video: row ``n`` is frame ``first + n``."""

    kind: str
    lag: int
    first: int
    values: np.ndarray  # (frames, 2 x blocks) float32


@dataclass(frozen=True)
class VideoFeatures:
    n_frames: int
    passes: tuple[PassFeatures, ...]


def pseudo_labels(passed: PassFeatures, truth: Sequence[Expression]) -> np.ndarray:
    """Each row's target: the largest IoU of ``[t - lag, t + lag]`` with a ground-truth
    interval of the pass's type (0 where none overlaps)."""
    t = passed.first + np.arange(len(passed.values))
    best = np.zeros(len(t))
    width = 2 * passed.lag + 1
    for e in truth:
        if e.kind != passed.kind:
            continue
        onset, offset = e.interval.onset, e.interval.offset
        shared = np.clip(np.minimum(t + passed.lag, offset) - np.maximum(t - passed.lag, onset)
                         + 1, 0, None)
        best = np.maximum(best, shared / (width + (offset - onset + 1) - shared))
    return best


class _Fitted:
    """The regressors of each type and the threshold chosen on training subjects."""

    def __init__(self, models: dict[str, Any], threshold: float, options: FlowScoreOptions,
                 how: str) -> None:
        self.models, self.threshold, self.options, self.how = models, threshold, options, how

    @property
    def fitted(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "chosen": self.how}

    def scores(self, features: VideoFeatures, fps: float) -> list[tuple[PassFeatures,
                                                                         np.ndarray]]:
        window = frames_of(self.options.smooth_seconds, fps) if self.options.smooth_seconds \
            else 1
        return [(p, smoothed(self.models[p.kind].predict(p.values), window))
                for p in features.passes if p.kind in self.models and len(p.values)]

    def spot_features(self, features: VideoFeatures, fps: float) -> tuple[Spotted, ...]:
        return intervals(self.scores(features, check_fps(fps)), self.threshold, self.options,
                         features.n_frames)


def intervals(scored: Sequence[tuple[PassFeatures, np.ndarray]], threshold: float,
              options: FlowScoreOptions, n_frames: int) -> tuple[Spotted, ...]:
    """The intervals of each pass's smoothed scores above ``threshold``, merged."""
    from scipy.signal import find_peaks  # deferred: SciPy takes a while to load

    found: list[Candidate] = []
    kinds: dict[FrameInterval, str] = {}
    for passed, score in scored:
        peaks, _ = find_peaks(score, height=threshold, distance=max(1, passed.lag))
        for peak in (int(x) for x in peaks):
            if options.interval == "window":  # SoftNet's: the peak's frame +- k
                start, end = peak - passed.lag, peak + passed.lag
            else:
                level = options.edge * float(score[peak])
                below = np.flatnonzero(score[:peak] < level)
                start = int(below[-1]) + 1 if len(below) else 0
                after = np.flatnonzero(score[peak + 1:] < level)
                end = peak + int(after[0]) if len(after) else len(score) - 1
            interval = FrameInterval(max(0, passed.first + start),
                                     min(n_frames - 1, passed.first + end))
            found.append(Candidate(interval, float(score[peak]), passed.lag))
            kinds.setdefault(interval, passed.kind)
    return tuple(Spotted(c.interval, kinds[c.interval])
                 for c in suppress_overlaps(found, options.overlap))


class FlowScoreSpotter:
    """The ``flow-score`` spotter: a :class:`merbench.api.LearnsToSpot`."""

    def __init__(self, options: FlowScoreOptions) -> None:
        self.options = options

    @property
    def params(self) -> dict[str, Any]:
        return {"spotter": NAME, **asdict(self.options), "thresholds": list(THRESHOLDS),
                "flow": flow_settings(self.options.method),
                "regressor": "sklearn HistGradientBoostingRegressor, early_stopping=False"}

    @property
    def feature_params(self) -> dict[str, Any]:
        """The options that shape the features: settings that differ only in the others
        (the fit, the threshold's search, the intervals) share one pass of flow a video."""
        o = self.options
        return {"micro_k_seconds": o.micro_k_seconds, "macro_k_seconds": o.macro_k_seconds,
                "grid": o.grid, "top_fraction": o.top_fraction, "head_motion": o.head_motion,
                "method": o.method, "max_side": o.max_side}

    def features(self, frames: np.ndarray | Iterable[np.ndarray], fps: float
                 ) -> VideoFeatures:
        fps = check_fps(fps)
        o = self.options
        video = working_frames(frames, o.max_side)
        check_grid_fits(video, o.grid, o.max_side)
        solver = FlowSolver(o.method)
        passes = []
        types = [(MICRO, o.micro_k_seconds)] + (
            [(MACRO, o.macro_k_seconds)] if o.macro_k_seconds is not None else [])
        for kind, seconds in types:
            lag = frames_of(seconds, fps)
            n = len(video) - 2 * lag
            if n < 1:
                values = np.zeros((0, 2 * o.grid * o.grid), dtype=np.float32)
            else:
                blocks = lagged_block_motion(video, lag, solver=solver,
                                             head_motion=o.head_motion, grid=o.grid,
                                             fraction=o.top_fraction)
                values = np.log1p(np.concatenate([blocks[:n], blocks[lag:lag + n]], axis=1)
                                  ).astype(np.float32)
            passes.append(PassFeatures(kind, lag, lag, values))
        return VideoFeatures(len(video), tuple(passes))

    def _models(self, videos: Sequence[TrainingVideo]) -> dict[str, Any]:
        from sklearn.ensemble import HistGradientBoostingRegressor  # deferred: heavy import

        models = {}
        for kind in (MICRO, MACRO):
            rows = [(p.values, pseudo_labels(p, v.truth)) for v in videos
                    for p in v.features.passes if p.kind == kind and len(p.values)]
            if not rows:
                continue
            x = np.concatenate([r[0] for r in rows])
            y = np.concatenate([r[1] for r in rows])
            model = HistGradientBoostingRegressor(max_iter=self.options.max_iter,
                                                  early_stopping=False,
                                                  random_state=self.options.seed)
            models[kind] = model.fit(x, y)
        return models

    def _threshold(self, videos: Sequence[TrainingVideo]) -> tuple[float, str]:
        subjects = list(dict.fromkeys(v.subject for v in videos))
        groups = min(self.options.inner_groups, len(subjects))
        if groups < 2:
            return THRESHOLDS[len(THRESHOLDS) // 2], ("the middle of the grid: one training "
                                                      "subject leaves nothing to choose on")
        held: list[tuple[TrainingVideo, list[tuple[PassFeatures, np.ndarray]]]] = []
        for g in range(groups):
            out = set(subjects[g::groups])
            fitted = _Fitted(self._models([v for v in videos if v.subject not in out]),
                             0.0, self.options, "")
            held += [(v, fitted.scores(v.features, v.fps)) for v in videos
                     if v.subject in out]
        best, best_f1 = THRESHOLDS[0], -1.0
        for threshold in THRESHOLDS:
            scored = [Video(str(i), v.subject, v.fps, v.truth,
                            intervals(s, threshold, self.options, v.features.n_frames))
                      for i, (v, s) in enumerate(held)]
            f1 = pooled_counts(scored)["all"].f1
            if not math.isnan(f1) and f1 > best_f1:
                best, best_f1 = threshold, f1
        return best, (f"best pooled F1 (all) {best_f1:.4f} over {groups} held-out groups of "
                      f"the {len(subjects)} training subjects")

    def fit(self, videos: Sequence[TrainingVideo]) -> _Fitted:
        if not videos:
            raise ValueError("flow-score fits on training videos; none were given")
        threshold, how = self._threshold(videos)
        return _Fitted(self._models(videos), threshold, self.options, how)


def flow_score_spotter(**options: Any) -> FlowScoreSpotter:
    """The ``flow-score`` spotter with ``options`` (:class:`FlowScoreOptions`); an unknown
    option is a ValueError naming the known ones."""
    known = [f.name for f in fields(FlowScoreOptions)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"{NAME} has no option {', '.join(map(repr, unknown))}; its options "
                         f"are {', '.join(known)}")
    return FlowScoreSpotter(FlowScoreOptions(**whole_where_declared(FlowScoreOptions, options)))


flow_score_spotter.__signature__ = options_signature(FlowScoreOptions)  # type: ignore[attr-defined]
