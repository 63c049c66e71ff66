"""What every protocol's folds must be before a run trains on them, and a result keeps.

A protocol plugin's ``folds()`` decides what is tested on what: folds that train on their own
test samples (or on a test subject, for a subject-independent protocol) give a score that
means nothing, and ``run``, ``validate`` and ``audit`` all accepted one (adversarial pass
84h). Folds that are not folds at all (None, no fold, a test set outside the table, two
folds testing one sample) failed later with numpy's or the trainer's words and a
``run.json`` left. :func:`fold_problem` says what is wrong in one sentence, before anything
is written. Plugin authors' own check (:mod:`merbench.testing.protocol_checks`) asks the
same, and more: that every sample of a database a protocol evaluates is tested once.

A finished run keeps less than its folds: each fold's test rows, the inner-validation rows
it held out of its training rows, and how many rows it trained on, never the training rows
themselves. :func:`rows_problem` is the one check both ask, so ``validate`` refuses a result
whose folds ``run`` now refuses, as far as those records can show it: a fold that trains on
more rows than the table holds besides its test rows (or its test subjects' rows) trained on
some of them, whichever they were.

A fold's index and key are checked too (pass 84i): a key of numbers crashed ``run`` in a
traceback, a key given as one string was recorded letter by letter, a ``True`` index was run
and then refused by ``validate``, and a key part such as ``../../x`` or ``/etc/x`` was looked
up as a file by ``--weights`` (a key names its checkpoint). Such a key part is refused,
rather than made safe where it becomes a file name, because the key is the fold's name in
every record and message, which a rewritten file name would no longer match, and one gate
here covers every place that uses it (``--weights``, the only place a key becomes a path,
and audit's, status's and validate's lines). A part may hold ``/`` (``syn1/s01``: a key of
one part names ``<weights>/syn1/s01.pth``), none of ``..``, ``.``, an empty name, ``\\`` or
a control character, nor a name longer than a file name or a path can be (pass 84j: such a
key was run, and ``--weights`` then told the user to "give its real path"). Two keys are one
fold's when their text is (``('x/y',)`` and ``('x', 'y')`` both name ``x/y`` and one
checkpoint, pass 84j): they are compared as every message writes them. What is valid but
loosely typed, a numpy integer index or positions given as a tuple of whole numbers, is
accepted and normalised (:func:`checked_folds`), so the trainer reads what the check read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd

from merbench.base.literal import literal
from merbench.protocols import Fold

NAME_MAX = 255
"""The bytes a file name can have (NAME_MAX on Linux and macOS), ``.pth`` included."""

PATH_MAX = 4096
"""The bytes a path can have on Linux, its closing NUL included."""


@dataclass(frozen=True)
class FoldRows:
    """What a check knows of one fold: ``train`` is every row it trains on for a protocol's
    fold, and the rows a result records of them (those held out for inner validation) for a
    finished run's; ``n_train`` is how many rows it trains on in all."""

    index: int
    key: tuple[str, ...]
    test: np.ndarray
    train: np.ndarray
    n_train: int

    @property
    def label(self) -> str:
        """The key as messages write it, a control character escaped (``a\\nb``) so that a
        refusal stays one line."""
        return literal("/".join(self.key), one_line=True)


def fold_problem(folds: Sequence[object], samples: pd.DataFrame,
                 subject_independent: bool = True) -> str | None:
    """What makes ``folds`` no protocol's folds of ``samples``, or None."""
    if not folds:
        return "it gave no fold"
    if not all(isinstance(fold, Fold) for fold in folds):
        return "it gave something other than folds (merbench.api.Fold)"
    given = [fold for fold in folds if isinstance(fold, Fold)]
    for place, fold in enumerate(given):
        problem = _typed_problem(fold)
        if problem is not None:
            return f"fold {place} of the folds it gave {problem}"
    rows = [FoldRows(fold.index, fold.key, fold.test, fold.train, int(fold.train.size))
            for fold in checked_folds(given)]
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    return rows_problem(rows, subjects, samples["sample_id"].astype(str).to_numpy(),
                        subject_independent, whole_train=True)


