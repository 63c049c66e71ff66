"""One row of an exported table, whatever kind of benchmark it comes from.

Its own module so that each kind's exporter (:mod:`merbench.leaderboard.export` for emotion
benchmarks, :mod:`merbench.au_kind.export` for action units) builds the same rows for
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
    #: aligned with ``scores``: why a score has no interval where its scope has one subject
    #: to resample (:func:`~merbench.scores.interval_records.lone_reason`), "" elsewhere; a
    #: blank cell was left unexplained in a table to paste into a paper
    no_interval: tuple[str, ...] = ()

    def lone(self) -> list[str]:
        """Why each score has no interval, aligned with ``scores`` ("" where not said)."""
        return [*self.no_interval, *[""] * (len(self.scores) - len(self.no_interval))]


def left_out_words(reduced: int, reason: str | None, saved_weights: int = 0) -> str | None:
    """Why a table's export leaves out runs its page shows (and ``leaderboard list``
    counts), or None where it leaves none out: a run in a setting reduced from the model's
    recipe (``reason``: the first such run's departures) never ranks as the model, and a run
    of weights trained elsewhere was never seen trained, so a paper's table has neither.
    Without this, a benchmark whose one run was reduced was exported as "no run" while
    ``list`` counted 1."""
    parts = []
    if reduced:
        parts.append(f"{reduced} run{'s' * (reduced > 1)} in a reduced setting "
                     f"({reason or 'not the recipe'}), which never ranks as the model")
    if saved_weights:
        parts.append(f"{saved_weights} run{'s' * (saved_weights > 1)} of weights trained "
                     "elsewhere, whose epoch merbench did not choose")
    if not parts:
        return None
    return ("the export leaves out " + ", and ".join(parts) + " (the page shows "
            + ("them" if reduced + saved_weights > 1 else "it") + " apart), and takes a run "
            "trained with the model's recipe (no --epochs, --lr, --batch-size or model option "
            "of its own)")
