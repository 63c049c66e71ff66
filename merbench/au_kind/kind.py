"""An action-unit run (``merbench run --task au``): a run folder whose ``au-results.json``
its fold files and ``au-predictions.csv`` recompute; audited as an emotion run is, by
training folds again."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from merbench.au.record import (
    AU_KIND,
    AU_RESULTS_FILE,
    AU_SEEDS_FILE,
    read_au_results,
    read_au_seeds,
)
from merbench.au_kind.check import au_files_agree, validate_au_run, validate_au_run_and_audits
from merbench.au_kind.comparison import au_claim, predictions_digest
from merbench.au_kind.comparison_table import ACTION_UNITS
from merbench.au_kind.seeds_check import AU_SEEDS_STRUCTURE, validate_au_seeds
from merbench.compare.contract import Comparison
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    FinishedText,
    OverSeeds,
    Progress,
    Report,
)
from merbench.kinds.emotion import RunRecordFiles, audit_run_folder, run_folder_progress
from merbench.kinds.over_seeds import SummaryChecked, SummaryOverSeeds, first_seed_record
from merbench.results.kind_names import AU_RUN, AU_SEEDS_SUMMARY
from merbench.results.rundir import RUN_FILE
from merbench.verification.run_structure import (
    refuse_to_show,
)

#: an action-unit run's ``au-results.json``, checked with every file of its run and read
#: again, for the audit of run folders it shares with an emotion run
AU_RECORD = RunRecordFiles(validate_au_run,
                           lambda folder: read_au_results(folder / AU_RESULTS_FILE))


class AURunKind:
    name: str = AU_RUN
    markers: tuple[str, ...] = (AU_RESULTS_FILE,)
    started_file: str | None = RUN_FILE  # a run folder, as an emotion run's
    command: str = "merbench run"
    over_seeds: OverSeeds | None = None
    comparison: Comparison[Any] | None = ACTION_UNITS
    not_compared: str = ""

    def owns(self, path: Path) -> bool:
        return path.name == AU_RESULTS_FILE or os.path.lexists(path / AU_RESULTS_FILE)

    def written_by(self, data: Mapping[str, Any]) -> bool:
        return data.get("kind") == AU_KIND

    def started_by(self, data: Mapping[str, Any]) -> bool:
        return False  # run.json is an emotion run's too

    def validate(self, path: Path) -> Checked:
        results, audits = validate_au_run_and_audits(path)
        folder = path if path.is_dir() else path.parent
        summary = (f"{results.model.name} v{results.model.version} on "
                   f"{results.dataset.name}/{results.protocol.name}, AU detection over "
                   f"{len(results.au_set)} AUs, {results.protocol.n_folds} folds, "
                   f"{results.protocol.n_samples} samples; recomputed every score"
                   f"{f'; audit.json: {audits.text}' if audits else ''}")
        return Checked(path, summary, claim=("action-unit run", *au_claim(results)),
                       evidence=predictions_digest(folder))

    def status(self, folder: Path) -> Progress:
        folder = folder if folder.is_dir() else folder.parent
        return run_folder_progress(folder, AU_RESULTS_FILE, au_files_agree)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        return audit_run_folder(path if path.is_dir() else path.parent, request, report,
                                AU_RECORD)

    def check_shown(self, path: Path) -> None:
        refuse_to_show(path if path.is_dir() else path.parent, au_files_agree)

    def finished_text(self, path: Path) -> FinishedText:
        # deferred: rich, which the text's tables need and 'merbench status' does not load
        from merbench.au_kind.finish_text import au_run_text

        folder = path if path.is_dir() else path.parent
        return au_run_text(read_au_results(folder / AU_RESULTS_FILE), folder)



def checked_au_seeds(path: Path) -> SummaryChecked:
    """An ``au-seeds.json`` (``merbench run --task au --seeds``): its per-seed scores, means,
    deviations and interval recomputed from the AU seed runs beside it, each validated."""
    summary = validate_au_seeds(path)
    return SummaryChecked(f"{summary.model.name} v{summary.model.version} on "
                          f"{summary.dataset.name}/{summary.protocol.name}, AU detection over "
                          f"{len(summary.au_set)} AUs, seeds "
                          f"{', '.join(map(str, summary.seeds))}: every seed run validates "
                          "and the summary matches them", summary.runs)


def au_seeds_file_text(path: Path) -> FinishedText:
    """An ``au-seeds.json``'s text, as ``merbench run --task au --seeds`` prints it: the
    summary read from the file, its first seed's run (which says whether the recipe is the
    model's or a REDUCED setting) from that run's folder."""
    # deferred: rich, as in AURunKind.finished_text
    from merbench.au_kind.finish_text import au_seeds_text

    folder = path if path.is_dir() else path.parent
    summary = read_au_seeds(folder / AU_SEEDS_FILE)
    return au_seeds_text(summary, folder,
                         first_seed_record(folder, summary, AU_RESULTS_FILE, read_au_results))


#: a summary of action-unit runs over seeds (``au-seeds.json``)
AU_SEEDS_SUMMARY_KIND = SummaryOverSeeds(
    AU_SEEDS_SUMMARY, AU_SEEDS_FILE, OverSeeds(AURunKind(), read_au_seeds, "AU seeds summary",
                                             AU_SEEDS_STRUCTURE),
    "merbench run --seeds", checked_au_seeds, au_seeds_file_text, ACTION_UNITS,
    recorded_kind="au-seeds")
