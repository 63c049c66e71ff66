"""``predictions.json``: what ``merbench predict`` found in one unlabelled video.

Not a benchmark result: a user's video has no ground truth, so nothing here is scored or
validated against one. The file says what was run on what (the video, its frame rate and
size, whether its face was cropped; the spotter and its options; the recogniser and the run
whose recipe trained it) and each interval found: its frames and times, its type, and the
emotion with the recogniser's softmax over the classes. Versioned on its own
(:data:`PREDICTION_SCHEMA`). Layout 1 lacked the recogniser's ``n_dataset_subjects`` and
``protocol`` and recorded the spotter's options as typed, defaults too; it has no
migration, as no command reads the file as this record: ``predict`` into its folder reads
only its video, spotter (options compared with defaults left out) and run, and writes this
layout over it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from merbench.base.errors import MerbenchError
from merbench.results.model import EnvironmentRecord
from merbench.results.user_files import read_written_json

PREDICTIONS_FILE = "predictions.json"
PREDICTION_SCHEMA = 2
#: the record of the recogniser ``predict`` trained, beside its predictions
RECORD_FILE = "recogniser.json"

#: what ``validate``, ``show`` and ``status`` alike say of ``predict``'s output, whose
#: predictions no truth scores (each had its own word for it, two of them false)
PREDICT_NAMED = ("the output of 'merbench predict' (predictions of new videos, with no truth "
                 "to score them by)")
PREDICT_OUTPUT = (f"is {PREDICT_NAMED}, not a result merbench checks, shows or resumes; "
                  "give the run its recogniser came from (predict's --from-run)")


def is_predict_output(path: Path) -> bool:
    """Whether ``path`` is ``merbench predict``'s folder, or one of the files it writes."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    written = (PREDICTIONS_FILE, RECORD_FILE)
    return (path.is_dir() or path.name in written) and \
        any(os.path.lexists(folder / name) for name in written)


def predict_output_said(path: Path) -> str | None:
    """What every command says of ``path`` where it is ``predict``'s output (None: it is
    not): :data:`PREDICT_OUTPUT`, and the run the recogniser came from where its
    ``recogniser.json`` records one. ``compare`` and ``predict --from-run`` read predict's
    file as a results file "whose version was edited" and its folder as one with "no
    results.json here" (pass 84u, U1), while the others named it; one text keeps them
    alike."""
    path = Path(path)
    if not is_predict_output(path):
        return None
    folder = path if path.is_dir() else path.parent
    try:
        run = read_written_json(folder / RECORD_FILE, "recogniser record").get("run")
    except (MerbenchError, OSError, ValueError, AttributeError):
        return PREDICT_OUTPUT  # no record, or one that cannot say: the fix without the run
    return f"{PREDICT_OUTPUT}: {run}" if isinstance(run, str) and run else PREDICT_OUTPUT


@dataclass(frozen=True)
class PredictedVideo:
    """The video read: where from, its name, frame rate and frames, and whether its face was
    cut out (the dataset's ``face_crop`` option: ``video`` does by default)."""

    source: str
    name: str
    fps: float
    first_frame: int
    last_frame: int
    face_crop: bool


@dataclass(frozen=True)
class PredictedSpotter:
    name: str
    version: int
    options: dict[str, Any]  # every option set otherwise than the spotter's default


@dataclass(frozen=True)
class PredictedRecogniser:
    """The recogniser: a model trained with a run's recipe on every sample the run's
    protocol used (see ``merbench.runner.final_model``)."""

    #: the run folder whose recipe it follows, absolute: every command's fix for predict's
    #: output names it, typed from wherever the user stands
    run: str
    model: str
    model_options: dict[str, Any]
    trained_feature: str  # the feature the run trained on
    feature: str  # the feature computed from the video's two frames
    feature_options: dict[str, Any]
    epochs: int
    seed: int
    n_train: int
    n_subjects: int
    #: the run's dataset's subjects: more than ``n_subjects`` where its protocol used part of
    #: it (``loso-samm`` on the composite), whose other subjects the recogniser never saw
    n_dataset_subjects: int
    protocol: str  # the run's protocol, whose folds' samples it trained on
    classes: list[str]
    weights: str  # the trained weights' file, reused by a later predict into the same --out


@dataclass(frozen=True)
class PredictedInterval:
    """One interval found: frame numbers (both ends included) and seconds from the video's
    first frame; the emotion (None without a recogniser) and its probability over each
    class."""

    onset: int
    offset: int
    apex: int  # the frame recognised as the apex: the interval's middle
    kind: Literal["micro", "macro"]
    onset_s: float
    offset_s: float
    emotion: str | None
    confidence: float | None
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Predictions:
    """``predictions.json`` (see the module doc)."""

    schema_version: int
    kind: Literal["predictions"]
    created: str
    video: PredictedVideo
    spotter: PredictedSpotter
    recogniser: PredictedRecogniser | None
    intervals: list[PredictedInterval]
    environment: EnvironmentRecord
    wall_time_s: float
