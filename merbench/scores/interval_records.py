"""The intervals a run or a seeds summary records, from its predictions tables.

``results.json`` and ``seeds.json`` carry the 95% intervals of the reported UF1 and UAR with
the method that made them (:class:`~merbench.results.model.Intervals`); ``merbench
validate`` recomputes them from ``predictions.csv`` with this same function, so a recorded
interval is only ever a cache of what the predictions give.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.results.model import IntervalMethod, Intervals, ScopeIntervals
from merbench.stats.intervals import (
    LEVEL,
    METHOD,
    METRICS,
    RESAMPLES,
    SEED,
    Interval,
    subject_confusions,
    subject_intervals,
)

Scoped = dict[str, dict[str, Interval]]  # scope ("overall" or a database) -> metric -> interval


def subject_strata(samples: Any) -> tuple[np.ndarray, list[str], list[list[int]]]:
    """Each sample's subject key (``database/subject``), every key in order, and the keys'
    indices grouped by database (the strata a composite resamples within)."""
    keys_of = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)).to_numpy()
    keys = sorted(set(keys_of.tolist()))
    databases = sorted({k.split("/", 1)[0] for k in keys})
    strata = [[i for i, k in enumerate(keys) if k.split("/", 1)[0] == db] for db in databases]
    return keys_of, keys, strata


def stack_seeds(frames: Sequence[Any]) -> tuple[Any, np.ndarray]:
    """Several seeds' predictions tables as one: the first's samples (``sample_id``,
    ``database``, ``subject``, ``y_true``) and every seed's ``y_pred`` in that order (seeds x
    samples). Seeds that tested other samples are refused."""
    first = frames[0].reset_index(drop=True)
    order = first["sample_id"].astype(str)
    rows = []
    for frame in frames:
        ids = frame["sample_id"].astype(str)
        if len(frame) != len(first) or set(ids) != set(order):
            raise MerbenchError("seeds of one configuration tested other samples; their "
                                "predictions cannot be averaged")
        rows.append(frame.set_index(ids)["y_pred"].loc[order].to_numpy(dtype=int))
    return first[["sample_id", "database", "subject", "y_true"]], np.stack(rows)


def scoped_intervals(samples: Any, y_pred: np.ndarray, n_classes: int,
                     **options: Any) -> Scoped:
    """Intervals overall (subjects resampled within their database) and per database (its
    subjects alone). ``samples``: a table with ``database``, ``subject`` and ``y_true`` per
    sample; ``y_pred``: seeds x samples, in the same order."""
    keys_of, keys, strata = subject_strata(samples)
    databases = [keys[stratum[0]].split("/", 1)[0] for stratum in strata]
    confusions = subject_confusions(np.asarray(samples["y_true"], dtype=int),
                                    np.atleast_2d(y_pred), keys_of, keys, n_classes)
    found = {"overall": subject_intervals(confusions, strata, METRICS, **options)}
    for db, stratum in zip(databases, strata, strict=True):
        found[db] = subject_intervals(confusions, [stratum], METRICS, **options)
    return found


def lone_subject_scopes(samples: Any) -> dict[str, str]:
    """The scopes (``overall``, a database) whose interval over subjects has no subject to
    resample, with why in words: a database of one test subject, and overall where every
    database has one. Their recorded intervals are a point (``[0.15, 0.15]``), which
    ``show`` printed as a "95% interval" drawn from one subject; this says there is none.
    ``samples``: a predictions table (``database`` and ``subject`` per sample)."""
    _, keys, strata = subject_strata(samples)
    pairs = [(key.split("/", 1)[0], key.split("/", 1)[1]) for key in keys]
    lone = {pairs[stratum[0]][0]: lone_reason([pairs[i] for i in stratum])
            for stratum in strata}
    lone["overall"] = lone_reason(pairs)
    return {scope: why for scope, why in lone.items() if why}


def lone_reason(subjects: Iterable[tuple[str, str]]) -> str:
    """Why an interval over the (database, subject) pairs ``subjects``, resampled within
    their databases as every interval over subjects is, is none: each resample draws the
    same subjects, so it is a point. "" where some database has two or more subjects. The
    one wording of every kind's reason (a spotting run of one subject's too), which
    :func:`lone_notes` and an exported table's cells say."""
    databases: dict[str, set[str]] = {}
    for database, subject in subjects:
        databases.setdefault(database, set()).add(subject)
    if not databases or any(len(found) > 1 for found in databases.values()):
        return ""
    return "one test subject" if len(databases) == 1 else "one test subject per database"


def no_interval(why: str) -> str:
    """A cell's words where its interval would be, ``why`` being :func:`lone_reason`'s (as
    the leaderboard's pages word it)."""
    return f"no interval: {why}"


def lone_notes(lone: dict[str, str], scopes: Sequence[str]) -> list[str]:
    """A line for each reason some of ``scopes`` (in a table's order) have no interval
    (:func:`lone_subject_scopes`), the same words in a terminal and on a page."""
    lines = []
    for why in sorted(set(lone.values())):
        named = [scope for scope in scopes if lone.get(scope) == why]
        lines.append(f"no interval ({why}): {', '.join(named)}; an interval over subjects "
                     "needs two or more")
    return lines


def interval_pair(interval: Interval) -> list[float] | None:
    """``[low, high]`` as results files record it; None where the interval is undefined."""
    if math.isnan(interval.low) or math.isnan(interval.high):
        return None
    return [interval.low, interval.high]


def interval_record(frames: Sequence[Any], n_classes: int) -> Intervals:
    """The record of one run's predictions table, or of several seeds' (each sample's
    predictions aligned on ``sample_id``; the seed mean is what is resampled)."""
    samples, y_pred = stack_seeds(frames)
    found = scoped_intervals(samples, y_pred, n_classes)

    def scope(name: str) -> ScopeIntervals:
        return ScopeIntervals(uf1=interval_pair(found[name]["uf1"]),
                              uar=interval_pair(found[name]["uar"]))

    return Intervals(
        method=IntervalMethod(method=METHOD, unit="subject", level=LEVEL, resamples=RESAMPLES,
                              seed=SEED),
        overall=scope("overall"),
        per_database={db: scope(db) for db in found if db != "overall"})
