"""Action units as a kind of the site and of ``leaderboard list`` / ``export``
(:class:`~merbench.leaderboard.kind_section.KindSection`): the validated AU runs (an
``au-seeds.json`` validated with them, adding no row), one page per AU benchmark, and on
the index the pages' links and, after the emotion runs, a row per AU run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from merbench.au_kind.export import AUBenchmark, au_tables
from merbench.au_kind.view import AURun, find_au_runs, render_au_pages
from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.kind_section import Shown
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.table_ids import Patterned
from merbench.results.audited_files import run_folder


class AUSection:
    """The action-unit pages (``au-DATASET-PROTOCOL.html``) and tables (``au-...``)."""

    counted_as = "AU run"
    # with no run, the AU set (the runs' --au-set) is unknown: the mean F1 alone
    ids = Patterned("au-", lambda registries: registries.datasets.names(),
                    with_protocol=True, title="Action-unit detection: {where}",
                    headers=("mean F1",))
    index_part = "index_au.html"
    runs_part: str | None = "index_au_runs.html"

    def find(self, folders: Sequence[Path], gate: AuditGate, strict: bool
             ) -> tuple[list[AURun], list[Rejected]]:
        runs, rejected = find_au_runs(folders)  # every AU run validated in full anyway
        return [run for run in runs if gate.keeps([run_folder(run.path, run.results)])], \
            rejected

    def tables(self, found: list[AURun]) -> list[AUBenchmark]:
        return au_tables(found)

    def render(self, env: Any, found: list[AURun], out: Path) -> Shown:
        pages = render_au_pages(env, found, out)
        items = sorted(({"run": run, "row": row, "page": page["id"]}
                        for page in pages for table in page["tables"]
                        for row in (*table["rows"], *table["reduced"]) for run in row.runs),
                       key=lambda item: (item["run"].results.model.name, item["page"],
                                         item["run"].results.seed))
        return Shown({"pages": pages, "runs": items}, len({id(item["run"]) for item in items}))
