"""What pass 84j found of output places: a symbolic-link loop (``ln -s b a; ln -s a b``)
given as ``run --out``, ``leaderboard build --out``, ``extract --save`` or a sweep plan's
``out`` ended in Python's ``RuntimeError: Symlink loop`` (a traceback), where ``spot`` and
``keygen`` refused it, and other commands said of it "does not exist"; a
``MERBENCH_CACHE_DIR`` inside (or at) a result's folder had ``run`` write participants'
features into the result, which ``validate`` still passed; and ``keygen`` printed a path
with a newline over two lines. Each case runs the command a user runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TINY_RUN, TINY_SPOT

LOOP = "is a symbolic link loop (its links lead back to themselves)"
THROUGH = "goes through loopA, a symbolic link loop (its links lead back to themselves)"


def _one_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err and "RuntimeError" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``loopA`` -> ``loopB`` -> ``loopA`` in the current folder (a fresh one)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loopB").symlink_to("loopA")
    (tmp_path / "loopA").symlink_to("loopB")
    return tmp_path


@pytest.mark.parametrize("out", ["loopA", "loopA/x"])
@pytest.mark.parametrize("command", ["run", "build", "extract", "spot", "keygen"])
def test_an_output_place_in_a_link_loop_is_refused_in_one_line(
        loop: Path, cli, examples: dict[str, Path], command: str, out: str) -> None:
    given = {"run": ["run", *TINY_RUN, "--out", out],
             "build": ["leaderboard", "build", "--results", examples["emotion run"], "--out",
                       out],
             "extract": ["extract", "--dataset", "synthetic", "--dataset-opt", "subjects=2",
                         "--feature", "flow-uvos", "--save", out],
             "spot": ["spot", *TINY_SPOT, "--out", out],
             "keygen": ["keygen", "--out", out]}[command]
    line = _one_line(*cli(*given)[::2])
    option = "--save" if command == "extract" else "--out"
    said = LOOP if out == "loopA" else THROUGH
    assert line.startswith(f"merbench: error: {option} {out} {said}; give another "), line
    # each command's own kind of place, as its other refusals of the place give it (walk
    # 85m: spot's said "such as runs/NAME", where its others say spots/NAME)
    example = {"spot": "spots/NAME", "build": "site", "keygen": "keys/audit-key",
               "extract": "features.npz"}.get(
        command, "runs/NAME")
    assert line.endswith(f", such as {example}"), line
    assert sorted(p.name for p in loop.iterdir()) == ["loopA", "loopB"]  # nothing written


def test_a_sweep_plan_whose_out_is_a_link_loop_is_refused_in_one_line(loop: Path,
                                                                       cli) -> None:
    (loop / "plan.toml").write_text('out = "loopA"\n[[runs]]\nmodel = "ststnet"\n'
                                    'dataset = "synthetic"\nepochs = 1\n'
                                    'dataset_options = {subjects = 2}\n')
    line = _one_line(*cli("sweep", "--quiet", "plan.toml")[::2])
    assert line.startswith("merbench: error: plan.toml: out: ") and LOOP in line, line


@pytest.mark.parametrize(("given", "said"), [
    (["migrate", "loopA"], f"merbench: error: loopA {LOOP}; pass a run directory"),
    (["convert-weights", "ststnet", "loopA", "--out", "w.pth"], f"merbench: error: loopA {LOOP}"),
    (["leaderboard", "build", "--results", "r", "--trust", "loopA", "--out", "s"],
     f"merbench: error: --trust loopA: {LOOP}"),
], ids=["migrate", "convert-weights", "trust"])
def test_a_link_loop_read_from_is_said_as_one_not_as_missing(loop: Path, cli, given: list[str],
                                                             said: str) -> None:
    line = _one_line(*cli(*given)[::2])
    assert line.startswith(said), line
    assert "does not exist" not in line and "no such file" not in line, line


def test_a_cache_folder_in_a_link_loop_is_said_as_one(loop: Path, cli,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "loopA")
    code, out, err = cli("cache", "info")
    assert out == "", out
    assert _one_line(code, err) == f"merbench: error: the cache path loopA {LOOP}; set " \
                                   "MERBENCH_CACHE_DIR to a folder"


@pytest.mark.parametrize(("cache", "where"), [
    ("res", "is the folder of a merbench result"),
    ("res/cache", "is inside res, the folder of a merbench result"),
], ids=["at", "inside"])
def test_a_cache_folder_in_a_result_is_refused_before_anything_is_written(
        examples: dict[str, Path], tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch,
        cache: str, where: str) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples["emotion run"], tmp_path / "res")
    before = sorted(p.name for p in (tmp_path / "res").iterdir())
    monkeypatch.setenv("MERBENCH_CACHE_DIR", cache)
    line = _one_line(*cli("run", *TINY_RUN, "--feature", "flow-uvos", "--out", "new")[::2])
    assert line == f"merbench: error: MERBENCH_CACHE_DIR={cache} {where} (it holds run.json), " \
                   "whose files are its own; set it to a folder outside result folders", line
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == before
    assert not (tmp_path / "new").exists()


def test_keygen_prints_a_path_with_a_newline_on_one_line(tmp_path: Path, cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # merbench makes no name with a newline (pass 84ab, AB9), but writes into a folder the
    # user named so
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ka\nkb").mkdir()
    code, out, err = cli("keygen", "--out", "ka\nkb/k")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3, out
    assert lines[0].startswith("private key: ka\\nkb/k (mode 0600"), out
    assert lines[1].startswith("public key: ka\\nkb/k.pub (give it"), out
    assert (tmp_path / "ka\nkb" / "k").is_file()
    # the command to paste names the file as a shell takes it back (walk 85m: '--trust
    # ka\\nkb.pub', escaped as one line, named a path that is not the file)
    pasted = lines[1].split("--trust ", 1)[1].removesuffix(")")
    assert pasted == "$'ka\\nkb/k.pub'", out
    echoed = subprocess.run(["bash", "-c", f"printf %s {pasted}"], capture_output=True,
                            text=True, check=True).stdout
    assert (tmp_path / echoed).is_file() and echoed.endswith("kb/k.pub"), echoed


TUNE_TINY = str(Path(__file__).parents[1] / "examples" / "tune-tiny.toml")
RESULTS = str(Path(__file__).parents[1] / "leaderboards" / "results" / "ststnet-composite-loso")
#: how the refusal says the folder of each command whose folder refuses what it did not
#: write, and where to set the cache instead; a result's folder otherwise
_OWN_FOLDERS = {"predict": "the output folder of 'merbench predict'",
                "leaderboard": "the site folder of 'merbench leaderboard build'",
                "export": "the output folder of 'merbench export'"}


@pytest.mark.parametrize("command", [
    ["run", *TINY_RUN], ["spot", *TINY_SPOT], ["tune", TUNE_TINY, "--score", "test"],
    ["predict", "--dataset", "synthetic-long", "--video", "synthetic-long/sub01/v1"],
    ["leaderboard", "build", "--results", RESULTS],
    ["export", "--dataset", "synthetic", "--layout", "htnet"],
], ids=["run", "spot", "tune", "predict", "build", "export"])
@pytest.mark.parametrize(("cache", "where"), [
    ("new", "is"), ("new/cache", "is inside new,"),
], ids=["at", "inside"])
def test_a_cache_folder_in_the_out_folder_is_refused_at_the_start(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, command: list[str],
        cache: str, where: str) -> None:
    """The folder --out names holds no result yet when the command starts, so the check of
    a cache inside a result passed, the command wrote its cache into its own result, and
    every later command refused the setting: refused at the start, in the same words."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MERBENCH_CACHE_DIR", cache)
    line = _one_line(*cli(*command, "--out", "new")[::2])
    said_as, outside = (_OWN_FOLDERS[command[0]], "new") if command[0] in _OWN_FOLDERS \
        else ("the folder of a merbench result", "result folders")
    assert line == f"merbench: error: MERBENCH_CACHE_DIR={cache} {where} {said_as} (--out " \
                   f"new writes one there), whose files are its own; set it to a folder " \
                   f"outside {outside}", line
    assert not (tmp_path / "new").exists(), sorted(map(str, (tmp_path / "new").rglob("*")))


