"""The cache folder holds merbench's stores alone: no command writes its output there, and
``cache info``/``cache clear`` name a merbench result found there as the result it is.

A features file saved into the cache blocked every ``cache clear`` (one feature's too), and
a run written there was taken for a store without its marker, whose offered fix (``rm -r``)
deleted the run. Each case runs the command a user runs."""

from __future__ import annotations

import shutil
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


def _shard(cached: Path) -> str:
    return next(p.name for p in (cached / "features" / "row-sum").iterdir() if p.is_dir())


@pytest.mark.parametrize("place", [
    "features/myrun", "myrun", "features/row-sum/myrun", "features/row-sum/SHARD/myrun",
])
def test_a_run_in_the_cache_is_said_as_a_result_and_never_offered_for_deletion(
        cached: Path, tiny_finished_run: Path, cli, monkeypatch: pytest.MonkeyPatch,
        place: str) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    place = place.replace("SHARD", _shard(cached))
    run = cached / place
    shutil.copytree(tiny_finished_run, run, symlinks=True)
    said = (f"'{place}' is a merbench result (an emotion run), not merbench's cache; move it "
            "out of the cache folder")
    line = _one_line(*cli("cache", "clear")[::2])
    assert line == (f"merbench: error: refusing to clear the cache {cached}: {said}, then "
                    "clear; nothing was deleted"), line
    code, out, err = cli("cache", "info")
    assert code == 0, err
    assert f"{cached}: {said} (until then 'merbench cache clear' refuses to clear the " \
           "cache)" in out.splitlines(), out
    assert "rm -r" not in out + err and (run / "results.json").is_file()
    assert (cached / "features" / "row-sum" / "merbench-store.json").is_file()


def test_a_folder_holding_a_run_in_the_cache_is_said_so(
        cached: Path, tiny_finished_run: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    shutil.copytree(tiny_finished_run, cached / "features" / "runs" / "r1", symlinks=True)
    line = _one_line(*cli("cache", "clear")[::2])
    assert line == (f"merbench: error: refusing to clear the cache {cached}: 'features/runs' "
                    "is a folder holding a merbench result "
                    f"({cached / 'features' / 'runs' / 'r1'}), not merbench's cache; move it "
                    "out of the cache folder, or set MERBENCH_CACHE_DIR to a folder only "
                    "merbench writes to, then clear; nothing was deleted"), line


def test_cache_info_names_a_result_in_the_cache_on_one_line(
        cached: Path, tiny_finished_run: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder named with a newline split the line naming it in two."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    shutil.copytree(tiny_finished_run, cached / "features" / "my\nrun", symlinks=True)
    code, out, err = cli("cache", "info")
    assert code == 0, err
    assert f"{cached}: 'features/my\\nrun' is a merbench result (an emotion run), not " \
           "merbench's cache; move it out of the cache folder (until then 'merbench cache " \
           "clear' refuses to clear the cache)" in out.splitlines(), out


def test_clearing_one_feature_minds_only_what_lies_in_its_store(
        cached: Path, tiny_finished_run: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """What lies beside the store (a file of the user's, a run) is left where it is, and
    does not stop the store told by its manifest being cleared."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    (cached / "x.npz").write_bytes(b"mine")
    (cached / "features" / "y.npz").write_bytes(b"mine")
    shutil.copytree(tiny_finished_run, cached / "features" / "myrun", symlinks=True)
    code, _, err = cli("cache", "clear", "--feature", "row-sum")
    assert code == 0, err
    assert not (cached / "features" / "row-sum").exists()
    assert (cached / "x.npz").read_bytes() == b"mine" == (cached / "features" / "y.npz"
                                                          ).read_bytes()
    assert (cached / "features" / "myrun" / "results.json").is_file()
    line = _one_line(*cli("cache", "clear")[::2])  # all of it: the strangers count
    assert "'features/myrun' is a merbench result" in line, line


def test_clearing_one_feature_still_refuses_a_stranger_inside_its_store(
        cached: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    stray = cached / "features" / "row-sum" / "notes.txt"
    stray.write_text("mine")
    line = _one_line(*cli("cache", "clear", "--feature", "row-sum")[::2])
    assert line.startswith(f"merbench: error: refusing to clear the cache {cached}: it holds "
                           "1 thing merbench did not write ('features/row-sum/notes.txt')"), line
    assert stray.is_file() and (cached / "features" / "row-sum" / "merbench-store.json").is_file()
