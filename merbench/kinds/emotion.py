"""An emotion run (``merbench run``): a run folder whose ``results.json`` its fold files and
``predictions.csv`` recompute; audited by training folds again; its text printed by
:mod:`merbench.kinds.emotion_text`.

The emotion kinds stay here, in the shared kinds layer, rather than in a home of their own
above the pages: the emotion run is the kind every shared layer was built around (its records
are :mod:`merbench.results`' own, its files named by the walk, ``migrate`` and
``verification``, its run-folder audit shared with the action-unit kind and the tuning), so
a home would only move the kind object away from what it is made of. What kept its finished
text in the command line was one import from the pages (the declared defaults of the
reduced-setting verdict), which now sits below this layer, in ``verification``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.audit import audit_run
from merbench.audit.retrain import Validated, evaluates_saved_weights
from merbench.compare.contract import Comparison
from merbench.compare.emotion_table import EMOTIONS
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    FinishedText,
    OverSeeds,
    Progress,
    Report,
    keep_record,
    record_verdict,
)
from merbench.kinds.over_seeds import SummaryChecked, SummaryOverSeeds, first_seed_record
from merbench.results.audit_model import FoldAudit
from merbench.results.audited_files import AuditedFiles, run_folder
from merbench.results.kind_names import EMOTION_RUN, SEEDS_SUMMARY
from merbench.results.run_record import RunRecord
from merbench.results.rundir import RUN_FILE
from merbench.results.schema import read_results, results_laid_out
from merbench.results.signing_keys import load_signing_key
from merbench.runner.recorded_plugins import go_on_said
from merbench.runner.status import run_status
from merbench.runner.status_line import describe
from merbench.verification.run_structure import (
    emotion_files_agree,
    identity_missing,
    refuse_to_show,
    status_checked,
)
from merbench.verification.validate import (
    RESULTS_FILE,
    SEEDS_FILE,
    SEEDS_STRUCTURE,
    _read_seeds,
    validate_run,
    validate_seeds,
)


class EmotionRunKind:
    name: str = EMOTION_RUN
    markers: tuple[str, ...] = (RESULTS_FILE,)
    started_file: str | None = RUN_FILE
    command: str = "merbench run"
    over_seeds: OverSeeds | None = None
    comparison: Comparison[Any] | None = EMOTIONS
    not_compared: str = ""

    def owns(self, path: Path) -> bool:
        return path.name == RESULTS_FILE or os.path.lexists(path / RESULTS_FILE)

    def written_by(self, data: Mapping[str, Any]) -> bool:
        return results_laid_out(data)  # it records no kind

    def started_by(self, data: Mapping[str, Any]) -> bool:
        return False  # run.json is an action-unit run's too

    def validate(self, path: Path) -> Checked:
        checked = validate_run(path)
        r = checked.results
        audits = f"; audit.json: {checked.audits.text}" if checked.audits else ""
        return Checked(path, f"{r.model.name} v{r.model.version} on {r.dataset.name}/"
                             f"{r.protocol.name}, {r.protocol.n_folds} folds, "
                             f"{r.protocol.n_samples} samples; recomputed "
                             f"{', '.join(checked.policies)}{audits}",
                       notes=checked.unchecked, run=checked)

    def status(self, folder: Path) -> Progress:
        return run_folder_progress(folder, RESULTS_FILE, emotion_files_agree)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        return audit_run_folder(path if path.is_dir() else path.parent, request, report)

    def check_shown(self, path: Path) -> None:
        refuse_to_show(path if path.is_dir() else path.parent, emotion_files_agree)

    def finished_text(self, path: Path) -> FinishedText:
        # deferred: rich, which the text's tables need and 'merbench status' does not load
        from merbench.kinds.emotion_text import run_text

        folder = path if path.is_dir() else path.parent
        return run_text(read_results(folder / RESULTS_FILE), folder)


def run_folder_progress(folder: Path, results_file: str,
                        check: Callable[[Path], object]) -> Progress:
    """What status says of the run folder ``folder`` (an emotion run's, or the action-unit
    run's whose ``results_file`` and ``check`` its kind gives), with the entries its line
    says are links, as the run's status hands them over."""
    missing = identity_missing(folder, results_file)
    if missing:
        return Progress(missing)
    said = describe(status_checked(run_status(folder), check))
    return Progress(go_on_said(folder, said), said.linked)


#: a run folder's record read again from the folder
ReadRecord = Callable[[Path], RunRecord]


@dataclass(frozen=True)
class RunRecordFiles:
    """How one kind of run folder's record is checked (before its folds train again) and
    read again (after, for the digests its audit record keeps): an emotion run's here, an
    action-unit run's in :mod:`merbench.au_kind.kind`. The audit of a run folder is one for
    both, and takes this from the kind: it never looks for a file to tell which it has."""

    validated: Validated
    read: ReadRecord


#: an emotion run's ``results.json``, checked with every file of its run and read again
EMOTION_RECORD = RunRecordFiles(lambda folder: validate_run(folder).results,
                                lambda folder: read_results(folder / RESULTS_FILE))


def audit_run_folder(path: Path, request: AuditRequest, report: Report,
                     record_files: RunRecordFiles = EMOTION_RECORD) -> AuditVerdict:
    """Folds of the run at ``path`` (an emotion run, or the action-unit run whose
    ``record_files`` its kind gives: both are run folders of fold files) trained again and
    compared with the stored ones; the record appended to its ``audit.json``, signed where
    the request gives a key."""
    key = load_signing_key(request.signing_key) if request.signing_key is not None else None

    def chosen(indices: list[int], seed: int | None) -> None:  # the run is validated by now
        report(chosen_line(path, indices, seed, evaluated=evaluates_saved_weights(path)))

    record = audit_run(path, count=request.count, seed=request.seed,
                       data_root=request.data_root, device=request.device,
                       workers=request.workers, plugins=request.plugins(),
                       on_fold=lambda audit: report(fold_line(audit)), chosen=chosen,
                       validated=record_files.validated)
    # a run of saved weights trained nothing: its audit evaluates them again
    made = "evaluated again" if evaluates_saved_weights(path) else "trained again"
    return record_verdict(record, keep_record(record, audited_run(path, record_files.read),
                                              key, report), made=made)


def audited_run(run_dir: Path, read: ReadRecord = EMOTION_RECORD.read) -> AuditedFiles:
    """The files of the run in ``run_dir`` (an emotion run's, or those of the run whose
    record ``read`` reads) that its audit compared (read again after the audit validated
    them: a change since is said by the signing)."""
    return run_folder(run_dir, read(run_dir))


def chosen_line(run: Path | str, indices: list[int], seed: int | None, *,
                evaluated: bool = False) -> str:
    """The folds of ``run`` an audit is about to train again (``evaluated``: a run of saved
    weights, whose checkpoints are evaluated again, nothing trained), as its line says them."""
    how = "every fold" if seed is None else (
        f"folds {', '.join(str(i) for i in indices)}, drawn with --seed {seed}")
    again = "evaluating their saved weights again" if evaluated else "training them again"
    return f"auditing {run}: {how}; {again}"


def fold_line(audit: FoldAudit) -> str:
    """A fold trained again, as its line says it: identical, within the tolerance (how
    alike), or differing (where)."""
    shown = {"identical": "identical", "within-tolerance":
             f"within tolerance ({audit.agreement:.1%} alike; {audit.detail})",
             "differs": f"DIFFERS ({audit.detail})"}[audit.outcome]
    return f"fold {audit.index} {'/'.join(audit.key)}: {shown}"


def checked_seeds(path: Path) -> SummaryChecked:
    """A ``seeds.json`` (``merbench run --seeds``): its per-seed numbers, means, deviations
    and interval recomputed from the seed runs beside it, each validated."""
    summary = validate_seeds(path)
    return SummaryChecked(f"seeds {', '.join(map(str, summary.seeds))}: every seed run "
                          "validates and the summary matches them", summary.runs)


def seeds_file_text(path: Path) -> FinishedText:
    """A ``seeds.json``'s text, as ``merbench run --seeds`` prints it: the summary read from
    the file, its first seed's run (which says whether the recipe is the model's or a
    REDUCED setting) from that run's folder."""
    # deferred: rich, as in EmotionRunKind.finished_text
    from merbench.kinds.emotion_text import seeds_text

    folder = path if path.is_dir() else path.parent
    summary = _read_seeds(folder / SEEDS_FILE)
    return seeds_text(summary, folder,
                      first_seed_record(folder, summary, RESULTS_FILE, read_results))


#: a summary of emotion runs over seeds (``seeds.json``)
SEEDS_SUMMARY_KIND = SummaryOverSeeds(
    SEEDS_SUMMARY, SEEDS_FILE, OverSeeds(EmotionRunKind(), _read_seeds, "seeds summary",
                                          SEEDS_STRUCTURE),
    "merbench run --seeds", checked_seeds, seeds_file_text, EMOTIONS, recorded_kind="seeds")
