"""Frame intervals as MEGC counts them, a video's ground truth and predictions, micro or macro.

Why inclusive frames. An interval is (onset, offset), both frame numbers of its own video,
and it holds ``offset - onset + 1`` frames: the databases' sheets give the onset and the
offset frame of an expression, and both belong to it. MEGC's scripts count so: the MEGC 2020
baseline's ``calc_iou`` adds 1 to the intersection and to each length
(github.com/HeyingGithub/Baseline-project-for-MEGC2020_spotting, ``MDMD_results/
result_helper.py``, commit 7d186cf60d94aa1b7955f8bf7e68fd45a7a235cd), and the STRS script
of MEGC 2024-2025 takes ``np.arange(onset, offset + 1)`` of each interval
(github.com/genbing99/STRS-Metric, ``strs_metric.py``, commit
eb86468f793400bf46cc13b4be0d32faafe72b8a). So [10, 19] and [15, 24] share 5 of 15 frames:
IoU 1/3, not 4/14.

Why frames and not seconds. Intersection over union is a ratio of frame counts of one video,
so it is the same at 30 fps (CAS(ME)^2, CAS(ME)^3) and 200 fps (SAMM): no conversion is
needed, and none is made. Only a rule stated in seconds needs the frame rate, and it takes
each video's own (:attr:`Video.fps`): :func:`kind_by_duration`.

Why a prediction carries its type. MEGC scores micro- and macro-expressions apart (a
predicted micro interval is compared with the micro ground truth only), and since MEGC 2020
the spotter says which each predicted interval is: the 2020 baseline spots each type in its
own pass (above, ``MDMD_results/evaluation_all_p.py``), and the challenge submissions list
micro and macro intervals. Where a spotter gives intervals without a type, the rule the
2020 baseline applies is one of duration: it keeps micro intervals of 7-16 frames on
CAS(ME)^2 (30 fps) and 47-105 on SAMM Long Videos (200 fps), macro ones longer. Those are
two databases' frame counts for one idea, "a micro-expression lasts at most about half a
second" (CAS(ME)^2's and SAMM's own definition: 0.5 s). merbench states the rule once, in
seconds, and converts it per video: :func:`kind_by_duration` (0.5 s: 15 frames at 30 fps,
100 at 200 fps; the baseline's 16 and 105 are these plus its rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from numbers import Integral, Number

MICRO = "micro"
MACRO = "macro"
KINDS = (MICRO, MACRO)
MICRO_MAX_SECONDS = 0.5  # CAS(ME)^2's and SAMM's definition of a micro-expression


class ReversedInterval(ValueError):
    """An interval whose offset comes before its onset: its own class, so that a spotter
    returning one is blamed as the spotter's fault, not said as a video the spotter
    "refused" with the rule as the fault (pass 84ae, AE6)."""

    def __init__(self, onset: int, offset: int) -> None:
        self.onset, self.offset = onset, offset
        super().__init__(f"[{onset}, {offset}] ends before its onset (an interval's offset "
                         "must be at or after it)")


@dataclass(frozen=True, order=True)
class FrameInterval:
    """Frames ``onset`` .. ``offset`` of one video, both included."""

    onset: int
    offset: int

    def __post_init__(self) -> None:
        for name in ("onset", "offset"):
            object.__setattr__(self, name, _whole(getattr(self, name),
                                                  f"an interval's {name} must be a frame "
                                                  "number (int)"))
        if self.offset < self.onset:
            raise ReversedInterval(self.onset, self.offset)

    @property
    def frames(self) -> int:
        """How many frames the interval holds (inclusive counting)."""
        return self.offset - self.onset + 1

    def seconds(self, fps: float) -> float:
        """The interval's duration at ``fps`` frames per second: frames / fps."""
        return self.frames / _positive_fps(fps)


def intersection(a: FrameInterval, b: FrameInterval) -> int:
    """How many frames ``a`` and ``b`` share (0 when they are apart)."""
    return max(0, min(a.offset, b.offset) - max(a.onset, b.onset) + 1)


