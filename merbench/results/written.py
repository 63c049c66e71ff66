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
A kind in a home of its own reads its files there, with what is shared here
(``merbench/spotting_kind/written.py``, ``merbench/tuning/written.py``).
``tests/test_status_agrees.py`` checks over a corpus of broken results of every kind that
the two never disagree.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from merbench.base.errors import MerbenchError
from merbench.results.audit_file import check_audit_records
from merbench.results.audited_files import (
    AuditedFiles,
    run_folder,
)
from merbench.results.codec import unreadable
from merbench.results.fold_agrees import count_problem, records_problem
from merbench.results.identity_agrees import identity_problem
from merbench.results.model import FoldRecord, Results
from merbench.results.recorded_values import (
    ProvenanceError,
    run_values,
    said_of,
)
from merbench.results.result_files import AUDIT_FILE
from merbench.results.run_files import classes_problem, said_in
from merbench.results.run_record import RunRecordFormat
from merbench.results.rundir import RunDirectory
from merbench.results.safe_files import UnsafeFile, check_entry
from merbench.results.schema import read_results
from merbench.results.user_files import read_user_text

T = TypeVar("T")


@contextlib.contextmanager
def said_in_folder(folder: Path) -> Iterator[None]:
    """A refusal from the block with the files in ``folder`` named by their path in it: what
    ``status`` says after the folder's name."""
    try:
        yield
    except MerbenchError as exc:
        raise MerbenchError(said_in(folder, str(exc))) from None



#: an emotion run's ``results.json``: its predictions stay within the dataset's classes
EMOTION_RECORD: RunRecordFormat[Results] = RunRecordFormat(
    Results.result_file, read_results, run_values, identity_problem,
    lambda results: len(results.dataset.classes))


def run_written(results_file: Path, kind: RunRecordFormat[Any],
                identity: dict[str, Any] | None = None) -> None:
    """A run's results file, of the format ``kind`` (its task's, which the task's strategy
    gives, :attr:`merbench.runner.task_run.TaskRun.record`: no file name or record class is
    tested here), reads as one, every field of
    its layout checked, with no NaN or Infinity token in it, recording each fold as its fold
    file does, describing the run ``identity`` (its ``run.json``'s, where given) records,
    and the run's ``audit.json``, where there is one, reads as an audit record."""
    with said_in_folder(Path(results_file).parent):
        results = kind.read(results_file)
        recorded(results_file, kind.values, results)
        finite_json(results_file)
        problem = folds_problem(Path(results_file), results.folds, results.protocol.n_folds,
                                kind.n_classes(results))
        if problem is None and identity is not None:
            problem = kind.identity_problem(results, identity)
        if problem is not None:
            raise MerbenchError(problem)
        audit_written(run_folder(Path(results_file).parent, results))


def folds_problem(results_file: Path, records: list[FoldRecord], n_folds: int,
                  n_classes: int | None = None) -> str | None:
    """Where the results file lists another number of folds than its protocol's ``n_folds``,
    or its record of a fold is not what that fold's file says of itself (its key, number,
    sizes, device, time), or a fold predicts a class beyond its ``n_classes``: what
    ``validate`` compares without recomputing, read from each fold file there (one that is
    missing is the manifest's to tell)."""
    counted = count_problem(len(records), n_folds)
    if counted is not None:
        return f"{results_file.name} {counted}"
    store = RunDirectory(results_file.parent)
    folds = [store.load_fold(position) for position in range(len(records))]
    problem = records_problem(records, folds, results_file.name)
    if problem is None and n_classes is not None:
        problem = next((p for p in (classes_problem(fold, n_classes) for fold in folds
                                    if fold is not None) if p is not None), None)
    return problem


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
