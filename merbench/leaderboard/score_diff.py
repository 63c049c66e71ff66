"""What a change does to the published scores: the rows of two results folders compared.

A maintainer merging a change to ``leaderboards/results`` must see every row it adds,
removes or moves, and a published score must never move without a new run behind it: a row
whose runs are the same runs (the same run identities, ``run.json``'s digest) but whose score
differs is a result edited in place, a recomputation changed under it, or a file swapped,
and the CI step of the docs fails on it (as the embedding benchmark's results repository
refuses a changed score under an old run name). A row is a benchmark's configuration under
one selection policy (its page's row), keyed by its benchmark, its configuration
(:func:`~merbench.leaderboard.collect.group_key`) and its policy; its score is its first
column's first metric (the one the page ranks by), recomputed from validated files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.leaderboard.collect import benchmark_rows, collect
from merbench.leaderboard.labels import configuration_label, configuration_notes
from merbench.leaderboard.result_walk import Rejected
from merbench.results.rundir import RunDirectory

#: scores closer than this are the same score (the pages show four decimals)
SAME = 1e-9

Change = Literal["added", "removed", "moved", "moved without a new run"]


@dataclass(frozen=True)
class PublishedRow:
    """One row of one benchmark, as its page shows it."""

    benchmark: str
    label: str  # model, configuration and policy, as the page words them
    section: str  # ranked, test-set selection, saved weights, reduced
    score: float | None
    runs: frozenset[str]  # the run identities (run.json's digests) of its seeds
    seeds: tuple[int, ...]


@dataclass(frozen=True)
class RowChange:
    """A row added, removed or moved between the old folders and the new, and why."""

    change: Change
    old: PublishedRow | None
    new: PublishedRow | None

    @property
    def row(self) -> PublishedRow:
        found = self.new if self.new is not None else self.old
        assert found is not None
        return found

    def reason(self) -> str:
        """Why the row changed, as far as the files say."""
        old, new = self.old, self.new
        if old is None or new is None:
            return f"seeds {list(self.row.seeds)}"
        added = len(new.runs - old.runs)
        gone = len(old.runs - new.runs)
        if not added and not gone:
            return ("the same runs (run identities) give another score: a result edited or "
                    "recomputed in place, never published without a new run")
        said = [f"{added} new run(s)"] if added else []
        said += [f"{gone} run(s) removed"] if gone else []
        return f"{', '.join(said)}: seeds {list(old.seeds)} -> {list(new.seeds)}"


def _identity(run_dir: Path) -> str:
    return RunDirectory(run_dir).identity_sha256() or f"no run.json: {run_dir.name}"


def published_rows(folders: Sequence[Path], benchmarks_dir: Path | None = None
                   ) -> tuple[dict[tuple[str, str, str], PublishedRow], list[Rejected]]:
    """Every benchmark's rows from the validated results under ``folders``, by (benchmark,
    configuration, policy); the rejected files."""
    collection = collect(list(folders))
    rows: dict[tuple[str, str, str], PublishedRow] = {}
    for bench in load_benchmarks(benchmarks_dir):
        tables = benchmark_rows(bench, collection.groups)
        sections = (("ranked", tables.ranked), ("test-set selection", tables.test_set),
                    ("saved weights", tables.saved_weights), ("reduced", tables.reduced))
        notes = configuration_notes(collection.groups, collection.defaults)  # as its page
        for section, table in sections:
            for row in table:
                first = row.group.first
                setting = configuration_label(row.group, notes)
                label = (f"{first.model.name} v{first.model.version}"
                         + (f" ({setting})" if setting else "") + f", {row.policy}")
                rows[(bench.id, row.group.key, row.policy)] = PublishedRow(
                    bench.id, label, section, row.cells[0].mean if row.cells else None,
                    frozenset(_identity(run.checked.run_dir) for run in row.group.runs),
                    tuple(run.results.seed for run in row.group.runs))
    return rows, collection.rejected


def score_changes(old: dict[tuple[str, str, str], PublishedRow],
                  new: dict[tuple[str, str, str], PublishedRow]) -> list[RowChange]:
    """Every row added, removed or whose score moved, in benchmark order."""
    changes: list[RowChange] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before is None:
            changes.append(RowChange("added", None, after))
        elif after is None:
            changes.append(RowChange("removed", before, None))
        elif not _same(before.score, after.score):
            same_runs = before.runs == after.runs
            changes.append(RowChange("moved without a new run" if same_runs else "moved",
                                     before, after))
    return changes


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= SAME


__all__ = ["PublishedRow", "RowChange", "published_rows", "score_changes"]
