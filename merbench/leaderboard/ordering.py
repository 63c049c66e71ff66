"""Which benchmarks come first: on the site's index and in ``merbench leaderboard list``.

A reader arrives for the benchmark the field reports (the MEGC2019 composite under LOSO), so
it leads; then the other benchmarks that hold runs; then those that hold none yet, which the
index lists in one line rather than as cards of zeros. File-name order put the composite's
leave-one-database-out page first and eight empty cards among the three with runs. Within
each part a definition's ``order`` (lower first; see ``definitions/README.md``) and then the
definitions' file order decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from merbench.leaderboard.benchmarks import Benchmark, load_benchmarks
from merbench.leaderboard.collect import benchmark_rows, collect
from merbench.leaderboard.kind_section import KindTable
from merbench.leaderboard.kind_tables import kind_tables
from merbench.leaderboard.result_walk import Rejected

T = TypeVar("T")


def by_importance(items: Sequence[T], bench: Callable[[T], Benchmark],
                  runs: Callable[[T], int | None]) -> list[T]:
    """``items`` (one per benchmark) with runs first, each part by the definitions'
    ``order``; otherwise as given (the sort is stable). ``runs`` None: not counted, so
    only ``order`` decides."""
    return sorted(items, key=lambda item: (runs(item) == 0, bench(item).order))


@dataclass(frozen=True)
class Listed:
    """A benchmark and how many validated runs it holds (None: no results were read)."""

    bench: Benchmark
    runs: int | None


@dataclass(frozen=True)
class Listing:
    """What ``merbench leaderboard list`` prints: the benchmarks in order, and the result
    files that did not validate (which count for no benchmark)."""

    items: list[Listed]
    rejected: list[Rejected]
    #: the tables the other kinds of result make (none where no results were read)
    others: list[KindTable] = field(default_factory=list)


def benchmark_runs(folders: Sequence[Path] | None, benchmarks_dir: Path | None) -> Listing:
    """Every benchmark, most important first, with its runs under ``folders`` counted as the
    site counts them (validated, and belonging to it); ``folders`` None: none counted."""
    benchmarks = load_benchmarks(benchmarks_dir)
    if folders is None:
        items = [Listed(bench, None) for bench in benchmarks]
        return Listing(by_importance(items, lambda i: i.bench, lambda i: i.runs), [])
    collection = collect(list(folders))
    items = [Listed(bench, benchmark_rows(bench, collection.groups).run_count())
             for bench in benchmarks]
    others, rejected = kind_tables(list(folders))
    return Listing(by_importance(items, lambda i: i.bench, lambda i: i.runs),
                   collection.rejected + rejected, others)
