"""Pass 84ah, AG5: ``run --resume`` of a folder another merbench process trains in said so
only after loading its plugins and reading the data and the finished folds (some 25 s),
the lock being taken as the run starts. It is now asked first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import one_line


@pytest.mark.parametrize("option", ["--resume", "--out"])
def test_a_run_folder_written_now_is_refused_before_plugins_are_loaded(
        cli, tiny_finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        option: str) -> None:
    import merbench.cli
    from merbench.results.rundir import RunDirectory

    def no_plugins(*_: object, **__: object) -> None:
        raise AssertionError("plugins loaded before the folder's lock was asked")

    folder = Path(shutil.copytree(tiny_finished_run, tmp_path / "run", symlinks=True))
    monkeypatch.setattr(merbench.cli, "load_plugins", no_plugins)
    given = ("--resume", folder) if option == "--resume" else (
        "--model", "ststnet", "--dataset", "synthetic", "--out", folder)
    with RunDirectory(folder).held():  # another command training there
        code, _, err = cli("run", "--quiet", *given)
    assert code == 2 and one_line(err) == (
        f"merbench: error: another merbench process is running in {folder}; wait for it to "
        "finish (it keeps every fold it trains), or choose another --out"), err
