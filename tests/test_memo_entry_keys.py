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


def test_a_remembered_answer_that_does_not_fit_is_computed_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry under the right key holding another computation's answer (an interval, as
    if written by hand with its checksum made to match) met a KeyError in the build."""
    from merbench.au.seed_pool import _an_interval_answer
    from merbench.stats.paired import _a_paired_answer

    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path))
    one = {"x": np.arange(3)}
    with memo.remembering():
        memo.remembered("pair", {}, one, lambda: {"interval": [0.1, 0.2]})
        assert memo.remembered("pair", {}, one, lambda: {"p_value": 0.5},
                               lambda answer: "p_value" in answer) == {"p_value": 0.5}
        assert memo.remembered("pair", {}, one, lambda: pytest.fail("computed again"),
                               lambda answer: "p_value" in answer) == {"p_value": 0.5}
    assert not _a_paired_answer({"interval": [0.1, 0.2]})
    assert _a_paired_answer({"metric": "uf1", "difference": -0.1, "p_value": 1})
    assert _an_interval_answer({"interval": None})
    assert not _an_interval_answer({"metric": "uf1", "difference": 0.1, "p_value": 0.5})
