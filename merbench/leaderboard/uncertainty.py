"""How sure a leaderboard's order is: each ranked row's interval, ties with the best row, and
the paired tests between every two of the first :data:`MATRIX_ROWS` rows.

A pooled UF1 over a few dozen subjects moves by several points with the subjects sampled, so
a bare ranking claims more than the data hold. Every number here comes from
:mod:`merbench.stats` (the same methods as ``merbench compare``), computed at build time from
the runs' validated predictions, never from a stored number. A row's predictions are its
configuration's seeds, as the row's mean ± std is: the group's runs, validated when they were
collected, stacked seed by seed by :func:`~merbench.compare.emotion.stored_run` (a
``seeds.json`` may name fewer seeds than the group holds, or none be written yet).
``predictions.csv`` holds the run's reported selection only, so a row of another policy gets
no interval and says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.compare.emotion import (
    StoredRun,
    compare,
    incomparable,
    intervals,
    point,
    stored_run,
)
from merbench.leaderboard.benchmarks import Benchmark
from merbench.leaderboard.collect import Group, Row
from merbench.leaderboard.forest import Entry
from merbench.scores.interval_records import lone_subject_scopes
from merbench.stats.intervals import METRICS, Interval
from merbench.stats.paired import holm, untestable

ALPHA = 0.05
TIE_METRIC = "uf1"  # the ranking metric: ties are with the best row on it
#: the ranked rows tested pair by pair; each row below them is tested against the best only
#: (its tie mark). A paired test costs about a third of a CPU second, so every pair of a
#: hundred configurations (4,950) took about 27 minutes to build cold, quadratic in the rows:
#: this keeps a table at about n + 190 tests, and no one reads a matrix of a hundred columns
#: (``merbench compare A B`` tests any two)
MATRIX_ROWS = 20


@dataclass(frozen=True)
class Loaded:
    """A group's predictions (None when they cannot be read, with why), and its intervals."""

    run: StoredRun | None
    why: str = ""
    spans: dict[str, dict[str, Interval]] = field(default_factory=dict)
    lone: str = ""  # why the overall score has no interval (one test subject), or ""
    #: each scope of one subject (or one a database) with why it has no interval
    scopes_lone: dict[str, str] = field(default_factory=dict)


@dataclass
class RowUncertainty:
    """What a ranked row shows beside its numbers."""

    cells: list[Interval | None]  # aligned with the row's cells; None: no interval there
    point: dict[str, float]  # metric -> overall seed-mean score, the interval's centre
    why_none: str = ""  # why the row has no interval ("" when it has one)
    tie: str = ""  # "best", "tied", "differs", "untested" ("": nothing to compare)
    p_value: float | None = None  # UF1 against the best row, raw and Holm-adjusted
    p_holm: float | None = None
    why_untested: str = ""
    overall: dict[str, Interval] = field(default_factory=dict)  # metric -> overall interval
    #: aligned with ``cells``: why a cell of a scope of one subject has no interval, or ""
    lone: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pair:
    """Row j against row i (i < j): j's score minus i's, the p-values, Holm over all pairs."""

    difference: dict[str, float]
    p_value: dict[str, float]
    holm: dict[str, float]


@dataclass
class TableUncertainty:
    """A ranked table's intervals, ties and pairwise matrix (``pairs[(i, j)]``, i < j)."""

    rows: list[RowUncertainty]
    pairs: dict[tuple[int, int], Pair]
    why_apart: dict[tuple[int, int], str]  # pairs not compared, and why
    matrix_rows: int = MATRIX_ROWS  # the rows tested pair by pair (the rest: with the best)

    def cell(self, i: int, j: int) -> Pair | None:
        return self.pairs.get((min(i, j), max(i, j)))

    def why(self, i: int, j: int) -> str:
        low, high = min(i, j), max(i, j)
        if (low, high) not in self.why_apart and low > 0 and high >= self.matrix_rows:
            return (f"rows below the first {self.matrix_rows} are tested against the best "
                    "only ('merbench compare A B' tests any two)")
        return self.why_apart.get((low, high), "")


class Loader:
    """Each group's StoredRun and intervals, computed once for the whole site."""

    def __init__(self) -> None:
        self._cache: dict[str, Loaded] = {}

    def group(self, group: Group) -> Loaded:
        if group.key not in self._cache:
            self._cache[group.key] = self._load(group)
        return self._cache[group.key]

    @staticmethod
    def _load(group: Group) -> Loaded:
        # absolute: the seeds of one row may lie under --results folders given one relative
        # and one absolute, which have no common path as written
        dirs = [os.path.abspath(run.checked.run_dir) for run in group.runs]
        try:  # the runs validated when they were collected
            run = stored_run([run.checked for run in group.runs],
                             Path(os.path.commonpath(dirs)))
        except MerbenchError as exc:
            return Loaded(None, f"its predictions could not be read: {exc}")
        # a scope of one test subject has a point, which is no interval
        lone = lone_subject_scopes(run.samples)
        return Loaded(run, spans={scope: found for scope, found in intervals(run).items()
                                  if scope not in lone}, lone=lone.get("overall", ""),
                      scopes_lone=lone)

    def row(self, row: Row) -> Loaded:
        """The row's predictions, if ``predictions.csv`` holds its policy's."""
        loaded = self.group(row.group)
        if loaded.run is not None and loaded.run.policy != row.policy:
            return Loaded(None, f"predictions.csv holds the {loaded.run.policy} selection's "
                                f"predictions, not {row.policy}'s")
        return loaded


