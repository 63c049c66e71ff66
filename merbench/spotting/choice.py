"""Each left-out subject's spotter setting, chosen on the other subjects, and its scores.

A spotter's thresholds decide what it reports, and the field sweeps them and reports the best
setting scored on the very videos spotted (the MEGC 2020 baseline prints F1 for every ``p``
from 0.01 to 0.99). That is test-set selection: the number says how well the best threshold
in hindsight does, not how well a threshold chosen beforehand would. A spotting run here
keeps every setting's intervals on every video (:mod:`merbench.spotting.record`), and
this module makes the choice two ways:

- ``training-subjects`` (reported): leave one subject out; its setting is the one with the
  best pooled F1 (:data:`CRITERION`, micro and macro together) over **the other subjects'**
  videos, so no label of the subject spotted decides how it is spotted. This is the
  spotting analogue of recognition's ``fixed`` / ``inner-val`` epoch selection.
- ``oracle`` (TEST-SET SELECTION): the same, over the subject's own videos. Shown beside the
  other so that readers see what the habit is worth, never ranked.

Ties go to the first setting in the run's order (the order of the values in
``SpotterMeta.tuned`` or ``--tune``), and a pool where F1 is undefined for every setting
(neither prediction nor ground truth) chooses the first. Everything here is a function of
the stored intervals, so ``merbench validate`` chooses again and recomputes every score.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.spotting.bootstrap import f1_interval_of
from merbench.spotting.intervals import Expression, FrameInterval, Spotted, Video
from merbench.spotting.matching import THRESHOLD
from merbench.spotting.record import (
    F1Interval,
    SpotCountsRecord,
    SpottedVideo,
    SpottingPolicy,
    SpottingScores,
)
from merbench.spotting.scores import SCOPES, SpotCounts, f1_of_counts, video_counts

MAX_VARIANTS = 1000  # a grid larger than this is a typo more often than a plan
#: the pooled F1 that chooses a setting: micro and macro together (the scope ALL)
CRITERION = "all"
TRAINING_SUBJECTS = "training-subjects"
ORACLE = "oracle"
POLICIES = {
    TRAINING_SUBJECTS: "each subject's setting chosen by pooled F1 (all) on the other "
                       "subjects' videos",
    ORACLE: "each subject's setting chosen by pooled F1 (all) on its own videos "
            "(TEST-SET SELECTION)",
}


def truth_fingerprint(videos: Sequence[SpottedVideo]) -> str:
    """What two runs must share to be scored on the same ground truth: every video's
    database, subject, name, frame rate and frames, and its truth intervals, in order (16
    hex digits of a SHA-256). Runs of one dataset whose fingerprints differ (another sheet
    version, videos skipped, a subset of subjects) are not comparable."""
    digest = hashlib.sha256()
    for v in videos:
        digest.update(json.dumps([v.database, v.subject, v.name, v.fps, v.first_frame,
                                  v.last_frame, [[t.onset, t.offset, t.kind, t.emotion]
                                                 for t in v.truth]]).encode())
    return digest.hexdigest()[:16]


def variants_of(grid: Mapping[str, Sequence[float]]) -> list[dict[str, Any]]:
    """Every setting of the tuned options, the first option's values outermost."""
    names = list(grid)
    variants = [dict(zip(names, values, strict=True))
                for values in itertools.product(*(grid[n] for n in names))]
    if len(variants) > MAX_VARIANTS:
        raise MerbenchError(f"--tune gives {len(variants)} settings, more than {MAX_VARIANTS}; "
                            "try fewer values")
    return variants


def subject_of(video: SpottedVideo) -> str:
    """``database/subject``: the unit left out, and the key of :attr:`SpottingPolicy.chosen`."""
    return f"{video.database}/{video.subject}"


def scored_video(video: SpottedVideo, variant: int) -> Video:
    """``video`` as the metric takes it, with the intervals of setting ``variant``."""
    truth = tuple(Expression(FrameInterval(t.onset, t.offset), t.kind, t.emotion)
                  for t in video.truth)
    spotted = tuple(Spotted(FrameInterval(s.onset, s.offset), s.kind)
                    for s in video.spotted[variant])
    return Video(video.name, video.subject, video.fps, truth, spotted, video.database)


