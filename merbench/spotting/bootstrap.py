"""Subject-bootstrap intervals of the pooled spotting F1, as merbench's recognition intervals.

MEGC reports one F1 per database, pooled over a few dozen subjects' videos (SAMM Long
Videos: 32 subjects; CAS(ME)^2: 22); what it would be on other subjects is the uncertainty
that matters, so the resampling unit is the subject, whole, with all its videos, exactly as
:mod:`merbench.stats.intervals` resamples subjects for UF1 and UAR. Each resample's pool is
the drawn subjects' counts summed (a subject drawn twice counts twice), scored as the real
pool is (:func:`merbench.spotting.scores.f1_of_counts`).

The resampling is the one of :func:`merbench.stats.intervals.resampled_interval`: SciPy's
percentile bootstrap, :data:`~merbench.stats.intervals.RESAMPLES` resamples, seed
:data:`~merbench.stats.intervals.SEED`, level :data:`~merbench.stats.intervals.LEVEL`,
stratified by database (a composite's resample keeps each database's number of subjects; a
database of one subject keeps it in every resample). So an interval is reproducible from the
predictions, and a spotting interval means what a recognition interval means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from merbench.scores.interval_records import lone_reason
from merbench.spotting.intervals import Video
from merbench.spotting.matching import THRESHOLD
from merbench.spotting.record import SpottedVideo
from merbench.spotting.scores import ALL, SCOPES, f1_of_counts, subject_counts
from merbench.stats.intervals import (
    LEVEL,
    RESAMPLES,
    SEED,
    Interval,
    pool_subjects,
    resampled_interval,
)

METHOD = "percentile bootstrap over subjects, stratified by database"


def pooled_f1(counts: np.ndarray, chosen: np.ndarray, scope: str = ALL) -> np.ndarray:
    """The pooled F1 of ``scope`` for each row of ``chosen`` (resamples x subjects drawn,
    indices into the first axis of ``counts``, the per-subject counts of
    :func:`~merbench.spotting.scores.subject_counts`)."""
    chosen = np.asarray(chosen, dtype=np.intp)
    pooled = pool_subjects(counts[None, :, SCOPES.index(scope), :], chosen)[0]
    return f1_of_counts(pooled).reshape(chosen.shape[:-1])


def f1_interval(videos: Iterable[Video], scope: str = ALL, *, threshold: float = THRESHOLD,
                resamples: int = RESAMPLES, seed: int = SEED,
                level: float = LEVEL) -> Interval:
    """The interval of the pooled F1 of ``scope`` (micro, macro or all) when the subjects
    ((database, subject)) are resampled with replacement within their database."""
    if scope not in SCOPES:
        raise ValueError(f"a spotting score is one of {', '.join(SCOPES)}, not {scope!r}")
    keys, counts = subject_counts(videos, threshold=threshold)
    return f1_interval_of(keys, counts, scope, resamples=resamples, seed=seed, level=level)


def f1_interval_of(keys: list[tuple[str, str]], counts: np.ndarray, scope: str = ALL, *,
                   resamples: int = RESAMPLES, seed: int = SEED,
                   level: float = LEVEL) -> Interval:
    """:func:`f1_interval` from the subjects' counts already taken (``keys`` and ``counts``
    as :func:`~merbench.spotting.scores.subject_counts` gives them)."""
    return resampled_interval(lambda chosen: pooled_f1(counts, chosen, scope),
                              strata_of(keys), resamples=resamples, seed=seed, level=level)


def strata_of(keys: Sequence[tuple[str, str]]) -> list[list[int]]:
    """The subjects' indices (``keys``: (database, subject)) grouped by database: what a
    resample keeps the size of."""
    if not keys:
        raise ValueError("there is no video to score")
    strata: dict[str, list[int]] = {}
    for index, (database, _) in enumerate(keys):
        strata.setdefault(database, []).append(index)
    return list(strata.values())


def interval_lone(videos: Iterable[SpottedVideo]) -> str:
    """Why a run of ``videos`` records a point, not an interval (a subject, or one a
    database, drawn in every resample), in the words of the emotion runs' one-subject
    scopes; "" where its intervals are intervals. ``spot``, ``show`` and the export printed
    the point as "0.41 [0.41, 0.41]", an interval over subjects drawn from one."""
    return lone_reason((video.database, video.subject) for video in videos)