def _row(row: Row, loaded: Loaded, bench: Benchmark) -> RowUncertainty:
    if loaded.run is None:
        return RowUncertainty(cells=[None] * len(row.cells), point={}, why_none=loaded.why)
    cells = [loaded.spans.get(column.scope, {}).get(metric)
             for column in bench.columns for metric in bench.metrics]
    return RowUncertainty(cells=cells, point={m: point(loaded.run, m) for m in METRICS},
                          overall=dict(loaded.spans.get("overall", {})),
                          why_none=loaded.lone,
                          lone=[loaded.scopes_lone.get(column.scope, "")
                                for column in bench.columns for _ in bench.metrics])


def table_uncertainty(bench: Benchmark, ranked: list[Row], loader: Loader) -> TableUncertainty:
    """Intervals of every ranked row; ties of each with the first (best) row, Holm over the
    rows compared; and the paired test of every pair of the first :data:`MATRIX_ROWS` rows
    (and of the best with each row below them), Holm over all pairs compared."""
    loaded = [loader.row(row) for row in ranked]
    rows = [_row(row, found, bench) for row, found in zip(ranked, loaded, strict=True)]
    pairs: dict[tuple[int, int], dict[str, Any]] = {}
    apart: dict[tuple[int, int], str] = {}
    for i, reference in enumerate(loaded):
        # the best row against every row (the tie marks); the others within the matrix
        later = range(i + 1, len(loaded) if i == 0 else min(len(loaded), MATRIX_ROWS))
        if reference.run is None:
            apart.update({(i, j): f"row {i + 1} has no predictions to test: {reference.why}"
                          for j in later})
            continue
        why = untestable(reference.run.subjects()[0])
        if why:  # the rows below test what it tests, or are apart for that reason
            apart.update({(i, j): f"row {i + 1} has {why}" for j in later})
            continue
        comparable: list[int] = []
        others: list[StoredRun] = []
        for j in later:
            other = loaded[j].run
            if other is None:
                apart[(i, j)] = f"row {j + 1} has no predictions to test: {loaded[j].why}"
            elif incomparable(reference.run, other):
                apart[(i, j)] = (f"rows {i + 1} and {j + 1} were not run on the same samples "
                                 "and folds, so no paired test is possible")
            else:
                comparable.append(j)
                others.append(other)
        if not others:
            continue
        found = compare(reference.run, others)
        for j, item in zip(comparable, found, strict=True):
            pairs[(i, j)] = {"difference": item.difference, "p": item.p_value,
                             "best_holm": item.holm}
    _mark_ties(rows, pairs, apart)
    keys = sorted(pairs)
    adjusted = {m: holm([pairs[k]["p"][m] for k in keys]) if keys else [] for m in METRICS}
    return TableUncertainty(
        rows=rows, why_apart=apart,
        pairs={k: Pair(difference=pairs[k]["difference"], p_value=pairs[k]["p"],
                       holm={m: adjusted[m][n] for m in METRICS})
               for n, k in enumerate(keys)})


def _mark_ties(rows: list[RowUncertainty], pairs: dict[tuple[int, int], dict[str, Any]],
               apart: dict[tuple[int, int], str]) -> None:
    """Row 0 is the best; a row whose Holm-adjusted p against it (over the rows compared with
    it) is at least ALPHA is tied with it; one that could not be tested says why."""
    if len(rows) < 2:
        return
    rows[0].tie = "best"
    for j in range(1, len(rows)):
        if (0, j) in pairs:
            adjusted = float(pairs[(0, j)]["best_holm"][TIE_METRIC])
            rows[j].p_value = float(pairs[(0, j)]["p"][TIE_METRIC])
            rows[j].p_holm = adjusted
            rows[j].tie = "tied" if adjusted >= ALPHA else "differs"
        else:
            rows[j].tie = "untested"
            rows[j].why_untested = apart.get((0, j), "not compared with the best row")


def row_labels(ranked: list[Row], setting: Callable[[Group], str | None]) -> list[str]:
    """A short name of each ranked row for the comparison page: model, setting, policy."""
    found = []
    for row in ranked:
        first = row.group.first
        line = setting(row.group)
        found.append(f"{first.model.name} v{first.model.version}"
                     + (f" ({line})" if line else "") + f", {row.policy}")
    return found


def plot_entries(names: list[str], table: TableUncertainty, metric: str) -> list[Entry]:
    """The forest plot's rows: each ranked row's overall ``metric`` with its interval."""
    found = []
    for n, (name, row) in enumerate(zip(names, table.rows, strict=True)):
        span = row.overall.get(metric)
        found.append(Entry(label=f"{n + 1}. {name}", value=row.point.get(metric),
                           low=None if span is None else span.low,
                           high=None if span is None else span.high, why=row.why_none))
    return found
