"""A remembered answer (the leaderboard's paired tests, its intervals) copied over another
key's entry is computed again, never read as that key's answer: the entry named no key, so a
copy passed its checksum, and the build published another pair's p-values (or met a
KeyError where an interval's answer stood in for a test's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from merbench.base import memo


def test_an_answer_copied_over_another_keys_entry_is_computed_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path))
    one, two = {"x": np.arange(3)}, {"x": np.arange(4)}
    with memo.remembering():
        assert memo.remembered("pair", {"n": 1}, one, lambda: {"p": 0.01}) == {"p": 0.01}
        assert memo.remembered("pair", {"n": 1}, two, lambda: {"p": 1.0}) == {"p": 1.0}
        entries = sorted((tmp_path / "computed").rglob("*.npz"))
        assert len(entries) == 2
        shutil.copyfile(entries[0], entries[1])  # one answer over the other's key
        again = [memo.remembered("pair", {"n": 1}, given, lambda p=p: {"p": p})
                 for given, p in ((one, 0.01), (two, 1.0))]
    assert again == [{"p": 0.01}, {"p": 1.0}]
