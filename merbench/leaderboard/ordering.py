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
from typing import TypeVar

from merbench.leaderboard.benchmarks import Benchmark

T = TypeVar("T")


def by_importance(items: Sequence[T], bench: Callable[[T], Benchmark],
                  runs: Callable[[T], int | None]) -> list[T]:
    """``items`` (one per benchmark) with runs first, each part by the definitions'
    ``order``; otherwise as given (the sort is stable). ``runs`` None: not counted, so
    only ``order`` decides."""
    return sorted(items, key=lambda item: (runs(item) == 0, bench(item).order))
