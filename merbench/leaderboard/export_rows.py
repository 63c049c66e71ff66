"""One row of an exported table, whatever kind of benchmark it comes from.

Its own module so that each kind's exporter (:mod:`merbench.leaderboard.export` for emotion
benchmarks, :mod:`merbench.leaderboard.au_export` for action units) builds the same rows for
the same CSV, LaTeX and Markdown writers, without importing the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from merbench.stats.intervals import Interval


@dataclass(frozen=True)
class Line:
    """One exported row: who, how chosen, and each score with its spread."""

    model: str
    setting: str  # the configuration label the benchmark page shows ("" when none)
    selection: str
    test_set_selection: bool
    seeds: int
    scores: list[tuple[float | None, float | None, Interval | None]]  # mean, std, interval
