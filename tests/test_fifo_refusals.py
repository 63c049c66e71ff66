"""A fifo where merbench reads a file is refused at once, by every command that reads one.

On 36986b2 five commands blocked for good opening a fifo named like a result file
(``validate``, ``status``, ``compare``, ``leaderboard build``, ``tune``). Every reader now
opens without blocking and refuses what is not a regular file
(:func:`merbench.results.safe_files.read_regular_bytes`). Each case runs the command under
a deadline (an alarm), so a hang fails the test instead of the suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli

RESULTS = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
EMOTION = RESULTS / "ststnet-composite-loso"
AU = RESULTS / "ststnet-composite-loso-au"


class _Hung(BaseException):
    """Raised by the alarm: no ``except Exception`` in merbench turns it into a message."""


def _merbench(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``merbench ARGS`` in this process under a deadline: a blocking open of a fifo is
    interrupted by the alarm's signal, so a hang fails the test instead of the suite (a
    process of its own per case cost two seconds of imports each)."""
    def expired(signum: int, frame: object) -> None:
        raise _Hung

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    try:
        code, out, err = run_cli(*args)
    except _Hung:
        pytest.fail(f"merbench {' '.join(map(str, args))} hung on a fifo")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return subprocess.CompletedProcess([str(a) for a in args], code, out, err)


def _copy_with_fifo(source: Path, target: Path, inside: str) -> Path:
    shutil.copytree(source, target)
    path = target / inside
    path.unlink()
    os.mkfifo(path)
    return target


def _first_seed(run: Path) -> Path:
    seeds = sorted(run.glob("seed-*"))
    return seeds[0] if seeds else run


@pytest.mark.parametrize(("source", "inside", "command"), [
    (AU, "au-results.json", "validate"),
    (AU, "au-results.json", "status"),
    (EMOTION, "results.json", "status"),
    (EMOTION, "folds/fold-000.npz", "status"),
    (EMOTION, "results.json", "compare"),
], ids=["validate-au", "status-au", "status-results", "status-fold", "compare"])
def test_a_fifo_in_a_run_is_refused_not_waited_on(tmp_path: Path, source: Path, inside: str,
                                                   command: str) -> None:
    run = _copy_with_fifo(_first_seed(source), tmp_path / "run", inside)
    args = [command, run] if command != "compare" else \
        [command, _first_seed(EMOTION), run]
    done = _merbench(*args, cwd=tmp_path)
    said = done.stdout + done.stderr
    assert "Traceback" not in said
    if inside.startswith("folds/"):  # status counts it as no finished fold, and goes on
        assert "67/68 folds" in said, said
        return
    assert "is a fifo" in said, said
    if command != "status":  # status reports each run's state and goes on
        assert done.returncode != 0


def test_a_fifo_given_as_the_path_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "results.json")
    for args in (["validate", tmp_path / "results.json"],
                 ["compare", _first_seed(EMOTION), tmp_path / "results.json"]):
        done = _merbench(*args, cwd=tmp_path)
        assert done.returncode != 0 and "fifo" in done.stdout + done.stderr, done
    os.mkfifo(tmp_path / "space.toml")
    done = _merbench("tune", tmp_path / "space.toml", "--out", tmp_path / "t", cwd=tmp_path)
    assert done.returncode != 0 and "is a fifo" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "t").exists()


@pytest.mark.parametrize("strict", [False, True])
def test_the_leaderboard_build_skips_or_refuses_an_au_run_with_a_fifo(tmp_path: Path,
                                                                      strict: bool) -> None:
    results = tmp_path / "results"
    results.mkdir()
    _copy_with_fifo(_first_seed(AU), results / "au-run", "au-results.json")
    done = _merbench("leaderboard", "build", "--results", results, "--out", tmp_path / "site",
                     *(["--strict"] if strict else []), cwd=tmp_path)
    said = done.stdout + done.stderr
    assert "Traceback" not in said
    if strict:
        assert done.returncode != 0 and "is a fifo" in said, said
