"""Spot-then-recognise: the recognition scores of the spotted true positives, and STRS.

MEGC 2025's STR task (arXiv:2506.15298) scores a spotter and a recogniser together. Only a
predicted interval that is a spotting true positive is recognised: its predicted emotion is
compared with the emotion of the ground-truth interval it matched
(:mod:`merbench.spotting.matching`); misses and false positives have no emotion to score.
The score is STRS = spotting F1 x recognition F1.

Which F1 of recognition. The official script (github.com/genbing99/STRS-Metric,
``strs_metric.py`` ``calculate_analysis_metrics``, commit
eb86468f793400bf46cc13b4be0d32faafe72b8a) takes each emotion class one against the rest
over the true positives, averages the classes' precisions and the classes' recalls (a class
with nothing predicted, or nothing true, counting 0), and multiplies the spotting F1 by the
harmonic mean of those two averages, 2 P R / (P + R): not by the mean of the per-class F1
(UF1). The classes are all the emotions of the ground truth, found or not. The MEGC 2025
paper's baseline table follows it: SAMM precision 0.1667, recall 0.3333, F1 0.2222,
spotting F1 0.0278, STRS 0.0062. :attr:`RecognitionScores.f1` is that F1, over the
``n_classes`` classes of the protocol, and :func:`strs` multiplies it.

Where merbench differs from the script, and why (four ways; ``docs/spotting.md`` says the
same):

- UF1 and UAR are merbench's (:mod:`merbench.stats.confusion`: mean over the classes whose
  score is defined), the same numbers a recognition run reports. The script's UAR is the
  mean of the classes' *precisions* (its ``uar = np.mean(precision_list)``; the paper's
  table prints it: SAMM UAR 0.1667 = its precision); merbench's UAR is the mean recall.
- The script scores a class 0 whenever its one-against-rest confusion matrix has a single
  cell (``confusion_matrix(...).ravel()`` fails and it falls back to 0): when every true
  positive is of that class and recognised right, a perfect class scores 0. merbench counts
  it as it is.
- Where every true positive is recognised wrong, the script's F1 divides 0 by 0 (its mean
  precision and mean recall are both 0): NaN, with NumPy's warning. Here it is 0, and so is
  STRS: a recogniser that gets every interval wrong has earned the lowest score, and a NaN
  could be neither ranked nor averaged over seeds.
- With no true positive at all the script scores nothing: its table of true positives,
  built by appending to an empty ``DataFrame``, has no ``gt`` column, and
  ``calculate_analysis_metrics`` raises ``KeyError: 'gt'``. Here the recognition F1 is NaN
  (there is nothing to recognise, so no score), and so is STRS.

A predicted emotion of None (not recognised) is no class: a miss of the true class, no
class's false positive. A true positive whose ground truth has no emotion in the class set
is left out, as the script leaves out emotions outside its analysed set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from merbench.spotting.intervals import KINDS, MICRO, Video
from merbench.spotting.matching import THRESHOLD, Match, match_video
from merbench.spotting.scores import ALL, SCOPES, SpotCounts, pooled_counts
from merbench.stats.confusion import counts_from_labels, recall_per_class, uar, uf1

NOT_RECOGNISED = -1  # the label of a true positive that was given no emotion: no class


@dataclass(frozen=True)
class RecognitionScores:
    """Recognition of the spotted true positives.

    ``tp``, ``fp``, ``fn``: summed over the classes taken one against the rest (the script's
    "TP / FP / FN analysis"). ``precision``, ``recall``: the means over all ``n_classes``
    classes of each class's precision and recall, 0 where undefined (MEGC 2025). ``f1``:
    their harmonic mean, the F1 in STRS. ``uf1``, ``uar``: merbench's, NaN where no class
    is defined."""

    n: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    uf1: float
    uar: float


def recognition_scores(y_true: ArrayLike, y_pred: ArrayLike,
                       n_classes: int) -> RecognitionScores:
    """:class:`RecognitionScores` of the true positives' true emotions ``y_true`` (classes
    0 .. ``n_classes`` - 1) and recognised ones ``y_pred`` (:data:`NOT_RECOGNISED` or any
    other number outside the classes: no class)."""
    true = np.asarray(y_true, dtype=np.intp)
    counts = counts_from_labels(true, np.asarray(y_pred, dtype=np.intp), n_classes)
    tp, predicted, expected = counts.tp, counts.predicted, counts.true
    precision = np.divide(tp, predicted, out=np.zeros(n_classes), where=predicted > 0)
    recall = recall_per_class(counts)
    mean_p, mean_r = float(precision.mean()), float(recall.mean())
    if len(true) == 0:
        f1 = float("nan")
    else:
        f1 = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r > 0 else 0.0
    return RecognitionScores(
        n=len(true), tp=int(tp.sum()), fp=int((predicted - tp).sum()),
        fn=int((expected - tp).sum()), precision=mean_p, recall=mean_r, f1=f1,
        uf1=float(uf1(counts)), uar=float(uar(counts)))


def strs(spotting_f1: float, recognition_f1: float) -> float:
    """STRS = spotting F1 x recognition F1 (MEGC 2025); NaN when either is."""
    return spotting_f1 * recognition_f1


def spotted_matches(videos: Iterable[Video], scope: str = MICRO, *,
                    threshold: float = THRESHOLD) -> list[Match]:
    """The spotting true positives of ``scope`` (micro, macro, or all: both), video by
    video."""
    if scope not in SCOPES:
        raise ValueError(f"a spotting score is one of {', '.join(SCOPES)}, not {scope!r}")
    kinds = KINDS if scope == ALL else (scope,)
    return [m for video in videos
            for kind, matching in match_video(video, threshold=threshold).items()
            if kind in kinds for m in matching.matches]


def recognition_labels(matches: Iterable[Match],
                       n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The true and recognised emotions of the true positives whose ground truth is one of
    the ``n_classes`` classes; a prediction without emotion becomes
    :data:`NOT_RECOGNISED`."""
    pairs = [(m.truth.emotion, NOT_RECOGNISED if m.spotted.emotion is None
              else m.spotted.emotion)
             for m in matches if m.truth.emotion is not None
             and 0 <= m.truth.emotion < n_classes]
    true = np.asarray([t for t, _ in pairs], dtype=np.intp)
    return true, np.asarray([p for _, p in pairs], dtype=np.intp)


@dataclass(frozen=True)
class SpotThenRecognise:
    """The STR result of one database: spotting counts, recognition, STRS."""

    spotting: SpotCounts
    recognition: RecognitionScores
    strs: float


def score_str(videos: Iterable[Video], n_classes: int, scope: str = MICRO, *,
              threshold: float = THRESHOLD) -> SpotThenRecognise:
    """Spot-then-recognise scores of ``scope`` (MEGC 2025's ME-STR: micro, the default),
    pooled over ``videos``."""
    videos = list(videos)
    spotting = pooled_counts(videos, threshold=threshold)[scope]
    true, pred = recognition_labels(spotted_matches(videos, scope, threshold=threshold),
                                    n_classes)
    recognition = recognition_scores(true, pred, n_classes)
    return SpotThenRecognise(spotting, recognition, strs(spotting.f1, recognition.f1))
