"""A long video's frames as the aligned face of its first frame (``FaceFrames``), on a real
face sequence from the shared data and on frames with no face."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from merbench_features import face_frames
from merbench_features.face_frames import FACE_SIZE, FaceFrames

from merbench.api import ArrayFrames, FolderFrames, MerbenchError

SEQUENCE = Path("samples") / "casme2_sequence"  # ten frames of a CASME II clip


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.realdata
def test_every_frame_is_cut_by_the_first_frames_face(real_data: Path, cache: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = FolderFrames(real_data / SEQUENCE)
    found = []
    monkeypatch.setattr(face_frames, "align_transform",
                        lambda *args: found.append(args) or ALIGN(*args))
    faces = FaceFrames(source)
    assert list(faces.numbers) == list(source.numbers) == list(range(1, 11))
    first, rest = faces.read(1, 3), faces.read(4, 10)
    assert len(found) == 1 and found[0][0].shape == source.read(1, 1)[0].shape  # once
    assert np.array_equal(found[0][0], source.read(1, 1)[0])  # on the first frame
    crops = np.concatenate([first, rest])
    assert crops.shape == (10, FACE_SIZE, FACE_SIZE) and crops.dtype == np.uint8
    assert not faces.fallback  # dlib found the face
    whole = source.read(1, 10)
    for crop, frame in zip(crops, whole, strict=True):  # one transform for every frame
        assert np.array_equal(crop, faces.transform.apply(frame))
    # aligned: not the whole frame squeezed into the square
    squeezed = face_frames.FaceTransform(
        np.array([[FACE_SIZE / whole.shape[2], 0, 0], [0, FACE_SIZE / whole.shape[1], 0]]),
        FACE_SIZE, fallback=True).apply(whole[0])
    assert np.abs(crops[0].astype(int) - squeezed.astype(int)).mean() > 5


ALIGN = face_frames.align_transform


def test_a_video_with_no_face_is_given_whole_and_says_so(cache: Path) -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(100, 110, (4, 90, 120)).astype(np.uint8)  # noise: no face
    faces = FaceFrames(ArrayFrames(frames), label="samm-long/006/006_1")
    with pytest.warns(UserWarning, match=r"^samm-long/006/006_1: no face found on its first "
                                         r"frame; its frames are read whole"):
        crops = faces.read(0, 3)
    assert faces.fallback and crops.shape == (4, FACE_SIZE, FACE_SIZE)
    assert crops.min() >= 100 and crops.max() <= 110  # the frame, resized


def test_a_crop_too_small_to_spot_in_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        FaceFrames(ArrayFrames(np.zeros((2, 64, 64), dtype=np.uint8)), size=8)


def test_frames_too_small_for_a_face_are_one_line_naming_the_video() -> None:
    faces = FaceFrames(ArrayFrames(np.zeros((2, 20, 24), dtype=np.uint8)),
                       label="samm-long/006/x")
    with pytest.raises(MerbenchError, match=r"^samm-long/006/x: its frames are 24x20 pixels, "
                                            r"too small .* --dataset-opt face_crop=false$"):
        faces.read(0, 1)
    # under a spotter's 16 x 16 reading them whole is no fix: that read fails too (W11)
    faces = FaceFrames(ArrayFrames(np.zeros((2, 6, 8), dtype=np.uint8)), label="samm-long/006/x")
    with pytest.raises(MerbenchError, match=r"^samm-long/006/x: its frames are 8x6 pixels, too "
                                            r"small to spot: a spotter takes frames of at least "
                                            r"16 x 16; give a larger video$"):
        faces.read(0, 1)
