"""The emotion benchmarks as the first kind of the site and of ``leaderboard list`` /
``export`` / ``diff`` (:class:`~merbench.leaderboard.kind_section.KindSection`).

The validated emotion runs, grouped into configurations
(:func:`~merbench.leaderboard.collect.collect`), go on one page per benchmark definition
(with its comparison page) and one per run (:mod:`merbench.leaderboard.emotion_pages`); on
the index the benchmarks' cards come first and, after every kind's part, the table of every
run.

A benchmark is a definition file, not something the results hold, so the section is made
with the definitions a command was given (``--benchmarks``, else the shipped ones): one per
command (:func:`merbench.leaderboard.kind_tables.kind_sections`), so that the site, ``list``,
``export`` and ``diff`` take it as they take every other kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.benchmarks import Benchmark
from merbench.leaderboard.collect import Collection, collect
from merbench.leaderboard.emotion_pages import render_emotion_pages
from merbench.leaderboard.emotion_table import BenchmarkTable, benchmark_tables
from merbench.leaderboard.kind_section import Shown
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.table_ids import Named


class EmotionSection:
    """The benchmarks' pages (``benchmarks/ID.html``), the runs' (``runs/ID/``), and the
    benchmarks' tables (their definitions' ids)."""

    counted_as = "run"
    index_part = "index_emotion.html"
    runs_part: str | None = "index_emotion_runs.html"

    def __init__(self, benchmarks: Sequence[Benchmark]) -> None:
        self.benchmarks = list(benchmarks)
        self.ids = Named(tuple(bench.id for bench in self.benchmarks))

    def find(self, folders: Sequence[Path], gate: AuditGate, strict: bool
             ) -> tuple[Collection, list[Rejected]]:
        # strict asks nothing more here: every read follows the command's checking mode
        # (merbench.verification.validation_record.checking), a run's folds included
        collection = gate.collection(collect(list(folders), vouched=gate.vouches))
        return collection, collection.rejected

    def tables(self, found: Collection) -> list[BenchmarkTable]:
        return benchmark_tables(self.benchmarks, found)

    def render(self, env: Any, found: Collection, out: Path) -> Shown:
        return Shown(render_emotion_pages(env, found, self.benchmarks, out), len(found.runs))
