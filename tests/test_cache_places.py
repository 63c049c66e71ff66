"""The cache folder holds merbench's stores alone: no command writes its output there.

A features file saved into the cache blocked every ``cache clear``, and a run written there
was taken for a store without its marker, whose offered fix (``rm -r``) deleted the run.
Each case runs the command a user runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY_RUN, TINY_SPOT
from test_link_loop_places import RESULTS, SWEEP_PLAN, TUNE_TINY

from merbench.base.cache import survey_cache


def _one_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", [
    ["run", *TINY_RUN, "--out"], ["spot", *TINY_SPOT, "--out"],
    ["tune", TUNE_TINY, "--score", "test", "--out"],
    ["predict", "--dataset", "synthetic-long", "--video", "synthetic-long/sub01/v1", "--out"],
    ["leaderboard", "build", "--results", RESULTS, "--out"],
    ["export", "--dataset", "synthetic", "--layout", "htnet", "--out"],
    ["extract", "-q", "-d", "synthetic", "--dataset-opt", "subjects=2", "-f", "flow-uvos",
     "--save"],
], ids=["run", "spot", "tune", "predict", "build", "export", "extract"])
@pytest.mark.parametrize("inside", ["out", "features/out"])
def test_an_output_inside_the_cache_folder_is_refused_at_the_start(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, command: list[str],
        inside: str) -> None:
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    (cache / "features").mkdir(parents=True)
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cache))
    what = "file" if command[0] == "extract" else "folder"
    name = f"{inside}.npz" if what == "file" else inside
    out = cache / name
    line = _one_line(*cli(*command, out)[::2])
    assert line == (f"merbench: error: {command[-1]} {out} is inside the cache folder "
                    f"(MERBENCH_CACHE_DIR={cache}), which holds merbench's cache alone; give "
                    f"a {what} outside it, or set MERBENCH_CACHE_DIR to another folder"), line
    assert not out.exists() and not survey_cache(cache).foreign  # only merbench's stores


def test_the_default_cache_folder_is_refused_as_an_output_too(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERBENCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = tmp_path / ".cache" / "merbench"
    line = _one_line(*cli("run", *TINY_RUN, "--out", cache)[::2])
    assert line == (f"merbench: error: --out {cache} is the cache folder (the default cache "
                    f"folder {cache}), which holds merbench's cache alone; give a folder "
                    "outside it, or set MERBENCH_CACHE_DIR to another folder"), line
    assert not (cache / "run.json").exists()


def test_a_sweeps_out_inside_the_cache_folder_is_refused(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plan.toml").write_text(SWEEP_PLAN.replace('out = "runs"', 'out = "cache/runs"'))
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "cache")
    line = _one_line(*cli("sweep", "--quiet", "--threads", "1", "plan.toml")[::2])
    runs = tmp_path / "cache" / "runs"
    assert line == (f"merbench: error: plan.toml's out {runs} is inside the cache folder "
                    "(MERBENCH_CACHE_DIR=cache), which holds merbench's cache alone; give a "
                    "folder outside it, or set MERBENCH_CACHE_DIR to another folder"), line
    assert not runs.exists()

