"""Spotting precision, recall and F1 for micro, macro and all, pooled over a database's videos.

Why pooled. MEGC scores a database, not a video: true positives, false positives and false
negatives are summed over all its videos, and precision, recall and F1 are computed once
from the sums (MEGC 2019 baseline paper, arXiv:1812.10306: "the metric F1-score for
spotting performance of the whole database"; the MEGC 2020 baseline's counts,
github.com/HeyingGithub/Baseline-project-for-MEGC2020_spotting, ``MDMD_results/
result_helper.py`` ``pred_clips_analysis``, commit 7d186cf60d94aa1b7955f8bf7e68fd45a7a235cd;
the STRS script's ``len(TP_spot_all_df)``, github.com/genbing99/STRS-Metric, commit
eb86468f793400bf46cc13b4be0d32faafe72b8a). The mean of per-video F1 is another number: a
video with one expression found weighs as much as one with twenty missed
(``tests/test_spotting_metrics.py`` shows the two apart). It is the same choice as
recognition's pooled UF1 (docs/user-guide.md#metrics).

"All" is the two types' counts added (the MEGC 2020 baseline's "total" row: TP, FP and FN
of micro plus those of macro), not a third matching that ignores types.

Empty videos. Every video of the database counts: one with expressions and no prediction
adds its expressions as false negatives, one with predictions and no expression adds them
as false positives, one with neither adds nothing. That is the definition's "whole
database". The STRS script differs by accident of its loops: it visits only subjects that
have a prediction and, for them, only videos that have ground truth, so a subject's misses
vanish when it has no prediction at all, and predictions in a video without ground truth
are never counted. merbench does not copy that.

Undefined ratios. Precision TP / (TP + FP) is undefined with no prediction, recall
TP / (TP + FN) with no ground truth; here they are NaN, as merbench's other undefined
scores are (:mod:`merbench.stats.confusion`), where the MEGC scripts write 0. F1 is
2 TP / (2 TP + FP + FN), the harmonic mean of the two wherever both are defined and
TP > 0, and 0 wherever TP = 0 and something was predicted or expected (the scripts' 0 as
well); it is NaN only when there is neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from merbench.spotting.intervals import KINDS, Video
from merbench.spotting.matching import THRESHOLD, Matching, match_video
from merbench.stats.confusion import f1_from_counts

ALL = "all"
SCOPES = (*KINDS, ALL)  # micro, macro, all: what a spotting result reports


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


@dataclass(frozen=True)
class SpotCounts:
    """True positives, false positives and false negatives of a pool, and their ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: SpotCounts) -> SpotCounts:
        return SpotCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def expected(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        """TP / (TP + FP); NaN with no prediction."""
        return _ratio(self.tp, self.predicted)

    @property
    def recall(self) -> float:
        """TP / (TP + FN); NaN with no ground truth."""
        return _ratio(self.tp, self.expected)

    @property
    def f1(self) -> float:
        """2 TP / (2 TP + FP + FN); NaN with neither prediction nor ground truth."""
        return float(f1_from_counts(self.tp, self.predicted, self.expected))

    def as_array(self) -> np.ndarray:
        return np.array([self.tp, self.fp, self.fn])


def counts_of(matching: Matching) -> SpotCounts:
    return SpotCounts(matching.tp, matching.fp, matching.fn)


def video_counts(video: Video, *, threshold: float = THRESHOLD) -> dict[str, SpotCounts]:
    """One video's counts for micro, macro and all (:data:`SCOPES`)."""
    found = {kind: counts_of(m) for kind, m in match_video(video, threshold=threshold).items()}
    found[ALL] = sum((found[k] for k in KINDS), SpotCounts())
    return found


def pooled_counts(videos: Iterable[Video], *,
                  threshold: float = THRESHOLD) -> dict[str, SpotCounts]:
    """The database's counts for micro, macro and all: each video's counts summed."""
    total = {scope: SpotCounts() for scope in SCOPES}
    for video in videos:
        for scope, counts in video_counts(video, threshold=threshold).items():
            total[scope] = total[scope] + counts
    return total


def subject_counts(videos: Iterable[Video], *, threshold: float = THRESHOLD
                   ) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Each subject's counts, the unit the bootstrap resamples: the subjects' keys
    ((database, subject), in order of first appearance) and an array of shape
    subjects x scopes (:data:`SCOPES`) x 3 (TP, FP, FN)."""
    keys: list[tuple[str, str]] = []
    rows: dict[tuple[str, str], np.ndarray] = {}
    for video in videos:
        if video.key not in rows:
            keys.append(video.key)
            rows[video.key] = np.zeros((len(SCOPES), 3), dtype=np.int64)
        found = video_counts(video, threshold=threshold)
        rows[video.key] += np.stack([found[scope].as_array() for scope in SCOPES])
    array = np.stack([rows[k] for k in keys]) if keys else np.zeros((0, len(SCOPES), 3),
                                                                     dtype=np.int64)
    return keys, array


def f1_of_counts(counts: np.ndarray) -> np.ndarray:
    """F1 = 2 TP / (2 TP + FP + FN) over the last axis (TP, FP, FN) of ``counts``, batched
    (:func:`merbench.stats.confusion.f1_from_counts`); NaN where the denominator is 0."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    return f1_from_counts(tp, tp + fp, tp + fn)
