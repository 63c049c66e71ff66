"""Why a run whose results file is written is no result, in ``merbench validate``'s words,
for ``merbench status``: a results file of another run than ``run.json`` describes, or a
file its manifest records that is not the recorded one.

``status`` said a finished run whose ``run.json`` had been re-indented was "stopped ... no
fold left to train; run the same command to go on", naming nothing, while ``validate`` and
``show`` said its files were changed (pass 84ad, AD1). Going on summarised it again and so
recorded whatever file was there as the run's, a fold file with forged predictions too: the
one fault is said with its one fix (:func:`merbench.results.manifest.manifest_fault`) by
every command.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.results.manifest import manifest_fault
from merbench.results.retrained import compare_trained
from merbench.results.run_record import RunRecordFormat
from merbench.results.rundir import RUN_FILE

REFUSES = "('merbench validate' refuses it)"


def other_identity(results_file: Path, record: RunRecordFormat[Any],
                   identity: dict[str, Any], foreign: list[str],
                   changed: str | None) -> str | None:
    """Why the results file there is not the run ``identity`` (``run.json``'s) records, in
    validate's words, or None. Its fold files then look like another run's, but they are the
    results file's: deleting them, as status offered, destroyed a finished run (pass 84q, Q8).
    An edit the comparison does not see (``shuffle_train_labels`` 0 for false) is the
    manifest's ``changed`` run.json, said as validate says it."""
    try:
        problem = record.identity_problem(record.read(results_file), identity)
    except (MerbenchError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a results file that cannot be read is said as unreadable
    if problem is None and foreign and changed and changed.startswith(f"{RUN_FILE} "):
        problem = changed
    if problem is None:
        return None
    said = f"{problem} {REFUSES}"
    if foreign:  # the fold files are the results file's run: run.json is the edited one
        said += (f"; its fold files are not of {RUN_FILE}'s run either, so {RUN_FILE} was "
                 f"edited: restore {RUN_FILE} from a copy of the run")
    return said


def changed_file(folder: Path, files: Mapping[str, str], results_name: str,
                 own_line: bool, created: object = None) -> str | None:
    """The first file the manifest ``files`` records that is not the recorded one, with its
    fix, as validate says it; None where every file is, where the entry has a line of its
    own (``own_line``: a link, a fifo, a damaged fold file), or where a fold file is
    missing (a fold left to train, as status counts it, with the audits' clause where
    going on is refused for them). A fold file trained again after the results file
    (``created``, as it records it) is said with the fix that keeps it."""
    recorded: frozenset[str] = frozenset()
    if isinstance(created, str) and not own_line:  # the folds going on keeps (84af)
        trained = compare_trained(folder, files, created, results_name)
        if trained.retrained is not None:
            return f"{trained.retrained} {REFUSES}"
        recorded = trained.recorded
    fault = manifest_fault(folder, files, results_name, recorded)
    if fault is None or own_line:
        return None
    if fault.startswith("folds/") and " is missing;" in fault:  # status counts it as a
        return None  # fold to train, and going on trains it
    return f"{fault} {REFUSES}"


def same_file(changed: str, found: str) -> bool:
    """Whether the manifest's ``changed`` ("predictions.csv is missing") is of the entry
    ``found`` names ("predictions.csv is a symbolic link ..."): one fault, said once."""
    return changed.split(" ")[0] == found.split(" ")[0]
