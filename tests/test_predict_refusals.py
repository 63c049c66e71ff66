"""``merbench predict``'s refusals that the third adversarial pass after issue 84 found said in
a library's words, or not at all (P4, P5, P6 and the minor ones): each case is the command a
user types on a tiny video or frame folder made here, and its one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from refusal_line import refusal_line


def _frames(folder: Path, size: int = 64, count: int = 5) -> Path:
    import cv2

    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        cv2.imwrite(str(folder / f"{i}.png"), (rng.random((size, size, 3)) * 255).astype("uint8"))
    return folder


def _video(path: Path) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 64))
    rng = np.random.default_rng(0)
    for _ in range(10):
        writer.write((rng.random((64, 64, 3)) * 255).astype("uint8"))
    writer.release()
    return path


def test_a_damaged_frame_is_merbenchs_line_alone(tmp_path: Path) -> None:
    """P6: OpenCV wrote "[ WARN:0@0.016] global grfmt_png.cpp:834 ..." and "[ERROR:0@0.016]
    ... IHDR chunk shall be first" on the terminal above merbench's refusal. From C, so only
    a process of its own shows it (OpenCV reads its log level once a process)."""
    frames = _frames(tmp_path / "frames")
    (frames / "2.png").write_bytes(b"\x89PNG\r\n\x1a\nxxxxgarbage")
    done = subprocess.run([sys.executable, "-m", "merbench", "predict", str(frames), "--fps",
                           "30", "--no-face-crop", "--quiet", "--out", str(tmp_path / "p")],
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"merbench: error: {frames / '2.png'} (frame 2) cannot be decoded as an image "
        "(damaged, too large or not an image); save the frames again as 8-bit PNG or JPEG "
        "images (OpenCV reads neither floating-point samples nor every TIFF)"]


def test_dataset_video_without_path_says_predict_makes_it_of_path(cli, tmp_path: Path) -> None:
    """P4: "long-video dataset 'video' cannot be built with fps=30: make_user_video() missing 1
    required positional argument: 'path'; change the option", Python's words for a
    signature no user wrote."""
    line = refusal_line(*cli("predict", "--dataset", "video", "--video", "video/user/x",
                         "--dataset-opt", "fps=30", "--out", tmp_path / "p"))
    assert line == ("merbench: error: --dataset video is the dataset predict makes of PATH; "
                    "give the video file or the folder of its frames as PATH: merbench "
                    "predict PATH --out DIR"), line
    assert not (tmp_path / "p").exists()


def test_a_factory_is_never_refused_in_pythons_words_for_its_signature() -> None:
    """Any factory: an option it cannot do without, left out, is named as an option; a call
    inside it that fits no signature is the plugin's fault, said as such."""
    from merbench.base.errors import MerbenchError
    from merbench.meta import DatasetMeta
    from merbench.plugin_system.entry import Entry, Origin

    def needs_path(path: str, fps: float | None = None) -> None:
        return None

    def calls_badly(fps: float | None = None) -> None:
        needs_path(fps=fps)  # type: ignore[call-arg]

    meta = DatasetMeta(name="mine", version=1, description="d", citation="c",
                       provides=("flow_uvos",))
    origin = Origin("mine", "mine-package", "1.0")
    with pytest.raises(MerbenchError) as said:
        Entry(meta, needs_path, origin).create("long-video dataset", fps=30)
    assert str(said.value) == ("long-video dataset 'mine' needs the option 'path', which was "
                               "not given; give path=VALUE")
    with pytest.raises(MerbenchError) as said:
        Entry(meta, calls_badly, origin).create("long-video dataset", fps=30)
    assert "missing" not in str(said.value) and "()" not in str(said.value), said.value
    assert str(said.value).endswith("a fault of plugin 'mine' (package mine-package 1.0); "
                                    "report it to the plugin's authors"), said.value


BESIDE_PATH = "is an option of --dataset NAME, which is not given; for PATH"


