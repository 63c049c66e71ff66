"""Whether ``run.json``'s fold count is the run's, as far as ``merbench status`` can tell
from the run's own files without loading its data.

``merbench run --resume`` compares the count with the folds its protocol gives, which needs
the dataset read; ``status`` reads only small files, and so told a user to go on ("2/2
folds ... no fold left to train; run the same command to go on", "3/7 folds ... under a
minute to go") where the resumed run then refused (pass 84q, Q3), and offered deleting a
finished run's fold file where ``validate`` said the results file counts another number of
folds (Q2). The leave-one-subject-out and leave-one-database-out protocols test every sample
exactly once, and each of their fold files records how many samples its fold held: once the
finished folds test them all, the protocol gives no more folds than those; while they do
not, it gives more than the finished ones. A plugin's protocol may leave samples untested
(so untested samples say nothing of its count), but no protocol's folds test a sample twice
or test none: ``run`` refuses such folds before training and ``validate`` refuses a result
of them (:func:`merbench.protocols.fold_checks.rows_problem`, asked of every protocol). So
once a plugin protocol's finished folds test every sample of the table (as many as
``run.json`` records the values of), it gives those folds and no more, and status says an
edited count as it does for the built-in ones: it said "2/7 folds, stopped; ... run the same
command to go on" for a plugin's leave-one-subject-out run, which ``--resume`` refused and
``validate`` would reject (issue 84).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from merbench.results.fold_names import beyond_line
from merbench.results.rundir import FOLDS_DIR, RUN_FILE

#: the builtin protocols whose folds' test sets partition the samples they are given
PARTITIONS = frozenset({"loso", "lodo"})

_FIX = f"restore {RUN_FILE} from a copy of the run"


@dataclass
class TestedSamples:
    """What the finished fold files say of the samples their protocol was given."""

    total: int | None = None  # the samples one fold held (train, inner-val and test)
    tested: set[int] = field(default_factory=set)  # the samples the finished folds tested
    readable: bool = True  # every finished fold said both

    def add(self, arrays: dict[str, Any], meta: dict[str, Any]) -> None:
        """Count one finished fold file's ``arrays`` and its metadata ``meta``."""
        try:
            test = [int(i) for i in arrays["test_index"]]
            val = arrays.get("val_index")
            held = int(meta["n_train"]) + len(test) + (0 if val is None else len(val))
        except (KeyError, TypeError, ValueError):
            self.readable = False
            return
        if self.total is not None and self.total != held:
            self.readable = False  # folds of other sizes: no partition this can count
        self.total = held
        self.tested.update(test)

    def planned(self, protocol: object, finished: int,
                table: int | None = None) -> tuple[int, bool] | None:
        """The protocol's fold count as (count, exact), exact False meaning more than
        count; None where the files cannot say (no finished fold; a plugin's protocol
        whose finished folds leave some of the ``table``'s samples untested, or a table
        of a size not recorded)."""
        if not self.readable or self.total is None:
            return None
        if protocol not in PARTITIONS:  # any protocol: no fold tests a sample again
            tests_all = table is not None and len(self.tested) >= table
            return (finished, True) if tests_all else None
        if len(self.tested) >= self.total:
            return finished, True
        return finished, False


def count_problem(recorded: int | None, finished: int, planned: tuple[int, bool] | None,
                  has_results: bool) -> str | None:
    """Where ``run.json``'s ``recorded`` count is not the one its protocol gives, as the
    ``planned`` count its ``finished`` folds show: ``--resume``'s refusal, with its fix.
    A run with a results file is compared with that file instead."""
    if recorded is None or planned is None or has_results:
        return None
    count, exact = planned
    if exact and recorded != count:
        gives = f"{count} (its {count} finished fold{'' if count == 1 else 's'} test every "\
                "sample)"
    elif not exact and recorded <= count:
        one = count == 1
        gives = (f"more (its {count} finished fold{'' if one else 's'} "
                 f"leave{'s' if one else ''} samples untested)")
    else:
        return None
    return (f"{RUN_FILE} says {recorded} fold{'' if recorded == 1 else 's'}, but this run's "
            f"protocol gives {gives}: {RUN_FILE} was edited, so the run in it cannot go on "
            f"('merbench run --resume' refuses it); {_FIX} (its finished folds are kept)")


def miscounted(recorded: int | None, beyond: list[int], results_file: Path,
               summary_folds: object) -> str | None:
    """How ``run.json``'s ``recorded`` fold count disagrees with the run's files, in
    validate's words with the fix, or None: another count in the results file (said first,
    as validate does: the results file lists every fold, so deleting one is no fix), or a
    finished fold beyond it. (A count the protocol does not give, with no results file, is
    :func:`count_problem`'s.)"""
    if recorded is None:
        return None
    # a count no run gives (-3) is the results file's own fault, said by validate's checks
    if isinstance(summary_folds, int) and not isinstance(summary_folds, bool) and \
            summary_folds >= 1 and summary_folds != recorded:
        return (f"{RUN_FILE} says {recorded} fold{'' if recorded == 1 else 's'} but "
                f"{results_file.name} says "
                f"{summary_folds}: {RUN_FILE} was edited ('merbench validate' refuses it); "
                f"{_FIX}")
    if beyond:  # in the words the resumed run refuses it with
        return beyond_line(recorded, f"{FOLDS_DIR}/fold-{beyond[0]:03d}.npz",
                           results_file.exists())
    return None
