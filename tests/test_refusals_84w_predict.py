"""Pass 84w's W10, W11 and W12: predict of a frame folder numbered beyond what an index holds,
predict's advice for frames too small to spot and ``--dataset-opt`` given with a path, and
ststnet's image_size/padding bounds that named a size which then failed."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL = ("--dataset-opt", "subjects=3", "--dataset-opt", "databases=1",
         "--dataset-opt", "samples_per_subject=3")


def _one_line(err: str) -> None:
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def _run_ststnet(cli, tmp_path: Path, option: str) -> tuple[int, str]:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--threads", "1", "--quiet", *SMALL, "--model-opt", option,
                       "--out", tmp_path / "r")
    return code, err


def test_a_negative_padding_is_refused_before_training(cli, tmp_path: Path) -> None:
    """padding=-1 passed the option check and failed the first training step."""
    code, err = _run_ststnet(cli, tmp_path, "padding=-1")
    assert code == 2 and err.strip() == (
        "merbench: error: ststnet: padding must be a whole number of at least 0 (got -1)"), err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("padding", [0, 1, 2, 3])
def test_the_least_image_size_named_trains_and_one_less_is_refused(padding: int) -> None:
    """The bound named for image_size is the layers' own: a training step at it works, and
    one below it is refused by the up-front check (not by the first step)."""
    import torch
    from merbench_cnn.ststnet import build_ststnet, least_image_size

    from merbench.api import MerbenchError

    side = least_image_size(padding)
    network = build_ststnet(padding=padding, image_size=side)
    network.train()
    network(torch.rand(4, 3, side, side)).sum().backward()
    assert network.conv.weight.grad is not None
    if side > 1:
        with pytest.raises(MerbenchError, match=f"at least {side} with padding {padding}"):
            build_ststnet(padding=padding, image_size=side - 1)


def test_an_image_size_that_is_not_the_inputs_says_which_to_give(cli, tmp_path: Path) -> None:
    """image_size=2 (the size the refusal of 1 named) failed the first training step as
    "its options are the likely cause": the feature's images are 28x28."""
    code, err = _run_ststnet(cli, tmp_path, "image_size=2")
    assert code == 2 and err.strip() == (
        "merbench: error: ststnet: image_size 2 is not the size of its input, 28 x 28 images; "
        "give image_size 28"), err
    _one_line(err)


def _frames(folder: Path, numbers: tuple[int, ...]) -> Path:
    import cv2
    import numpy as np

    folder.mkdir()
    for number in numbers:
        cv2.imwrite(str(folder / f"{number}.jpg"), np.zeros((64, 64, 3), np.uint8))
    return folder


def test_a_frame_numbered_beyond_a_c_index_is_the_gap_it_leaves(cli, tmp_path: Path) -> None:
    """A folder whose last frame is 99999999999999999999.jpg ended predict in Python's
    "Python int too large to convert to C ssize_t", blamed on the spotter's plugin."""
    folder = _frames(tmp_path / "frhuge", (1, 2, 99999999999999999999))
    code, _, err = cli("predict", folder, "--fps", "30", "--no-face-crop", "--quiet",
                       "--out", tmp_path / "o")
    assert code == 2 and err.strip() == (
        f"merbench: error: the frame folder '{folder}' has no frame 3 (it holds 3 frames, "
        "1..99,999,999,999,999,999,999); add the missing frame, or give the frames on each side "
        "of the gap as folders of their own"), err  # the user's own frames: no database's
    assert "report it" not in err


def test_a_gap_at_the_end_of_the_range_read_is_named() -> None:
    """The first missing number is found past the last present one too."""
    from merbench.api import MerbenchError
    from merbench.spotting.frame_sources import FolderFrames

    frames = FolderFrames(Path("v"), {n: Path(f"v/{n}.jpg") for n in (5, 6, 7, 10**20)})
    with pytest.raises(MerbenchError, match=r"has no frame 8 \(it holds 4 frames, 5\.\."):
        frames.read(5, 10**20)
    with pytest.raises(MerbenchError, match=r"has no frame 4 "):
        frames.read(4, 6)


def _video(path: Path, side: int) -> Path:
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (side, side))
    rng = np.random.default_rng(0)
    for _ in range(30):
        writer.write(rng.integers(0, 256, (side, side, 3), dtype=np.uint8))
    writer.release()
    return path


def test_frames_too_small_to_spot_are_said_so_with_no_fix_that_fails(cli,
                                                                      tmp_path: Path) -> None:
    """2x2 frames were told to be read whole with --dataset-opt face_crop=false, which the
    spotter then refused as under 16 x 16."""
    video = _video(tmp_path / "tiny.avi", 2)
    code, _, err = cli("predict", video, "--out", tmp_path / "o", "--quiet")
    assert code == 2 and err.strip() == (
        f"merbench: error: video '{video}': its frames are 2x2 pixels, too small to spot: a "
        "spotter takes frames of at least 16 x 16; give a larger video"), err


def test_frames_too_small_for_a_face_name_predicts_own_switch_and_it_works(
        cli, tmp_path: Path) -> None:
    """20x20 frames hold no face to find, and whole they can be spotted: the advice is
    predict's --no-face-crop, which then succeeds."""
    video = _video(tmp_path / "small.avi", 20)
    code, _, err = cli("predict", video, "--out", tmp_path / "o", "--quiet")
    assert code == 2 and "too small to find a face in; read them whole with --no-face-crop" \
        in err, err
    _one_line(err)
    code, _, err = cli("predict", video, "--no-face-crop", "--out", tmp_path / "o", "--quiet")
    assert code == 0, err


def test_dataset_opt_beside_a_path_is_refused_naming_the_flag(cli, tmp_path: Path) -> None:
    """--dataset-opt face_crop=false with PATH (no --dataset) was taken without a word."""
    video = _video(tmp_path / "small.avi", 20)
    code, _, err = cli("predict", video, "--dataset-opt", "face_crop=false", "--out",
                       tmp_path / "o", "--quiet")
    assert code == 2 and err.strip() == (
        "merbench: error: --dataset-opt face_crop is an option of --dataset NAME, which is "
        "not given; for PATH read its frames whole with --no-face-crop"), err
    assert not (tmp_path / "o").exists()
