"""Checking a tuning (``tune.json`` and its run folders) by recomputing what it says.

The run folders are checked where they are unpacked from ``runs.tar.xz``
(:func:`merbench.tuning.archive.unpacked_runs`, which refuses a link, a device or a
path out of the archive before writing anything); a rejection names the run inside it.

What is recomputed: every trial's inner scores, from its runs' predictions; each outer fold's
choice (the best complete trial, ties to the earliest); that every run is the run the record
says (its ``run.json`` spec is the tuning's options with the trial's values, on the subjects
the record names); that no run of an outer fold's search names its test subjects (the
leakage check); the inner folds partition the outer training subjects; the pooled outer
predictions are the retrained runs' and score as recorded, intervals included. With
``deep`` every run folder is also validated whole (:func:`validate_run`: its numbers from
its fold files, its provenance chain); without, the trials are checked from their
``run.json`` and ``predictions.csv`` and the retrained runs whole, which is what the
leaderboard does to stay quick.

Optuna's decisions are replayed too: each outer fold's study is rebuilt from the record
(the search is a function of the tuning file and the scores), so every trial's values must
be what the sampler proposes there and every trial must end where the pruner stops it; every
outer fold must run the trials asked for (fewer only when ``complete`` is false), the outer
folds must test every subject once, and the pooled predictions every sample of the databases
they test. What is not: that the outer folds are the named protocol's (that needs the data;
the retrained runs' own files name their subjects).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from merbench.base.atomic import is_temporary
from merbench.base.errors import MerbenchError, in_words
from merbench.results.audit_file import AuditSummary, check_audit_file
from merbench.results.audited_files import AuditedFiles
from merbench.results.codec import to_json
from merbench.results.manifest import CHANGED, file_sha256
from merbench.results.result_files import RESULTS_FILE
from merbench.results.run_files import ResultRejected
from merbench.results.rundir import folder_is_held
from merbench.results.safe_files import check_entry, read_regular_bytes
from merbench.results.user_files import read_written_json
from merbench.scores.interval_records import interval_record
from merbench.tuning.archive import (
    PACKED_FOLDERS,
    RUNS_ARCHIVE,
    loose_stranger,
    packed_not_folder,
    unpacked_runs,
)
from merbench.tuning.audited import tuning_folder
from merbench.tuning.record import (
    NESTED,
    PREDICTION_COLUMNS,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNING_SPEC_FILE,
    TuneResults,
    final_folder,
    read_tune,
    read_tune_predictions,
)
from merbench.tuning.run_tuning import best_trial, outer_scores
from merbench.tuning.run_tuning import run_spec as expected_spec
from merbench.tuning.search_record import record_problem, spec_of
from merbench.tuning.trials_check import (
    check_outer,
    check_search,
    check_trial,
    check_universe,
    run_predictions,
)
from merbench.tuning.written import (
    archive_missing,
    archive_problem,
    digest_problem,
    stray_problem,
)
from merbench.verification.provenance import SPAN_MARGIN, check_created

#: what a finished tuning's folder holds (an audit.json is refused by its own check)
TUNING_FILES = frozenset({TUNE_FILE, TUNE_PREDICTIONS_FILE, TUNING_SPEC_FILE, RUNS_ARCHIVE,
                          "audit.json", *PACKED_FOLDERS})


def validate_tune(path: Path, deep: bool = True) -> TuneResults:
    """Accept a tuning folder (or its ``tune.json``) only if what it says recomputes."""
    with validated_tune(path, deep) as checked:
        return checked.results


@dataclass(frozen=True)
class CheckedTuning:
    """A tuning that validates: its record, the folder its runs are unpacked in (for the
    block of :func:`validated_tune`), the tuning as its audit records see it, and what its
    ``audit.json`` holds (None where it has none)."""

    results: TuneResults
    runs: Path
    audited: AuditedFiles
    audits: AuditSummary | None


@contextlib.contextmanager
def validated_tune(path: Path, deep: bool = True) -> Iterator[CheckedTuning]:
    """:func:`validate_tune`, with the folder its runs were unpacked into for the block
    (removed after it): an audit trains those runs again without unpacking them twice."""
    folder = path if path.is_dir() else path.parent
    if folder_is_held(folder):
        raise ResultRejected(folder, "a merbench tune command is writing it now; wait for it "
                                     "to finish, then check it")
    not_folder = packed_not_folder(folder)
    if not_folder is not None:  # no runs a stop unpacked: the tune command failed on it (Z10)
        raise ResultRejected(folder, not_folder)
    loose = [name for name in PACKED_FOLDERS if os.path.lexists(folder / name)]
    stranger = loose_stranger(folder)
    if stranger is not None:  # no stop's leftover, which the tune command would delete
        raise ResultRejected(folder, stranger)
    if loose and os.path.lexists(folder / RUNS_ARCHIVE):  # the archive's runs are checked:
        # these would go unread (without an archive, runs are an older layout's, migrated)
        raise ResultRejected(folder, f"holds its runs unpacked ({loose[0]}/) beside "
                                     f"{RUNS_ARCHIVE}: a stop came while they were packed; run "
                                     "the same merbench tune command to finish it")
    try:
        # the tuning's own files, as any run's: no link out of the folder (its page copies
        # them into the site), no fifo, no hard link
        check_entry(folder, folder.parent, folder=True)
        for name in (TUNE_FILE, TUNE_PREDICTIONS_FILE, TUNING_SPEC_FILE, RUNS_ARCHIVE):
            check_entry(folder / name, folder)
        missing = archive_missing(folder)  # before the layout, whose fix needs the archive
        if missing is not None:
            raise MerbenchError(missing)
        results = read_tune(folder / TUNE_FILE)
    except MerbenchError as exc:
        raise ResultRejected(folder, str(exc).replace(f"{folder}/", "")) from None
    stray = sorted(entry.name for entry in folder.iterdir() if entry.name not in TUNING_FILES
                   and not is_temporary(entry))
    if stray:  # a run or a page dropped in would be neither checked nor said
        raise ResultRejected(folder, f"holds {stray[0]}, which no tuning writes; move it out "
                                     "of the tuning's folder")
    problem = record_problem(folder, results)
    if problem is not None:
        raise ResultRejected(folder, problem)
    with contextlib.ExitStack() as unpacked:
        try:
            runs = unpacked.enter_context(unpacked_runs(folder))
            # first, as status and show say it: a run's file missing from the archive, or
            # not the one tune.json records
            names = [path.relative_to(runs).as_posix() for path in sorted(runs.rglob("*"))]
            digests = {name: file_sha256(runs / name) for name in names
                       if (runs / name).is_file()}
            missing = archive_problem(results, names) or \
                digest_problem(results, digests, unrecorded=False)
            if missing is not None:
                raise ResultRejected(folder, missing)
            try:
                checked = _validate(folder, runs, results, deep)
            except ResultRejected as exc:
                raise _named_in_archive(folder, runs, exc) from None
            unnamed = stray_problem(results, names) or digest_problem(results, digests)
            if unnamed is not None:  # as status says it: the runs tune.json names come first
                raise ResultRejected(folder, unnamed)
            _check_created_after_runs(folder, runs, results)
            audited = tuning_folder(folder, checked, runs)
            audits = check_audit_file(audited)
        except ResultRejected:
            raise
        except MerbenchError as exc:  # a file of the tuning missing or unreadable
            raise ResultRejected(folder, str(exc).replace(f"{folder}/", "")) from None
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ResultRejected(folder, f"has a layout merbench cannot check "
                                         f"({in_words(exc)}); is it a complete "
                                         "merbench tuning?") from None
        # outside the checks: what the block raises is its own
        yield CheckedTuning(checked, runs, audited, audits)



def _check_created_after_runs(folder: Path, runs: Path, results: TuneResults) -> None:
    """``tune.json`` is written after every run of the search: its ``created`` no earlier
    than the last of theirs (a date moved before its runs validated)."""
    written = []
    for path in runs.rglob(RESULTS_FILE):
        try:
            written.append(str(read_written_json(path, "results file")["created"]))
        except (OSError, ValueError, KeyError, TypeError, MerbenchError):
            continue  # a run's own file is checked as the run is
    if written:
        last = max(written, key=check_created)
        if check_created(results.created) < check_created(last) - SPAN_MARGIN:
            raise ResultRejected(folder, f"tune.json's created {results.created} is before "
                                         f"its runs finished ({last}); tune.json is written "
                                         "after them")


def _named_in_archive(folder: Path, runs: Path, exc: ResultRejected) -> ResultRejected:
    """``exc`` with a run's temporary folder named as the archive's member it came from,
    and a changed file's fix the archive's: going on is a loose run folder's fix."""
    reason = exc.reason.replace(f"{runs}/", "")
    if Path(exc.path) == runs:
        return ResultRejected(folder, reason)
    if Path(exc.path).is_relative_to(runs):
        inside = Path(exc.path).relative_to(runs).as_posix()
        if f"{CHANGED}: " in reason:  # a packed run does not go on: its fix is the archive
            reason = (f"{reason[:reason.index(CHANGED) + len(CHANGED)]}: publish the "
                      f"{RUNS_ARCHIVE} merbench tune wrote")
        return ResultRejected(folder / RUNS_ARCHIVE, f"{inside}: {reason}")
    return ResultRejected(exc.path, reason)


