"""A tuning's files as ``merbench tune`` writes them, checked as to their structure: the
tuning kind's part of ``merbench status``'s cheap check (:mod:`merbench.results.written`
holds the part every kind shares), which ``validate`` starts with too.

``status`` read ``tuning.json``, ``tune.json`` and ``predictions.csv`` with the typed readers
and the value checks ``validate`` calls, and compares the pooled predictions with the runs'
in ``runs.tar.xz`` as a copy, recomputing nothing: a tuning whose record named a run the
archive lacks, or whose predictions were edited keeping their shape, was "finished".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.base.scratch import scratch_folder
from merbench.results.manifest import RUN_FILE, fold_file_name
from merbench.results.migrations import version_of
from merbench.results.model import Results
from merbench.results.recorded_values import (
    ProvenanceError,
    check_count,
    check_created,
    check_duration,
)
from merbench.results.result_files import AUDIT_FILE, RESULTS_FILE
from merbench.results.schema import read_json, read_results
from merbench.results.user_files import UnreadableFile, parse_user_csv
from merbench.results.written import audit_written, finite_json, recorded, said_in_folder
from merbench.tuning.archive import (
    RUNS_ARCHIVE,
    archived_digests,
    archived_files,
    archived_names,
)
from merbench.tuning.audited import tuning_audited
from merbench.tuning.record import (
    NESTED,
    PREDICTION_COLUMNS,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNING_SPEC_FILE,
    TuneResults,
    final_folder,
    outer_folds_problem,
    read_search_record,
    read_tune,
    read_tune_predictions,
)

#: a fold file of a run, as its path inside the run's folder
FOLD_FILE = re.compile(r"folds/fold-\d{3}\.npz")


def archive_missing(folder: Path) -> str | None:
    """Where a finished tuning's ``runs.tar.xz`` is gone, the line every command says of it
    (None: it is there, or ``tune.json`` is of layout 1, whose runs are folders, which
    ``merbench migrate`` packs). ``validate`` advised migrating a layout-2 tuning without
    its archive, which migrate refused, and status advised re-running the search of a
    layout-1 one, which migrate packs (pass 84v, V2, V3)."""
    if os.path.lexists(folder / RUNS_ARCHIVE):
        return None
    try:
        if version_of(read_json(folder / TUNE_FILE, "tuning results file")) == 1:
            return None
    except MerbenchError:
        pass  # an unreadable tune.json: the missing archive is said first, as by status
    return (f"{TUNE_FILE} is written but {RUNS_ARCHIVE}, the runs it was made from, is "
            "missing: the tuning cannot be checked; restore it, or run the same merbench "
            "tune command into a new folder")


def tuning_written(folder: Path, archived: Sequence[str] | None = None) -> TuneResults:
    """A finished tuning's ``tuning.json``, ``tune.json`` and pooled ``predictions.csv``
    read as what ``merbench tune`` writes, and as many as ``tune.json`` says: a run folder
    with its results in ``runs.tar.xz`` (``archived``: the archive's member names, where the
    caller has listed them) for every run it names, a row of ``predictions.csv`` for each of
    its samples. The runs themselves are read by ``validate`` alone; ``tune.json`` read is
    returned, for the checks a caller above this layer adds."""
    folder = Path(folder)
    with said_in_folder(folder):
        spec, mode = read_search_record(folder)
        recorded(folder / TUNING_SPEC_FILE, lambda given: search_values(given, mode), spec)
        results = read_tune(folder / TUNE_FILE)
        recorded(folder / TUNE_FILE, tune_values, results)
        finite_json(folder / TUNE_FILE)
        problem = outer_folds_problem(folder, results)
        if problem is not None:
            raise MerbenchError(problem)
        names = archived_names(folder) if archived is None else archived
        _runs_archived(results, names)
        problem = archive_problem(results, names) or stray_problem(results, names) or \
            digest_problem(results, archived_digests(folder))
        if problem is not None:
            raise MerbenchError(problem)
        _predictions_of_runs(folder, results, _predictions_shaped(folder, results))
        if os.path.lexists(folder / AUDIT_FILE):
            audit_written(tuning_audited(folder, results, _first_run(folder, results)))
    return results


def _first_run(folder: Path, results: TuneResults) -> Results | None:
    """The record of a test-scored tuning's first run, read from its ``runs.tar.xz``
    through the typed reader (its folds are the parts its audits name); None for a nested
    search, whose parts are its outer folds."""
    if results.mode == NESTED:
        return None
    name = f"{results.outer[0].trials[0].runs[0]}/{RESULTS_FILE}"
    found = archived_files(folder, {name})
    if name not in found:  # said by _runs_archived before
        raise MerbenchError(f"{RUNS_ARCHIVE}'s {name} is missing; publish the tuning as "
                            "merbench tune wrote it")
    with scratch_folder("merbench-status-") as scratch:
        (scratch / RESULTS_FILE).write_bytes(found[name])
        try:
            return read_results(scratch / RESULTS_FILE)
        except MerbenchError:
            raise MerbenchError(f"{RUNS_ARCHIVE}'s {name} is not a run's results file "
                                "('merbench validate' says why)") from None


def _predictions_shaped(folder: Path, results: TuneResults) -> Any:
    """The tuning's ``predictions.csv`` holds a whole row for each sample ``tune.json``
    reports, its labels class indices of ``tune.json``'s classes and its folds fold
    numbers: one cut short, with rows added or a number no run predicts is not the
    predictions of its runs."""
    path = folder / TUNE_PREDICTIONS_FILE
    frame = read_tune_predictions(folder)
    if len(frame) != results.n_samples:
        raise MerbenchError(f"{path} holds {len(frame)} rows where {TUNE_FILE} reports "
                            f"{results.n_samples} samples; publish the tuning as merbench "
                            "tune wrote it")
    gaps = frame.isna().any(axis=1).tolist()
    if any(gaps):  # a row cut short: every number of its columns read as a float
        row = gaps.index(True)
        missing = next(c for c in frame.columns if frame[c].isna().iloc[row])
        raise MerbenchError(f"{path} row {row + 1} (after the header) has no {missing}; "
                            "publish the tuning as merbench tune wrote it")
    classes = len(results.classes)
    for column, least, beyond, what in (
            ("fold", 0, len(frame), "a fold number"),
            ("y_true", 0, classes, f"a class index from 0 to {classes - 1}"),
            ("y_pred", 0, classes, f"a class index from 0 to {classes - 1}")):
        for row, value in enumerate(frame[column].tolist()):
            if not (isinstance(value, int | float) and not isinstance(value, bool)
                    and float(value).is_integer() and least <= value < beyond):
                raise MerbenchError(f"{path} row {row + 1} (after the header) has a "
                                    f"{column} that is not {what}; publish the tuning as "
                                    "merbench tune wrote it")
    return frame


def _predictions_of_runs(folder: Path, results: TuneResults, stored: Any) -> None:
    """The tuning's ``predictions.csv`` (``stored``, read) is its outer folds' final runs'
    predictions, pooled in their order (a nested search's fold being the outer fold's), as
    ``validate`` rebuilds it from ``runs.tar.xz``: a copy compared, nothing recomputed. A
    sample id or a fold edited in it kept its shape, and ``status`` called it finished."""
    path = folder / TUNE_PREDICTIONS_FILE
    names = {f"{outer.final_run}/{TUNE_PREDICTIONS_FILE}": outer for outer in results.outer}
    found = archived_files(folder, {*names, *(f"{outer.final_run}/{RESULTS_FILE}"
                                              for outer in results.outer)})
    frames = []
    for name, outer in names.items():
        if name not in found:  # said by _runs_archived when the run folder is missing
            raise MerbenchError(f"{RUNS_ARCHIVE}'s {name} is missing; publish the tuning as "
                                "merbench tune wrote it")
        _run_predictions_recorded(outer.final_run, found[name],
                                  found.get(f"{outer.final_run}/{RESULTS_FILE}"))
        try:
            run = parse_user_csv(found[name], folder / RUNS_ARCHIVE, "predictions table",
                                 dtype={"sample_id": str, "database": str, "subject": str})
            if results.mode == NESTED:
                run["fold"] = outer.index
            frames.append(run[PREDICTION_COLUMNS])
        except (UnreadableFile, KeyError):  # validate names what is wrong with the run
            raise MerbenchError(f"{RUNS_ARCHIVE}'s {name} is not a run's predictions table "
                                "('merbench validate' says why)") from None
    pooled = pd.concat(frames, ignore_index=True).astype(str)
    mine = stored.astype(str).reset_index(drop=True)
    differ = [row for row, (a, b) in enumerate(zip(mine.itertuples(index=False),
                                                   pooled.itertuples(index=False),
                                                   strict=False)) if tuple(a) != tuple(b)]
    if len(mine) != len(pooled) or differ:
        where = f"row {differ[0] + 1} (after the header)" if differ else "its rows"
        raise MerbenchError(f"{path} is not the predictions of the runs {TUNE_FILE} reports: "
                            f"{where} differs from theirs; publish the tuning as merbench "
                            "tune wrote it")


def _run_predictions_recorded(run: str, predictions: bytes, record: bytes | None) -> None:
    """A packed run's ``predictions.csv`` (``predictions``) is the file its ``results.json``
    (``record``) records, said in ``validate``'s words where not: an archived run's table
    replaced, then digested by ``merbench migrate``, was blamed on the tuning's own,
    untouched ``predictions.csv`` (pass 84v, V4). A record that cannot be read is left to
    ``validate``, which says why."""
    try:
        recorded = json.loads(record or b"null")["files"][TUNE_PREDICTIONS_FILE]
    except (ValueError, TypeError, KeyError):
        return
    if hashlib.sha256(predictions).hexdigest() != recorded:
        raise MerbenchError(f"{RUNS_ARCHIVE}: {run}: {TUNE_PREDICTIONS_FILE} is not the file "
                            f"{RESULTS_FILE} records (its SHA-256 differs); the run's files "
                            "were changed or removed after it finished: publish the "
                            f"{RUNS_ARCHIVE} merbench tune wrote")


def _runs_archived(results: TuneResults, archived: Sequence[str]) -> None:
    """Every run folder ``tune.json`` names (each trial's, each outer fold's chosen one) is
    in the tuning's ``runs.tar.xz`` (its member names ``archived``) with its
    ``results.json``: ``validate`` refuses a tuning whose record names a run it lacks."""
    names = set(archived)
    for outer in results.outer:
        for run in (*(r for trial in outer.trials for r in trial.runs), outer.final_run):
            if f"{run}/{RESULTS_FILE}" in names:
                continue
            if any(name.startswith(f"{run}/") for name in names):
                raise MerbenchError(f"{RUNS_ARCHIVE}'s run folder '{run}' has no "
                                    f"{RESULTS_FILE}: the run did not finish; publish the "
                                    "tuning as merbench tune wrote it")
            raise MerbenchError(f"{TUNE_FILE} names run folder '{run}', which is not a folder "
                                f"inside the tuning's {RUNS_ARCHIVE}; publish the tuning as "
                                "merbench tune wrote it")


def archive_problem(results: TuneResults, archived: Sequence[str]) -> str | None:
    """The first file a run ``tune.json`` names lacks in ``runs.tar.xz`` (its member names
    ``archived``), said with its fix, or None: every run keeps ``run.json``, its results,
    its predictions and a fold file for each of its folds. Told from the member list alone
    (what ``status`` and ``show`` can afford): a nested search's runs each train one split
    (``fold-000``), a test-scored search's runs each the whole protocol, so one fold file
    fewer than the others is one missing. An archive rebuilt without a trial's fold file
    was "finished" to ``status`` and shown, while ``validate`` refused it."""
    held: dict[str, set[str]] = {}
    for name in archived:
        run, folds, fold = name.partition("/folds/")
        if folds:
            held.setdefault(run, set()).add(f"folds/{fold}")
        else:
            run, _, file = name.rpartition("/")
            held.setdefault(run, set()).add(file)
    named = [run for outer in results.outer
             for run in (*(r for trial in outer.trials for r in trial.runs), outer.final_run)]
    numbers = [int(part[len("folds/fold-"):-len(".npz")]) for run in named
               for part in held.get(run, ()) if FOLD_FILE.fullmatch(part)]
    count = 1 if results.mode == NESTED else max(numbers, default=0) + 1
    wanted = (RUN_FILE, RESULTS_FILE, TUNE_PREDICTIONS_FILE,
              *(fold_file_name(index) for index in range(count)))
    for run in named:
        if RESULTS_FILE not in held.get(run, set()):
            continue  # a run not there, or not finished: each caller says it in its words
        for part in wanted:
            if part not in held.get(run, set()):
                return (f"{RUNS_ARCHIVE} lacks {run}/{part}, a file of a run {TUNE_FILE} "
                        f"names; publish the {RUNS_ARCHIVE} merbench tune wrote")
    return None


def stray_problem(results: TuneResults, archived: Sequence[str]) -> str | None:
    """The first run folder in ``runs.tar.xz`` (its member names ``archived``) that
    ``tune.json`` does not name, said with its fix, or None. Allowed besides the named runs:
    the folders above them, and a nested search's retraining of any trial of an outer fold
    (a search that went on after ``--timeout-s`` and chose another trial keeps the first
    one's). A stray run's ``results.json`` was counted by ``status`` ("3 of 2 runs
    finished") and validated; ``validate`` asks after its own checks of the record, whose
    words name an edited ``tune.json`` better than the runs it no longer names."""
    held = {name.partition("/folds/")[0] if "/folds/" in name else name.rpartition("/")[0]
            for name in archived}
    allowed = {run for outer in results.outer
               for run in (*(r for trial in outer.trials for r in trial.runs), outer.final_run)}
    for outer in results.outer:
        parts = outer.final_run.split("/")
        if results.mode == NESTED and len(parts) == 3:
            allowed.update(final_folder(parts[1], trial.number) for trial in outer.trials)
    above = {"/".join(run.split("/")[:depth]) for run in allowed
             for depth in range(run.count("/") + 1)}
    stray = next((run for run in sorted(held) if run not in allowed and run not in above),
                 None)
    return None if stray is None else (
        f"{RUNS_ARCHIVE} holds {stray}, a run {TUNE_FILE} does not name; publish the "
        f"{RUNS_ARCHIVE} merbench tune wrote")


def digest_problem(results: TuneResults, digests: Mapping[str, str],
                   unrecorded: bool = True) -> str | None:
    """The first file of ``runs.tar.xz`` (``digests``: each member's SHA-256) that is not
    the one ``tune.json`` records (``archived``), said with its fix, or None: ``status``,
    ``show`` and ``validate`` alike, as ``results.json``'s ``files`` bind a run's files. A
    member replaced by another trial's fold file was "finished" to ``status`` and shown.
    ``unrecorded`` False: files ``tune.json`` does not record are passed over (``validate``
    asks after them once it has named a stray run in its words, :func:`stray_problem`)."""
    fix = f"publish the {RUNS_ARCHIVE} merbench tune wrote"
    for name, digest in sorted(digests.items()):
        kept = results.archived.get(name)
        if kept is None and not unrecorded:
            continue
        if kept is None:
            return f"{RUNS_ARCHIVE} holds {name}, a file {TUNE_FILE} does not record; {fix}"
        if kept != digest:
            return (f"{RUNS_ARCHIVE}'s {name} is not the file {TUNE_FILE} records (its "
                    f"SHA-256 differs); {fix}")
    lacking = sorted(set(results.archived) - set(digests))
    if lacking:
        return f"{RUNS_ARCHIVE} lacks {lacking[0]}, a file {TUNE_FILE} records; {fix}"
    return None


def tune_values(results: TuneResults) -> None:
    """A tuning's ``tune.json``: its date and wall time, its sample count, and the trials
    and inner folds of its search."""
    check_created(results.created)
    check_duration("wall_time_s", results.wall_time_s)
    check_count("n_samples", results.n_samples)
    _check_search_counts(results.trials, results.inner_folds if results.mode == NESTED
                         else None)


def search_values(spec: Mapping[str, Any], mode: str) -> None:
    """A tuning's ``tuning.json`` (the search it started, ``mode`` its mode): the counts
    ``status`` shows from it before anything else is written ("-2 whole runs scored on the
    test subjects: 2 of -2 runs finished" was shown, and "finished")."""
    _check_search_counts(spec.get("trials"), spec.get("inner_folds") if mode == NESTED
                         else None)


def _check_search_counts(trials: Any, inner_folds: Any) -> None:
    """A search's trials per outer fold (from 1) and inner folds (from 2; None: a
    test-scored search, which has none), as every tuning file gives them."""
    for field, value, least in (("trials", trials, 1), ("inner_folds", inner_folds, 2)):
        if field == "inner_folds" and value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            shown = value if isinstance(value, int) and not isinstance(value, bool) else \
                "not a whole number"
            raise ProvenanceError(f"{field} is {shown}; a search has {least} or more "
                                  f"{field.replace('_', ' ')}")


__all__ = ["archive_missing", "archive_problem", "digest_problem", "search_values", "stray_problem",
           "tune_values", "tuning_written"]
