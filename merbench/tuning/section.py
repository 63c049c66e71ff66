"""Tuning as a kind of the site and of ``leaderboard list`` / ``export``
(:class:`~merbench.leaderboard.kind_section.KindSection`): the validated ``merbench tune``
searches and their summaries over seeds, on one page, ``tuning.html``; on the index a
heading and a line that links it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.kind_section import Shown
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.table_ids import Patterned
from merbench.tuning.export import HEADERS, TITLE, TuningTable, tuning_tables
from merbench.tuning.view import (
    Tuning,
    find_tune_seeds,
    find_tunings,
    write_tuning_page,
)


@dataclass(frozen=True)
class FoundTunings:
    """The tunings published, and where to find their summaries over seeds, which the page
    alone reads (``list`` and ``export`` show the searches)."""

    folders: Sequence[Path]
    tunings: list[Tuning]
    gate: AuditGate  # which summaries over seeds are published (none under --require-audit)


class TuningSection:
    """The tuning page (``tuning.html``) and its tables (``tune-DATASET-PROTOCOL``)."""

    counted_as = "tuning"
    ids = Patterned("tune-", lambda registries: registries.datasets.names(),
                    with_protocol=True, title=TITLE, headers=HEADERS)
    index_part = "index_tuning.html"
    runs_part: str | None = None

    def find(self, folders: Sequence[Path], gate: AuditGate, strict: bool
             ) -> tuple[FoundTunings, list[Rejected]]:
        # strict: every trial's run validated whole, as 'merbench validate' checks it
        tunings, rejected = find_tunings(folders, deep=strict)
        kept = [tuning for tuning in tunings if gate.keeps([tuning.audited])]
        return FoundTunings(folders, kept, gate), rejected

    def tables(self, found: FoundTunings) -> list[TuningTable]:
        return tuning_tables(found.tunings)

    def render(self, env: Any, found: FoundTunings, out: Path) -> Shown:
        # validated, and its rejection said, even where --require-audit does not publish it
        summaries, rejected = find_tune_seeds(found.folders, found.tunings)
        write_tuning_page(env, found.tunings, found.gate.summaries(summaries), out)
        return Shown({"searches": len(found.tunings)}, len(found.tunings), rejected)
