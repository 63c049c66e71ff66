"""A tuning (``merbench tune``): ``tune.json`` whose every trial's score, choice and outer
scores recompute from the trials' runs (packed in ``runs.tar.xz``); audited by training
again the runs that made it (the trials' runs and each outer fold's chosen one)."""

from __future__ import annotations

import os
from pathlib import Path

from merbench.audit import audit_run, choose_folds
from merbench.base.literal import counted
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    Report,
    check_data_root_for,
    refuse_signing,
)
from merbench.kinds.emotion import chosen_line, fold_line
from merbench.results.model import FoldAudit
from merbench.results.tune_file import NESTED, TUNE_FILE, TUNING_SPEC_FILE, TuneResults
from merbench.tuning.status import tuning_status
from merbench.verification.tune_check import (
    tune_claim,
    tune_evidence,
    validate_tune,
    validated_tune,
)
from merbench.verification.validate import RESULTS_FILE


class TuningKind:
    name: str = "tuning"
    markers: tuple[str, ...] = (TUNE_FILE, TUNING_SPEC_FILE)
    started_file: str | None = TUNING_SPEC_FILE
    compared_as: str | None = None

    def owns(self, path: Path) -> bool:
        """A tuning's folder or its ``tune.json``: a folder that is also a run's (a
        ``results.json`` beside) is the run's."""
        return path.name == TUNE_FILE or (path.is_dir() and os.path.lexists(path / TUNE_FILE)
                                          and not os.path.lexists(path / RESULTS_FILE))

    def validate(self, path: Path) -> Checked:
        checked = validate_tune(path)
        folder = path if path.is_dir() else path.parent
        trials = sum(len(o.trials) for o in checked.outer)
        how = (f"nested, {len(checked.outer)} outer folds x {checked.inner_folds} inner"
               if checked.mode == NESTED else "TEST-SCORED")
        return Checked(path, f"{checked.model} on {checked.dataset}/{checked.protocol}, "
                             f"{checked.sampler} search, {how}, {trials} trials; every run "
                             "validates and every trial's score, choice and the outer UF1 "
                             f"{checked.overall.uf1:.4f} recompute",
                       claim=("tuning", *tune_claim(checked)),
                       evidence=tune_evidence(checked, folder),
                       claimed="search (model, data, space, sampler and seed)")

    def status(self, folder: Path) -> str:
        return tuning_status(folder if folder.is_dir() else folder.parent)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        """The runs that made the tuning trained again in part: of a nested search, for
        ``count`` outer folds, every trial's inner runs (whose scores made the choice) and
        the chosen configuration's retrained run (whose predictions are the outer score),
        each whole; of a test-scored one, ``count`` folds of every trial's run. The
        arithmetic of the search (scores, choice, outer scores) ``validate`` recomputes;
        inner runs forged consistently steered the choice past an audit of the final runs
        alone."""
        refuse_signing(self.name, path, request)
        with validated_tune(path if path.is_dir() else path.parent) as (results, runs):
            return _audit_runs(path, results, runs, request, report)


def _audit_runs(path: Path, results: TuneResults, runs: Path, request: AuditRequest,
                report: Report) -> AuditVerdict:
    """The runs of the validated tuning ``results`` (unpacked in ``runs``) that the request
    draws, trained again (:meth:`TuningKind.audit`)."""
    check_data_root_for(request, results.dataset)
    header: list[str] = []  # said once the first run's data is read (its options checked)
    if results.mode != NESTED:
        [outer] = results.outer
        picks = [(run, request.count, request.seed)
                 for run in dict.fromkeys(r for t in outer.trials for r in t.runs)]
    else:
        indices, drawn = choose_folds(len(results.outer), request.count, request.seed)
        how = "every outer fold" if drawn is None else (
            f"outer folds {', '.join(map(str, indices))}, drawn with --seed {drawn}")
        header.append(f"auditing {path}: {how}; every trial's inner runs and the chosen "
                      "configuration's run trained again")
        picks = [(run, None, None) for i in indices for run in dict.fromkeys(
            [*(r for t in results.outer[i].trials for r in t.runs),
             results.outer[i].final_run])]
    plugins = request.plugins()
    differing, trained = 0, 0
    for name, count, seed in picks:
        def chosen(indices: list[int], drawn: int | None, name: str = name) -> None:
            while header:
                report(header.pop())
            report(chosen_line(name, indices, drawn))

        def on_fold(audit: FoldAudit, name: str = name) -> None:
            report(f"{name} {fold_line(audit)}")

        record = audit_run(runs / name, count=count, seed=seed, data_root=request.data_root,
                           device=request.device, workers=request.workers, plugins=plugins,
                           on_fold=on_fold, chosen=chosen)
        if record.failure is not None:
            return AuditVerdict(False, f"audit FAILED: {name}: {record.failure}")
        trained += len(record.folds)
        differing += sum(a.outcome == "differs" for a in record.folds)
    if differing:
        return AuditVerdict(False, f"audit FAILED: {differing} of the {trained} folds "
                                   "trained again differ from what the tuning's runs "
                                   "stored (not recorded in the folder)")
    return AuditVerdict(True, f"audit passed: {counted(trained, 'fold')} of "
                              f"{counted(len(picks), 'run')} of the search trained again "
                              "match (not recorded in the folder)")
