"""Scoring an AU run: the fold files' label codes and predicted AUs -> what
``au-results.json`` records (pooled per-AU scores, per database, subject-bootstrap
intervals).

One function for everyone who turns an AU run's predictions into numbers: the run's summary
and ``merbench validate``, which recomputes what a file claims, so a number can differ from
its recomputation only if the stored predictions were changed. The arithmetic is
:mod:`merbench.au.metrics`'s: an entry coded uncertainly is scored nowhere, the folds are
pooled before any division, MEB's mean F1 averages every AU of the set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.au.metrics import (
    THRESHOLD,
    AULabels,
    AUScores,
    au_intervals,
    au_scores,
    labels_of,
)
from merbench.au.record import AUIntervalsRecord, AUScopeIntervals, AUScoresRecord
from merbench.data.au_labels import present_bits
from merbench.results.model import IntervalMethod
from merbench.scores.interval_records import interval_pair
from merbench.stats.intervals import LEVEL, METHOD, RESAMPLES, SEED


@dataclass(frozen=True)
class AUScored:
    """An AU run's scores as ``au-results.json`` records them."""

    overall: AUScoresRecord
    per_database: dict[str, AUScoresRecord]
    intervals: AUIntervalsRecord


def _record(scores: AUScores, n: int) -> AUScoresRecord:
    mean = float(scores.mean_f1)
    return AUScoresRecord(
        n=n, mean_f1=None if math.isnan(mean) else mean,
        f1=[float(v) for v in scores.f1], f1_defined=[bool(v) for v in scores.f1_defined],
        precision=[float(v) for v in scores.precision],
        recall=[float(v) for v in scores.recall],
        positives=[int(v) for v in scores.positives],
        predicted=[int(v) for v in scores.predicted], scored=[int(v) for v in scores.scored])


def _scope(labels: AULabels, predicted: np.ndarray, samples: Any) -> AUScopeIntervals:
    found = au_intervals(labels, predicted, samples, threshold=THRESHOLD)
    return AUScopeIntervals(mean_f1=interval_pair(found.mean_f1),
                            f1=[interval_pair(i) for i in found.f1])


def score_au(y_true: np.ndarray, y_pred: np.ndarray, samples: Any,
             au_set: Sequence[int]) -> AUScored:
    """The scores of pooled test samples: ``y_true`` their label codes, ``y_pred`` the AUs
    predicted present (codes of the same bits), ``samples`` a table of their ``database``
    and ``subject`` in the same order."""
    labels = labels_of(y_true, au_set)
    predicted = present_bits(y_pred, len(au_set)).astype(float)
    databases = np.asarray(samples["database"].astype(str))
    per_database, per_database_intervals = {}, {}
    for db in sorted(set(databases.tolist())):
        rows = databases == db
        part = AULabels(labels.au_set, labels.present[rows], labels.ignored[rows])
        per_database[db] = _record(au_scores(part, predicted[rows]), int(rows.sum()))
        per_database_intervals[db] = _scope(part, predicted[rows],
                                            samples[rows].reset_index(drop=True))
    return AUScored(
        overall=_record(au_scores(labels, predicted), len(labels.present)),
        per_database=per_database,
        intervals=AUIntervalsRecord(
            method=IntervalMethod(method=METHOD, unit="subject", level=LEVEL,
                                  resamples=RESAMPLES, seed=SEED),
            overall=_scope(labels, predicted, samples.reset_index(drop=True)),
            per_database=per_database_intervals))


def au_point_scores(y_true: np.ndarray, y_pred: np.ndarray, databases: np.ndarray,
                    au_set: Sequence[int]) -> tuple[AUScoresRecord, dict[str, AUScoresRecord]]:
    """:func:`score_au`'s pooled scores, overall and per database, without the intervals:
    milliseconds where the bootstrap takes seconds, so what a validation record read back
    is checked against (:mod:`merbench.verification.record_check`)."""
    labels = labels_of(y_true, au_set)
    predicted = present_bits(y_pred, len(au_set)).astype(float)
    databases = np.asarray(databases, dtype=str)
    per_database = {}
    for db in sorted(set(databases.tolist())):
        rows = databases == db
        part = AULabels(labels.au_set, labels.present[rows], labels.ignored[rows])
        per_database[db] = _record(au_scores(part, predicted[rows]), int(rows.sum()))
    return _record(au_scores(labels, predicted), len(labels.present)), per_database
