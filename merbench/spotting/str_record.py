"""``str.json``: spot-then-recognise, the spotted intervals of a spotting run given emotions.

``merbench spot ... --recognise MODEL`` writes it beside the run's ``spotting.json``. The
spotting run stays what it was (its identity, every setting's intervals); this file adds the
second half of MEGC 2025's STR task: for each left-out subject, the intervals of the setting
the *other* subjects chose (the ``training-subjects`` policy, the one spotting reports), each
given an emotion by a recogniser trained on the other subjects' ground-truth expressions, and
the STR scores of those intervals. Only the emotions are new: the intervals are the spotting
file's, the ground truth too, so ``merbench validate`` checks that the intervals are the
chosen ones and recomputes every score from the two files alone, no data and no training.

Versioned on its own (:data:`STR_SCHEMA`), like the spotting file: this layout is the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from merbench.results.model import EnvironmentRecord
from merbench.spotting.record import IntervalRecord, SpotCountsRecord

STR_FILE = "str.json"
STR_SCHEMA = 1


@dataclass(frozen=True)
class RecognisedVideo:
    """One video's intervals of its subject's chosen setting, in the spotting file's order,
    each with the emotion the recogniser gave it (a class index)."""

    database: str
    subject: str
    name: str
    intervals: list[IntervalRecord]


@dataclass(frozen=True)
class RecogniserRecord:
    """What recognised the intervals: the model and the feature it read, by name, version and
    options; the seed; the epochs trained (the last one predicts: merbench's ``fixed``
    selection, nothing chosen on a test subject); where each interval's two frames came
    from; and the training samples of every left-out subject's recogniser."""

    model: str
    model_version: int
    model_options: dict[str, Any]
    feature: str
    feature_version: int
    feature_options: dict[str, Any]
    seed: int
    epochs: int | None  # None: an estimator, fitted once
    provider: str  # the model plugin's package and version
    device: str
    frames: str  # how an interval's onset and apex frames are taken
    training: str  # which ground-truth expressions train a subject's recogniser
    n_train: dict[str, int]  # database/subject -> its recogniser's training samples


@dataclass(frozen=True)
class RecognitionRecord:
    """:class:`merbench.spotting.recognition.RecognitionScores` as stored (None: undefined)."""

    n: int
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    uf1: float | None
    uar: float | None


@dataclass(frozen=True)
class StrScope:
    """One scope's spotting counts, the recognition of its true positives, and STRS."""

    spotting: SpotCountsRecord
    recognition: RecognitionRecord
    strs: float | None


@dataclass(frozen=True)
class StrResults:
    """``str.json`` (see the module doc). ``spotting_fingerprint`` ties it to the spotting
    run it recognised (the dataset's fingerprint and the spotter's identity)."""

    schema_version: int
    kind: Literal["str"]
    created: str
    policy: str  # whose choice of setting the intervals follow: "training-subjects"
    spotting_fingerprint: str
    classes: list[str]
    recogniser: RecogniserRecord
    videos: list[RecognisedVideo]
    scores: dict[str, StrScope]  # "micro" (MEGC 2025's ME-STR), "macro", "all"
    environment: EnvironmentRecord
    wall_time_s: float
