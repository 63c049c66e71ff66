"""A fold file (``folds/fold-NNN.npz``): one finished fold's test predictions after every
epoch, with its metadata (:class:`~merbench.results.model.FoldMeta`) as JSON beside them.

Its own module because the layout is one concept that run folders, an audit's scratch folder
and every reader share, and because what it records about the code that trained a fold
(``trained_with``) is what an audit may trust: one place writes it. (``merbench migrate``
rewrites only the metadata of a file, in ``merbench.results.upgrade``.)
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.atomic import atomic_write_bytes
from merbench.base.errors import MerbenchError
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.codec import LayoutError, from_json, loads, to_json, unreadable
from merbench.results.migrations import migrate
from merbench.results.model import SCHEMA_VERSION, FoldMeta
from merbench.results.safe_files import UnsafeFile
from merbench.results.schema import trained_with_here
from merbench.results.user_files import LfsPointer, UnreadableFile
from merbench.results.user_npz import read_user_npz

_OPTIONAL = ("val_index", "val_y_true", "val_predictions")


def write_fold_file(path: Path, fold: FoldOutcome, run_sha256: str | None) -> FoldOutcome:
    """Write ``fold`` to ``path`` in one step, naming the run identity ``run_sha256``; returns
    the fold as written (with when it was). A fold trained here records this process's code;
    one read from a file keeps what its file said (None included)."""
    written = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    fold = dataclasses.replace(fold, finished=fold.finished or written)
    meta = FoldMeta(schema_version=SCHEMA_VERSION, index=fold.index, key=list(fold.key),
                    n_train=fold.n_train, seconds=fold.seconds, device=fold.device,
                    folds_at_once=fold.folds_at_once, fit_report=fold.fit_report,
                    run_sha256=run_sha256, finished=fold.finished,
                    trained_with=fold.trained_with if fold.restored else trained_with_here())
    arrays: dict[str, Any] = {
        "test_index": np.asarray(fold.test_index, dtype=np.int64),
        "sample_ids": np.asarray(fold.sample_ids, dtype=str),
        "y_true": np.asarray(fold.y_true, dtype=np.int64),
        "epoch_predictions": np.asarray(fold.epoch_predictions, dtype=np.int16),
        "meta": np.asarray(json.dumps(to_json(meta))),
    }
    for name in _OPTIONAL:
        value = getattr(fold, name)
        if value is not None:
            arrays[name] = np.asarray(value, dtype=np.int16 if name == "val_predictions"
                                      else np.int64)
    # class indices fit int16; compressed, 800 epochs of a fold take a few kB
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return fold


def fold_arrays(path: Path) -> tuple[dict[str, Any], Any]:
    """A fold file's arrays and its metadata's JSON value, read through the bounded reader
    (a fold file of garbage printed numpy's advice to load it "unsafely using allow_pickle");
    a damaged file is an :class:`UnreadableFile` saying why in words."""
    arrays = read_user_npz(path, "fold file")
    if "meta" not in arrays:
        raise UnreadableFile(f"fold file {path} has no metadata", "has no metadata")
    try:
        return arrays, loads(str(arrays["meta"]))
    except json.JSONDecodeError as exc:
        reason = f"holds metadata that is not JSON: {unreadable(exc)}"
        raise UnreadableFile(f"fold file {path}: {reason}", reason) from None


@functools.lru_cache(maxsize=2048)
def _remembered_meta(text: str) -> FoldMeta | None:
    """The metadata whose JSON is ``text``, in the current layout, remembered by its text
    (a run's status, validation and pages read every fold file, status three times, and
    building the record is most of reading a small fold); None where it is refused, which
    the caller says again naming its file."""
    try:
        return from_json(FoldMeta, migrate(loads(text), "fold", "fold file"))
    except Exception:
        return None


def damage(exc: Exception) -> str:
    """What is wrong with a fold file whose reading raised ``exc``, in words."""
    if isinstance(exc, UnreadableFile):
        return exc.because
    if isinstance(exc, KeyError):
        return f"it lacks the array {exc}"
    if isinstance(exc, (MerbenchError, LayoutError)):
        return str(exc)
    return "its arrays are not those of a fold"


def read_fold_file(path: Path) -> FoldOutcome:
    """The fold ``path`` holds, its metadata brought to the current layout; a damaged file
    is one error naming it and the fix."""
    try:
        data, meta_value = fold_arrays(path)
        meta = _remembered_meta(str(data["meta"])) or from_json(
            FoldMeta, migrate(meta_value, "fold", path))  # refused: said naming the file
        return FoldOutcome(
            index=meta.index, key=tuple(meta.key),
            test_index=data["test_index"], sample_ids=data["sample_ids"],
            y_true=data["y_true"], epoch_predictions=data["epoch_predictions"],
            n_train=meta.n_train, seconds=float(meta.seconds), device=meta.device,
            restored=True, fit_report=meta.fit_report,
            folds_at_once=meta.folds_at_once, run_sha256=meta.run_sha256,
            finished=meta.finished, trained_with=meta.trained_with,
            **{name: data[name] for name in _OPTIONAL if name in data},
        )
    except LfsPointer as exc:  # to be fetched, never deleted and trained again
        raise LfsPointer(f"fold file {path} {exc.reason}", exc.reason) from None
    except UnsafeFile as exc:  # a fifo, a folder: no fold file at all, said as such
        raise MerbenchError(f"fold file {exc.found}; delete it and run again "
                            "to retrain only that fold") from None
    except MemoryError:  # the process's memory, not the file: never "delete it"
        raise
    except Exception as exc:
        raise MerbenchError(
            f"fold file {path} is damaged ({damage(exc)}); delete that one "
            "file and run again to retrain only that fold"
        ) from None
