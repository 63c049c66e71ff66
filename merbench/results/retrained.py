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
from datetime import datetime, timedelta
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import joined
from merbench.results.fold_file import read_fold_file
from merbench.results.go_on import RESUME
from merbench.results.manifest import file_sha256
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


def retrained_problem(run_dir: Path, files: Mapping[str, str] | None, created: str,
                      record_name: str) -> str | None:
    """:func:`retrained_line` of the run in ``run_dir``, or None where no fold of it was
    trained again after its record."""
    names = retrained_folds(run_dir, files, created)
    return None if names is None else retrained_line(names, record_name)
