"""A search tuned over seeds (``merbench tune --seeds``): a ``tune-seeds.json`` whose
per-seed outer scores, means, deviations and interval its tunings beside it recompute;
audited tuning by tuning, each keeping its own record, as a ``seeds.json`` is run by run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from merbench.compare.contract import Comparison
from merbench.kinds.contract import AuditRequest, AuditVerdict, Checked, OverSeeds, Report
from merbench.kinds.seeds import audit_seed_runs, summary_status
from merbench.kinds.tuning import TuningKind
from merbench.results.kind_names import TUNING_SEEDS_SUMMARY
from merbench.results.tune_seeds_file import TUNE_SEEDS_FILE, read_tune_seeds
from merbench.verification.tune_seeds_check import validate_tune_seeds


class TuningSeedsSummaryKind:
    name: str = TUNING_SEEDS_SUMMARY
    markers: tuple[str, ...] = (TUNE_SEEDS_FILE,)
    started_file: str | None = None  # its tunings say how far they are
    command: str = "merbench tune --seeds"
    over_seeds: OverSeeds | None = OverSeeds(TuningKind(), read_tune_seeds,
                                             "tuning summary over seeds")
    comparison: Comparison[Any] | None = None
    not_compared: str = ("'merbench validate' recomputes it from its tunings and the tuning "
                         "page 'merbench leaderboard build' renders shows it; to test a "
                         "chosen configuration against another, run both and compare the "
                         "runs")

    def owns(self, path: Path) -> bool:
        return path.name == TUNE_SEEDS_FILE or os.path.lexists(path / TUNE_SEEDS_FILE)

    def validate(self, path: Path) -> Checked:
        summary = validate_tune_seeds(path)
        mean, std = summary.scores.mean.overall, summary.scores.std.overall
        uf1 = "" if mean.uf1 is None or std.uf1 is None else \
            f" (UF1 {mean.uf1:.4f} ± {std.uf1:.4f})"
        return Checked(path, f"{summary.model} on {summary.dataset}/{summary.protocol}, "
                             f"{summary.mode} search tuned with seeds "
                             f"{', '.join(map(str, summary.seeds))}: every tuning validates "
                             f"and the summary{uf1} matches them")

    def status(self, folder: Path) -> str:
        return summary_status(folder)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        # nothing is trained for what its tunings do not give
        return audit_seed_runs(path, validate_tune_seeds(path).runs, request, report,
                               TuningKind().audit)
