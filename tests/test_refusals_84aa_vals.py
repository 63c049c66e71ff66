"""Pass 84aa's findings on values (AA4, AA6, AA7, AA8, AA9): a learning rate below float32's
smallest number, taken although every step of it is 0 in the weights (AA4); a raw database
whose --skip-missing left one subject, said only as "leave-one-subject-out needs at least two
subjects" (AA6); a sweep plan's empty out (AA7); OFF-ApexNet's hidden of 0 or -1 and a model
too large to build said with a smaller --batch-size as its fix (AA8); predict of a video too
short for the spotter to score any frame (AA9). Each case runs the command a user runs and
reads the one line it refuses with."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import one_line

from merbench.meta import ReducedSetting, TrainRecipe
from merbench.runner.checks import check_values
from merbench.runner.spec import RunSettings, RunSpec

TINY_TUNING_FILE = Path(__file__).parent.parent / "examples" / "tune-tiny.toml"
SMALL = ("a step that small leaves weights of ordinary size unchanged in their 32-bit numbers, "
         "so the run would train nothing")  # the bound rose to 1e-09 (pass 84ab, AB14)


def _refused(code: int, out: str, err: str) -> str:
    """A refusal: exit status 2 and one line on stderr."""
    assert code == 2, (out, err)
    return one_line(err)


# AA4: --lr 1e-320 trained a whole run whose steps were all 0 in the float32 weights


def test_an_lr_below_float32s_smallest_is_refused_on_the_command_line(cli,
                                                                      tmp_path: Path) -> None:
    line = _refused(*cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                         "--lr", "1e-320", "--out", tmp_path / "r"))
    assert line == f"merbench: error: --lr must be at least 1e-09 (got 1e-320): {SMALL}"
    assert not (tmp_path / "r").exists()


def test_the_smallest_lr_itself_is_taken() -> None:
    check_values(RunSpec(model="ststnet", dataset="synthetic", lr=1e-9), RunSettings())


def test_an_lr_below_float32s_smallest_is_refused_in_a_sweep_plan(cli,
                                                                  tmp_path: Path) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\n'
                    'lr = 1e-320\n')
    line = _refused(*cli("sweep", "--quiet", plan))
    assert "p.toml: runs[0] (ststnet on synthetic/loso) lr: must be at least 1e-09 " \
           f"(got 1e-320): {SMALL}" in line, line


@pytest.mark.parametrize(("swap", "said"), [
    ("lr = {choices = [0.001, 1e-320]}", "[space] lr: the choice 1e-320: lr must be at least"),
    ('lr = {low = 1e-320, high = 1e-2, log = true}\n[search]\nsampler = "tpe"',
     "[space] lr: the low end 1e-320: lr must be at least"),
    ("epochs = {choices = [1]}\n[options]\nlr = 1e-320",
     "[options] lr: the value 1e-320: lr must be at least"),
], ids=["choice", "low-end", "options"])
def test_an_lr_below_float32s_smallest_is_refused_in_a_tuning_file(
        swap: str, said: str, cli, tmp_path: Path) -> None:
    text = TINY_TUNING_FILE.read_text().replace("[options]\nepochs = 1\n", "")
    text = text.replace('[search]\nsampler = "grid"\n', "")
    text = text.replace("[space]\nlr = {choices = [0.001, 0.03]}", "[space]\n" + swap)
    tuning = tmp_path / "t.toml"
    tuning.write_text(text)
    line = _refused(*cli("tune", "--score", "test", "--quiet", "--out", tmp_path / "o",
                         tuning))
    assert said in line and SMALL in line, line


@pytest.mark.parametrize("make", [
    lambda: TrainRecipe(epochs=1, batch_size=1, lr=1e-320),
    lambda: ReducedSetting(lr=1e-320),
], ids=["recipe", "reduced"])
def test_a_plugins_lr_below_float32s_smallest_is_refused_at_load(make) -> None:
    with pytest.raises(ValueError, match=r"lr to be (None or )?a number >= 1e-09"):
        make()


# AA7: out = "" was "must be a folder name (a string), not "" (a string)"; out = "  " made a
# folder named by two spaces


@pytest.mark.parametrize(("value", "said"), [
    ('""', "out: is empty"), ('"  "', 'out: "  " is only white space'),
    ('"\\t"', 'out: "\\t" is only white space'),
], ids=["empty", "spaces", "tab"])
def test_an_empty_sweep_out_is_named_with_its_fix(value: str, said: str, cli,
                                                  tmp_path: Path) -> None:
    plan = tmp_path / "p8.toml"
    plan.write_text(f'out = {value}\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                    "epochs = 1\n")
    line = _refused(*cli("sweep", "--quiet", plan))
    assert line == f"merbench: error: {plan}: {said}; give a folder name, e.g. out = " \
                   '"runs", or leave it out (default: p8-results beside the plan)', line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p8.toml"]


# AA8: offapexnet hidden=0 trained two layers of width 0 (each fold one class), -1 was
# torch's "negative dimension", and a huge hidden was two nested refusals offering a smaller
# --batch-size


TINY = ["--quiet", "--epochs", "1", "--threads", "1", "--dataset-opt", "subjects=2",
        "--dataset-opt", "databases=1", "--dataset-opt", "samples_per_subject=3"]


@pytest.mark.parametrize("hidden", ["0", "-1"])
def test_an_offapexnet_hidden_below_one_is_refused_in_merbenchs_words(hidden: str, cli,
                                                                      tmp_path: Path) -> None:
    line = _refused(*cli("run", "-m", "offapexnet", "-d", "synthetic", *TINY, "--model-opt",
                         f"hidden={hidden}", "--out", tmp_path / "r"))
    assert line == f"merbench: error: offapexnet: hidden must be a whole number >= 1 (got " \
                   f"{hidden})", line
    assert not (tmp_path / "r").exists()


def test_an_offapexnet_too_large_to_build_says_its_option_not_the_batch(cli,
                                                                        tmp_path: Path) -> None:
    line = _refused(*cli("run", "-m", "offapexnet", "-d", "synthetic", *TINY, "--model-opt",
                         "hidden=100000000", "--out", tmp_path / "r"))
    assert line == "merbench: error: model 'offapexnet' cannot be built with " \
                   "hidden=100000000: it would need more memory than this machine has; give " \
                   "a smaller hidden; no fold had finished, so nothing was kept", line


def test_an_mmnet_augment_pad_below_zero_is_refused_as_it_is_built() -> None:
    from merbench import create_model
    from merbench.base.errors import MerbenchError

    with pytest.raises(MerbenchError, match=r"^mmnet: augment_pad must be a whole number >= 0 "
                                            r"\(got -1\)$"):
        create_model("mmnet", num_classes=3, augment_pad=-1)


# AA9: predict of a one-frame folder said "frames 1..1 at 30 fps, 0 interval(s) found"


def _frames(folder: Path, count: int, side: int = 64) -> Path:
    import cv2
    import numpy as np

    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(1, count + 1):
        cv2.imwrite(str(folder / f"{i:03d}.jpg"),
                    (rng.random((side, side, 3)) * 255).astype("uint8"))
    return folder


@pytest.mark.parametrize(("count", "fps", "least"), [
    (1, "30", "25 frames"), (24, "30", "25 frames"), (100, "200", "161 frames"),
], ids=["one", "one-short", "samm-rate"])
def test_a_video_too_short_to_score_any_frame_is_refused(count: int, fps: str, least: str,
                                                         cli, tmp_path: Path) -> None:
    video = _frames(tmp_path / "one", count)
    line = _refused(*cli("predict", video, "--fps", fps, "--no-face-crop", "--quiet",
                         "--out", tmp_path / "p"))
    frames = "1 frame" if count == 1 else f"{count} frames"
    assert line == f"merbench: error: video '{video}' has {frames}; flow-peak needs at " \
                   f"least {least} at {fps} fps to score any frame; give a longer video", line
    assert not (tmp_path / "p").exists()


def test_a_video_long_enough_for_one_frame_is_spotted(cli, tmp_path: Path) -> None:
    video = _frames(tmp_path / "v", 25)
    code, out, err = cli("predict", video, "--fps", "30", "--no-face-crop", "--quiet",
                         "--out", tmp_path / "p")
    assert code == 0 and "v: frames 1..25 at 30 fps" in out, err


def test_a_short_videos_frame_too_small_to_spot_is_still_said_first(cli,
                                                                    tmp_path: Path) -> None:
    video = _frames(tmp_path / "tiny", 3, side=1)
    line = _refused(*cli("predict", video, "--fps", "30", "--quiet", "--out", tmp_path / "p"))
    assert "its frames are 1x1 pixels, too small to spot" in line, line


# AA6: --skip-missing, offered as the fix, left one subject: "leave-one-subject-out needs at
# least two subjects", with no dataset, no subject, no fix


def test_skip_missing_leaving_one_subject_names_them_and_the_fix(real_data: Path, cli,
                                                                 tmp_path: Path) -> None:
    run_dir = tmp_path.parent / f"{tmp_path.name}-run"  # beside the data it reads
    from merbench_datasets import casme2
    from rawtrees import SHEETS, write_clips

    sheet = str(real_data / SHEETS["casme2"])
    (tmp_path / "Cropped").mkdir()
    table, _ = casme2.annotation_table(str(tmp_path), sheet)
    write_clips("casme2", table[table["subject"] == "sub01"])  # sub02, sub03: no frames
    command = ["run", "-m", "ststnet", "-d", "casme2", "--data-root", tmp_path, "--quiet",
               "--feature", "tvl1-uvos", "--feature-opt", "face=frame", "--feature-opt",
               "method=farneback", "--epochs", "1", "--threads", "1", "--dataset-opt",
               f"sheet={sheet}", "--dataset-opt", 'subjects=["sub01","sub02","sub03"]',
               "--skip-missing", "--out", run_dir]
    line = _refused(*cli(*command))
    assert line.startswith("merbench: error: casme2: with --skip-missing only subject sub01 "
                           "is left (sub02, sub03 have no usable sample; e.g. "
                           "casme2/sub02/"), line
    assert line.endswith("protocol 'loso' needs two subjects: restore their frames, or "
                         "choose subjects whose frames are there"), line
    assert not (run_dir).exists()
