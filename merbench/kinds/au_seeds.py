"""An action-unit configuration's summary over seeds (``merbench run --task au --seeds``):
an ``au-seeds.json`` whose per-seed scores, means, deviations and interval its AU seed runs
beside it recompute; audited seed run by seed run, as a ``seeds.json`` is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from merbench.compare.au_table import ACTION_UNITS
from merbench.compare.contract import Comparison
from merbench.kinds.au import AURunKind
from merbench.kinds.contract import AuditRequest, AuditVerdict, Checked, OverSeeds, Report
from merbench.kinds.seeds import audit_seed_runs, summary_status
from merbench.results.au_file import AU_SEEDS_FILE, read_au_seeds
from merbench.results.kind_names import AU_SEEDS_SUMMARY
from merbench.verification.au_seeds_check import validate_au_seeds


class AUSeedsSummaryKind:
    name: str = AU_SEEDS_SUMMARY
    markers: tuple[str, ...] = (AU_SEEDS_FILE,)
    started_file: str | None = None  # its seed runs say how far they are
    command: str = "merbench run --seeds"
    over_seeds: OverSeeds | None = OverSeeds(AURunKind(), read_au_seeds, "AU seeds summary")
    comparison: Comparison[Any] | None = ACTION_UNITS
    not_compared: str = ""

    def owns(self, path: Path) -> bool:
        return path.name == AU_SEEDS_FILE or os.path.lexists(path / AU_SEEDS_FILE)

    def validate(self, path: Path) -> Checked:
        summary = validate_au_seeds(path)
        return Checked(path, f"{summary.model.name} v{summary.model.version} on "
                             f"{summary.dataset.name}/{summary.protocol.name}, AU detection "
                             f"over {len(summary.au_set)} AUs, seeds "
                             f"{', '.join(map(str, summary.seeds))}: every seed run validates "
                             "and the summary matches them")

    def status(self, folder: Path) -> str:
        return summary_status(folder)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        # nothing is trained for what its runs do not give
        return audit_seed_runs(path, validate_au_seeds(path).runs, request, report,
                               AURunKind().audit)
