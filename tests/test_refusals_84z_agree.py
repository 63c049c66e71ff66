"""Pass 84z, Z10: a finished tuning with a file named ``trials`` is refused alike by status,
validate, show and tune (it was finished to status and show, runs a stop unpacked to
validate, and the tune command validate sent to failed on it). Z11: a finished run whose
predictions.csv is a folder is written but refused (status said "stopped ... to go on", and
going on failed on it in the OS's words). In this process (the ``cli`` fixture): a
``merbench`` process a command, twelve of them, took 55 s of the suite's CPU."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, run_cli


class _Done:
    """What a command gave, named as subprocess.run names it (the tests read these)."""

    def __init__(self, result: tuple[int, str, str]) -> None:
        self.returncode, self.stdout, self.stderr = result


@pytest.fixture
def _merbench(cli: Callable[..., CliResult]) -> Callable[..., Any]:
    return lambda *args: _Done(cli(*args))


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("z11") / "r"
    code, _, err = run_cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs",
                           "1", "--threads", "1", "--quiet", "--out", str(out))
    assert code == 0, err
    return out


def test_predictions_folder_is_written_but_refused(finished: Path, tmp_path: Path,
                                                   _merbench: Callable[..., Any]) -> None:
    run = tmp_path / "rp"
    shutil.copytree(finished, run)
    (run / "predictions.csv").unlink()
    (run / "predictions.csv").mkdir()
    status = _merbench("status", str(run))
    assert "6/6 folds, written, but predictions.csv is a folder" in status.stdout
    assert "'merbench validate' refuses it" in status.stdout
    assert "to go on" not in status.stdout
    resumed = _merbench("run", "--resume", str(run), "--quiet")
    assert resumed.returncode == 2
    assert f"{run}: predictions.csv is a folder; remove it" in resumed.stderr
    assert "Traceback" not in resumed.stderr and "is a directory" not in resumed.stderr
    (run / "predictions.csv").rmdir()
    assert _merbench("run", "--resume", str(run), "--quiet").returncode == 0
    assert (run / "predictions.csv").is_file()


def test_a_file_named_trials_is_one_refusal_everywhere(tmp_path: Path,
                                                      _merbench: Callable[..., Any]) -> None:
    spec = Path(__file__).resolve().parents[1] / "examples" / "tune-tiny.toml"
    folder = tmp_path / "tq"
    done = _merbench("tune", "--score", "test", "--threads", "1", "--quiet", "--out",
                     str(folder), str(spec))
    assert done.returncode == 0, done.stderr
    (folder / "trials").write_text("x")
    said = "trials is a file, which merbench never writes in a tuning; remove it"
    status = _merbench("status", str(folder))
    assert f"{folder}: {said} ('merbench validate' refuses it)" in status.stdout, status
    for command in (("validate", str(folder)), ("show", str(folder)),
                    ("tune", "--score", "test", "--threads", "1", "--quiet", "--out",
                     str(folder), str(spec))):
        refused = _merbench(*command)
        assert refused.returncode == 2 and f"{folder}: {said}" in refused.stderr, refused
        assert "unpacked" not in refused.stderr and "cannot be created" not in refused.stderr
    assert (folder / "trials").read_text() == "x"
