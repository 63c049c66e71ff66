"""A finished run's folds, checked as ``run`` checks a protocol's before training on them.

``run`` refuses folds that train on what they test, share a key or test a sample twice
(:func:`merbench.protocols.fold_checks.fold_problem`); a result written by an older merbench,
or edited, was accepted by ``validate`` and so by a leaderboard. The result keeps each fold's
key, test rows (``test_index``: positions in the dataset's sample table), the rows it held
out of training for inner validation, and how many rows it trained on, not which: so the
same check (:func:`~merbench.protocols.fold_checks.rows_problem`) is asked of what is kept.
It finds a shared key, a sample tested twice, a test row outside the table or a held-out
row that is a test row exactly; a fold that trained on its test samples by its count (it
trained on more rows than the table holds besides them), and, for a protocol the installed
plugin says is subject-independent, one that trained on its test subjects' samples by the
count the table holds besides theirs. A fold that swapped a training sample for one of its
own test samples keeps its count, and only ``merbench audit`` (training it again) sees it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import default_plugins
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.protocols.fold_checks import FoldRows, rows_problem
from merbench.results.run_files import ResultRejected


def check_fold_record(run_dir: Path, protocol: str, n_samples: int,
                      folds: list[FoldOutcome], tested: pd.DataFrame) -> None:
    """Refuse the run in ``run_dir`` in one line where its ``folds`` (of protocol
    ``protocol``, on a table of ``n_samples`` rows) are no folds ``run`` would train on.
    ``tested`` gives each tested sample's ``sample_id``, ``database`` and ``subject``."""
    subjects = np.full(n_samples, "", dtype=object)
    ids = np.full(n_samples, "", dtype=object)
    of_sample = dict(zip(tested["sample_id"].astype(str),
                         (tested["database"].astype(str) + "/"
                          + tested["subject"].astype(str)), strict=True))
    rows = []
    for fold in folds:
        test = np.asarray(fold.test_index)
        held = np.asarray([] if fold.val_index is None else fold.val_index, dtype=np.int64)
        tested_ids = np.asarray(fold.sample_ids).astype(str)
        if test.dtype.kind in "iu" and len(tested_ids) == len(test):
            inside = (test >= 0) & (test < n_samples)
            ids[test[inside]] = tested_ids[inside]
            subjects[test[inside]] = [of_sample.get(s, "") for s in tested_ids[inside]]
        rows.append(FoldRows(fold.index, tuple(str(k) for k in fold.key), test, held,
                             int(fold.n_train) + len(held)))
    problem = rows_problem(rows, subjects.astype(str), ids.astype(str),
                           _subject_independent(protocol), whole_train=False)
    if problem is not None:
        raise ResultRejected(run_dir, f"protocol '{protocol}' gave it folds merbench refuses "
                                      f"to run: {problem}; none of its scores can be trusted")


def _subject_independent(protocol: str) -> bool | None:
    """What the installed plugin says of ``protocol``; None where none registers it."""
    try:
        registry = default_plugins().registries.protocols
        return registry.get(protocol).meta.subject_independent if protocol in registry else None
    except MerbenchError:
        return None


__all__ = ["check_fold_record"]
