"""Which files of a half-migrated run are the migrations of the files its record names.

``merbench migrate`` writes a run's files first and its record (``results.json``, with their
new digests) last, and holds a stop until the record is written (pass 84s, S11). A run whose
files were rewritten but whose record was not (a migrate killed by SIGKILL, or stopped by an
older merbench, which did not hold the stop) names each rewritten file by the digest of the
file it replaced. That file is gone, and a migration's bytes cannot be made again (a zip
records when it was written), so the digest can never be checked. Told "run it again", the
user ran it again, and the run stayed rejected for good: nothing rewrote those files, so
nothing gave the record their digests.

What can be checked is that a file says what the run's record says of it, everywhere the
record speaks, so a file already in the current layout is taken as the faithful migration of
the one recorded, and the record given its digest, by this rule (:func:`migrated_digests`):

- ``run.json`` is in the current layout, its identity is the run ``results.json`` describes
  (``validate``'s comparison), and each fold file of the run records that identity's digest
  as the run it was trained for;
- a fold file is in the current layout, reads as a fold file, was trained for the run
  ``run.json`` describes (``run.json`` being the recorded file or, by the rule above, its
  migration), agrees with ``results.json``'s record of its fold in everything ``validate``
  compares (number, key, test samples, training size, device, seconds, when it was written,
  inner-validation samples), gives at the recorded epoch the accuracy recorded for it, and
  gives each row of the run's ``predictions.csv`` (itself the recorded file, by digest) for
  its fold: the sample, its label and the prediction at the row's epoch.

Anything else is left named by the old digest, and ``merbench validate`` still rejects the
run: a fold file edited by hand fails one of these comparisons wherever the record or the
predictions table holds the value edited. A change to what no record holds (a prediction
at an epoch no policy chose) cannot be told from the original by any check short of the
lost digest; the rule claims no more than that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.fold_agrees import records_problem
from merbench.results.fold_file import fold_arrays, read_fold_file
from merbench.results.identity_agrees import identity_problem
from merbench.results.manifest import file_sha256, fold_file_name, identity_sha256
from merbench.results.migrations import version_of
from merbench.results.model import SCHEMA_VERSION, Results
from merbench.results.rundir import RUN_FILE
from merbench.results.user_files import read_user_text, read_written_json


def migrated_digests(folder: Path, results: Results, files: Mapping[str, str],
                     current: set[str]) -> dict[str, str]:
    """The new digest of each file of ``current`` (names inside ``folder`` of files in the
    current layout, which no migration rewrites now) that ``files`` (the record's manifest)
    names by another digest and that is the faithful migration of the file recorded, by the
    module's rule."""
    stale = {name for name in current
             if name in files and (folder / name).is_file()
             and file_sha256(folder / name) != files[name]}
    if not stale:
        return {}
    identity = _identity(folder / RUN_FILE)
    if identity is None:
        return {}
    found: dict[str, str] = {}
    run_digest = file_sha256(folder / RUN_FILE)
    if RUN_FILE in stale:
        folds = [_fold(folder, record.index) for record in results.folds]
        if (version_of(_json(folder / RUN_FILE)) != SCHEMA_VERSION
                or identity_problem(results, identity) is not None
                or any(fold is None or fold.run_sha256 != identity_sha256(identity)
                       for fold in folds)):
            return {}
        found[RUN_FILE] = run_digest
    elif files.get(RUN_FILE) != run_digest:
        return {}  # run.json is neither the recorded file nor its migration
    rows = _prediction_rows(folder, results, files)
    for record in results.folds:
        name = fold_file_name(record.index)
        if name not in stale:
            continue
        fold = _fold(folder, record.index)
        if fold is not None and rows is not None and _fold_agrees(
                fold, record.index, results, identity, rows):
            found[name] = file_sha256(folder / name)
    return found


def _json(path: Path) -> Any:
    try:
        return read_written_json(path, path.name)
    except Exception:  # unreadable: no migration of anything
        return None


def _identity(path: Path) -> dict[str, Any] | None:
    data = _json(path)
    identity = data.get("identity") if isinstance(data, dict) else None
    return identity if isinstance(identity, dict) else None


def _fold(folder: Path, index: int) -> FoldOutcome | None:
    """Fold ``index``'s file read, when it is in the current layout (None otherwise)."""
    path = folder / fold_file_name(index)
    try:
        fold = read_fold_file(path)
    except MerbenchError:
        return None
    return fold if _fold_version(path) == SCHEMA_VERSION else None


def _fold_version(path: Path) -> int | None:
    _, meta = fold_arrays(path)
    version = version_of(meta)
    return version if isinstance(version, int) else None


def _prediction_rows(folder: Path, results: Results,
                     files: Mapping[str, str]) -> list[dict[str, str]] | None:
    """The rows of the run's predictions table, when it is the file the record names (None:
    not, or unreadable: no fold file can be checked against it)."""
    path = folder / results.predictions_file
    if not path.is_file() or file_sha256(path) != files.get(results.predictions_file):
        return None
    try:
        text = read_user_text(path, "predictions table")
        return list(csv.DictReader(io.StringIO(text)))
    except (OSError, MerbenchError, csv.Error):
        return None


def _fold_agrees(fold: FoldOutcome, index: int, results: Results,
                 identity: dict[str, Any], rows: list[dict[str, str]]) -> bool:
    """Whether ``fold`` (the file of fold ``index``) says what the run's record and its
    predictions table say of it (the module's rule for a fold file)."""
    record = next(record for record in results.folds if record.index == index)
    if fold.run_sha256 != identity_sha256(identity) or fold.index != index \
            or records_problem([record], [fold], "results.json") is not None:
        return False
    predictions = fold.epoch_predictions
    if not 1 <= record.epoch <= len(predictions):
        return False
    right = sum(int(p) == int(t) for p, t in zip(predictions[record.epoch - 1], fold.y_true,
                                                   strict=True))
    if abs(right / max(1, len(fold.y_true)) - record.accuracy) > 1e-9:
        return False
    samples = {str(sample): j for j, sample in enumerate(fold.sample_ids)}
    mine = [row for row in rows if row.get("fold") == str(index)]
    if len(mine) != len(samples):
        return False
    try:
        return all(
            row["sample_id"] in samples
            and int(row["y_true"]) == int(fold.y_true[samples[row["sample_id"]]])
            and 1 <= int(row["epoch"]) <= len(predictions)
            and int(row["y_pred"]) == int(
                predictions[int(row["epoch"]) - 1][samples[row["sample_id"]]])
            for row in mine)
    except (KeyError, ValueError, TypeError):
        return False
