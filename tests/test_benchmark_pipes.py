"""The benchmark scripts that print a plan end quietly where their reader has gone, as
merbench does: ``gpu_session.py --dry-run | head -1`` ended in a ``BrokenPipeError``
traceback (pass 84l, N10)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _reader_gone(script: str, *options: str) -> tuple[int, str]:
    """``python benchmarks/SCRIPT OPTIONS | head -0``: the script's status and what it said on
    standard error, where its output's reader has gone before it prints (at once, so that no
    line fits in the pipe unread: ``| head -1`` is a race the script often loses)."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, str(BENCHMARKS / script), *options],
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
                              check=False)
    finally:
        os.close(write)
    return done.returncode, done.stderr


@pytest.mark.parametrize("script", ["gpu_session.py", "leaderboard_runs.py", "cpu_runs.py"])
def test_a_dry_run_read_only_in_part_ends_quietly(tmp_path: Path, script: str) -> None:
    (tmp_path / "composite").mkdir()
    options = ["--data", str(tmp_path), "--runs", str(tmp_path / "runs"), "--dry-run"]
    if script == "gpu_session.py":
        options += ["--out", str(tmp_path / "out"), "--budget-s", "600", "--device", "cpu"]
    assert _reader_gone(script, *options) == (141, "")
