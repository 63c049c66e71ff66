"""A run that finished before, read back as it was written, whatever its task.

Running the same command again must not rewrite a finished run: its ``created``, wall time,
engine and environment describe the process that trained it, not the one that looked again.
A run is finished only while its record and predictions are there, every fold file loads,
and its files are still those the record's manifest names: otherwise it goes on as any
resumed run (naming a damaged file), and is summarised again from its fold files. Each
task's strategy (:mod:`merbench.runner.task_run`) says which files are its own and how its
record is read; this is the check they share.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.results.fold_file import read_fold_file
from merbench.results.manifest import file_sha256, first_mismatch, manifest_fault
from merbench.results.retrained import finished_after
from merbench.results.rundir import FOLDS_DIR, RUN_FILE, RunDirectory
from merbench.results.user_files import read_user_csv
from merbench.runner.data import RunData


class _Manifested(Protocol):
    @property
    def files(self) -> dict[str, str] | None: ...

    @property
    def created(self) -> str: ...


Record = TypeVar("Record", bound=_Manifested)


def read_finished(data: RunData, run_dir: RunDirectory, results_name: str,
                  predictions_name: str, read: Callable[[Path], Record],
                  keep_default_na: bool = True) -> tuple[Record, pd.DataFrame] | None:
    """The record (read by ``read``) and predictions of the run in ``run_dir`` where it
    finished before; None where any of its files is missing, damaged or not the one its
    record names."""
    results_file = run_dir.path / results_name
    predictions_file = run_dir.path / predictions_name
    if not results_file.is_file():
        return None
    try:
        record = read(results_file)
    except (MerbenchError, ValueError, OSError):
        return None
    refuse_changed(run_dir, record, results_name)
    if not predictions_file.is_file():
        return None
    try:
        if any(run_dir.load_fold(fold.index) is None for fold in data.folds):
            return None
        predictions = read_user_csv(predictions_file, "predictions table",
                                    keep_default_na=keep_default_na,
                                    dtype={"sample_id": str, "database": str, "subject": str})
    except (MerbenchError, ValueError, OSError):
        return None
    if record.files is not None and first_mismatch(run_dir.path, record.files):
        return None  # a file changed since (or a kill split the summary): summarise again
    return record, predictions


def refuse_changed(run_dir: RunDirectory, record: _Manifested, results_name: str) -> None:
    """Refuse going on over a finished run whose ``run.json`` or a fold file that loads is
    not the one its record's manifest names, with the fix validate gives: going on would
    summarise the run again from the changed file and record it as the run's, so a fold
    file with forged predictions validated after ``--resume`` (pass 84ad, AD1). A fold file
    finished after the record was written is this command's own, trained when it went on
    before and was stopped before the summary: that one is kept. A damaged fold file is
    left to the resumed run, which names it."""
    files = record.files
    if files is None:
        return
    for name, digest in files.items():
        path = run_dir.path / name
        if not (name == RUN_FILE or name.startswith(f"{FOLDS_DIR}/")) or \
                not path.is_file() or file_sha256(path) == digest:
            continue
        if name != RUN_FILE:
            try:
                fold = read_fold_file(path)
            except MerbenchError:
                continue
            if finished_after(fold.finished, record.created):
                continue
        raise MerbenchError(f"{run_dir.path}: "
                            f"{manifest_fault(run_dir.path, {name: digest}, results_name)}")