@pytest.mark.parametrize(("given", "said"), [
    (["--dataset-opt", "face_crop=maybe"],
     f"--dataset-opt face_crop {BESIDE_PATH} read its frames whole with --no-face-crop"),
    (["--dataset-opt", "path=FRAMES"],
     "--dataset-opt path=FRAMES names a video beside PATH, which is the video; give one of "
     "them"),
    (["--dataset-opt", "fps=20", "--fps", "30"],
     f"--dataset-opt fps {BESIDE_PATH} give its frame rate as --fps"),
    (["--dataset-opt", "face_crop=true", "--no-face-crop"],
     f"--dataset-opt face_crop {BESIDE_PATH} read its frames whole with --no-face-crop"),
    (["--dataset-opt", "sheet=x"],
     f"--dataset-opt sheet {BESIDE_PATH} leave it out (PATH's own options are --fps and "
     "--no-face-crop)"),
], ids=["maybe", "path", "fps", "face-crop", "other"])
def test_predict_dataset_options_are_checked(given: list[str], said: str, cli,
                                             tmp_path: Path) -> None:
    """P5: face_crop=maybe was taken for true (predictions.json said so), and path= beside
    PATH was dropped unsaid while PATH was read; an option a flag sets too was overridden.
    Pass 84w, W11: any --dataset-opt beside PATH is refused, naming PATH's own flag (the
    truth-value check is -d video's, below)."""
    video = _video(tmp_path / "v.avi")
    frames = str(_frames(tmp_path / "frames"))
    args = [a.replace("FRAMES", frames) for a in given]
    line = refusal_line(*cli("predict", video, *args, "--out", tmp_path / "p"))
    assert said.replace("FRAMES", frames) in line, line
    assert not (tmp_path / "p").exists()


def test_a_long_video_datasets_truth_value_is_checked_too(cli, tmp_path: Path) -> None:
    """The check is every factory's (Entry.create), so --dataset-opt of -d video is too."""
    frames = _frames(tmp_path / "frames")
    line = refusal_line(*cli("predict", "-d", "video", "--dataset-opt", f"path={frames}",
                         "--dataset-opt", "fps=30", "--dataset-opt", "face_crop=null",
                         "--out", tmp_path / "p"))
    assert "face_crop=null is not true or false" in line, line


def test_a_spotters_refusal_names_the_users_path(cli, tmp_path: Path) -> None:
    """1x1 frames were refused as "video video/user/fr_tiny", merbench's key for PATH."""
    frames = _frames(tmp_path / "fr_tiny", size=1)
    line = refusal_line(*cli("predict", frames, "--fps", "30", "--no-face-crop", "--out",
                         tmp_path / "p"))
    assert line == (f"merbench: error: spotter 'flow-peak' refused video '{frames}': the "
                    "spotter takes frames of at least 16 x 16 pixels (a face crop); got 1 x 1")


@pytest.mark.parametrize(("command", "said"), [
    (["run", "--model", "ststnet", "--dataset", "synthetic", "--no-plugin", "cnn"],
     "model 'ststnet' is provided by plugin 'cnn', which --no-plugin cnn leaves out; give the "
     "command without --no-plugin cnn to use it"),
    (["predict", "VIDEO", "--no-plugin", "datasets"],
     "long-video dataset 'video' is provided by plugin 'datasets', which --no-plugin datasets "
     "leaves out"),
], ids=["run", "predict"])
def test_a_name_whose_plugin_is_left_out_says_so(command: list[str], said: str, cli,
                                                 tmp_path: Path) -> None:
    """``predict --no-plugin cnn --from-run r`` said "unknown model 'ststnet' (did you mean
    'htnet'?)", and run and audit the same: every registry asks the plugins left out."""
    video = str(_video(tmp_path / "v.avi"))
    args = [video if a == "VIDEO" else a for a in command]
    line = refusal_line(*cli(*args, "--out", tmp_path / "p"))
    assert line == f"merbench: error: {said}" or said in line, line
    assert "unknown" not in line and "did you mean" not in line, line


def test_a_name_no_plugin_has_is_still_unknown(cli, tmp_path: Path) -> None:
    line = refusal_line(*cli("run", "--model", "ststnt", "--dataset", "synthetic", "--no-plugin",
                         "cnn", "--out", tmp_path / "p"))
    assert "unknown model 'ststnt'" in line, line


