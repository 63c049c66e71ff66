"""What the eleventh adversarial pass (issue 84) found: a deeply nested ``tuning.json``
stopped eight commands with a traceback, a deep ``--out`` recursed in ``mkdir``, a fifo
named as a coding sheet hung ``run`` past SIGTERM, and refusals quoted a library's text.
Each case runs the command a user runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
RESULTS = REPOSITORY / "leaderboards" / "results"
TUNING = RESULTS / "tunings" / "lbp-apex-svm-composite" / "test-scored"
TUNING_FILE = REPOSITORY / "benchmarks" / "tunes" / "lbp-apex-svm-composite.toml"
NESTED = "[" * 100_000 + "]" * 100_000


def _one_line(err: str) -> None:
    assert "Traceback" not in err and "RecursionError" not in err, err
    assert len(err.strip().splitlines()) == 1, err


@pytest.fixture
def nested_tuning(tmp_path: Path) -> Path:
    """A copy of the committed test-scored tuning whose ``tuning.json`` nests 100,000 deep."""
    folder = Path(shutil.copytree(TUNING, tmp_path / "results" / "tuning"))
    (folder / "tuning.json").write_text(NESTED)
    return folder


@pytest.mark.parametrize("command", ["validate", "status", "audit", "validate .",
                                     "build", "build --strict", "tune"])
def test_a_deeply_nested_tuning_record_is_refused_in_one_line(
        nested_tuning: Path, tmp_path: Path, cli, command: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if command == "validate .":
        monkeypatch.chdir(nested_tuning.parent)
        line: tuple[object, ...] = ("validate", ".")
    elif command.startswith("build"):
        line = ("leaderboard", "build", "--results", nested_tuning.parent, "--out",
                tmp_path / "site", *command.split()[1:])
    elif command == "tune":
        line = ("tune", TUNING_FILE, "--score", "test", "--out", nested_tuning)
    else:
        line = (command, nested_tuning)
    code, out, err = cli(*line)
    assert "Traceback" not in err + out and "RecursionError" not in err + out, err
    if command in ("build",):  # the one folder is skipped, said, and the site still builds
        assert code == 0, err
        assert "nested deeper than 100 levels" in err, err
        return
    assert code != 0
    if command == "status":
        assert "nested deeper than 100 levels" in err, err
    if command == "tune":
        assert "holds another search" in err, err


DEEP = "/".join(["d"] * 2000)
LONG_NAME = "n" * 300


@pytest.mark.parametrize("shape", ["deep", "long name"])
@pytest.mark.parametrize("command", ["run", "spot", "build"])
def test_an_out_folder_no_system_can_make_is_refused_in_one_line(
        tmp_path: Path, cli, command: str, shape: str) -> None:
    """Finding 9: ``run --out`` 2,000 folders deep recursed in ``mkdir``."""
    out = tmp_path / (DEEP if shape == "deep" else LONG_NAME)
    line = {"run": ("run", "--model", "ststnet", "--dataset", "synthetic", "--quiet"),
            "spot": ("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                     "--quiet"),
            "build": ("leaderboard", "build", "--results", TUNING)}[command]
    code, out_text, err = cli(*line, "--out", out)
    assert code == 2, err
    _one_line(err)
    assert ("folders deep" if shape == "deep" else "bytes, more than the 255") in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing made


def test_a_fifo_named_as_the_coding_sheet_is_refused_not_waited_on(
        real_data: Path, tmp_path: Path) -> None:
    """Finding 10: a fifo as the CASME II coding sheet blocked ``run --task au`` in the open,
    past SIGTERM. The command runs in a process of its own under a deadline, so a hang
    fails the test instead of the suite."""
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    os.mkfifo(sheets / "CASME2-coding-20190701.xlsx")
    shutil.copy(real_data / "annotations" / "SAMM_Micro_FACS_Codes_v2.xlsx", sheets)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "merbench", "run", "--task", "au", "-m", "ststnet", "-d",
             "composite", "--data-root", str(real_data), "--dataset-opt",
             f"annotations={sheets}", "--out", str(tmp_path / "run"), "--quiet"],
            capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("merbench run waited on a fifo named as the coding sheet")
    assert done.returncode == 2, done.stderr
    _one_line(done.stderr)
    assert "is a fifo, not a regular file" in done.stderr, done.stderr
