"""A finished run's fold file trained again after its record was written: the same command,
gone on with once the file was gone, and stopped before it summarised the run again.

``merbench run`` keeps such a fold and summarises the run with it (a fold file finished
after the record's ``created`` is that command's own), but status, validate and show said
of it what they say of an edited fold file, "restore it from a copy of the run, or delete
it and ... train that fold again", which threw away the fold the same command keeps (and
validate first compared its training time with the record's). Which files are the run's
own is decided here, for the run and for every reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import joined
from merbench.results.fold_file import read_fold_file
from merbench.results.go_on import RESUME
from merbench.results.manifest import file_sha256, first_mismatch, trained_from
from merbench.results.result_files import RUN_FILE
from merbench.results.rundir import FOLDS_DIR


def finished_after(finished: str | None, created: str) -> bool:
    """Whether a fold file's ``finished`` is after the record's ``created``, which is
    written to the second (so a fold finished in that second is the record's own)."""
    try:
        return finished is not None and datetime.fromisoformat(finished) >= \
            datetime.fromisoformat(created) + timedelta(seconds=1)
    except (TypeError, ValueError):
        return False


def retrained_folds(run_dir: Path, files: Mapping[str, str] | None,
                    created: str) -> list[str] | None:
    """The fold files ``files`` (a record's manifest) names that are not the recorded ones,
    where every one of them finished after the record (``created``) and the run's
    ``run.json`` is the recorded one: the folds the same command keeps. None where there is
    none, or where any changed fold file is not such a one (its own fix is said)."""
    if not files:
        return None
    found = []
    for name, digest in sorted(files.items()):
        path = Path(run_dir) / name
        if name == RUN_FILE:
            if not path.is_file() or file_sha256(path) != digest:
                return None
            continue
        if not name.startswith(f"{FOLDS_DIR}/") or not path.is_file() or \
                file_sha256(path) == digest:
            continue  # a missing fold file is said as one (go_on.missing_line)
        try:
            fold = read_fold_file(path)
        except MerbenchError:
            return None
        if not finished_after(fold.finished, created):
            return None
        found.append(name)
    return found or None


def retrained_line(names: list[str], record_name: str) -> str:
    """What every reader says of the fold files ``names`` (:func:`retrained_folds`), with
    the fix that keeps them."""
    one = len(names) == 1
    return (f"{joined(names)} {'was' if one else 'were'} trained again after {record_name} was "
            "written, by the same command gone on with and stopped before its summary; "
            f"{RESUME} again to summarise the run with {'it' if one else 'them'}")


@dataclass(frozen=True)
class TrainedCompared:
    """A finished run's ``run.json`` and fold files compared once with its record's
    manifest (:func:`compare_trained`)."""

    #: :func:`retrained_line` of the folds trained again after the record, or None
    retrained: str | None
    #: the names found to be the recorded files, for the chain check not to read and hash
    #: again (:func:`merbench.results.manifest.chain_problem`); empty where any is not
    recorded: frozenset[str]


def compare_trained(run_dir: Path, files: Mapping[str, str] | None, created: str,
                    record_name: str) -> TrainedCompared:
    """The run in ``run_dir``'s ``run.json`` and fold files against the record's manifest
    ``files`` (written at ``created``), before anything else of the run is checked: a fold
    trained again after the record is said with the fix that keeps it before its time is
    compared with the record's. Only a fold file that is not the recorded one can be such a
    fold, so where the first mismatch is of none, no file is read again to look for one:
    a run whose files are the recorded ones has each hashed once in all."""
    trained = trained_from(files or {})
    mismatch = first_mismatch(run_dir, trained, record_name)
    if mismatch is None:
        return TrainedCompared(None, frozenset(trained))
    if not mismatch.startswith(f"{FOLDS_DIR}/"):
        return TrainedCompared(None, frozenset())
    names = retrained_folds(run_dir, files, created)
    return TrainedCompared(None if names is None else retrained_line(names, record_name),
                           frozenset())
