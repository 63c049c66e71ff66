"""Whether a run's results file records each fold as its fold file does: the comparisons
``merbench validate`` makes without recomputing anything, shared with ``merbench status``.

A results file lists every fold it pooled (its key, its number, how many samples it trained
and tested on, its device, time and when it was written); each fold file says the same of
itself. ``validate`` refused a ``results.json`` whose fold 1 had the key of fold 0, or whose
fold trained on 25 samples where its file says 20, while ``status`` called the run complete:
the comparison reads the fold files' records and recomputes no score, so both make it here,
in the same words (a key said as ``syn1/s01``, as the fold file's is, never as a Python
list). So is their number: a ``results.json`` that lost a fold's record was refused by
``validate`` and "complete, 3/3 folds" to ``status``, which compared only the records there
were (pass 84j Q3).
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.model import FoldRecord
from merbench.results.recorded_values import is_duration

SECONDS_TOLERANCE = 0.0015  # fold seconds are rounded to 3 decimals in results.json


def shown_key(key: Sequence[object]) -> str:
    """A fold's key as every message says it: ``syn1/s01``."""
    return "/".join(str(part) for part in key)


def count_problem(n_records: int, n_folds: int) -> str | None:
    """Where a results file lists another number of folds (``n_records``) than its protocol
    has (``n_folds``, its ``protocol.n_folds``, of which there are as many fold files), said
    after the run's folder (``validate``) or the results file's name (``status``)."""
    if n_records == n_folds:
        return None
    return f"lists {n_records} folds but the protocol has {n_folds} (protocol.n_folds)"


def key_problem(fold: FoldOutcome, stored: FoldRecord, results_name: str) -> str | None:
    """Where ``stored`` (the results file's record of ``fold``) names another fold, or
    another number of test samples, than the fold file does."""
    if list(fold.key) != list(stored.key):
        return (f"fold {fold.index} is {shown_key(fold.key)} in its fold file but "
                f"{shown_key(stored.key)} in {results_name}")
    if stored.n_test != len(fold.y_true):
        return (f"fold {shown_key(fold.key)} tested {len(fold.y_true)} samples but "
                f"{results_name} says {stored.n_test}")
    return None


def metadata_problem(fold: FoldOutcome, stored: FoldRecord, results_name: str) -> str | None:
    """Where ``stored`` says otherwise than the fold file of its number, training size,
    device, time, when it was written or how many samples it held out."""
    label = shown_key(fold.key)
    expected_val = 0 if fold.val_y_true is None else len(fold.val_y_true)
    for differs, said in (
            (stored.index != fold.index,
             f"is number {fold.index} in its fold file but {stored.index}"),
            (stored.n_train != fold.n_train,
             f"trained on {fold.n_train} samples in its fold file but {stored.n_train}"),
            (stored.device != fold.device,
             f"trained on {fold.device} in its fold file but {stored.device}"),
            (not is_duration(stored.seconds)
             or abs(stored.seconds - fold.seconds) > SECONDS_TOLERANCE,
             f"took {fold.seconds:.3f} s in its fold file but {stored.seconds} s"),
            (stored.finished != fold.finished,
             f"was written at {fold.finished} in its fold file but "
             + ("not recorded" if stored.finished is None else f"{stored.finished}")),
            (stored.n_inner_val != expected_val,
             f"held out {expected_val} inner-validation samples in its fold file but "
             f"{stored.n_inner_val}")):
        if differs:
            return f"fold {label} {said} in {results_name}"
    return None


def records_problem(records: Sequence[FoldRecord], folds: Sequence[FoldOutcome | None],
                    results_name: str) -> str | None:
    """The first record of ``records`` that its fold file (``folds``, in the same order; None
    where that file is not there, which the run's manifest tells) contradicts, by
    :func:`key_problem` and then :func:`metadata_problem`, as ``validate`` checks them."""
    pairs = [(fold, stored) for fold, stored in zip(folds, records, strict=True)
             if fold is not None]
    for check in (key_problem, metadata_problem):
        for fold, stored in pairs:
            problem = check(fold, stored, results_name)
            if problem is not None:
                return problem
    return None
