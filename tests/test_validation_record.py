"""Validate once (issue 83): an unchanged result is read back from its validation record,
and a record never hides a change. One committed run, copied, is listed and built with a
record in the cache; then one byte of a fold file, of predictions.csv and of results.json is
changed in turn, and each time the next ``list`` and ``build`` reject the run."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.verification.validation_record import (
    STORE,
    checking,
    folder_digests,
    once,
)

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "leaderboards" / "results" / "biwoof-release-svm-composite-loso-smic"
CliResult = tuple[int, str, str]


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A results folder holding a copy of one committed run, and a cache of its own."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)  # say it at once
    results = tmp_path / "results"
    shutil.copytree(RUN, results / RUN.name)
    return results


def _said(err: str) -> tuple[int, int]:
    """(taken from a record, checked in full), as the command's last line says them."""
    found = re.search(r"(\d+) unchanged results? taken from their validation record, (\d+) "
                      r"checked in full", err)
    assert found, err
    return int(found.group(1)), int(found.group(2))


def _flip(path: Path, at: Callable[[bytes], int]) -> bytes:
    """Change one byte of ``path`` (at the offset ``at`` chooses); the bytes before."""
    before = path.read_bytes()
    offset = at(before)
    changed = bytes([before[offset] ^ 0x01]) if before[offset:offset + 1] != b"." else b","
    path.write_bytes(before[:offset] + changed + before[offset + 1:])
    assert path.read_bytes() != before
    return before


def _digit_after(marker: bytes) -> Callable[[bytes], int]:
    """The offset of the last digit of the first number after ``marker``."""
    def at(data: bytes) -> int:
        start = data.index(marker) + len(marker)
        found = re.compile(rb"\d+").search(data, start)
        assert found is not None
        return found.end() - 1
    return at


EDITS = {
    "a fold file": ("folds/fold-001.npz", lambda data: len(data) // 2),
    "predictions.csv": ("predictions.csv", _digit_after(b"\n")),
    "results.json": ("results.json", _digit_after(b'"uf1":')),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_one_changed_byte_is_rejected_by_list_and_build(
        cli: Callable[..., CliResult], copied: Path, tmp_path: Path, what: str) -> None:
    code, out, err = cli("leaderboard", "list", "--results", copied)
    assert code == 0 and _said(err) == (0, 1) and "rejected" not in err
    code, out, err = cli("leaderboard", "list", "--results", copied)
    assert code == 0 and _said(err) == (1, 0), err  # the record answered
    assert re.search(r"loso-smic\s+composite / loso-smic\s+1 run\b", out), out

    name, at = EDITS[what]
    before = _flip(copied / RUN.name / name, at)
    code, out, err = cli("leaderboard", "list", "--results", copied)
    assert f"rejected: {copied / RUN.name}" in err, err
    assert _said(err) == (0, 1)  # checked in full, and rejected
    code, out, err = cli("leaderboard", "build", "--results", copied, "--out", tmp_path / "site")
    assert code == 0 and f"rejected: {copied / RUN.name}" in err, err
    assert ", 0 runs, 1 rejected" in out, out

    (copied / RUN.name / name).write_bytes(before)  # as it was: the record holds again
    code, _, err = cli("leaderboard", "build", "--results", copied, "--out", tmp_path / "site")
    assert code == 0 and "rejected" not in err and _said(err) == (1, 0), err
    index = (tmp_path / "site" / "index.html").read_text()
    assert "This build: 1 unchanged result taken from their validation record" in index


def test_revalidate_and_strict_recompute_every_result(
        cli: Callable[..., CliResult], copied: Path, tmp_path: Path) -> None:
    assert _said(cli("leaderboard", "list", "--results", copied)[2]) == (0, 1)
    code, _, err = cli("leaderboard", "list", "--results", copied, "--revalidate")
    assert code == 0 and "(--revalidate): 1 checked in full, their records renewed" in err, err
    code, _, err = cli("leaderboard", "build", "--results", copied, "--out",
                         tmp_path / "site", "--strict")
    assert code == 0 and "(--strict): 1 checked in full" in err, err
    index = (tmp_path / "site" / "index.html").read_text()
    assert "every result recomputed from its files (--strict)" in index
    assert (tmp_path / "cache" / STORE).is_dir()  # the records live in the cache's own store


def test_a_record_is_of_these_bytes_and_this_check(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Below the command line: a record answers only the same check of the same files, and
    a result in a folder holding a link is never recorded."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "result"
    folder.mkdir()
    (folder / "a.json").write_text("1")
    calls: list[str] = []

    def check() -> str:
        calls.append("checked")
        return (folder / "a.json").read_text()

    def read(kind: str) -> str:
        return once(kind, folder, check, lambda value: {"value": value},
                    lambda facts: f"recorded {facts['value']}")

    with checking("recorded") as tally:
        assert read("one") == "1" and read("one") == "recorded 1" and read("two") == "1"
        (folder / "a.json").write_text("2")
        assert read("one") == "2" and read("one") == "recorded 2"
        assert (tally.recorded, tally.checked) == (2, 3)
    assert read("one") == "2"  # outside a block: always checked
    with checking("revalidate") as tally:
        assert read("one") == "2" and tally.checked == 1
    (folder / "link").symlink_to(folder / "a.json")
    assert folder_digests(folder) is None
    with checking("recorded") as tally:
        assert read("one") == "2" and read("one") == "2" and tally.checked == 2
    assert len(calls) == 7


def test_a_file_swapped_while_read_back_is_checked_in_full(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "result"
    folder.mkdir()
    (folder / "a.json").write_text("1")
    checks: list[str] = []

    def check() -> str:
        checks.append("checked")
        return (folder / "a.json").read_text()

    def swapped_while_read(facts: dict[str, object]) -> str:
        (folder / "a.json").write_text("2")  # another file between the digest and here
        return "recorded 1"

    with checking("recorded") as tally:
        assert once("one", folder, check, lambda value: {}, swapped_while_read) == "1"
        assert once("one", folder, check, lambda value: {}, swapped_while_read) == "2"
        assert (tally.recorded, tally.checked, len(checks)) == (0, 2, 2)
