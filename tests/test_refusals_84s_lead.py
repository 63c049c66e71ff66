"""Findings of adversarial pass 84s (issue 84) mended by the lead: S19 (a definition's size)."""

from __future__ import annotations

import os
from pathlib import Path


def test_a_huge_benchmark_definition_is_refused_unread(tmp_path: Path, cli) -> None:
    """S19: a 200 MB definition was read whole, then called "not readable JSON"; it is now
    refused by its size before it is opened, as a plan or a --trust file is."""
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    with open(benches / "x.json", "wb") as sparse:
        sparse.truncate(200 << 20)
    (tmp_path / "results").mkdir()
    code, _, err = cli("leaderboard", "list", "--benchmarks", benches,
                       "--results", tmp_path / "results")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"benchmark {benches / 'x.json'} is 209,715,200 bytes, more than the 1,048,576 "
            "any benchmark definition needs; fix the definition or remove it from "
            "--benchmarks") in err, err


def test_a_benchmark_definition_that_is_a_fifo_is_refused_unopened(tmp_path: Path,
                                                                   cli) -> None:
    """The size check stats the entry first: a fifo is named, never opened (no hang)."""
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    os.mkfifo(benches / "y.json")
    code, _, err = cli("leaderboard", "list", "--benchmarks", benches,
                       "--results", tmp_path)
    assert code == 2 and "y.json is a fifo, not a regular file" in err, err
