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

A run accepted in OLD whose folder is still in NEW but rejected there (a file of it edited in
place) has not left the results: the row it moves or takes away is not explained by a change
of runs, so it is said as rejected, with validate's reason, and fails the step as a score moved
with the same runs does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.leaderboard.kind_tables import kind_sections, kind_tables
from merbench.leaderboard.published_line import PublishedLine
from merbench.leaderboard.result_walk import Rejected

#: scores closer than this are the same score (the pages show four decimals)
SAME = 1e-9

Change = Literal["added", "removed", "moved", "moved without a new run", "rejected"]


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
    #: its runs' folders, relative to the results folder they are in (the same on both sides)
    folders: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RowChange:
    """A row added, removed or moved between the old folders and the new, and why."""

    change: Change
    old: PublishedRow | None
    new: PublishedRow | None
    #: OLD's runs rejected in NEW, each (its folder, validate's reason)
    rejected: tuple[tuple[str, str], ...] = ()

    @property
    def row(self) -> PublishedRow:
        found = self.new if self.new is not None else self.old
        assert found is not None
        return found

    def reason(self) -> str:
        """Why the row changed, as far as the files say."""
        old, new = self.old, self.new
        if self.rejected:
            return self._rejected_reason()
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

    def _rejected_reason(self) -> str:
        """The runs rejected in NEW, why, and what else changed."""
        old, new = self.old, self.new
        assert old is not None
        said = [f"{folder} is rejected in NEW ({why}), accepted in OLD"
                for folder, why in self.rejected]
        runs = new.runs if new is not None else frozenset()
        added = len(runs - old.runs)
        gone = len(old.runs - runs) - len(self.rejected)
        said += [f"{added} new run(s)"] if added else []
        said += [f"{gone} run(s) removed"] if gone > 0 else []
        seeds = list(new.seeds) if new is not None else []
        return "; ".join(said) + (f": seeds {list(old.seeds)} -> {seeds}" if old.seeds else "")

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
            rows[(table.id, key, published.line.selection)] = replace(
                row, label=label, folders=frozenset(
                    _relative(folder, folders) or str(folder) for folder in published.folders))
    return rows, rejected


def _relative(path: Path, roots: Sequence[Path]) -> str | None:
    """``path`` relative to the first of ``roots`` it is in, as a POSIX path; None: in none.
    The same run is so named alike in OLD and in NEW, wherever each was read from."""
    for root in roots:
        try:
            return Path(path).absolute().relative_to(Path(root).absolute()).as_posix()
        except ValueError:
            continue
    return None


def rejected_since(old_folder: Path, old_rejected: Sequence[Rejected], new_folder: Path,
                   new_rejected: Sequence[Rejected]) -> dict[str, Rejected]:
    """Each result NEW rejects that OLD has and accepted, by its path relative to NEW: a
    file of it changed in place, never a new run nor one taken away."""
    refused = {_relative(item.path, [old_folder]) for item in old_rejected}
    since: dict[str, Rejected] = {}
    for item in new_rejected:
        relative = _relative(item.path, [new_folder])
        if relative is not None and relative not in refused and \
                os.path.lexists(old_folder / relative):
            since[relative] = item
    return since


def _kind_row(table: str, headers: list[str], published: PublishedLine) -> PublishedRow:
    line = published.line
    label = (line.model + (f" ({line.setting})" if line.setting else "")
             + f", {line.selection}" + (f", {published.apart}" if published.apart else ""))
    scores = [mean for mean, _, _ in line.scores]
    return PublishedRow(table, label, published.section, scores[0] if scores else None,
                        published.runs, published.seeds,
                        tuple(zip(headers[1:], scores[1:], strict=False)))


def score_changes(old: Rows, new: Rows, rejected: Mapping[str, Rejected] | None = None
                  ) -> list[RowChange]:
    """Every row added, removed or whose score moved, in benchmark order; one removed or
    moved where a run of it OLD accepted is among ``rejected`` (:func:`rejected_since`) is
    said as rejected."""
    changes: list[RowChange] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        refused = _refused(before, rejected or {})
        if refused and _changed(before, after):
            changes.append(RowChange("rejected", before, after, refused))
        elif before is None:
            changes.append(RowChange("added", None, after))
        elif after is None:
            changes.append(RowChange("removed", before, None))
        elif _changed(before, after):
            same_runs = before.runs == after.runs
            changes.append(RowChange("moved without a new run" if same_runs else "moved",
                                     before, after))
    return changes


def _changed(before: PublishedRow | None, after: PublishedRow | None) -> bool:
    """Whether the row left, came, or any of its columns moved."""
    if before is None or after is None:
        return before is not after
    return not _same(before.score, after.score) or \
        bool(RowChange("moved", before, after).columns_moved())


def _refused(row: PublishedRow | None, rejected: Mapping[str, Rejected]
             ) -> tuple[tuple[str, str], ...]:
    """The row's runs whose folder (or a result in it, or one holding it) is rejected."""
    if row is None:
        return ()
    refused = []
    for folder in sorted(row.folders):
        why = next((item.reason for path, item in sorted(rejected.items())
                    if _within(folder, path)), None)
        if why is not None:
            refused.append((folder, why))
    return tuple(refused)


def _within(folder: str, path: str) -> bool:
    one, other = PurePosixPath(folder), PurePosixPath(path)
    return one.is_relative_to(other) or other.is_relative_to(one)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= SAME


__all__ = ["PublishedRow", "RowChange", "published_rows", "rejected_since", "score_changes"]
