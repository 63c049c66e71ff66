"""What a change does to the published scores: the rows of two results folders compared.

A maintainer merging a change to ``leaderboards/results`` must see every row it adds,
removes or moves, and a published score must never move without a new run behind it: a row
whose runs are the same runs (the same run identities, ``run.json``'s digest) but whose score
differs is a result edited in place, a recomputation changed under it, or a file swapped,
and the CI step of the docs fails on it (as the embedding benchmark's results repository
refuses a changed score under an old run name). Every row the site publishes is compared,
of every kind, from the tables each kind gives (:data:`~merbench.leaderboard.kind_tables.
KIND_SECTIONS`): an emotion benchmark's rows (a configuration under one selection policy,
keyed by its configuration, :func:`~merbench.leaderboard.collect.group_key`, and its policy),
AU pages, tuning searches, spotting and spot-then-recognise runs (keyed by the row's model,
setting and selection and what tells it apart there: a seed, where each seed's run is a
row). A row's score is its first column (the one its page ranks by), recomputed from
validated files, and the row moves when any of its columns does (a spot-then-recognise
run's STRS, an AU's F1, an emotion row's UAR), so a new kind is compared as soon as it is
registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.leaderboard.kind_tables import kind_sections, kind_tables
from merbench.leaderboard.published_line import PublishedLine
from merbench.leaderboard.result_walk import Rejected

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
    #: its other columns, each (its heading, its score): the row moves when any does
    more: tuple[tuple[str, float | None], ...] = ()


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
        if old is None or new is None:  # a run with no seed: a deterministic spotter's
            return f"seeds {list(self.row.seeds)}" if self.row.seeds else \
                f"{len(self.row.runs)} run(s)"
        added = len(new.runs - old.runs)
        gone = len(old.runs - new.runs)
        if not added and not gone:
            return ("the same runs (run identities) give another score: a result edited or "
                    "recomputed in place, never published without a new run")
        said = [f"{added} new run(s)"] if added else []
        said += [f"{gone} run(s) removed"] if gone else []
        seeds = f": seeds {list(old.seeds)} -> {list(new.seeds)}" if old.seeds or new.seeds \
            else ""
        return ", ".join(said) + seeds

    def columns_moved(self) -> list[tuple[str, float | None, float | None]]:
        """The other columns that moved, each (heading, old score, new score)."""
        if self.old is None or self.new is None:
            return []
        return [(name, before, after) for (name, before), (_, after)
                in zip(self.old.more, self.new.more, strict=False)
                if not _same(before, after)]


Rows = dict[tuple[str, str, str], PublishedRow]


def published_rows(folders: Sequence[Path], benchmarks_dir: Path | None = None
                   ) -> tuple[Rows, list[Rejected]]:
    """Every row the site publishes from the validated results under ``folders``, of every
    kind (:data:`~merbench.leaderboard.kind_tables.KIND_SECTIONS`, the emotion benchmarks'
    from the definitions in ``benchmarks_dir``), each by (table, its key or its words,
    selection); the rejected files."""
    rows: Rows = {}
    tables, rejected = kind_tables(kind_sections(load_benchmarks(benchmarks_dir)), folders)
    for table in tables:
        headers = table.score_headers()
        for published in table.published():
            row = _kind_row(table.id, headers, published)
            first = published.key or row.label
            key, label, twin = first, row.label, 1
            while (table.id, key, published.line.selection) in rows:
                twin += 1  # rows the page cannot tell apart: each compared, in its order
                key, label = f"{first} #{twin}", f"{row.label} #{twin}"
            rows[(table.id, key, published.line.selection)] = replace(row, label=label)
    return rows, rejected


def _kind_row(table: str, headers: list[str], published: PublishedLine) -> PublishedRow:
    line = published.line
    label = (line.model + (f" ({line.setting})" if line.setting else "")
             + f", {line.selection}" + (f", {published.apart}" if published.apart else ""))
    scores = [mean for mean, _, _ in line.scores]
    return PublishedRow(table, label, published.section, scores[0] if scores else None,
                        published.runs, published.seeds,
                        tuple(zip(headers[1:], scores[1:], strict=False)))


def score_changes(old: Rows, new: Rows) -> list[RowChange]:
    """Every row added, removed or whose score moved, in benchmark order."""
    changes: list[RowChange] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before is None:
            changes.append(RowChange("added", None, after))
        elif after is None:
            changes.append(RowChange("removed", before, None))
        elif not _same(before.score, after.score) or RowChange("moved", before,
                                                                after).columns_moved():
            same_runs = before.runs == after.runs
            changes.append(RowChange("moved without a new run" if same_runs else "moved",
                                     before, after))
    return changes


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= SAME


__all__ = ["PublishedRow", "RowChange", "published_rows", "score_changes"]