def iou(a: FrameInterval, b: FrameInterval) -> float:
    """Intersection over union in frames, inclusive counting: shared frames divided by the
    frames in either. A one-frame interval is an interval (MEGC 2020's script scores it 0,
    a quirk merbench does not copy)."""
    shared = intersection(a, b)
    return shared / (a.frames + b.frames - shared)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"an expression's type is one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def _whole(value: object, rule: str) -> int:
    """``value`` as an ``int``: a whole number of any integer type, numpy's included (a
    frame position from ``np.argmax`` is the ordinary case, and was refused as
    ``np.int64(5)``, pass 84j Q10), so that what is recorded and compared is a plain int. Else
    a refusal that says ``rule`` and the value in words, never as Python's repr."""
    if type(value) is int:
        return value
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"{rule}, not {_said(value)}")


def _said(value: object) -> str:
    """``value`` as a refusal names it: ``5.0 (a numpy float64)``, ``'5' (text)``, ``None``."""
    if value is None:
        return "None"
    if isinstance(value, str):
        return "'" + "".join(char if char.isprintable() else
                             char.encode("unicode_escape").decode() for char in value) + \
            "' (text)"
    kind = type(value)
    where = "numpy " if kind.__module__ == "numpy" else ""
    if isinstance(value, bool | float | Number) or kind.__module__ == "numpy":
        return f"{value} (a {where}{kind.__name__})"
    return f"a {where}{kind.__name__}"


def _emotion(emotion: int | None) -> int | None:
    if emotion is None:
        return None
    return _whole(emotion, "an emotion is a class index (int) or None")


@dataclass(frozen=True)
class TypedInterval:
    """An interval with its type (micro or macro) and, for spot-then-recognise, an emotion
    class: what a ground-truth expression and a spotter's prediction both are, kept as two
    types below so that one is never passed where the other is meant."""

    interval: FrameInterval
    kind: str
    emotion: int | None = None

    def __post_init__(self) -> None:
        _kind(self.kind)
        object.__setattr__(self, "emotion", _emotion(self.emotion))


@dataclass(frozen=True)
class Expression(TypedInterval):
    """One ground-truth interval; its emotion is None where the sheet gives none or the class
    set leaves it out."""


@dataclass(frozen=True)
class Spotted(TypedInterval):
    """One predicted interval, of the type the spotter gave it; its emotion is the class a
    recogniser gave it (None: not recognised)."""


@dataclass(frozen=True)
class Video:
    """One long video: whose it is, its frame rate, its ground truth and the predictions.

    ``subject`` with ``database`` is the unit the bootstrap resamples (merbench's fold key
    is (database, subject), never the subject alone). Either list may be empty: a video
    with no expression still counts its predictions as false positives, and one with no
    prediction counts its expressions as misses (:mod:`merbench.spotting.scores`)."""

    name: str
    subject: str
    fps: float
    truth: tuple[Expression, ...] = ()
    spotted: tuple[Spotted, ...] = ()
    database: str = ""

    def __post_init__(self) -> None:
        _positive_fps(self.fps)
        object.__setattr__(self, "truth", tuple(self.truth))
        object.__setattr__(self, "spotted", tuple(self.spotted))

    @property
    def key(self) -> tuple[str, str]:
        """(database, subject): the bootstrap's unit."""
        return self.database, self.subject


def _positive_fps(fps: float) -> float:
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) \
            or fps <= 0:
        raise ValueError(f"a frame rate is a positive number of frames per second, "
                         f"not {fps!r}")
    return float(fps)


def kind_by_duration(interval: FrameInterval, fps: float, *,
                     micro_max_seconds: float = MICRO_MAX_SECONDS) -> str:
    """``MICRO`` when the interval lasts at most ``micro_max_seconds`` at this video's
    ``fps`` (frames / fps <= seconds, so 15 frames at 30 fps and 100 at 200 fps are micro,
    16 and 101 macro), else ``MACRO``. The comparison is made in frames
    (frames <= seconds x fps) so that a limit that falls on a whole frame is not lost to
    rounding."""
    return MICRO if interval.frames <= micro_max_seconds * _positive_fps(fps) else MACRO


def typed_by_duration(video: Video, *,
                      micro_max_seconds: float = MICRO_MAX_SECONDS) -> Video:
    """``video`` with each prediction's type set by :func:`kind_by_duration` at the video's
    own frame rate: for spotters that give intervals without a type."""
    spotted = tuple(replace(s, kind=kind_by_duration(s.interval, video.fps,
                                                     micro_max_seconds=micro_max_seconds))
                    for s in video.spotted)
    return replace(video, spotted=spotted)
