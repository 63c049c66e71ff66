"""What the eleventh adversarial pass (issue 84) found: a deeply nested ``tuning.json``
stopped eight commands with a traceback, a deep ``--out`` recursed in ``mkdir``, a fifo
named as a coding sheet hung ``run`` past SIGTERM, and refusals quoted a library's text.
Each case runs the command a user runs."""

from __future__ import annotations

import json
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
    if command == "status":  # the tuning's line, as of every damaged result (pass 84o)
        assert code == 0 and "nested deeper than 100 levels" in out, out + err
        assert "('merbench validate' refuses it)" in out and not err, out + err
        return
    assert code != 0
    if command == "tune":
        assert "its tuning.json is not the record of a search (it is not JSON (nested deeper " \
               "than 100 levels" in err, err


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
    code, _, err = cli(*line, "--out", out)
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


@pytest.mark.parametrize("content", ["[]", "null", '{"spec": [], "mode": "nested"}'])
def test_a_tuning_record_of_another_shape_is_said_in_words(tmp_path: Path, cli,
                                                           content: str) -> None:
    """``validate`` of a ``tuning.json`` that is a list or null quoted Python's own error.
    ``status`` says it in its line for the tuning (exit status 0), as of every damaged
    result: the folder's tune.json and runs.tar.xz say it is one (pass 84o)."""
    folder = Path(shutil.copytree(TUNING, tmp_path / "tuning"))
    (folder / "tuning.json").write_text(content)
    for command in ("validate", "status"):
        code, out, err = cli(command, folder)
        said = err if command == "validate" else out
        assert code == (2 if command == "validate" else 0), out + err
        assert "tuning.json" in said and (
            "not a JSON object" in said or "lacks its spec" in said
            or "holds a list" in said or "holds null" in said), said
        assert "indices" not in said and "NoneType" not in said and "object has no" not in said


AUDITED = RESULTS / "lbp-apex-svm-composite-loso"


def test_an_audit_part_cut_otherwise_is_shown_as_its_cut(tmp_path: Path, cli) -> None:
    """A copied audit whose part names the same label cut otherwise printed one label twice
    ("its part 3 is syn2/s02, the result's is syn2/s02")."""
    run = Path(shutil.copytree(AUDITED, tmp_path / "run"))
    audit = json.loads((run / "audit.json").read_text())
    audit["audits"][0]["folds"][0]["key"] = ["casme2/sub09"]
    (run / "audit.json").write_text(json.dumps(audit))
    code, _, err = cli("validate", run)
    assert code == 2, err
    assert 'is ["casme2/sub09"], the result\'s is ["casme2", "sub09"]' in err, err


def test_a_first_step_failure_says_what_was_kept_in_words(tmp_path: Path, cli) -> None:
    """``tune`` said "Nothing was kept" over the runs and record it kept; the refusal also
    quoted torch's own message."""
    code, _, err = cli("run", "--model", "offapexnet", "--dataset", "synthetic", "--epochs",
                       "1", "--threads", "1", "--model-opt", "image_size=32", "--out",
                       tmp_path / "r", "--quiet")
    assert code == 2 and "This run kept no fold" in err, err
    assert "Nothing was kept" not in err and "RuntimeError" not in err, err
    assert "mat1" not in err and "shapes cannot be multiplied" not in err, err


# ------------------------------------------------------------ options that name things


@pytest.mark.parametrize(("name", "says"), [
    ("merbench_cnn", "--no-plugin 'merbench_cnn': no installed merbench plugin is named that "
                     "(did you mean cnn?); installed: cnn, datasets"),
    ("", "--no-plugin '': no installed merbench plugin is named that; installed: cnn"),
])
def test_no_plugin_names_an_installed_plugin(cli, name: str, says: str) -> None:
    """``--no-plugin merbench_cnn`` and ``--no-plugin ''`` were ignored: the plugin loaded."""
    code, out, err = cli("list", "models", "--no-plugin", name)
    assert code == 2 and says in err and out == "", err
    _one_line(err)


def test_no_plugin_of_an_installed_plugin_still_leaves_it_out(cli) -> None:
    code, out, err = cli("list", "models", "--no-plugin", "cnn")
    assert code == 0, err
    assert "alexnet" not in out.lower(), out  # the cnn plugin's models are left out
    assert "htnet" in out.lower(), out  # the other plugins' are not


def test_a_video_declaring_a_frame_rate_no_face_video_has_is_refused(
        tmp_path: Path, cli) -> None:
    """``predict`` of a video declaring 0.01 fps was accepted, while ``--fps 0.01`` is
    refused: the file's own rate meets the same bounds."""
    import cv2
    import numpy as np

    video = tmp_path / "slow.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 0.01, (32, 32))
    for value in range(30):  # at 30 fps, more than flow-peak's least (25)
        writer.write(np.full((32, 32, 3), value * 8, np.uint8))
    writer.release()
    code, _, err = cli("predict", video, "--no-face-crop", "--out", tmp_path / "p")
    assert code == 2, err
    assert "declares 0.01 fps, no frame rate a face video has; give its true rate as --fps N " \
           "with PATH, or --dataset-opt fps=N with --dataset video (from 1 to 10,000)" in err, err
    _one_line(err)
    # its true rate given, the same video is read
    code, _, err = cli("predict", video, "--no-face-crop", "--fps", "30", "--out",
                       tmp_path / "q", "--quiet")
    assert code == 0, err


def test_a_recogniser_option_is_refused_before_any_video_is_spotted(
        tmp_path: Path, cli) -> None:
    """``spot --recognise ststnet --model-opt padding=-5`` was refused only after every
    video was spotted (ststnet now refuses that padding up front: offapexnet's image_size=32
    is an option that fails only on data)."""
    code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                       "--dataset-opt", "subjects=2", "--dataset-opt", "videos_per_subject=1",
                       "--quiet", "--recognise", "offapexnet", "--model-opt", "image_size=32",
                       "--out", tmp_path / "s")
    assert code == 2, err
    assert "--recognise offapexnet cannot run" in err and "before anything is spotted" in err
    assert "(image_size=32) are the likely cause" in err and "RuntimeError" not in err, err
    _one_line(err)
    assert not (tmp_path / "s" / "videos").exists()  # nothing was spotted
