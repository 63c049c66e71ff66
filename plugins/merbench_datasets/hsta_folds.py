"""``casme3-hsta-5fold``: CAS(ME)^3 Part A in the five folds HSTA's authors released.

HSTA (Hao et al., arXiv 2405.03202) reports its CAS(ME)^3 7-class results (the objective
classes I to VII) on a 5-fold split its repository publishes as lists of samples
(``OceanSummerDay/HSTA_MER``, ``washed_data/washed_data/new_labels/
Objective_class_as_label/test_fold_1.csv`` .. ``test_fold_5.csv``; columns ``Subject``,
``Filename``, ``Onset``, ...). Fold k tests the samples of ``test_fold_k.csv`` and trains on
every other sample of the dataset. The folds are not subject-independent: one subject's
samples sit in several folds, so a model sees the test subject's face in training. merbench
offers the split only to set a model's numbers beside the published ones, next to its
leave-one-subject-out benchmark (``loso-casme3-objective``); no leaderboard ranks it.

It is the authors' split, not their whole experiment. Their ``K_folds_finetuning.py`` trains
each fold for the set number of epochs, tests once after the last (``final_test``), and
prints each metric's mean over the five folds; merbench scores every protocol by pooling all
folds' predictions into one UF1 and UAR, which a mean of per-fold scores is not (their
selection, the last epoch, is merbench's ``fixed``). And the command their README gives trains
with ``--use_extra_macro_data``: fold k trains on ``use_macro_exp_train_fold_k.csv``, the
other folds' micro-expressions plus CAS(ME)^3's 3,346 macro-expressions
(``Macro-expression.csv``); merbench trains on the dataset's micro-expressions only, the
setting of their ``no_macro_exp_train_fold_k.csv`` lists.

merbench ships none of the lists: ``--protocol-opt folds=PATH`` names the folder holding
them (a clone of the authors' repository). A sample is matched by its subject, video and
onset, merbench's CAS(ME)^3 sample id (``casme3/spNO.1/a/355``); a dataset sample that no
list holds, or that two lists hold, is one error line naming it, and a list that holds none
of the dataset's samples, or all of them, is one naming the list. List rows the dataset lacks
(samples ``--skip-missing`` left out) are not tested.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from merbench.api import (
    Fold,
    MerbenchError,
    check_user_file,
    option_path,
    path_kind,
    read_user_csv,
    whole_value,
)

if TYPE_CHECKING:
    import pandas as pd

N_FOLDS = 5
COLUMNS = ("Subject", "Filename", "Onset")
#: beyond any frame of a CAS(ME)^3 video (its longest is a few thousand frames): ``1e400``
#: is whole, and matched no sample, which was then said as a sample no list holds
MAX_FRAME = 10**9
#: what ``folds=`` names, said where it names something else
LISTS = f"the folder of HSTA's fold lists (test_fold_1.csv .. test_fold_{N_FOLDS}.csv)"


class HSTAFolds:
    """The five released test lists of HSTA's CAS(ME)^3 split (see the module doc)."""

    def __init__(self, folds: str | None = None) -> None:
        if folds is None:
            raise MerbenchError("casme3-hsta-5fold needs the folder of HSTA's fold lists: "
                                "--protocol-opt folds=PATH/HSTA_MER/washed_data/washed_data/"
                                "new_labels/Objective_class_as_label")
        self.folder = option_path(folds, "casme3-hsta-5fold", "--protocol-opt folds", LISTS)

    def _lists(self) -> list[set[str]]:
        if os.path.exists(self.folder) and not self.folder.is_dir():
            # "/etc/passwd/test_fold_1.csv does not exist" did not say the path was a file
            raise MerbenchError(f"casme3-hsta-5fold: {self.folder} (--protocol-opt folds=) is "
                                f"{path_kind(self.folder)}, not a folder; give the path of "
                                f"{LISTS}")
        lists = []
        for k in range(1, N_FOLDS + 1):
            path = self.folder / f"test_fold_{k}.csv"
            if not path.is_file():
                if os.path.lexists(path):  # a fifo, a folder: said as what it is
                    check_user_file(path, "HSTA fold list")
                raise MerbenchError(f"casme3-hsta-5fold: {path} does not exist; give the "
                                    "folder holding test_fold_1.csv .. test_fold_5.csv")
            table = read_user_csv(path, "HSTA fold list", dtype=str, keep_default_na=False)
            lacking = [c for c in COLUMNS if c not in table.columns]
            if lacking:
                raise MerbenchError(f"casme3-hsta-5fold: {path} lacks column(s) "
                                    f"{', '.join(lacking)}; restore it from the authors' "
                                    "repository")
            lists.append({f"casme3/{s.strip()}/{f.strip()}/{onset}"
                          for s, f, onset in zip(table["Subject"], table["Filename"],
                                                 _onsets(path, table["Onset"]), strict=True)})
        return lists

    def _refuse_twice(self, twice: np.ndarray, lists: list[set[str]]) -> None:
        """A sample two lists hold is an edited list (the run is on casme3 already, where
        the released lists hold each sample once): say which two, and where to restore
        them from."""
        if not len(twice):
            return
        first = str(twice[0])
        named = [f"test_fold_{k}.csv" for k, fold in enumerate(lists, 1) if first in fold]
        more = f" (and {len(twice) - 1} more sample(s) are in two lists)" if len(twice) > 1 \
            else ""
        raise MerbenchError(f"casme3-hsta-5fold: {self.folder}/{named[0]} and {named[1]} both "
                            f"list {first}{more}; restore the lists from the authors' "
                            "repository")

    def _refuse_empty(self, tests: list[np.ndarray]) -> None:
        """A list holding every sample of the dataset (a fold that trains on nothing), or none
        (a fold that tests nothing): the user's list file, named with the fix, not a fault
        of this plugin's, as merbench's check of every protocol's folds would say it."""
        restore = "restore the lists from the authors' repository"
        fix = f"{restore}, or choose subjects every list holds with --dataset-opt subjects=..."
        for k, test in enumerate(tests, 1):
            if test.all():
                raise MerbenchError(f"casme3-hsta-5fold: {self.folder}/test_fold_{k}.csv lists "
                                    f"every sample of this dataset, so fold {k} would train "
                                    f"on nothing; {restore}, or choose subjects the other "
                                    "lists hold too with --dataset-opt subjects=...")
        for k, test in enumerate(tests, 1):
            if not test.any():
                raise MerbenchError(f"casme3-hsta-5fold: {self.folder}/test_fold_{k}.csv lists "
                                    f"none of this dataset's samples, so fold {k} would test "
                                    f"nothing; {fix}")

    def folds(self, samples: pd.DataFrame) -> list[Fold]:
        lists = self._lists()
        ids = samples["sample_id"].astype(str).to_numpy()
        member = np.array([sum(sid in fold for fold in lists) for sid in ids])
        bad = ids[member == 0]
        if len(bad):  # the lists are the user's files: named, and a fix that changes them
            shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
            whose = "its subject" if len(bad) == 1 else "their subjects"
            raise MerbenchError(f"casme3-hsta-5fold: {len(bad)} sample(s) of this dataset are "
                                f"in none of {self.folder}/test_fold_1.csv .. "
                                f"test_fold_{N_FOLDS}.csv ({shown}); restore the lists from "
                                f"the authors' repository, or leave {whose} out with "
                                "--dataset-opt subjects=...")
        self._refuse_twice(ids[member >= 2], lists)
        positions = samples.index.to_numpy()
        tests = [np.array([sid in fold for sid in ids], dtype=bool) for fold in lists]
        self._refuse_empty(tests)
        folds = []
        for index, test in enumerate(tests):
            folds.append(Fold(index=index, key=(f"fold-{index + 1}",),
                              train=positions[~test], test=positions[test]))
        return folds


def _onsets(path: Path, cells: pd.Series) -> list[int]:
    """The Onset column's frame numbers (``355``, or ``355.0`` as a spreadsheet writes it),
    read as every whole number is; a cell that is none (``abc``, empty, ``nan``, ``1e400``)
    is the file's row and the fix, not Python's "could not convert string to float" blamed
    on the plugin (pass 84y, Y9)."""
    onsets = []
    for row, cell in enumerate(cells, start=2):  # row 1 is the header
        onset = whole_value(cell)
        if onset is None or not 0 <= onset < MAX_FRAME:
            raise MerbenchError(f"casme3-hsta-5fold: {path} row {row}: Onset '{cell}' is not a "
                                "frame number; restore the list from the authors' repository")
        onsets.append(onset)
    return onsets


def build_hsta_folds(folds: str | None = None) -> HSTAFolds:
    return HSTAFolds(folds)
