"""``spotting.json``: a spotting run's record, and the per-video files it is assembled from.

``merbench spot`` runs a spotter over every long video of a dataset, once for each setting
of the options it tunes (:class:`~merbench.meta.spotter.SpotterMeta`), and keeps every
setting's intervals for every video: as a recognition run keeps every epoch's predictions,
so that the setting reported for each left-out subject can be chosen on the other subjects,
and ``merbench validate`` can choose it again and recompute every number from the file
alone. The ground truth is stored beside the predictions (frame numbers and types only: no
frame, no face), so validation needs no data.

While a run goes on each finished video is written to ``videos/NNNN.json``
(:class:`SpottedVideo`, with the run's ``identity``), so an interrupted run loses at most the
video in progress and the same command goes on from there.

Versioned apart from the recognition files (:data:`SPOTTING_SCHEMA`): this layout is the
first; a later one adds one migration step here, as ``results/migrations.py`` does for
``results.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from merbench.results.model import EnvironmentRecord

SPOTTING_FILE = "spotting.json"
SPOTTING_RUN_FILE = "spot-run.json"  # the identity, written when a run starts
VIDEOS_FOLDER = "videos"
SPOTTING_SCHEMA = 1


def video_name(index: int) -> str:
    """The name of the file in ``videos/`` that holds the run's video ``index`` (from 0):
    the one spelling the spot command writes and every reader expects (``0007.json``)."""
    return f"{index:04d}.json"


@dataclass(frozen=True)
class IntervalRecord:
    """An interval in the video's own frame numbers, both ends included, and its type."""

    onset: int
    offset: int
    kind: Literal["micro", "macro"]
    emotion: int | None = None  # ground truth: the class index; predictions: None


@dataclass(frozen=True)
class SpottedVideo:
    """One video: who, its frame rate and frames, the ground truth, and the intervals each
    setting (``variants``, in the run's order) spotted in it.

    ``fitted``: a learned spotter's choices, one per setting, of the fit that spotted this
    video (on the other subjects' videos): a threshold, and how it was chosen, which only
    the fit knows (a grid's middle where one training subject left nothing to choose on).
    Each video keeps its subject's, so a video kept from an interrupted run still says what
    spotted it. None for a spotter that is not fitted, and in a file written before it was
    recorded: an optional field, so older files keep their layout."""

    database: str
    subject: str
    name: str
    fps: float
    first_frame: int
    last_frame: int
    truth: list[IntervalRecord]
    spotted: list[list[IntervalRecord]]  # one list per variant
    seconds: float  # the spotter's time on this video, all variants
    fitted: list[dict[str, Any]] | None = None  # one per variant; None: not fitted


@dataclass(frozen=True)
class VideoFile:
    """``videos/NNNN.json``: one finished video of a run in progress."""

    identity: dict[str, Any]
    video: SpottedVideo


@dataclass(frozen=True)
class SpotCountsRecord:
    """True positives, false positives and false negatives of one scope, pooled, with the
    ratios; a ratio is None where it is undefined (no prediction, or no ground truth)."""

    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True)
class SpottingScores:
    """Micro, macro and all (the two added), pooled over the videos scored."""

    micro: SpotCountsRecord
    macro: SpotCountsRecord
    all: SpotCountsRecord


@dataclass(frozen=True)
class F1Interval:
    """The subject-bootstrap interval of one scope's pooled F1 (None: undefined)."""

    low: float | None
    high: float | None


@dataclass(frozen=True)
class SpottingPolicy:
    """How each left-out subject's setting was chosen, and the scores of what was chosen.

    ``chosen``: ``database/subject`` -> the index of its variant. ``test_set_selection``:
    True when the subject's own videos chose it (the field's habit, shown for comparison and
    never ranked)."""

    description: str
    test_set_selection: bool
    chosen: dict[str, int]
    scores: SpottingScores
    per_database: dict[str, SpottingScores]
    intervals: dict[str, F1Interval]  # scope -> interval of its pooled F1


@dataclass(frozen=True)
class SpottingDataset:
    name: str
    version: int
    options: dict[str, Any]  # set on the command line, data_root left out
    n_videos: int
    n_subjects: int
    skipped: list[dict[str, Any]]  # each video or sheet row the loader left out
    fingerprint: str  # of every video's name, frames and ground truth: runs comparable


@dataclass(frozen=True)
class SpottingSpotter:
    name: str
    version: int
    options: dict[str, Any]  # fixed for every variant
    tuned: dict[str, list[float]]  # option -> the values tried, in tie-break order
    provider: str  # the plugin's package and version


@dataclass(frozen=True)
class SpottingResults:
    """``spotting.json``: a finished spotting run."""

    schema_version: int
    kind: Literal["spotting"]
    created: str
    dataset: SpottingDataset
    spotter: SpottingSpotter
    variants: list[dict[str, Any]]  # each setting of the tuned options, in order
    iou_threshold: float  # a true positive's least intersection over union
    criterion: str  # what chooses a setting: the pooled F1 of this scope
    videos: list[SpottedVideo]
    policies: dict[str, SpottingPolicy]  # "training-subjects", "oracle"
    environment: EnvironmentRecord
    wall_time_s: float
