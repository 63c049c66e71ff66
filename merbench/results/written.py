"""Whether a result's files are what merbench writes, as to their structure: the cheap half
of ``merbench validate``, which ``merbench status`` runs before it calls a result finished.

``status`` used to call a result complete once its result file existed: a spotting run
whose ``spotting.json`` was nested 100,000 deep, a ``str.json`` saved in Latin-1, a spotting
folder with a broken ``videos/`` file and a tuning whose ``tune.json`` was nested were all
"complete" to ``status`` and rejected by ``validate``. Each function here reads a kind's
files with the same typed readers ``validate`` starts with (JSON through the bounded
reader, every field's type checked) and checks what they record that makes sense on its
own (dates, durations, counts, scores, scoring rules: :mod:`merbench.results.recorded_values`,
the functions ``validate`` calls), recomputing nothing; it raises :class:`MerbenchError`
naming the file by its path in the result's folder and what is wrong, and ``status`` says
that instead of "complete", after the folder (``s: ...: written, but spotting.json is not
...``; the readers' whole paths said the folder twice, ``s: ...: written, but
s/spotting.json is not ...``).
``tests/test_status_agrees.py`` checks over a corpus of broken results of every kind that
the two never disagree.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from merbench.base.atomic import is_temporary
from merbench.base.errors import MerbenchError
from merbench.base.scratch import scratch_folder
from merbench.results.au_file import AU_RESULTS_FILE, AUResults, read_au_results
from merbench.results.audit_file import check_audit_records
from merbench.results.audited_files import (
    AuditedFiles,
    run_folder,
    spotting_folder,
    tuning_audited,
)
from merbench.results.codec import LayoutError, from_json, unreadable
from merbench.results.identity_agrees import identity_problem
from merbench.results.model import Results
from merbench.results.recorded_values import (
    ProvenanceError,
    au_values,
    run_values,
    said_of,
    search_values,
    spotting_values,
    str_values,
    tune_values,
)
from merbench.results.result_files import AUDIT_FILE, RESULTS_FILE
from merbench.results.run_archive import RUNS_ARCHIVE, archived_files, archived_names
from merbench.results.run_files import said_in
from merbench.results.safe_files import UnsafeFile, check_entry
from merbench.results.schema import read_json, read_kind, read_results
from merbench.results.spotting_agrees import video_files_problem
from merbench.results.spotting_file import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    SPOTTING_SCHEMA,
    VIDEOS_FOLDER,
    SpottingResults,
    VideoFile,
)
from merbench.results.str_file import STR_FILE, STR_SCHEMA, StrResults
from merbench.results.tune_file import (
    NESTED,
    PREDICTION_COLUMNS,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNING_SPEC_FILE,
    TuneResults,
    outer_folds_problem,
    read_search_record,
    read_tune,
    read_tune_predictions,
)
from merbench.results.user_files import UnreadableFile, parse_user_csv, read_user_text

T = TypeVar("T")


@contextlib.contextmanager
def _said_in(folder: Path) -> Iterator[None]:
    """A refusal from the block with the files in ``folder`` named by their path in it: what
    ``status`` says after the folder's name."""
    try:
        yield
    except MerbenchError as exc:
        raise MerbenchError(said_in(folder, str(exc))) from None



def run_written(results_file: Path, identity: dict[str, Any] | None = None) -> None:
    """A run's results file (``results.json`` or an AU run's ``au-results.json``) reads as
    one, every field of its layout checked, with no NaN or Infinity token in it, describing
    the run ``identity`` (its ``run.json``'s, where given) records, and the run's
    ``audit.json``, where there is one, reads as an audit record."""
    with _said_in(Path(results_file).parent):
        results: Results | AUResults
        if Path(results_file).name == AU_RESULTS_FILE:
            results = read_au_results(results_file)
            recorded(results_file, au_values, results)
        else:
            results = read_results(results_file)
            recorded(results_file, run_values, results)
        finite_json(results_file)
        problem = None if identity is None else identity_problem(results, identity)
        if problem is not None:
            raise MerbenchError(problem)
        audit_written(run_folder(Path(results_file).parent, results))


def recorded(path: Path, check: Callable[[T], None], record: T) -> None:
    """``check`` (one of :mod:`merbench.results.recorded_values`) of the ``record`` read
    from ``path``, its refusal said as that file's, by its name in the result's folder."""
    try:
        check(record)
    except ProvenanceError as exc:
        raise MerbenchError(said_of(Path(path).name, exc)) from None


