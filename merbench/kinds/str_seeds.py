"""A spotting run recognised over seeds (``merbench spot --recognise MODEL --seeds``): a
``str-seeds.json`` whose per-seed STR scores, means, deviations and interval its seeds'
spotting runs beside it recompute; audited seed run by seed run, each keeping its own
record, as a ``seeds.json`` is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from merbench.base.literal import counted
from merbench.compare.contract import Comparison
from merbench.kinds.contract import AuditRequest, AuditVerdict, Checked, OverSeeds, Report
from merbench.kinds.seeds import audit_seed_runs, summary_status
from merbench.kinds.spotting import SpottingRunKind
from merbench.results.kind_names import STR_SEEDS_SUMMARY
from merbench.results.str_seeds_file import STR_SEEDS_FILE, read_str_seeds
from merbench.verification.str_seeds_check import validate_str_seeds


class StrSeedsSummaryKind:
    name: str = STR_SEEDS_SUMMARY
    markers: tuple[str, ...] = (STR_SEEDS_FILE,)
    started_file: str | None = None  # its seeds' spotting runs say how far they are
    command: str = "merbench spot --seeds"
    over_seeds: OverSeeds | None = OverSeeds(
        SpottingRunKind(), read_str_seeds, "spot-then-recognise summary over seeds")
    comparison: Comparison[Any] | None = None
    not_compared: str = ("its scores over seeds, with their intervals, are on the spotting "
                         "page 'merbench leaderboard build' renders")

    def owns(self, path: Path) -> bool:
        return path.name == STR_SEEDS_FILE or os.path.lexists(path / STR_SEEDS_FILE)

    def validate(self, path: Path) -> Checked:
        summary = validate_str_seeds(path).summary
        micro = summary.scores["micro"]
        spread = "" if micro.std.strs is None or len(summary.seeds) < 2 else \
            f" ± {micro.std.strs:.4f}"
        strs = "" if micro.mean.strs is None else f" (micro STRS {micro.mean.strs:.4f}{spread})"
        return Checked(path, f"spotter {summary.spotter} on {summary.dataset} recognised by "
                             f"{summary.recogniser['model']} with "
                             f"{counted(len(summary.seeds), 'seed')} "
                             f"({', '.join(map(str, summary.seeds))}): every seed's run "
                             f"validates and the summary{strs} matches them")

    def status(self, folder: Path) -> str:
        return summary_status(folder)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        # nothing is spotted or trained for what its runs do not give
        return audit_seed_runs(path, validate_str_seeds(path).summary.runs, request, report,
                               SpottingRunKind().audit)
