"""OMP_NUM_THREADS that OpenMP cannot take is refused in merbench's words, before torch loads.

Before, ``OMP_NUM_THREADS=99999`` failed a run with a traceback ending in "ImportError ...
failed to map segment from shared object", and ``abc``, ``0`` or an empty value made
libgomp print its own "Invalid value for environment variable OMP_NUM_THREADS" twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from merbench.training.threads import THREADS_PER_CORE

MOST = (os.cpu_count() or 1) * THREADS_PER_CORE
FIX = f"give a whole number from 1 to {MOST}, or unset it"


@pytest.mark.parametrize(("value", "said"), [
    ("abc", "OMP_NUM_THREADS=abc is not a number of threads"),
    ("0", "OMP_NUM_THREADS=0 is not a number of threads"),
    ("-1", "OMP_NUM_THREADS=-1 is not a number of threads"),
    ("", "OMP_NUM_THREADS is set but empty"),
    ("99999", "OMP_NUM_THREADS=99999 is more threads than this machine's "
              f"{os.cpu_count() or 1} cores can use"),
    # more digits than Python reads (a traceback once), and a digit libgomp refuses
    ("9" * 5000, f"OMP_NUM_THREADS={'9' * 40}... is more threads than this machine's "
                 f"{os.cpu_count() or 1} cores can use"),
    ("\uff13", "OMP_NUM_THREADS=\uff13 is not a number of threads"),
])
def test_a_bad_thread_count_is_one_line(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        value: str, said: str) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                         "--quiet", "--out", tmp_path / "r")
    assert code == 2, err
    assert err == f"merbench: error: {said}; {FIX}\n"
    assert not (tmp_path / "r").exists()


def test_openmp_syntax_is_taken(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A nested list ("1,1") and spaces are OpenMP's own syntax, which libgomp takes."""
    monkeypatch.setenv("OMP_NUM_THREADS", " 1,1 ")
    code, _, err = cli("list", "protocols")
    assert code == 0, err


def test_the_console_script_says_it_before_openmp(tmp_path: Path) -> None:
    """The command as a user starts it: one line, and no line of libgomp's."""
    env = {**os.environ, "OMP_NUM_THREADS": "abc"}
    done = subprocess.run([sys.executable, "-m", "merbench", "run", "--model", "ststnet",
                           "--dataset", "synthetic", "--epochs", "1", "--out", tmp_path / "r"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"merbench: error: OMP_NUM_THREADS=abc is not a number of threads; " \
                          f"{FIX}\n"
    assert "libgomp" not in done.stdout + done.stderr