@pytest.mark.parametrize(("command", "said"), [
    (["predict", "VIDEO", "--fps", "1e999"],
     "--fps 1e999 is no frame rate a face video has; give frames per second from 1 to 10,000"),
    (["predict", "VIDEO", "--fps", "1e300"], "--fps 1e300 is no frame rate"),
    (["predict", "VIDEO", "--fps", "NaN"], "--fps NaN is no frame rate"),
    (["run", "-m", "ststnet", "-d", "synthetic", "--lr", "1e999"],
     "--lr 1e999: the value is infinite; give a finite number"),
    (["run", "-m", "ststnet", "-d", "synthetic", "--checkpoint-every", "nan"],
     "--checkpoint-every nan: the value is not a number (NaN); give a finite number"),
    (["tune", "SPACE", "--timeout-s", "1e999"],
     "--timeout-s 1e999 is no time; give a number of seconds above 0"),
], ids=["fps-inf", "fps-large", "fps-nan", "lr", "checkpoint", "timeout"])
def test_a_number_option_is_echoed_as_typed(command: list[str], said: str, cli,
                                            tmp_path: Path) -> None:
    """``predict --fps 1e999`` was refused as ``--fps inf`` (and 1e300 as 1e+300): what
    Python read, not what was typed. Every number option is checked where the text is known."""
    space = tmp_path / "space.toml"
    space.write_text("")
    given = {"VIDEO": str(_video(tmp_path / "v.avi")), "SPACE": str(space)}
    line = refusal_line(*cli(*[given.get(a, a) for a in command], "--out", tmp_path / "p"))
    assert said in line, line
    assert "inf " not in line and "e+" not in line, line


def _samm_long(root: Path) -> Path:
    """A SAMM Long Videos tree of one 12-frame video and its sheet (notes above the header)."""
    import cv2
    import pandas as pd

    video = root / "SAMM_longvideos" / "006_1"
    video.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(1, 13):
        cv2.imwrite(str(video / f"006_1_{i:04d}.jpg"),
                    (rng.random((32, 32, 3)) * 255).astype("uint8"))
    header = ["Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset",
              "Duration", "Type", "Action Units", "Notes"]
    rows = [["006", "006_1_1", 1, 3, 5, 8, 6, "Micro - 1/2", "4", ""]]
    pd.DataFrame([*[["notes"] + [""] * 9] * 9, header, *rows]).to_excel(
        root / "SAMM_LongVideos_V3_Release.xlsx", header=False, index=False)
    return root


@pytest.mark.parametrize("order", ["dataset first", "data root first"])
def test_predict_reads_a_long_video_dataset_from_data_root(order: str, cli, tmp_path: Path,
                                                          monkeypatch) -> None:
    """N3 (pass 84f): ``--data-root`` reached the run alone, so ``predict --dataset samm-long
    --video ... --data-root DIR`` was told "no --data-root was given" (its own --help lists
    it, and ``spot`` takes it); ``--dataset-opt data_root=`` worked."""
    monkeypatch.delenv("MERBENCH_DATA_DIR", raising=False)
    root = _samm_long(tmp_path / "SAMMLV")
    dataset = ["--dataset", "samm-long", "--video", "samm-long/006/006_1"]
    where = ["--data-root", str(root)]
    given = [*dataset, *where] if order == "dataset first" else [*where, *dataset]
    # passes of k = 4 frames at 200 fps, which a 12-frame video is long enough for
    short = ["--spotter-opt", "micro_k_seconds=0.02", "--spotter-opt", "macro_k_seconds=0.02"]
    code, out, err = cli("predict", "--quiet", *given, *short, "--out", tmp_path / "p")
    assert code == 0, err
    assert "006_1: frames 1..12 at 200 fps" in out
    assert (tmp_path / "p" / "predictions.json").is_file()


def test_an_out_inside_the_frames_it_reads_is_refused(tmp_path: Path, cli) -> None:
    """``predict PATH --out PATH/sub`` wrote its folder into the user's folder of frames, where
    ``export`` and ``convert-weights`` refuse an output inside what they read."""
    frames = _frames(tmp_path / "frames")
    code, _, err = cli("predict", frames, "--fps", "30", "--no-face-crop", "--quiet", "--out",
                       frames / "o")
    assert code == 2 and err.strip() == (
        f"merbench: error: --out {frames / 'o'} is inside PATH {frames}, which this command "
        "reads and never writes into; choose another --out"), err
    assert not (frames / "o").exists()
