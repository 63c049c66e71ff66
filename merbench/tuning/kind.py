"""A tuning (``merbench tune``): ``tune.json`` whose every trial's score, choice and outer
scores recompute from the trials' runs (packed in ``runs.tar.xz``); audited by training
again the runs that made it (the trials' runs and each outer fold's chosen one), the
record kept in its folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.compare.contract import Comparison
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    FinishedText,
    OverSeeds,
    Progress,
    Report,
    check_data_root_for,
    files_now,
    keep_record,
    record_verdict,
    refuse_changed,
)
from merbench.kinds.emotion import chosen_line, fold_line
from merbench.kinds.over_seeds import SummaryChecked, SummaryOverSeeds
from merbench.results.kind_names import TUNING, TUNING_SEEDS_SUMMARY
from merbench.results.signing_keys import load_signing_key
from merbench.tuning.archive import RUNS_ARCHIVE
from merbench.tuning.audit import audit_tuning
from merbench.tuning.check import tune_claim, tune_evidence, validated_tune
from merbench.tuning.finish_text import tune_seeds_text, tuning_text
from merbench.tuning.record import (
    NESTED,
    TUNE_FILE,
    TUNING_SPEC_FILE,
    read_tune,
    search_record_laid_out,
)
from merbench.tuning.seeds_check import TUNE_SEEDS_STRUCTURE, validate_tune_seeds
from merbench.tuning.seeds_record import TUNE_SEEDS_FILE, read_tune_seeds
from merbench.tuning.status import tuning_status
from merbench.verification.validate import RESULTS_FILE

#: the files a tuning's audit compares: its record and its runs
COMPARED = (TUNE_FILE, RUNS_ARCHIVE)


class TuningKind:
    name: str = TUNING
    markers: tuple[str, ...] = (TUNE_FILE, TUNING_SPEC_FILE)
    started_file: str | None = TUNING_SPEC_FILE
    command: str = "merbench tune"
    over_seeds: OverSeeds | None = None
    comparison: Comparison[Any] | None = None
    not_compared: str = ("'merbench validate' recomputes its outer scores and the tuning "
                         "page 'merbench leaderboard build' renders shows what each outer "
                         "fold chose; to test a chosen configuration against another, run "
                         "both and compare the runs")

    def owns(self, path: Path) -> bool:
        """A tuning's folder or its ``tune.json``: a folder that is also a run's (a
        ``results.json`` beside) is the run's to :func:`~merbench.kinds.kind_of`, and
        refused by every command as holding two kinds' result files
        (:func:`~merbench.kinds.stray_result_files`)."""
        return path.name == TUNE_FILE or (path.is_dir() and os.path.lexists(path / TUNE_FILE)
                                          and not os.path.lexists(path / RESULTS_FILE))

    def written_by(self, data: Mapping[str, Any]) -> bool:
        return data.get("kind") == "tune"

    def started_by(self, data: Mapping[str, Any]) -> bool:
        return "kind" not in data and search_record_laid_out(data)  # it records none

    def check_shown(self, path: Path) -> None:
        """``status``'s own line, unless it calls the tuning finished: its record not a
        search's (``tuning.json``), the runs it was made from (``runs.tar.xz``) gone, a
        layout validate refuses, a command still writing it; show printed a tuning with its
        record or runs gone (pass 84n, N8)."""
        folder = path.parent if path.name == TUNE_FILE else path
        said = tuning_status(folder)  # raises where tuning.json is no search's record
        if not said.finished:
            raise MerbenchError(said.line)

    def finished_text(self, path: Path) -> FinishedText:
        folder = path.parent if path.name == TUNE_FILE else path
        return tuning_text(read_tune(folder / TUNE_FILE), folder)

    def validate(self, path: Path) -> Checked:
        folder = path if path.is_dir() else path.parent
        with validated_tune(folder) as found:
            checked, audits = found.results, found.audits
        trials = sum(len(o.trials) for o in checked.outer)
        how = (f"nested, {len(checked.outer)} outer folds x {checked.inner_folds} inner"
               if checked.mode == NESTED else "TEST-SCORED")
        return Checked(path, f"{checked.model} on {checked.dataset}/{checked.protocol}, "
                             f"{checked.sampler} search, {how}, {trials} trials; every run "
                             "validates and every trial's score, choice and the outer UF1 "
                             f"{checked.overall.uf1:.4f} recompute"
                             f"{f'; audit.json: {audits.text}' if audits else ''}",
                       claim=("tuning", *tune_claim(checked)),
                       evidence=tune_evidence(checked, folder),
                       claimed="search (model, data, space, sampler and seed)")

    def status(self, folder: Path) -> Progress:
        return Progress(tuning_status(folder if folder.is_dir() else folder.parent).line)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        """The runs that made the tuning trained again in part
        (:mod:`merbench.tuning.audit`), the record kept in its folder."""
        key = load_signing_key(request.signing_key) if request.signing_key else None
        folder = path if path.is_dir() else path.parent
        read = files_now(folder, COMPARED)  # before it is read: what it validates is kept
        with validated_tune(folder) as checked:
            results = checked.results
            before = checked.audited.digests()
            refuse_changed(folder, COMPARED, read)
            check_data_root_for(request, results.dataset)
            header: list[str] = []  # said once the first run's data is read

            def started(indices: list[int], drawn: int | None) -> None:
                if results.mode == NESTED:
                    how = "every outer fold" if drawn is None else (
                        f"outer folds {', '.join(map(str, indices))}, drawn with --seed "
                        f"{drawn}")
                    header.append(f"auditing {path}: {how}; every trial's inner runs and "
                                  "the chosen configuration's run trained again")

            def on_run(name: str, indices: list[int], drawn: int | None) -> None:
                while header:
                    report(header.pop())
                report(chosen_line(name, indices, drawn))

            record = audit_tuning(
                results, checked.runs, checked.audited, before, count=request.count,
                seed=request.seed, data_root=request.data_root, device=request.device,
                workers=request.workers, plugins=request.plugins(), started=started,
                on_run=on_run, on_fold=lambda name, audit: report(f"{name} {fold_line(audit)}"))
            kept = keep_record(record, checked.audited, key, report)
        return record_verdict(record, kept, "outer folds" if results.mode == NESTED else "folds",
                              "of the search made again", "the tuning's runs")



def checked_tune_seeds(path: Path) -> SummaryChecked:
    """A ``tune-seeds.json`` (``merbench tune --seeds``): its per-seed outer scores, means,
    deviations and interval recomputed from the tunings beside it, each validated, all one
    search but their seeds."""
    summary = validate_tune_seeds(path)
    mean, std = summary.scores.mean.overall, summary.scores.std.overall
    uf1 = "" if mean.uf1 is None or std.uf1 is None else \
        f" (UF1 {mean.uf1:.4f} ± {std.uf1:.4f})"
    return SummaryChecked(f"{summary.model} on {summary.dataset}/{summary.protocol}, "
                          f"{summary.mode} search tuned with seeds "
                          f"{', '.join(map(str, summary.seeds))}: every tuning validates "
                          f"and the summary{uf1} matches them", summary.runs)


def tune_seeds_file_text(path: Path) -> FinishedText:
    """A ``tune-seeds.json``'s text, as ``merbench tune --seeds`` prints it: the summary
    read from the file, each seed's tuning from its folder."""
    folder = path.parent if path.name == TUNE_SEEDS_FILE else path
    summary = read_tune_seeds(folder / TUNE_SEEDS_FILE)
    tunings = [(seed, read_tune(folder / summary.runs[str(seed)] / TUNE_FILE),
                folder / summary.runs[str(seed)]) for seed in summary.seeds]
    return tune_seeds_text(summary, folder, tunings)


#: a search tuned over seeds (``tune-seeds.json``)
TUNING_SEEDS_SUMMARY_KIND = SummaryOverSeeds(
    TUNING_SEEDS_SUMMARY, TUNE_SEEDS_FILE,
    OverSeeds(TuningKind(), read_tune_seeds, "tuning summary over seeds",
              TUNE_SEEDS_STRUCTURE),
    "merbench tune --seeds", checked_tune_seeds, tune_seeds_file_text,
    recorded_kind="tune-seeds",
    not_compared=("'merbench validate' recomputes it from its tunings and the tuning "
                  "page 'merbench leaderboard build' renders shows it; to test a "
                  "chosen configuration against another, run both and compare the "
                  "runs"))