def _counts(videos: Sequence[SpottedVideo], n_variants: int, threshold: float) -> np.ndarray:
    """videos x variants x scopes x (TP, FP, FN): every matching a run needs, made once."""
    counts = np.zeros((len(videos), n_variants, len(SCOPES), 3), dtype=np.int64)
    for v, video in enumerate(videos):
        for j in range(n_variants):
            found = video_counts(scored_video(video, j), threshold=threshold)
            counts[v, j] = np.stack([found[scope].as_array() for scope in SCOPES])
    return counts


def _best(counts: np.ndarray) -> int:
    """The setting with the best pooled F1 of :data:`CRITERION` over ``counts``' videos (the
    first of equal ones; the first when none is defined)."""
    f1 = f1_of_counts(counts.sum(axis=0)[:, SCOPES.index(CRITERION), :])
    if np.all(np.isnan(f1)):
        return 0
    return int(np.nanargmax(f1))  # the first of the maxima


def _choose(videos: Sequence[SpottedVideo], counts: np.ndarray) -> dict[str, dict[str, int]]:
    subjects = list(dict.fromkeys(subject_of(v) for v in videos))
    own = np.array([subject_of(v) for v in videos])
    chosen: dict[str, dict[str, int]] = {TRAINING_SUBJECTS: {}, ORACLE: {}}
    for subject in subjects:
        others = counts[own != subject]
        chosen[TRAINING_SUBJECTS][subject] = _best(others) if len(others) else 0
        chosen[ORACLE][subject] = _best(counts[own == subject])
    return chosen


def choose(videos: Sequence[SpottedVideo], n_variants: int, *,
           threshold: float = THRESHOLD) -> dict[str, dict[str, int]]:
    """Each policy's chosen setting per subject (policy -> ``database/subject`` -> index)."""
    return _choose(videos, _counts(videos, n_variants, threshold))


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def counts_record(counts: SpotCounts) -> SpotCountsRecord:
    return SpotCountsRecord(counts.tp, counts.fp, counts.fn, _number(counts.precision),
                            _number(counts.recall), _number(counts.f1))


def _scores(counts: np.ndarray) -> SpottingScores:
    """The pooled scores of ``counts`` (videos x scopes x (TP, FP, FN)), summed."""
    total = counts.sum(axis=0)
    return SpottingScores(*(counts_record(SpotCounts(*(int(n) for n in total[k])))
                            for k in range(len(SCOPES))))


def policy_record(videos: Sequence[SpottedVideo], policy: str, chosen: dict[str, int],
                  counts: np.ndarray) -> SpottingPolicy:
    """The scores of the intervals ``chosen`` gives each video (``counts`` as
    :func:`_counts` takes them), pooled, per database and with subject-bootstrap intervals
    of each scope's F1 (subjects in order of first appearance, as
    :func:`~merbench.spotting.scores.subject_counts` orders them)."""
    mine = counts[np.arange(len(videos)), [chosen[subject_of(v)] for v in videos]]
    keys = list(dict.fromkeys((v.database, v.subject) for v in videos))
    by_subject = np.stack([mine[[(v.database, v.subject) == key for v in videos]].sum(axis=0)
                           for key in keys])
    intervals = {}
    for scope in SCOPES:
        found = f1_interval_of(keys, by_subject, scope)
        intervals[scope] = F1Interval(_number(found.low), _number(found.high))
    databases = list(dict.fromkeys(v.database for v in videos))
    return SpottingPolicy(
        description=POLICIES[policy], test_set_selection=policy == ORACLE, chosen=chosen,
        scores=_scores(mine),
        per_database={db: _scores(mine[[v.database == db for v in videos]])
                      for db in databases},
        intervals=intervals)


def summarise(videos: Sequence[SpottedVideo], n_variants: int, *,
              threshold: float = THRESHOLD) -> dict[str, SpottingPolicy]:
    """Every policy's choice and scores: what ``spotting.json`` stores and ``validate``
    recomputes. Every video is matched once per setting; the choices and the scores are
    sums of those counts."""
    if not videos:
        raise ValueError("there is no video to score")
    counts = _counts(videos, n_variants, threshold)
    return {policy: policy_record(videos, policy, chosen, counts)
            for policy, chosen in _choose(videos, counts).items()}
