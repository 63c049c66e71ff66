"""An emotion benchmark's table, as ``leaderboard list``, ``export`` and ``diff`` take every
kind's (:class:`~merbench.leaderboard.kind_section.KindTable`).

Its rows are its page's (:func:`~merbench.leaderboard.collect.benchmark_rows`): a
configuration under one selection policy, each carrying the configuration label the page
shows (:func:`~merbench.leaderboard.labels.configuration_label`, told apart among every
configuration found: STSTNet fed in the authors' order and shuffled were two identical
"ststnet v1, fixed" rows once pasted). ``export`` writes its ranked rows with every score's
95 % interval over subjects (:func:`table_uncertainty`), then its test-set-selection rows
(``oracle``, marked as such: never to be ranked with the others); reduced settings and
saved weights are left out, as the page keeps them apart. ``diff`` compares every row the
page publishes, those two sections included, each keyed by its configuration
(:func:`~merbench.leaderboard.collect.group_key`) and its policy, with the runs behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from merbench.leaderboard.benchmarks import Benchmark
from merbench.leaderboard.collect import (
    Collection,
    Row,
    Tables,
    benchmark_rows,
    reduced_setting,
)
from merbench.leaderboard.export_rows import Line, left_out_words
from merbench.leaderboard.labels import configuration_label, configuration_notes
from merbench.leaderboard.ordering import by_importance
from merbench.leaderboard.published_line import RANKED, REDUCED, TEST_SET, PublishedLine
from merbench.leaderboard.uncertainty import Loader, table_uncertainty
from merbench.results.rundir import RunDirectory
from merbench.stats.intervals import Interval

SAVED_WEIGHTS = "saved weights"  # the page's section of weights trained elsewhere


@dataclass(frozen=True)
class BenchmarkTable:
    """One emotion benchmark's rows, from the validated runs found."""

    bench: Benchmark
    rows: Tables
    notes: dict[str, str]  # each configuration's label, told apart among every one found

    @property
    def id(self) -> str:
        return self.bench.id

    @property
    def where(self) -> str:
        return f"{self.bench.dataset} / {self.bench.protocol}"

    @property
    def title(self) -> str:
        return self.bench.title

    @property
    def runs(self) -> int:
        return self.rows.run_count()

    def score_headers(self) -> list[str]:
        return self.bench.score_headers()

    def lines(self) -> list[Line]:
        """Its ranked rows with their intervals over subjects, then its test-set-selection
        rows."""
        uncertainty = table_uncertainty(self.bench, self.rows.ranked, Loader())
        ranked = [row.cells for row in uncertainty.rows]
        lone = [tuple(row.lone) for row in uncertainty.rows]
        return (self._lines(self.rows.ranked, ranked, False, lone)
                + self._lines(self.rows.test_set, None, True))

    def left_out(self) -> str | None:
        """The runs of its reduced and saved-weights sections, which ``runs`` counts and
        ``lines`` leaves out (a run in none of the exported sections)."""
        exported = {run.page_id for rows in (self.rows.ranked, self.rows.test_set)
                    for row in rows for run in row.group.runs}
        # each reduced run's own departures: its configuration's, not the first one's
        reduced = {run.page_id: reduced_setting(row.group.first) for row in self.rows.reduced
                   for run in row.group.runs if run.page_id not in exported}
        saved = {run.page_id for row in self.rows.saved_weights for run in row.group.runs}
        return left_out_words(list(reduced.values()), len(saved - exported - set(reduced)))

    def _lines(self, rows: list[Row], intervals: list[list[Interval | None]] | None,
               test_set: bool, lone: list[tuple[str, ...]] | None = None) -> list[Line]:
        """``lone``: aligned with ``intervals``, why each cell of a scope of one subject has
        none (the export says it)."""
        lines = []
        for position, row in enumerate(rows):
            spans = intervals[position] if intervals is not None else [None] * len(row.cells)
            lines.append(Line(
                model=f"{row.group.first.model.name} v{row.group.first.model.version}",
                setting=configuration_label(row.group, self.notes), selection=row.policy,
                test_set_selection=test_set or row.test_set_selection,
                seeds=len(row.group.runs),
                scores=[(cell.mean, cell.std, span)
                        for cell, span in zip(row.cells, spans, strict=True)],
                no_interval=lone[position] if lone is not None else ()))
        return lines

    def published(self) -> list[PublishedLine]:
        """Every row of its page, each section's, keyed by its configuration and policy."""
        sections = ((RANKED, self.rows.ranked), (TEST_SET, self.rows.test_set),
                    (SAVED_WEIGHTS, self.rows.saved_weights), (REDUCED, self.rows.reduced))
        return [PublishedLine(line, section, "", _identities(row), tuple(
                    run.results.seed for run in row.group.runs), key=row.group.key,
                    folders=frozenset(Path(run.checked.run_dir) for run in row.group.runs))
                for section, rows in sections
                for row, line in zip(rows, self._lines(rows, None, section == TEST_SET),
                                     strict=True)]


def _identities(row: Row) -> frozenset[str]:
    """The identities (``run.json``'s digests) of the row's seed runs."""
    return frozenset(RunDirectory(run.checked.run_dir).identity_sha256()
                     or f"no run.json: {run.checked.run_dir.name}" for run in row.group.runs)


def benchmark_tables(benchmarks: Sequence[Benchmark], collection: Collection
                     ) -> list[BenchmarkTable]:
    """Each benchmark's table, those with runs first, each part by the definitions'
    ``order`` (as the site's index and ``leaderboard list`` show them)."""
    notes = configuration_notes(collection.groups, collection.defaults)
    tables = [BenchmarkTable(bench, benchmark_rows(bench, collection.groups), notes)
              for bench in benchmarks]
    return by_importance(tables, lambda table: table.bench, lambda table: table.runs)

