"""LOSO folds: keyed by (database, subject); a test subject never trains. LODO folds: one per
database, which never trains its own fold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merbench.base.errors import MerbenchError
from merbench.protocols import folds_fingerprint
from merbench.protocols.loso import LeaveOneSubjectOut


def _table() -> pd.DataFrame:
    # subject "s01" exists in two databases: they must be two different folds
    return pd.DataFrame({
        "sample_id": [f"x{i}" for i in range(7)],
        "database": ["casme2", "casme2", "samm", "samm", "samm", "smic", "smic"],
        "subject": ["s01", "s02", "s01", "s01", "006", "s01", "s02"],
        "label": [0, 1, 2, 0, 1, 2, 0],
    })


def test_one_fold_per_database_subject_and_no_leak() -> None:
    table = _table()
    folds = LeaveOneSubjectOut().folds(table)
    keys = [f.key for f in folds]
    assert keys == sorted(set(zip(table["database"], table["subject"], strict=True)))
    assert len(folds) == 6
    tested = np.concatenate([f.test for f in folds])
    assert sorted(tested) == list(range(len(table)))  # every sample tested exactly once
    for fold in folds:
        test_keys = set(zip(table["database"][fold.test], table["subject"][fold.test],
                            strict=True))
        train_keys = set(zip(table["database"][fold.train], table["subject"][fold.train],
                             strict=True))
        assert test_keys == {fold.key}
        assert fold.key not in train_keys
        assert len(fold.train) + len(fold.test) == len(table)


def test_restricting_to_databases() -> None:
    folds = LeaveOneSubjectOut(databases=["samm"]).folds(_table())
    assert [f.key for f in folds] == [("samm", "006"), ("samm", "s01")]
    assert all(set(f.train) <= {2, 3, 4} for f in folds)


def test_unknown_database_and_single_subject_are_errors() -> None:
    with pytest.raises(MerbenchError, match="does not have"):
        LeaveOneSubjectOut(databases=["casme3"]).folds(_table())
    with pytest.raises(MerbenchError, match="at least two subjects"):
        LeaveOneSubjectOut(databases=["casme2"]).folds(_table().iloc[:1])


def test_fingerprint_changes_with_the_split() -> None:
    table = _table()
    a = folds_fingerprint(LeaveOneSubjectOut().folds(table))
    b = folds_fingerprint(LeaveOneSubjectOut(databases=["samm", "smic"]).folds(table))
    assert a == folds_fingerprint(LeaveOneSubjectOut().folds(table))
    assert a != b


def test_leave_one_database_out_tests_each_database_on_the_others() -> None:
    from merbench.protocols.lodo import LeaveOneDatabaseOut

    table = _table()
    folds = LeaveOneDatabaseOut().folds(table)
    assert [f.key for f in folds] == [("casme2",), ("samm",), ("smic",)]
    assert [f.index for f in folds] == [0, 1, 2]
    for fold in folds:
        assert set(table["database"][fold.test]) == {fold.key[0]}
        assert fold.key[0] not in set(table["database"][fold.train])
        assert len(fold.train) + len(fold.test) == len(table)
    assert sorted(np.concatenate([f.test for f in folds])) == list(range(len(table)))


def test_leave_one_database_out_needs_two_databases() -> None:
    from merbench.protocols.lodo import LeaveOneDatabaseOut

    with pytest.raises(MerbenchError, match=r"at least two databases and the dataset has "
                                            r"only samm; use the loso protocol \(--protocol loso"):
        LeaveOneDatabaseOut().folds(_table().iloc[2:5])
