"""The bounded .npz reader remembers an archive's arrays by its bytes
(merbench.results.user_npz): a file rewritten in place, even within the same clock tick and
at the same size, is read as it is now, and a caller changing what it got changes nothing
another reader gets."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from merbench.results.user_files import UnreadableFile
from merbench.results.user_npz import read_user_npz


def test_a_file_rewritten_in_place_is_read_as_it_is_now(tmp_path: Path) -> None:
    path = tmp_path / "fold.npz"
    np.savez(path, y_true=np.array([1, 2, 3]))
    stamp = os.stat(path)
    assert read_user_npz(path, "fold file")["y_true"].tolist() == [1, 2, 3]
    np.savez(path, y_true=np.array([3, 2, 1]))  # the same size
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # and the same time
    assert os.stat(path).st_size == stamp.st_size
    assert read_user_npz(path, "fold file")["y_true"].tolist() == [3, 2, 1]


def test_what_a_caller_changes_is_its_own(tmp_path: Path) -> None:
    path = tmp_path / "fold.npz"
    np.savez(path, y_true=np.array([1, 2, 3]), note=np.array("x"))
    first = read_user_npz(path, "fold file")
    first["y_true"][:] = 0
    assert read_user_npz(path, "fold file")["y_true"].tolist() == [1, 2, 3]


def test_a_refused_archive_is_refused_every_time(tmp_path: Path) -> None:
    path = tmp_path / "fold.npz"
    np.savez(path, y_true=np.array([{"a": 1}], dtype=object))
    for _ in range(2):
        with pytest.raises(UnreadableFile, match="holding Python objects"):
            read_user_npz(path, "fold file")


def test_a_fortran_ordered_or_empty_array_reads_as_numpy_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "arrays.npz"
    wide = np.asfortranarray(np.arange(12).reshape(3, 4))
    np.savez(path, wide=wide, empty=np.zeros((0, 3)), text=np.array("meta"))
    read = read_user_npz(path, "features file")
    assert np.array_equal(read["wide"], wide) and read["empty"].shape == (0, 3)
    assert str(read["text"]) == "meta"