def _validate(folder: Path, runs: Path, results: TuneResults, deep: bool) -> TuneResults:
    spec = spec_of(results)
    nested = results.mode == NESTED
    if not results.outer or (not nested and len(results.outer) != 1):
        raise ResultRejected(folder, "tune.json records no outer fold, or a test-scored "
                                     "search of more than one")
    frames: list[pd.DataFrame] = []
    tested: set[str] = set()
    counts: dict[str, int] = {}
    check_universe(folder, results)
    for position, outer in enumerate(results.outer):
        fold = check_outer(folder, outer, nested)
        check_search(folder, spec, results, outer, position)
        for trial in outer.trials:
            check_trial(folder, runs, spec, results, outer, fold, trial, deep)
        try:
            best = best_trial(outer.trials)
        except MerbenchError as exc:
            raise ResultRejected(folder, f"outer fold {outer.label}: {exc}") from None
        if best != outer.chosen:
            raise ResultRejected(folder, f"outer fold {outer.label} chose trial {outer.chosen} "
                                         f"but trial {best} scored best")
        params = outer.chosen_trial().params  # the best, as checked above
        if nested:
            assert fold is not None
            if outer.final_run != final_folder(fold.folder, best):
                raise ResultRejected(folder, f"outer fold {outer.label} reports run "
                                             f"{outer.final_run}, not "
                                             f"{final_folder(fold.folder, best)}")
            final = run_predictions(
                runs, outer.final_run, expected_spec(spec, results.mode, fold, params, None),
                True, counts, results.classes)
        else:
            if outer.final_run != outer.chosen_trial().runs[0]:
                raise ResultRejected(folder, "a test-scored search reports a run other than "
                                             "its best trial's")
            final = run_predictions(
                runs, outer.final_run, expected_spec(spec, results.mode, None, params, None),
                True, counts, results.classes)
        subjects = set((final["database"].astype(str) + "/"
                        + final["subject"].astype(str)).tolist())
        if subjects & tested:
            raise ResultRejected(folder, f"outer fold {outer.label} tests a subject another "
                                         "outer fold tested")
        tested |= subjects
        frame = final[[c for c in PREDICTION_COLUMNS if c != "fold"]].copy()
        frame["fold"] = fold.index if fold is not None else final["fold"]
        frames.append(frame[PREDICTION_COLUMNS])
    pooled = pd.concat(frames, ignore_index=True)
    per_database = pooled["database"].value_counts().to_dict()
    short = sorted(db for db, n in per_database.items() if counts.get(db) != n)
    if short:
        raise ResultRejected(folder, f"the outer folds test {per_database[short[0]]} of "
                                     f"{short[0]}'s {counts.get(short[0])} samples; a "
                                     "tuning's outer folds test every sample of a database "
                                     "they test")
    _check_pooled(folder, results, pooled)
    ran_all = all(len(outer.trials) == results.trials for outer in results.outer)
    if results.complete != ran_all:  # the page says "stopped early" from it
        raise ResultRejected(folder, f"tune.json says complete is {results.complete}, but "
                                     f"{'every' if ran_all else 'not every'} outer fold ran "
                                     f"its {results.trials} trials")
    return results


