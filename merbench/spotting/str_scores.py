"""The STR scores of a recognised spotting run: what ``str.json`` stores and ``validate``
recomputes.

Both the run that writes ``str.json`` and ``merbench validate`` go through these functions, so
a stored number is checked by the code that made it. The intervals scored are those of each
subject's setting under the ``training-subjects`` policy (chosen on the other subjects: the
setting spotting reports), and every scope is scored: ``micro`` is MEGC 2025's ME-STR, the
task its baseline table ranks; ``macro`` and ``all`` are shown beside it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence

from merbench.results.codec import to_json
from merbench.spotting.choice import TRAINING_SUBJECTS, counts_record, subject_of
from merbench.spotting.intervals import Expression, FrameInterval, Spotted, Video
from merbench.spotting.recognition import RecognitionScores, score_str
from merbench.spotting.record import IntervalRecord, SpottedVideo, SpottingResults
from merbench.spotting.scores import SCOPES
from merbench.spotting.str_record import RecognisedVideo, RecognitionRecord, StrScope

POLICY = TRAINING_SUBJECTS


def spotting_fingerprint(results: SpottingResults) -> str:
    """16 hex digits naming the spotting run a ``str.json`` recognised: its dataset's
    fingerprint (videos and ground truth), the spotter, its settings and its choices."""
    digest = hashlib.sha256(json.dumps(
        [results.dataset.fingerprint, to_json(results.spotter), results.variants,
         results.policies[POLICY].chosen], sort_keys=True).encode())
    return digest.hexdigest()[:16]


def chosen_intervals(results: SpottingResults) -> list[list[IntervalRecord]]:
    """Each video's intervals (in the file's video order) of the setting its subject's
    ``training-subjects`` choice names."""
    chosen = results.policies[POLICY].chosen
    return [list(video.spotted[chosen[subject_of(video)]]) for video in results.videos]


def training_counts(results: SpottingResults) -> dict[str, int]:
    """``database/subject`` -> the ground-truth expressions with an emotion in the other
    subjects' videos: what each left-out subject's recogniser trains on, so ``str.json``'s
    ``n_train`` is a count of the spotting file, not a claim."""
    per_subject: dict[str, int] = {}
    for video in results.videos:
        per_subject[subject_of(video)] = per_subject.get(subject_of(video), 0) + sum(
            t.emotion is not None for t in video.truth)
    total = sum(per_subject.values())
    return {subject: total - own for subject, own in per_subject.items()}


def _video(video: SpottedVideo, intervals: Sequence[IntervalRecord]) -> Video:
    truth = tuple(Expression(FrameInterval(t.onset, t.offset), t.kind, t.emotion)
                  for t in video.truth)
    spotted = tuple(Spotted(FrameInterval(i.onset, i.offset), i.kind, i.emotion)
                    for i in intervals)
    return Video(video.name, video.subject, video.fps, truth, spotted, video.database)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _recognition(scores: RecognitionScores) -> RecognitionRecord:
    return RecognitionRecord(scores.n, scores.tp, scores.fp, scores.fn,
                             _number(scores.precision), _number(scores.recall),
                             _number(scores.f1), _number(scores.uf1), _number(scores.uar))


def recognised_videos(results: SpottingResults,
                      recognised: Sequence[RecognisedVideo]) -> list[Video]:
    """The spotting run's videos with the recognised intervals as their predictions
    (``recognised`` in the spotting file's video order): what STR scores."""
    if len(recognised) != len(results.videos):
        raise ValueError(f"{len(recognised)} recognised videos for the spotting run's "
                         f"{len(results.videos)}")
    return [_video(video, mine.intervals)
            for video, mine in zip(results.videos, recognised, strict=True)]


def str_scores(results: SpottingResults, recognised: Sequence[RecognisedVideo],
               n_classes: int) -> dict[str, StrScope]:
    """Every scope's spotting counts, recognition of the true positives and STRS, pooled over
    the videos (``recognised`` in the spotting file's video order)."""
    videos = recognised_videos(results, recognised)
    scopes = {}
    for scope in SCOPES:
        found = score_str(videos, n_classes, scope)
        scopes[scope] = StrScope(counts_record(found.spotting),
                                 _recognition(found.recognition), _number(found.strs))
    return scopes
