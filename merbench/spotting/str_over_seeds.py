"""One spotting run recognised with several seeds, summarised: what ``str-seeds.json`` holds.

``merbench spot --recognise MODEL --seeds`` writes the summary with :func:`summarise_str_seeds`
and ``merbench validate`` calls it again on the validated seed folders, so the two cannot
disagree. Each seed's scores are its ``str.json``'s (recomputed when it validates); the mean
and deviation are those of every summary over seeds (:mod:`merbench.results.over_seeds`).

The interval is of the seeds' mean STRS when the subjects are resampled, whole, within
their database (the unit of :mod:`merbench.spotting.bootstrap` and of recognition's
intervals): each subject's spotting counts (the same for every seed: one spotting) and each
seed's recognition counts of that subject's true positives are pooled over the drawn
subjects, STRS is scored per seed as :func:`merbench.spotting.recognition.score_str`
scores it, and the seeds' STRS are averaged. Drawing the subjects once for every seed is
what makes it an interval of the mean, not of one seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from merbench.results.codec import to_json
from merbench.results.over_seeds import STD_OVER_SEEDS, mean_over_seeds, std_over_seeds
from merbench.spotting.bootstrap import strata_of
from merbench.spotting.intervals import Video
from merbench.spotting.recognition import recognition_labels, spotted_matches
from merbench.spotting.record import F1Interval, SpottingResults
from merbench.spotting.scores import SCOPES, f1_of_counts, subject_counts
from merbench.spotting.str_record import StrResults
from merbench.spotting.str_scores import recognised_videos
from merbench.spotting.str_seeds_record import (
    STR_SEEDS_SCHEMA,
    StrScopeOverSeeds,
    StrSeedScores,
    StrSeedsSummary,
)
from merbench.stats.confusion import counts_from_labels
from merbench.stats.intervals import LEVEL, RESAMPLES, SEED, resampled_intervals

#: what makes recognisers one configuration over seeds (a ``str.json``'s recogniser record
#: but for its seed, device, provider, frames and training rules and counts)
RECOGNISER_KEYS = ("model", "model_version", "model_options", "feature", "feature_version",
                   "feature_options", "epochs")


def recogniser_configuration(recognised: StrResults) -> dict[str, Any]:
    """The recogniser of ``recognised`` as one configuration of a summary over seeds."""
    record = to_json(recognised.recogniser)
    return {key: record[key] for key in RECOGNISER_KEYS}


def recognition_counts(videos: Sequence[Video], keys: Sequence[tuple[str, str]],
                       n_classes: int) -> np.ndarray:
    """Each subject's (``keys``, in order) recognition counts of its true positives, per
    scope: shape subjects x scopes x 3 (true positives, predicted, true) x classes, the
    counts :func:`merbench.spotting.recognition.recognition_scores` scores."""
    found = np.zeros((len(keys), len(SCOPES), 3, n_classes), dtype=np.int64)
    index = {key: i for i, key in enumerate(keys)}
    for key in keys:
        own = [video for video in videos if video.key == key]
        for s, scope in enumerate(SCOPES):
            true, pred = recognition_labels(spotted_matches(own, scope), n_classes)
            counts = counts_from_labels(true, pred, n_classes)
            found[index[key], s] = np.stack([counts.tp, counts.predicted, counts.true])
    return found


def recognition_f1_of(counts: np.ndarray) -> np.ndarray:
    """MEGC 2025's recognition F1 of pooled counts (last two axes: 3 x classes, as
    :func:`recognition_counts` gives them), batched: the harmonic mean of the classes' mean
    precision and mean recall, each 0 where undefined; NaN where there is no true positive
    to recognise."""
    tp, predicted, true = counts[..., 0, :], counts[..., 1, :], counts[..., 2, :]
    precision = np.divide(tp, predicted, out=np.zeros(tp.shape), where=predicted > 0).mean(-1)
    recall = np.divide(tp, true, out=np.zeros(tp.shape), where=true > 0).mean(-1)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(total.shape), where=total > 0)
    return np.where(true.sum(-1) > 0, f1, np.nan)


def mean_strs_intervals(spotting: SpottingResults, recognitions: Sequence[StrResults], *,
                        resamples: int = RESAMPLES, seed: int = SEED,
                        level: float = LEVEL) -> dict[str, F1Interval]:
    """Each scope's subject-bootstrap interval of the seeds' mean STRS (module doc): the
    videos matched and counted once, every scope scored on the same resamples (as one call
    per scope would draw them)."""
    n_classes = len(recognitions[0].classes)
    per_seed = [recognised_videos(spotting, r.videos) for r in recognitions]
    keys, spotted = subject_counts(per_seed[0])  # subjects x scopes x 3
    recognised = np.stack([recognition_counts(videos, keys, n_classes)
                           for videos in per_seed])  # seeds x subjects x scopes x 3 x classes

    def mean_strs(chosen: np.ndarray) -> np.ndarray:  # scopes x resamples
        chosen = np.asarray(chosen, dtype=np.intp)
        spotting_f1 = f1_of_counts(spotted[chosen].sum(axis=-3))  # resamples x scopes
        recognition_f1 = recognition_f1_of(recognised[:, chosen].sum(axis=-4))
        return np.mean(spotting_f1 * recognition_f1, axis=0).T

    found = resampled_intervals(mean_strs, strata_of(keys), resamples=resamples, seed=seed,
                                level=level)
    return {scope: F1Interval(_number(interval.low), _number(interval.high))
            for scope, interval in zip(SCOPES, found, strict=True)}


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _over_seeds(per_seed: dict[str, StrSeedScores], field: str, reduce: Any) -> float | None:
    value: float | None = reduce([getattr(scores, field) for scores in per_seed.values()])
    return value


def summarise_str_seeds(spotting: SpottingResults, recognitions: Sequence[StrResults],
                        seeds: Sequence[int], runs: dict[str, str],
                        created: str) -> StrSeedsSummary:
    """The summary of one spotting run (``spotting``, every seed's) recognised once per seed
    (``recognitions``, in the order of ``seeds``; ``runs``: seed -> its folder)."""
    first = recognitions[0]
    intervals = mean_strs_intervals(spotting, recognitions)
    scopes = {}
    for scope in SCOPES:
        per_seed = {str(seed): StrSeedScores(strs=r.scores[scope].strs,
                                             spotting_f1=r.scores[scope].spotting.f1,
                                             recognition_f1=r.scores[scope].recognition.f1)
                    for seed, r in zip(seeds, recognitions, strict=True)}
        fields = ("strs", "spotting_f1", "recognition_f1")
        scopes[scope] = StrScopeOverSeeds(
            per_seed=per_seed,
            mean=StrSeedScores(*(_over_seeds(per_seed, f, mean_over_seeds) for f in fields)),
            std=StrSeedScores(*(_over_seeds(per_seed, f, std_over_seeds) for f in fields)),
            interval=intervals[scope])
    return StrSeedsSummary(
        schema_version=STR_SEEDS_SCHEMA, kind="str-seeds", created=created,
        spotter=spotting.spotter.name, dataset=spotting.dataset.name,
        spotting_fingerprint=first.spotting_fingerprint,
        recogniser=recogniser_configuration(first), seeds=list(seeds), runs=dict(runs),
        std=STD_OVER_SEEDS, scores=scopes)
