"""What a spotting run's ``spotting.json`` and its ``str.json`` record that must make sense on
their own (dates, durations, counts, scores and the rules merbench scores spotting by),
checked without recomputing anything: :mod:`merbench.results.recorded_values` says why, and
holds the checks every kind shares; these are the spotting kind's, in its home, which
``validate`` (:mod:`merbench.spotting_kind.check`) and ``status``
(:mod:`merbench.spotting_kind.written`) both call."""

from __future__ import annotations

import math

from merbench.meta import MAX_EPOCHS
from merbench.results.recorded_values import (
    ProvenanceError,
    check_count,
    check_created,
    check_duration,
    check_score,
)
from merbench.spotting.choice import CRITERION
from merbench.spotting.matching import THRESHOLD
from merbench.spotting.record import SpottingResults
from merbench.spotting.str_record import StrResults


def spotting_values(results: SpottingResults) -> None:
    """A spotting run's ``spotting.json``: its dates and times, and the rules every run is
    scored by (a file may not bring its own)."""
    check_created(results.created)
    check_duration("wall_time_s", results.wall_time_s)
    check_count("dataset.n_subjects", results.dataset.n_subjects)
    for video in results.videos:
        where = f"video {video.database}/{video.subject}/{video.name}"
        check_duration(f"{where}: seconds", video.seconds)
        if not (math.isfinite(video.fps) and video.fps > 0):
            raise ProvenanceError(f"{where}: fps is {video.fps!r}; a frame rate is a finite "
                                  "number of frames a second, more than 0")
        for interval in (*video.truth, *(i for found in video.spotted for i in found)):
            check_count(f"{where}: an interval's onset", interval.onset)
    for name, policy in results.policies.items():  # a setting's index: one the run tried
        for subject, chosen in policy.chosen.items():
            if not (isinstance(chosen, int) and 0 <= chosen < len(results.variants)):
                raise ProvenanceError(
                    f"policies.{name}.chosen.{subject} is {chosen!r}; a choice is the index "
                    f"of one of the run's {len(results.variants)} settings, from 0")
    for field, value, rule in (("iou_threshold", results.iou_threshold, THRESHOLD),
                               ("criterion", results.criterion, CRITERION)):
        if value != rule:
            raise ProvenanceError(f"{field} is {value!r}; merbench scores spotting with "
                                  f"{rule!r}")


def str_values(found: StrResults) -> None:
    """A spot-then-recognise run's ``str.json``: its dates and times, its recogniser's
    epochs and seed, and every score and count in range."""
    check_created(found.created)
    check_duration("wall_time_s", found.wall_time_s)
    record = found.recogniser
    if record.epochs is not None and not 1 <= record.epochs <= MAX_EPOCHS:
        raise ProvenanceError(f"recogniser.epochs is {record.epochs}, not a number of "
                              "epochs from 1")
    if record.seed < 0:
        raise ProvenanceError(f"recogniser.seed is {record.seed}; merbench seeds are whole "
                              "numbers from 0")
    for scope, scores in found.scores.items():
        check_score(f"scores.{scope}.strs", scores.strs)
        recognition = scores.recognition
        for name in ("precision", "recall", "f1", "uf1", "uar"):
            check_score(f"scores.{scope}.recognition.{name}", getattr(recognition, name))
        for name in ("n", "tp", "fp", "fn"):
            check_count(f"scores.{scope}.recognition.{name}", getattr(recognition, name))