def _check_pooled(folder: Path, results: TuneResults, expected: pd.DataFrame) -> None:
    stored = read_tune_predictions(folder)
    if list(stored.columns) != PREDICTION_COLUMNS or len(stored) != len(expected) or \
            not stored.astype(str).reset_index(drop=True).equals(
                expected.astype(str).reset_index(drop=True)):
        raise ResultRejected(folder, f"{TUNE_PREDICTIONS_FILE} is not the predictions of the "
                                     "runs tune.json reports")
    overall, per_database = outer_scores(expected, results.classes)
    if to_json(overall) != to_json(results.overall) or \
            to_json(per_database) != to_json(results.per_database) or \
            results.n_samples != len(expected):
        raise ResultRejected(folder, "tune.json's scores do not match its predictions "
                                     f"(UF1 {overall.uf1:.6f}, UAR {overall.uar:.6f})")
    intervals = interval_record([expected], len(results.classes))
    if to_json(intervals) != to_json(results.intervals):
        raise ResultRejected(folder, "tune.json's intervals do not match its predictions")


def tune_claim(results: TuneResults) -> tuple[str, ...]:
    """What a tuning claims to be: its search (model, data, protocol, space, sampler and its
    seed, pruner, trials asked for, objective, the options every trial shared) and whether
    it ran to the end. Copies of one claim hold the same trials, choices and predictions
    where they are genuine (runs repeat bit for bit on a CPU): two that differ were edited,
    or trained where numbers do not repeat, and neither is shown until an audit says."""
    return tuple(json.dumps(to_json(part), sort_keys=True) for part in (
        results.mode, results.model, results.dataset, results.protocol, results.seed,
        results.objective, results.inner_folds, results.options, results.dataset_options,
        results.space, results.sampler, results.sampler_seed, results.pruner, results.trials,
        results.complete))


def tune_evidence(results: TuneResults, folder: Path) -> str:
    """The digest two copies of a tuning's claim must share: every outer fold's trials,
    scores and choice, and the pooled predictions of its chosen configurations."""
    digest = hashlib.sha256(json.dumps(to_json(results.outer), sort_keys=True).encode())
    digest.update(read_regular_bytes(folder / TUNE_PREDICTIONS_FILE))
    return digest.hexdigest()


__all__ = ["TUNE_FILE", "tune_claim", "tune_evidence", "validate_tune"]
