"""What the adversarial pass after issue 84 found next: refusals that named a path two or
three times (keygen's existing key, a cache path that is a file, a data folder that is not
there), a library's own words (the system's "File name too long", git's "fatal:",
OpenCV's container messages), and options taken that should have been refused. Each case
runs the command a user runs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS, TINY_RUN, TINY_SPOT

from merbench.cli import main


def _one_line(code: int, err: str) -> str:
    assert code != 0, err
    assert "Traceback" not in err and "[OSError]" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: p.write_text("a key"), "exists; merbench never overwrites a key"),
    (lambda p: p.mkdir(), "is a folder, not a file"),
    (lambda p: os.mkfifo(p), "is a fifo, not a file"),
], ids=["file", "folder", "fifo"])
def test_keygen_names_what_is_at_out_once(make, said: str, cli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "k1")
    line = _one_line(*cli("keygen", "--out", "k1")[::2])
    assert line.startswith("merbench: error: --out k1 ") and said in line, line
    assert line.count("k1") == 1, line


def test_keygen_names_an_existing_public_key_by_its_name(cli, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k1.pub").mkdir()
    line = _one_line(*cli("keygen", "--out", "k1")[::2])
    assert "--out k1: k1.pub is a folder, not a file" in line, line
    assert not (tmp_path / "k1").exists()


@pytest.mark.parametrize(("out", "said"), [
    ("kdeep/" + "dd/" * 2000 + "k", "folders deep, more than the 100 merbench makes"),
    ("k" * 300, "has a name of 300 bytes, more than the 255 a file's name may have"),
])
def test_keygen_refuses_a_path_too_deep_or_long(out: str, said: str, cli, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = _one_line(*cli("keygen", "--out", out)[::2])
    assert line.startswith("merbench: error: --out ") and said in line, line
    assert "give a shorter file, such as keys/audit-key" in line, line
    assert "File name too long" not in line, line


@pytest.mark.parametrize(("make", "kind"), [
    (lambda p: p.write_text("x"), "a file"), (lambda p: os.mkfifo(p), "a fifo"),
], ids=["file", "fifo"])
def test_a_cache_path_that_is_no_folder_is_named_once(make, kind: str, cli, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path / "cachepath")
    monkeypatch.chdir(tmp_path)  # a short path, said whole: a long one is shortened
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "cachepath")
    line = _one_line(*cli("cache", "info")[::2])
    assert f"MERBENCH_CACHE_DIR=cachepath is {kind}, not a folder" in line
    assert line.count("cachepath") == 1, line


@pytest.mark.parametrize(("dataset", "make", "state"), [
    ("composite", None, "does not exist"),
    ("composite", lambda p: p.write_text("x"), "is a file, not a folder"),
    ("casme2", None, "does not exist"),
], ids=["composite-missing", "composite-file", "casme2-missing"])
def test_a_data_folder_that_is_not_there_is_named_once(dataset: str, make, state: str, cli,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "nodata"
    if make is not None:
        make(data)
    monkeypatch.setenv("MERBENCH_DATA_DIR", str(data))
    feature = ["--feature", "tvl1-uvos"] if dataset == "casme2" else []
    line = _one_line(*cli("run", "-m", "ststnet", "-d", dataset, *feature, "--epochs", "1",
                          "-q", "--out", tmp_path / "out")[::2])
    assert f"'{data}' (from MERBENCH_DATA_DIR) {state}" in line, line
    assert line.count("nodata") == 1, line
    assert not (tmp_path / "out").exists()


def _avi(path: Path, cut: int | None = None) -> Path:
    """A small MJPG .avi of 40 random 64x64 frames, cut to ``cut`` bytes if given."""
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 64))
    for i in range(40):
        writer.write(np.random.default_rng(i).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    writer.release()
    if cut is not None:
        path.write_bytes(path.read_bytes()[:cut])
    return path


def _committed_run(name: str, into: Path, data_root: str | None = None) -> Path:
    """A committed run copied to ``into``, its recorded data root set to ``data_root``."""
    run = into / name.replace("/", "-")
    shutil.copytree(COMMITTED_RESULTS / name, run)
    if data_root is not None:
        record = json.loads((run / "run.json").read_text())
        record["config"]["data_root"] = data_root
        (run / "run.json").write_text(json.dumps(record))
    return run


def test_predict_refuses_an_estimator_run_before_looking_for_its_data(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed run records ../shared/data, which is not found from another folder:
    that it is an estimator is said all the same, as it needs no data to know."""
    run = _committed_run("lbp-apex-svm-composite-loso", tmp_path)
    assert json.loads((run / "run.json").read_text())["config"]["data_root"].startswith("..")
    video = _avi(tmp_path / "clip.avi")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    line = _one_line(*cli("predict", video, "--no-face-crop", "--from-run", run, "-q",
                          "--out", "p")[::2])
    assert "model 'lbp-apex-svm' of" in line and "is an estimator" in line, line
    assert not Path("p").exists()


