"""Spotting as a kind of the site and of ``leaderboard list`` / ``export``
(:class:`~merbench.leaderboard.kind_section.KindSection`): the validated ``merbench spot``
runs (spot-then-recognise ones with their ``str.json``) and the spot-then-recognise
summaries over seeds, on one page, ``spotting.html``, beside the MEGC baselines; on the
index a heading and a line that links it.
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
from merbench.plugin_system.manager import default_plugins
from merbench.spotting_kind.export import HEADERS, SpottingTable, spotting_tables
from merbench.spotting_kind.view import (
    SpottingRun,
    copy_spotting_files,
    copy_str_seeds_files,
    find_spotting_runs,
    find_str_seeds,
    spotting_sections,
)


@dataclass(frozen=True)
class FoundSpotting:
    """The spotting runs published, and what the page needs to find their summaries over
    seeds: a summary is read only once its runs are settled (copied onto the site)."""

    folders: Sequence[Path]
    runs: list[SpottingRun]
    rejected: list[Rejected]  # a summary over a rejected run is not published either
    gate: AuditGate  # which summaries over seeds are published (none under --require-audit)


class SpottingSection:
    """The spotting page (``spotting.html``) and its tables (``spot-DATASET``)."""

    counted_as = "spotting run"
    ids = Patterned("spot-", lambda registries: registries.long_videos.names(),
                    with_protocol=False, title="Spotting: {where}", headers=HEADERS)
    index_part = "index_spotting.html"
    runs_part: str | None = None

    def find(self, folders: Sequence[Path], gate: AuditGate, strict: bool
             ) -> tuple[FoundSpotting, list[Rejected]]:
        runs, rejected = find_spotting_runs(folders)  # each checked in full anyway
        kept = [run for run in runs if gate.keeps([run.audited])]
        return FoundSpotting(folders, kept, rejected, gate), rejected

    def tables(self, found: FoundSpotting) -> list[SpottingTable]:
        return spotting_tables(found.runs)

    def render(self, env: Any, found: FoundSpotting, out: Path) -> Shown:
        spotting, refused = copy_spotting_files(found.runs, out)
        summaries, summaries_rejected = find_str_seeds(found.folders, found.rejected + refused)
        over_seeds, summaries_refused = copy_str_seeds_files(
            found.gate.summaries(summaries), out)
        (out / "spotting.html").write_text(env.get_template("spotting.html").render(
            root="", sections=spotting_sections(spotting, default_plugins().registries,
                                                over_seeds)), encoding="utf-8")
        return Shown({"runs": len(spotting)}, len(spotting),
                     refused + summaries_rejected + summaries_refused)
