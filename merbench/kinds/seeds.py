"""A summary over seeds (``merbench run --seeds``): a ``seeds.json`` whose per-seed
numbers, means, deviations and interval its seed runs beside it recompute; audited seed run
by seed run, each recording its own audit (:func:`audit_seed_runs`, which the AU summary
over seeds shares)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.compare.contract import Comparison
from merbench.compare.emotion_table import EMOTIONS
from merbench.kinds.contract import AuditRequest, AuditVerdict, Checked, OverSeeds, Report
from merbench.kinds.emotion import EmotionRunKind, audit_run_folder
from merbench.results.kind_names import SEEDS_SUMMARY
from merbench.verification.validate import SEEDS_FILE, _read_seeds, validate_seeds


class SeedsSummaryKind:
    name: str = SEEDS_SUMMARY
    markers: tuple[str, ...] = (SEEDS_FILE,)
    started_file: str | None = None  # its seed runs say how far they are
    command: str = "merbench run --seeds"
    over_seeds: OverSeeds | None = OverSeeds(EmotionRunKind(), _read_seeds, "seeds summary")
    comparison: Comparison[Any] | None = EMOTIONS
    not_compared: str = ""

    def owns(self, path: Path) -> bool:
        return path.name == SEEDS_FILE or os.path.lexists(path / SEEDS_FILE)

    def validate(self, path: Path) -> Checked:
        summary = validate_seeds(path)
        return Checked(path, f"seeds {', '.join(map(str, summary.seeds))}: every seed run "
                             "validates and the summary matches them")

    def status(self, folder: Path) -> str:
        return summary_status(folder)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        # nothing is trained for what its runs do not give
        return audit_seed_runs(path, validate_seeds(path).runs, request, report)


def summary_status(folder: Path) -> str:
    """A summary over seeds (of either task) has no progress of its own: its seed runs do."""
    raise MerbenchError(f"{folder}: a summary over seeds has no progress of its own; "
                        "'merbench status' of its folder shows each seed run")


#: one seed's result audited (its folder), its record kept there
AuditOne = Callable[[Path, AuditRequest, Report], AuditVerdict]


def audit_seed_runs(path: Path, runs: dict[str, str], request: AuditRequest,
                    report: Report, audit_one: AuditOne = audit_run_folder) -> AuditVerdict:
    """Each seed run of the summary at ``path`` (``runs``: seed -> its folder, as the
    validated summary lists them) audited in turn by ``audit_one`` (a run's audit; a
    tuning's), its record kept in its own folder: a summary is as trustworthy as the runs
    it averages."""
    folder = path if path.is_dir() else path.parent
    failed = []
    for seed, name in runs.items():
        verdict = audit_one(folder / name, request, report)
        report(f"seed {seed}: {verdict.line}")
        if not verdict.passed:
            failed.append(seed)
    if failed:
        return AuditVerdict(False, f"audit FAILED: seed(s) {', '.join(failed)} of "
                                   f"{len(runs)} differ from what they stored")
    return AuditVerdict(True, f"audit passed: each of the {len(runs)} seed runs matches "
                              "what it stored (each recorded in its own audit.json)")