def checked_folds(folds: Sequence[Fold]) -> list[Fold]:
    """``folds``, of which :func:`fold_problem` found nothing wrong, as the rest of merbench
    reads them: an int index (a numpy integer made one), a tuple of ``str`` key, and row
    positions as arrays (a tuple or list of whole numbers made one). A built-in protocol's
    folds are these already, and come back as they were."""
    return [Fold(index=int(fold.index), key=tuple(str(part) for part in fold.key),
                 train=np.asarray(fold.train), test=np.asarray(fold.test)) for fold in folds]


def _typed_problem(fold: Fold) -> str | None:
    """What makes ``fold``'s index no whole number or its key no tuple of text, said after
    "fold N of the folds it gave", or None."""
    index, key = fold.index, fold.key
    if isinstance(index, bool) or not isinstance(index, Integral):
        return (f"has the index {_what(index)}, not a whole number; a fold's index is an int, "
                "0 to n-1")
    if not isinstance(key, tuple | list):
        return (f"has the key {_what(key)}, not a tuple of text; give its parts as a tuple, "
                "such as (database, subject)")
    if not key:
        return "has an empty key; a fold's key is a tuple of at least one name"
    for number, part in enumerate(key):
        if not isinstance(part, str):
            return (f"has a key whose part {number} is {_what(part)}, not text; a fold's key "
                    "is a tuple of names")
        if not part:
            return f"has a key whose part {number} is empty; a fold's key is a tuple of names"
    return None


def _what(value: object) -> str:
    """``value`` as a refusal names it: text quoted, a number written, else its type."""
    if isinstance(value, str):
        return f"'{literal(value, one_line=True)}'"
    if isinstance(value, bool | np.bool_):
        return f"{bool(value)} (true or false)"
    if isinstance(value, int | float | np.number):
        return f"{value} (a number)"
    return "None" if value is None else f"of type {type(value).__name__}"


def leaves_folder(part: str) -> bool:
    """Whether ``part`` (of a fold's key, or a dataset's database or subject name, which
    becomes one) is a path rather than names joined by ``/``: a ``\\``, or an empty, ``.``
    or ``..`` name between its ``/`` (a leading, trailing or doubled ``/`` included). The one
    rule both the protocol's check and the dataset's (:mod:`merbench.runner.data`) apply."""
    return "\\" in part or any(name in ("", ".", "..") for name in part.split("/"))


def _key_problem(fold: FoldRows) -> str | None:
    """What makes a part of ``fold``'s key no name ``--weights`` can look up inside its
    folder, or no name on one line, said after "fold F", or None. A part may hold ``/``
    (``syn1/s01`` names ``<weights>/syn1/s01.pth``, as ``(syn1, s01)`` names it), but no
    empty, ``.`` or ``..`` name between them, no ``\\`` and no control character: a key's
    parts name its checkpoint, which never leaves the folder ``--weights`` names."""
    for part in fold.key:
        if not part:
            return "has an empty part in its key"
        if leaves_folder(part):
            return (f"has the key part '{literal(part, one_line=True)}', a path that leads "
                    "out of a folder; a key's parts are names (joined by '/' at most: no "
                    "leading '/', no '.' or '..', no '\\'), as they name the fold's checkpoint "
                    "file under --weights")
        if not part.isprintable():
            return (f"has the key part '{literal(part, one_line=True)}', with a control "
                    "character; each part of a fold's key is a name on one line")
    names = "/".join(fold.key).split("/")
    longest = max(len(name.encode()) for name in [*names[:-1], names[-1] + ".pth"])
    if longest > NAME_MAX:
        return (f"has a name of {longest} bytes in its key ('.pth' included), longer than a "
                f"file name can be ({NAME_MAX} bytes), as the names in a key name the fold's "
                "checkpoint file under --weights")
    size = len(("/".join(fold.key) + ".pth").encode())
    if size >= PATH_MAX:
        return (f"has a key of {size} bytes ('.pth' included), longer than a path can be "
                f"({PATH_MAX - 1} bytes), as a key names the fold's checkpoint file under "
                "--weights")
    return None


