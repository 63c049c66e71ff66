"""What every protocol's folds must be before a run trains on them.

A protocol plugin's ``folds()`` decides what is tested on what: folds that train on their own
test samples (or on a test subject, for a subject-independent protocol) give a score that
means nothing, and ``run``, ``validate`` and ``audit`` all accepted one (adversarial pass
84h). Folds that are not folds at all (None, no fold, a test set outside the table, two
folds testing one sample) failed later with numpy's or the trainer's words and a
``run.json`` left. :func:`fold_problem` says what is wrong in one sentence, before anything
is written. Plugin authors' own check (:mod:`merbench.testing.protocol_checks`) asks the
same, and more: that every sample of a database a protocol evaluates is tested once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from merbench.protocols import Fold


def fold_problem(folds: Sequence[object], samples: pd.DataFrame,
                 subject_independent: bool = True) -> str | None:
    """What makes ``folds`` no protocol's folds of ``samples``, or None."""
    if not folds:
        return "it gave no fold"
    if not all(isinstance(fold, Fold) for fold in folds):
        return "it gave something other than folds (merbench.api.Fold)"
    given: list[Fold] = [fold for fold in folds if isinstance(fold, Fold)]
    if sorted(fold.index for fold in given) != list(range(len(given))):
        return "its folds are not numbered 0 to n-1 (two share an index, or one is missing)"
    if len({tuple(fold.key) for fold in given}) != len(given):
        return "two of its folds have the same key"
    n = len(samples)
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    tested = np.zeros(n, dtype=int)
    for fold in given:
        train, test = np.asarray(fold.train), np.asarray(fold.test)
        for part, rows in (("training", train), ("test", test)):
            if len(rows) == 0 or rows.dtype.kind not in "iu" or rows.min() < 0 \
                    or rows.max() >= n or len(np.unique(rows)) != len(rows):
                return (f"fold {fold.label}'s {part} samples are not distinct row positions "
                        f"0 to {n - 1}, at least one")
        if np.intersect1d(train, test).size:
            return f"fold {fold.label} trains on samples it tests"
        shared = sorted(set(subjects[test]) & set(subjects[train]))
        if shared and subject_independent:
            return (f"fold {fold.label} trains on its test subject(s) {', '.join(shared)}; a "
                    "subject never trains its own fold")
        tested[test] += 1
    if (tested > 1).any():
        first = int(np.flatnonzero(tested > 1)[0])
        ids = samples["sample_id"].astype(str).to_numpy()
        return (f"two of its folds test the same sample: {ids[first]} ({subjects[first]}) is "
                f"tested {tested[first]} times")
    return None


__all__ = ["fold_problem"]
