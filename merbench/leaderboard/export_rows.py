"""One row of an exported table, whatever kind of benchmark it comes from.

Its own module so that each kind's exporter (:mod:`merbench.leaderboard.export` for emotion
benchmarks, :mod:`merbench.au_kind.export` for action units) builds the same rows for
the same CSV, LaTeX and Markdown writers, without importing the other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from merbench.base.literal import counted
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


def left_out_words(reduced: Sequence[str | None], saved_weights: int = 0) -> str | None:
    """Why a table's export leaves out runs its page shows (and ``leaderboard list``
    counts), or None where it leaves none out: a run in a setting reduced from the model's
    recipe (``reduced``: each such run's departures, None where unsaid) never ranks as the
    model, and a run of weights trained elsewhere was never seen trained, so a paper's table
    has neither. Each reduced setting is named with its count: the first run's alone read as
    the setting of every run left out. Without this, a benchmark whose one run was reduced
    was exported as "no run" while ``list`` counted 1."""
    parts = []
    if reduced:
        settings = Counter(reason or "a departure from the recipe" for reason in reduced)
        if len(settings) == 1:
            parts.append(f"{counted(len(reduced), 'run')} in a reduced setting "
                         f"({next(iter(settings))}), which never ranks as the model")
        else:
            each = "; ".join(f"{count} with {reason}" for reason, count in settings.items())
            parts.append(f"{len(reduced)} runs in {len(settings)} reduced settings ({each}), "
                         "none of which ranks as the model")
    if saved_weights:
        parts.append(f"{saved_weights} run{'s' * (saved_weights > 1)} of weights trained "
                     "elsewhere, whose epoch merbench did not choose")
    if not parts:
        return None
    return ("the export leaves out " + ", and ".join(parts) + " (the page shows "
            + ("them" if len(reduced) + saved_weights > 1 else "it") + " apart), and takes a "
            "run trained with the model's recipe (no --epochs, --lr, --batch-size or model "
            "option of its own)")
