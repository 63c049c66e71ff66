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
from merbench.results.manifest import first_mismatch
from merbench.results.rundir import RunDirectory
from merbench.results.user_files import read_user_csv
from merbench.runner.data import RunData


class _Manifested(Protocol):
    @property
    def files(self) -> dict[str, str] | None: ...


Record = TypeVar("Record", bound=_Manifested)


def read_finished(data: RunData, run_dir: RunDirectory, results_name: str,
                  predictions_name: str, read: Callable[[Path], Record],
                  keep_default_na: bool = True) -> tuple[Record, pd.DataFrame] | None:
    """The record (read by ``read``) and predictions of the run in ``run_dir`` where it
    finished before; None where any of its files is missing, damaged or not the one its
    record names."""
    results_file = run_dir.path / results_name
    predictions_file = run_dir.path / predictions_name
    if not (results_file.is_file() and predictions_file.is_file()):
        return None
    try:
        if any(run_dir.load_fold(fold.index) is None for fold in data.folds):
            return None
        record = read(results_file)
        predictions = read_user_csv(predictions_file, "predictions table",
                                    keep_default_na=keep_default_na,
                                    dtype={"sample_id": str, "database": str, "subject": str})
    except (MerbenchError, ValueError, OSError):
        return None
    if record.files is not None and first_mismatch(run_dir.path, record.files):
        return None  # a file changed since (or a kill split the summary): summarise again
    return record, predictions
