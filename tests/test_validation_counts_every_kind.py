"""The build's ``validation:`` line and its index count every result the build validates
(walk 85m): a build of two spotting runs said "0 unchanged results taken from their
validation record, 0 checked in full", and a mixed one left its spotting run out, while the
user guide says the build validates every ``spotting.json`` and says which was done. The
kinds that keep no validation record (a spotting run, a tuning's or a spot-then-recognise
summary over seeds) are counted among those checked in full, each time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest


def _said(out: str) -> tuple[int, int]:
    """(taken from a record, checked in full), as the build's validation line (on standard
    output) says them."""
    found = re.search(r"validation: (\d+) unchanged results? taken from their validation "
                      r"record, (\d+) checked in full", out)
    assert found, out
    return int(found.group(1)), int(found.group(2))


def test_every_kind_validated_is_counted(examples: dict[str, Path], tmp_path: Path, cli: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    code, out, err = cli("leaderboard", "build", "--results", examples["spotting run"],
                         "--out", tmp_path / "spots")
    assert code == 0 and "also 1 spotting run" in out, out + err
    assert _said(out) == (0, 1)
    index = (tmp_path / "spots" / "index.html").read_text()
    assert "This build: 0 unchanged results taken from their validation record, 1 checked " \
           "in full" in index
    # a spotting summary over seeds (its 2 seeds' runs, and itself) and a tuning's (its 2
    # tunings, and itself): the tunings keep records, the others are checked in full again
    given = ["leaderboard", "build", "--results",
             examples["spot-then-recognise summary over seeds"],
             examples["tuning summary over seeds"]]
    code, out, err = cli(*given, "--out", tmp_path / "first")
    assert code == 0 and "rejected:" not in err, out + err
    assert _said(out) == (0, 6)
    code, out, err = cli(*given, "--out", tmp_path / "again")
    assert code == 0 and _said(out) == (2, 4), out + err
