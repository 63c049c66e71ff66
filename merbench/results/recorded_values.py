"""What a result's file records that must make sense on its own: dates, durations, counts,
scores and the rules merbench scores by, checked without recomputing anything.

``merbench validate`` recomputes every metric from the stored predictions; these checks are
the part of it that needs nothing but the file itself, so ``merbench status`` runs the very
same functions before it calls a result complete (:mod:`merbench.results.written`). A
``wall_time_s`` of ``1e999`` (infinity to Python's decoder), a negative ``n_samples`` or an
``iou_threshold`` of -5 were "complete" to ``status`` and rejected by ``validate``. What only
a recomputation catches (a UF1 of 0.99 where the predictions give 0.72, a predictions table
cut to its header) stays ``validate``'s own.

Each check raises :class:`ProvenanceError`, one sentence without the file's name: the caller
names the file its own way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.results.audit_file import CLOCK_MARGIN
from merbench.results.model import Intervals, Results

# No merbench result can be older than merbench; none can come from the future (a day's
# margin for clocks set to other zones or slightly wrong: a date up to a day ahead of this
# machine's clock is a claim nobody can disprove here; results.audit_file uses the same).
EARLIEST = datetime(2026, 1, 1, tzinfo=timezone.utc)


class ProvenanceError(MerbenchError):
    """One statement of a result's file that another file contradicts, or that is absurd."""


def said_of(name: str, exc: ProvenanceError) -> str:
    """The refusal ``exc`` of the file called ``name``, naming it once: before the sentence
    ("results.json: wall_time_s is -5; ..."), unless the sentence starts with it already
    ("results.json's dataset.n_samples is 60, but ...")."""
    said = str(exc)
    return said if said.startswith(name) else f"{name}: {said}"


def is_duration(value: Any) -> bool:
    """Whether ``value`` is a number of seconds: finite, 0 or more."""
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def check_created(created: str) -> datetime:
    """``created`` as merbench writes it (ISO 8601, UTC), between merbench's first run and
    now: any kind of result's creation date."""
    try:
        when = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        raise ProvenanceError(f"created {created!r} is not a date and time (ISO 8601, as "
                              "merbench writes it)") from None
    if when.tzinfo is None:
        raise ProvenanceError(f"created {created!r} has no time zone; merbench writes UTC")
    now = datetime.now(timezone.utc)
    if not EARLIEST <= when <= now + CLOCK_MARGIN:
        raise ProvenanceError(f"created {created} is not a date a merbench run could have "
                              f"finished (between {EARLIEST.date()} and now, or a day ahead "
                              "for a clock set to another zone)")
    return when


def check_duration(field: str, seconds: Any) -> None:
    """A recorded time that must be a duration: finite seconds, 0 or more, and no longer
    than merbench has existed (1e9 s, thirty years, was accepted and shown)."""
    if not is_duration(seconds):
        raise ProvenanceError(f"{field} is {seconds!r}; a duration is a finite number of "
                              "seconds, 0 or more")
    longest = (datetime.now(timezone.utc) + CLOCK_MARGIN - EARLIEST).total_seconds()
    if seconds > longest:
        raise ProvenanceError(f"{field} is {seconds:g} s, longer than merbench has run "
                              f"anything (since {EARLIEST.date()})")


def check_count(field: str, value: int) -> None:
    """A recorded count: a whole number from 0."""
    if value < 0:
        raise ProvenanceError(f"{field} is {value}; a count is a whole number from 0")


def check_score(field: str, value: float | None) -> None:
    """A recorded score (an F1, a precision, STRS): undefined (null), or from 0 to 1."""
    if value is not None and not (math.isfinite(value) and 0 <= value <= 1):
        raise ProvenanceError(f"{field} is {value!r}; a score is a number from 0 to 1")


def check_interval(field: str, value: Sequence[Any] | None) -> None:
    """A recorded confidence interval: undefined (null), or a pair [low, high]. An interval
    cut to one number was "complete" to ``status`` and a traceback to ``show``, which prints
    both ends (pass 84o, O1)."""
    if value is not None and len(value) != 2:
        raise ProvenanceError(f"{field} holds {counted(len(value), 'number')}; an interval "
                              "is a pair [low, high]")


def check_entries(field: str, values: Sequence[Any], n: int, of: str) -> None:
    """A recorded list with one entry for each of ``n`` things (``of`` says which: "AU of
    au_set"): one short was "complete" to ``status`` and a traceback to ``show``, which
    prints an entry for each (pass 84o, O1)."""
    if len(values) != n:
        held = counted(len(values), "entry", "entries")
        raise ProvenanceError(f"{field} holds {held}, not one for each of the {n} {of}")


def check_intervals(intervals: Intervals | None) -> None:
    """An emotion run's or seeds summary's ``intervals`` (null: not recorded): each a pair
    (:func:`check_interval`)."""
    if intervals is None:
        return
    scopes = {"overall": intervals.overall,
              **{f"per_database.{db}": pair for db, pair in intervals.per_database.items()}}
    for scope, pair in scopes.items():
        check_interval(f"intervals.{scope}.uf1", pair.uf1)
        check_interval(f"intervals.{scope}.uar", pair.uar)


def run_values(results: Results) -> None:
    """An emotion run's ``results.json``: its dates and times, and the numbers it states
    twice agreeing (its dataset's size with its class counts and its databases' sizes, each
    fold's reported epoch with the reported policy's; edited alone, either validated)."""
    check_created(results.created)
    for field, seconds in (("wall_time_s", results.wall_time_s),
                           ("train_time_s", results.train_time_s)):
        check_duration(field, seconds)
    dataset = results.dataset
    check_count("dataset.n_samples", dataset.n_samples)
    check_run_counts(results.protocol.n_folds, results.seed, results.folds)
    for name, scored in results.metrics_by_policy.items():
        for scope, scores in (("overall", scored.metrics.overall),
                              *scored.metrics.per_database.items()):
            check_count(f"metrics_by_policy.{name}.{scope}.n", scores.n)
    check_intervals(results.intervals)
    totals = {"its class counts": sum(dataset.class_counts),
               "its databases' sizes": sum(db.n_samples for db in dataset.databases.values())}
    for what, total in totals.items():
        if total != dataset.n_samples:
            raise ProvenanceError(f"results.json's dataset.n_samples is {dataset.n_samples}, "
                                  f"but {what} add up to {total}")
    policy = results.selection.policy
    for fold in results.folds:
        if fold.epoch != fold.epoch_by_policy.get(policy):
            raise ProvenanceError(f"results.json's folds[{fold.index}].epoch is {fold.epoch}, "
                                  f"but the reported policy '{policy}' picks "
                                  f"{fold.epoch_by_policy.get(policy)}")


def check_run_counts(n_folds: int, seed: int, folds: Sequence[Any]) -> None:
    """A run's fold count, seed and each fold's test samples: whole numbers from 0 (a
    negative one, -3 folds or a fold of -3 samples, was called complete by status)."""
    check_count("protocol.n_folds", n_folds)
    check_count("seed", seed)
    for fold in folds:
        check_count(f"folds[{fold.index}].n_test", fold.n_test)