def rows_problem(folds: Sequence[FoldRows], subjects: np.ndarray, ids: np.ndarray,
                 subject_independent: bool | None, whole_train: bool) -> str | None:
    """What makes ``folds`` no protocol's folds of a table of ``len(subjects)`` rows, or
    None. ``subjects`` and ``ids`` give each row's ``database/subject`` and sample id, ""
    where unknown (a result knows the rows it tested); ``whole_train``: each fold's
    ``train`` is all it trains on. ``subject_independent`` None: not known, and not asked."""
    if sorted(fold.index for fold in folds) != list(range(len(folds))):
        return "its folds are not numbered 0 to n-1 (two share an index, or one is missing)"
    for fold in folds:
        problem = _key_problem(fold)
        if problem is not None:
            return f"fold {fold.label} {problem}"
    first_with: dict[str, FoldRows] = {}
    for fold in folds:
        twin = first_with.setdefault("/".join(fold.key), fold)
        if twin is not fold:
            return (f"two of its folds have the same key: folds {twin.index} and "
                    f"{fold.index} are both {fold.label}")
    n = len(subjects)
    tested = np.zeros(n, dtype=int)
    for fold in folds:
        train, test = fold.train, fold.test
        for verb, rows in (("trains on", train), ("tests", test)):
            wrong = _rows_wrong(rows, n) if rows.size or whole_train or verb == "tests" \
                else None
            if wrong:
                return f"fold {fold.label} {verb} {wrong}"
        if np.intersect1d(train, test).size:
            return f"fold {fold.label} trains on samples it tests"
        if fold.n_train > n - len(test):
            return (f"fold {fold.label} trains on samples it tests"
                    f"{_counted(fold, n - len(test), n, 'its test samples')}")
        own = sorted(set(subjects[test]) - {""})
        shared = sorted(set(subjects[train]) & set(own))
        theirs = int(np.isin(subjects, own).sum())
        if subject_independent and (shared or fold.n_train > n - theirs):
            return (f"fold {fold.label} trains on its test subject(s) "
                    f"{', '.join(shared or own)}; a subject never trains its own fold"
                    + ("" if shared else _counted(fold, n - theirs, n, "theirs")))
        tested[test] += 1
    if (tested > 1).any():
        first = int(np.flatnonzero(tested > 1)[0])
        return (f"two of its folds test the same sample: {ids[first]} ({subjects[first]}) is "
                f"tested {tested[first]} times")
    return None


def _rows_wrong(rows: np.ndarray, n: int) -> str | None:
    """What makes ``rows`` no distinct row positions of an ``n``-row table, at least one,
    said after "fold F tests" (or "trains on"), or None. Each was blamed on the model's
    first training step (pass 84h N4)."""
    if rows.ndim != 1:
        return "positions that are no flat list (a 1-D array) of row positions"
    if len(rows) == 0:
        return "no sample"
    if rows.dtype.kind not in "iu":
        kind = "decimals, not whole numbers" if rows.dtype.kind == "f" else "no whole numbers"
        return f"positions that are {kind}; a fold gives row positions of the sample table"
    outside = rows[(rows < 0) | (rows >= n)]
    if outside.size:
        return f"position {int(outside[0])} of a {n}-sample table (positions are 0 to {n - 1})"
    values, counts = np.unique(rows, return_counts=True)
    if (counts > 1).any():
        return f"position {int(values[counts > 1][0])} twice"
    return None


def _counted(fold: FoldRows, others: int, n: int, whose: str) -> str:
    """The count that shows a fold whose training rows a result does not keep trained on
    rows it may not: more than the ``others`` of the table's ``n`` that are not ``whose``."""
    return (f" (it trains on {fold.n_train} samples; only {others} of the table's {n} are not "
            f"{whose})")


__all__ = ["FoldRows", "checked_folds", "fold_problem", "rows_problem"]