def finite_json(path: Path) -> None:
    """``path`` (read by a typed reader already, so no deeper than any merbench file) holds
    no ``NaN``, ``Infinity`` or ``-Infinity`` token: JSON has none, Python's decoder takes
    them, and ``validate`` refuses a file that holds one."""
    text = read_user_text(path, "result file")

    def refuse(token: str) -> Any:
        raise MerbenchError(f"{path} holds the token {token}, which is not JSON and no "
                            "merbench file holds; run again to write it")

    try:
        json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise MerbenchError(f"{path} is not JSON ({unreadable(exc)})") from None


def audit_written(audited: AuditedFiles) -> None:
    """The ``audit.json`` in the folder of the result ``audited`` describes, where there is
    one, is a file of the folder's own (``validate`` refuses a fifo, a folder or a link
    there, and so the result) that reads as the audit record ``merbench audit`` writes, each
    record one an audit of this result could have written, its signature verified: the
    checks ``validate`` makes of it, bar the digests of what it compared (which count, and
    never refuse)."""
    folder = audited.folder
    try:
        check_entry(folder / AUDIT_FILE, folder)
    except UnsafeFile as exc:
        raise MerbenchError(f"{exc.found} (remove it: 'merbench audit' writes it)") from None
    if os.path.lexists(folder / AUDIT_FILE):
        check_audit_records(audited)


def spotting_written(folder: Path) -> None:
    """A spotting run's ``spot-run.json``, ``spotting.json``, every ``videos/NNNN.json`` and,
    where there is one, its ``str.json`` read as what ``merbench spot`` writes."""
    folder = Path(folder)
    with _said_in(folder):
        read_json(folder / SPOTTING_RUN_FILE, "spotting run's record")
        results = read_kind(folder / SPOTTING_FILE, "spotting results file", None,
                            SPOTTING_SCHEMA, SpottingResults)
        recorded(folder / SPOTTING_FILE, spotting_values, results)
        videos = folder / VIDEOS_FOLDER
        # one videos/NNNN.json for each video spotting.json holds, as validate checks: a
        # missing or an extra one is a folder other than merbench spot wrote
        found = {path.name for path in videos.iterdir() if not is_temporary(path)} \
            if videos.is_dir() else set()
        expected = {f"{index:04d}.json" for index in range(len(results.videos))}
        for names, what in ((sorted(found - expected), "is no video of the run's"),
                            (sorted(expected - found), "is missing, one of the run's")):
            if names:
                raise MerbenchError(f"{videos / names[0]} {what} {len(results.videos)} "
                                    "videos; publish the folder as merbench spot wrote it")
        for path in sorted(videos.glob("*.json")) if videos.is_dir() else []:
            if is_temporary(path):
                continue
            try:
                from_json(VideoFile, read_json(path, "spotted video's file"))
            except LayoutError as exc:
                raise MerbenchError(f"{path} does not follow a spotted video's layout: "
                                    f"{exc}") from None
        if (folder / STR_FILE).exists():
            recorded(folder / STR_FILE, str_values, read_kind(
                folder / STR_FILE, "spot-then-recognise file", None, STR_SCHEMA, StrResults))
            finite_json(folder / STR_FILE)
        finite_json(folder / SPOTTING_FILE)
        # spot-run.json and each video file are the run spotting.json records, as validate
        # checks them: equality of what is read, nothing scored
        problem = video_files_problem(folder, results)
        if problem is not None:
            raise MerbenchError(problem)
        audit_written(spotting_folder(folder, results.videos, results.created,
                                      os.path.lexists(folder / STR_FILE)))


def tuning_written(folder: Path, archived: Sequence[str] | None = None) -> TuneResults:
    """A finished tuning's ``tuning.json``, ``tune.json`` and pooled ``predictions.csv``
    read as what ``merbench tune`` writes, and as many as ``tune.json`` says: a run folder
    with its results in ``runs.tar.xz`` (``archived``: the archive's member names, where the
    caller has listed them) for every run it names, a row of ``predictions.csv`` for each of
    its samples. The runs themselves are read by ``validate`` alone; ``tune.json`` read is
    returned, for the checks a caller above this layer adds."""
    folder = Path(folder)
    with _said_in(folder):
        spec, mode = read_search_record(folder)
        recorded(folder / TUNING_SPEC_FILE, lambda given: search_values(given, mode), spec)
        results = read_tune(folder / TUNE_FILE)
        recorded(folder / TUNE_FILE, tune_values, results)
        finite_json(folder / TUNE_FILE)
        problem = outer_folds_problem(folder, results)
        if problem is not None:
            raise MerbenchError(problem)
        _runs_archived(results, archived_names(folder) if archived is None else archived)
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
    found = archived_files(folder, set(names))
    frames = []
    for name, outer in names.items():
        if name not in found:  # said by _runs_archived when the run folder is missing
            raise MerbenchError(f"{RUNS_ARCHIVE}'s {name} is missing; publish the tuning as "
                                "merbench tune wrote it")
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