SWEEP_PLAN = ('out = "runs"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
              'epochs = 1\n[runs.dataset_options]\nsubjects = 2\ndatabases = 1\n'
              'samples_per_subject = 3\n')
SWEEP_RUN = "ststnet-synthetic-loso-b99a9c89"  # the plan's one configuration's folder


def test_a_cache_folder_in_a_sweeps_run_is_refused_before_any_run(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run of a sweep, in a folder inside the plan's out, is refused alike before a
    run is written."""
    monkeypatch.chdir(tmp_path)
    Path("plan.toml").write_text(SWEEP_PLAN)
    monkeypatch.setenv("MERBENCH_CACHE_DIR", f"runs/{SWEEP_RUN}/cache")
    line = _one_line(*cli("sweep", "--quiet", "--threads", "1", "plan.toml")[::2])
    run = tmp_path / "runs" / SWEEP_RUN  # the plan's out is read from the plan's folder
    assert line == f"merbench: error: MERBENCH_CACHE_DIR=runs/{SWEEP_RUN}/cache is inside " \
                   f"{run}, the folder of a merbench result (plan.toml's run {run} writes " \
                   "one there), whose files are its own; set it to a folder outside result " \
                   "folders", line
    assert not list(tmp_path.rglob("run.json"))


def test_a_cache_folder_beside_a_sweeps_runs_is_taken(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep's out is a folder of runs, no result itself: a cache beside the runs is in
    no result's folder."""
    monkeypatch.chdir(tmp_path)
    Path("plan.toml").write_text(SWEEP_PLAN)
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "runs/cache")
    code, _, err = cli("sweep", "--quiet", "--threads", "1", "plan.toml")
    assert code == 0, err
    assert (tmp_path / "runs" / SWEEP_RUN / "seed-0" / "run.json").is_file()




def _refused_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``export`` refused while it plans, its cache in ``fresh/cache``, in a process of its
    own, as a user runs it: one that has loaded torch reads the plugins' options itself and
    keeps none; and in a working folder not changed in the last seconds (it is on the
    import path, and options read just after a change there are not kept)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "fresh/cache")
    settled = time.time() - 60
    os.utime(tmp_path, (settled, settled))
    done = subprocess.run([sys.executable, "-m", "merbench", "export", "--dataset",
                           "synthetic", "--layout", "htnet", "--out", "exp"],
                          capture_output=True, text=True)
    line = _one_line(done.returncode, done.stderr)
    assert "feature 'tvl1-uvos' needs onset_frame" in line, line


def test_a_refused_export_leaves_no_cache_folder_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command refused while it plans has computed nothing, yet planning kept its plugins'
    options in a cache folder it made (and the folder above it): a new folder each try."""
    _refused_export(tmp_path, monkeypatch)
    assert sorted(tmp_path.iterdir()) == [], sorted(map(str, tmp_path.rglob("*")))


def test_a_refused_export_keeps_what_it_wrote_in_a_cache_folder_that_was_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a cache folder the command made is taken back: one that was there keeps the
    plugins' options, which spare the next command a child process."""
    (tmp_path / "fresh" / "cache").mkdir(parents=True)
    _refused_export(tmp_path, monkeypatch)
    assert (tmp_path / "fresh" / "cache" / "plugin-options").is_dir()