def test_predict_says_a_recorded_relative_data_root_is_not_found_from_here(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _committed_run("ststnet-composite-loso/seed-0", tmp_path, "../shared/data")
    video = _avi(tmp_path / "clip.avi")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    line = _one_line(*cli("predict", video, "--no-face-crop", "--from-run", run, "-q",
                          "--out", "p")[::2])
    assert f"{run} recorded a relative data root, which is not found from this folder" in line
    assert "give --data-root PATH of your copy of 'composite'" in line, line
    assert "shared/data" not in line, line
    assert not Path("p").exists()


def test_leaderboard_diff_of_a_revision_outside_a_git_checkout(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no checkout above it
    monkeypatch.delenv("GIT_DIR", raising=False)
    (tmp_path / "new").mkdir()
    monkeypatch.chdir(tmp_path)
    line = _one_line(*cli("leaderboard", "diff", "HEAD:leaderboards/results", "new")[::2])
    assert "fatal" not in line and ".git" not in line, line
    assert line.startswith("merbench: error: HEAD:leaderboards/results: the current folder "
                           "is not in a git checkout, so REV:PATH cannot be read"), line
    assert "give two folders: merbench leaderboard diff OLD_DIR NEW_DIR" in line, line


@pytest.mark.parametrize(("cut", "said"), [
    (3000, "OpenCV cannot open the video"),
    (10_000, "ends at frame 2, before the 40 it declares"),
], ids=["header", "frames"])
def test_a_cut_video_is_refused_in_merbench_line_alone(
        cut: int, said: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """OpenCV's AVI reader prints its own diagnosis from C ("Unexpected element. Expected:
    LIST. Got: ..."), so what reaches the terminal is read at the descriptor (capfd)."""
    video = _avi(tmp_path / "cut.avi", cut)
    code = main(["predict", str(video), "--no-face-crop", "-q", "--out", str(tmp_path / "p")])
    _, err = capfd.readouterr()
    line = _one_line(code, err)
    assert "Unexpected element" not in err and said in line, err
    assert line.startswith("merbench: error: "), line


@pytest.mark.parametrize("size", ["65537", str(2**31), str(2**63), str(10**15)])
def test_batch_size_has_an_upper_bound(size: str, cli, tmp_path: Path) -> None:
    line = _one_line(*cli("run", *TINY_RUN, "--batch-size", size, "--out",
                          tmp_path / "out")[::2])
    assert f"--batch-size must be at most 65,536 (got {size})" in line, line  # as typed
    assert "leave it out to use the model's own" in line, line
    assert not (tmp_path / "out").exists()


def _sweep_plan(tmp_path: Path, body: str) -> Path:
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path / "swept"}"\n{body}')
    return plan


@pytest.mark.parametrize("option", [("--ray-address", "127.0.0.1:6379"),
                                    ("--gpus-per-task", "0.5")], ids=["address", "gpus"])
@pytest.mark.parametrize("command", ["run", "tune", "sweep"])
def test_ray_options_without_the_ray_executor_are_refused(
        option: tuple[str, str], command: str, cli, tmp_path: Path) -> None:
    if command == "run":
        line = (*TINY_RUN, "--out", tmp_path / "out")
    elif command == "tune":
        (tmp_path / "tiny.toml").write_text(
            (Path(__file__).parents[1] / "examples" / "tune-tiny.toml").read_text())
        line = (tmp_path / "tiny.toml", "--score", "test", "--out", tmp_path / "out")
    else:
        line = (_sweep_plan(tmp_path, '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'),)
    said = _one_line(*cli(command, *line, *option)[::2])
    assert f"{option[0]} applies with --executor ray; give --executor ray, or leave " \
           f"{option[0]} out" in said, said
    assert not (tmp_path / "out").exists() and not (tmp_path / "swept").exists()


def test_a_gpu_share_in_a_sweep_plan_without_the_ray_executor_is_refused(
        cli, tmp_path: Path) -> None:
    plan = _sweep_plan(tmp_path, '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                                 "gpus_per_task = 0.5\n")
    line = _one_line(*cli("sweep", plan)[::2])
    assert "gpus_per_task: applies with --executor ray" in line, line  # the plan's key


def test_audit_refuses_more_folds_than_the_run_has(cli, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert cli("run", *TINY_RUN, "--out", run)[0] == 0  # two subjects: two folds
    line = _one_line(*cli("audit", run, "--folds", "999")[::2])
    assert "--folds 999 is more than the run's 2 folds; give at most 2, or 'all'" in line
    assert not (run / "audit.json").exists()
    code, _, err = cli("audit", run, "--seed", "0")  # left out: 3, or all of fewer
    assert code == 0 and "Traceback" not in err, err


def test_audit_refuses_more_subjects_than_a_spotting_run_has(cli, tmp_path: Path) -> None:
    spots = tmp_path / "spots"
    assert cli("spot", *TINY_SPOT, "--out", spots)[0] == 0
    line = _one_line(*cli("audit", spots, "--folds", "5")[::2])
    assert "--folds 5 is more than the run's 2 subjects; give at most 2, or 'all'" in line


@pytest.mark.parametrize(("defaults", "said"), [
    ('epochs = "x"', "[defaults] epochs: must be a whole number"),
    ("lr = [1]", "[defaults] lr: must be"),
    ('seeds = "x"', "[defaults] seeds: must be a list"),
    ("model = 3", "[defaults] model: must be a name or a non-empty list of names"),
])
def test_sweep_defaults_that_every_entry_overrides_are_checked(
        defaults: str, said: str, cli, tmp_path: Path) -> None:
    plan = _sweep_plan(tmp_path, f"[defaults]\n{defaults}\n[[runs]]\nmodel = \"ststnet\"\n"
                                 'dataset = "synthetic"\nepochs = 1\nlr = 0.01\n'
                                 "seeds = [0]\n")
    line = _one_line(*cli("sweep", plan, "-q")[::2])
    assert said in line and f"{plan}: " in line, line
    assert not (tmp_path / "swept").exists()


@pytest.mark.parametrize("make", [os.mkfifo, lambda p: os.symlink(p.parent / "elsewhere", p)],
                         ids=["fifo", "link"])
def test_extract_save_replaces_only_a_regular_file(make, cli, tmp_path: Path) -> None:
    target = tmp_path / "features.npz"
    make(target)
    line = _one_line(*cli("extract", "-d", "synthetic", "-f", "flow-uvos", "--save",
                          target)[::2])
    assert f"--save {target} is a " in line and ", not a file; merbench writes features " \
           "only in place of a regular file: choose another --save" in line, line
    assert target.is_symlink() or target.is_fifo()
    assert not (tmp_path / "elsewhere").exists()


def test_predict_refuses_two_frames_of_one_number(cli, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    frames = tmp_path / "frames"
    frames.mkdir()
    image = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    for name in ("x1.png", "y1.png", "z2.png"):
        cv2.imwrite(str(frames / name), image)
    line = _one_line(*cli("predict", frames, "--fps", "30", "--no-face-crop", "-q",
                          "--out", tmp_path / "p")[::2])
    assert f"the folder '{frames}' holds two frames numbered 1 (x1.png and y1.png)" in line
    assert "keep one file of each number" in line, line
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("option", [("--ray-address", "127.0.0.1:6379"),
                                    ("--gpus-per-task", "-1"), ("--checkpoint-every", "nan"),
                                    ("--threads", "0")], ids=["address", "gpus", "nan", "0"])
def test_a_bad_sweep_command_line_option_is_the_options_never_the_plans(
        option: tuple[str, str], cli, tmp_path: Path) -> None:
    """Pass 84c: ``sweep sw1.toml --ray-address x`` said "sw1.toml: runs[0] (ststnet on
    synthetic/loso): --ray-address applies with ...", blaming the plan's first entry for
    what the command line gave."""
    plan = _sweep_plan(tmp_path, '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n')
    said = _one_line(*cli("sweep", plan, *option)[::2])
    assert said.startswith(f"merbench: error: {option[0]} "), said
    assert "plan.toml" not in said and "runs[0]" not in said, said
    assert not (tmp_path / "swept").exists()
