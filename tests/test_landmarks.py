"""The ``landmarks`` feature: dlib's 68 points on apex faces, the fallback, the cache, errors.

Real faces are read from the composite release under MERBENCH_TEST_DATA (``realdata``); the
other tests use generated images (flat grey, noise), in which dlib finds no face.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from merbench_features import landmarks as lm
from merbench_features.landmarks import (
    LandmarkCache,
    detect_landmarks68,
    landmarks_for,
)

from merbench.base.cache import default_cache_dir
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.features import Extracted
from merbench.plugin_system.manager import load_plugins

INSTALL = "pip install dlib-bin face-recognition-models"


def faces_dataset(images: np.ndarray, ids: list[str] | None = None) -> InMemoryDataset:
    """A dataset that gives only apex faces, one subject per image."""
    n = len(images)
    ids = ids or [f"lab/s{i}/clip" for i in range(n)]
    samples = pd.DataFrame({"sample_id": ids, "database": "lab",
                            "subject": [f"s{i}" for i in range(n)], "label": 0})
    return InMemoryDataset("faces", samples, ("a",), {"apex_face": images})


def no_dlib(*_args: object) -> None:
    raise AssertionError("dlib was asked to detect a face")


@pytest.fixture
def grey() -> np.ndarray:
    return np.full((2, 96, 96, 3), 128, np.uint8)


# ------------------------------------------------------------------------------- real faces


@pytest.mark.realdata
def test_landmarks_fall_on_eyes_nose_and_mouth_of_real_apex_faces(real_data: Path,
                                                                  tmp_path: Path) -> None:
    from merbench_datasets.composite import make_composite

    data = make_composite(str(real_data / "composite"))
    samples = data.samples
    picked = [int(i) for db in ("casme2", "samm", "smic")
              for i in np.flatnonzero(samples["database"] == db)[[3, 40]]]
    faces = [data.read("apex_face", i) for i in picked]
    points, failed = detect_landmarks68(faces, cache_dir=tmp_path)
    assert points.shape == (6, 68, 2) and points.dtype == np.float32
    assert failed.sum() <= 1, [samples["sample_id"][i] for i, f in zip(picked, failed,
                                                                       strict=True) if f]
    left_eye, right_eye = points[:, 36:42].mean(axis=1), points[:, 42:48].mean(axis=1)
    nose, mouth_left, mouth_right = points[:, 30], points[:, 48], points[:, 54]
    eyes_y = np.maximum(left_eye[:, 1], right_eye[:, 1])
    assert (left_eye[:, 0] < right_eye[:, 0]).all()                      # image-left first
    assert (eyes_y < nose[:, 1]).all()                                   # y grows downwards
    assert (nose[:, 1] < np.minimum(mouth_left[:, 1], mouth_right[:, 1])).all()
    assert (mouth_left[:, 0] < mouth_right[:, 0]).all()
    assert ((nose[:, 0] > left_eye[:, 0]) & (nose[:, 0] < right_eye[:, 0])).all()
    inner = points[:, 27:]                                               # nose, eyes, mouth
    assert ((inner > 0) & (inner < 1)).all()
    # apex crops are tight faces: eyes in the upper half, mouth in the lower
    assert (eyes_y < 0.5).all() and (mouth_left[:, 1] > 0.55).all()


# --------------------------------------------------------------- fallback and the report


def test_no_face_takes_the_whole_image_and_is_counted(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    images = np.stack([np.full((120, 100, 3), 128, np.uint8),
                       rng.integers(0, 256, size=(120, 100, 3), dtype=np.uint8)])
    data = faces_dataset(images, ["lab/s0/flat", "lab/s1/noise"])
    extract = load_plugins().registries.features.get("landmarks").create(
        "feature", cache_dir=str(tmp_path))
    out = extract(data)
    assert isinstance(out, Extracted)
    assert out.values.shape == (2, 68, 2) and np.isfinite(out.values).all()
    assert out.report["n_failed"] == 2 and out.report["failed"] == ["lab/s0/flat", "lab/s1/noise"]
    assert out.report["source"] == "apex_face" and out.report["n_samples"] == 2
    assert out.summary == ("no face found in 2 of 2 samples (whole-image fallback): "
                           "lab/s0/flat, lab/s1/noise")
    # the whole image was the box: the points spread over the image, not over a corner
    spread = out.values.max(axis=1) - out.values.min(axis=1)
    assert (spread > 0.3).all()


# ------------------------------------------------------------------------------------ cache


def test_the_cache_is_read_back_and_a_changed_image_is_recomputed(
        grey: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, failed = detect_landmarks68(grey[:1], cache_dir=tmp_path)
    assert failed.tolist() == [True]
    files = list((tmp_path / "landmarks68").rglob("*.npz"))
    assert len(files) == 1
    monkeypatch.setattr(lm, "_dlib_models", no_dlib)
    # the same pixels under another sample id, in another dataset: read from the cache
    again = landmarks_for(faces_dataset(grey, ["other/x/1", "other/y/2"]), tmp_path)
    np.testing.assert_array_equal(again.points[0], first[0])
    assert again.report["n_from_cache"] == 2 and list(again.failed) == [True, True]
    changed = grey[:1].copy()
    changed[0, 10, 10] = 129
    with pytest.raises(AssertionError, match="dlib was asked"):
        detect_landmarks68(changed, cache_dir=tmp_path)


def test_a_corrupt_cache_file_is_recomputed(grey: np.ndarray, tmp_path: Path) -> None:
    first, _ = detect_landmarks68(grey[:1], cache_dir=tmp_path)
    (path,) = (tmp_path / "landmarks68").rglob("*.npz")
    path.write_bytes(b"not an npz")
    second, _ = detect_landmarks68(grey[:1], cache_dir=tmp_path)
    np.testing.assert_array_equal(first, second)
    assert LandmarkCache(tmp_path).load(path.stem) is not None  # rewritten, readable
    np.savez(path, points=np.zeros((5, 2), np.float32), failed=np.bool_(False))
    assert LandmarkCache(tmp_path).load(path.stem) is None       # wrong shape: not trusted


def test_the_cache_key_follows_pixels_shape_and_settings(grey: np.ndarray, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cache = LandmarkCache(tmp_path)
    key = cache.key(grey[0])
    assert key == LandmarkCache(tmp_path / "elsewhere").key(grey[0].copy())
    assert key != cache.key(grey[0].reshape(48, 192, 3))
    monkeypatch.setattr(lm, "PAD", 20)
    assert LandmarkCache(tmp_path).key(grey[0]) != key


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("MERBENCH_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "merbench"


def test_an_unwritable_cache_is_one_clear_error(grey: np.ndarray, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(MerbenchError, match=r"cannot write the landmark cache in .*"
                                            r"MERBENCH_CACHE_DIR or --feature-opt cache_dir"):
        detect_landmarks68(grey[:1], cache_dir=blocker)


# ------------------------------------------------------------------------ given landmarks


def test_given_landmarks68_are_normalised_by_the_flow_image(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from merbench_datasets.synthetic import make_synthetic

    monkeypatch.setattr(lm, "_dlib_models", no_dlib)
    data = make_synthetic(subjects=2, samples_per_subject=3, databases=1)
    found = landmarks_for(data)
    np.testing.assert_allclose(found.points, data.read_all("landmarks68") / 28.0, rtol=1e-6)
    assert found.report["source"] == "landmarks68" and found.report["n_failed"] == 0
    assert not found.failed.any()


# -------------------------------------------------------------------------------- bad input


def test_missing_dlib_or_model_says_what_to_install(
        grey: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lm, "_MODELS", None)
    monkeypatch.setitem(sys.modules, "dlib", None)  # import dlib fails
    with pytest.raises(MerbenchError, match=f"needs dlib, which is not installed; {INSTALL}"):
        detect_landmarks68(grey[:1], cache_dir=tmp_path)
    monkeypatch.setattr(lm.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MerbenchError, match=f"face-recognition-models package, which is not "
                                            f"installed; {INSTALL}"):
        lm.predictor_path()


def test_images_that_are_not_faces_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match=r"image 0 is 32x32x4 uint8; a face image must be"):
        detect_landmarks68(np.zeros((1, 32, 32, 4), np.uint8), cache_dir=tmp_path)
    with pytest.raises(MerbenchError, match="sample lab/s0/clip is 32x32x3 float32"):
        landmarks_for(faces_dataset(np.zeros((1, 32, 32, 3), np.float32)), tmp_path)
    with pytest.raises(MerbenchError, match="only 4x4 pixels"):
        detect_landmarks68([np.zeros((4, 4), np.uint8)], cache_dir=tmp_path)


def test_an_unreadable_apex_image_is_one_clear_error(tmp_path: Path) -> None:
    from merbench_datasets.composite import APEX_DIR, make_composite
    from test_composite import _fake_release

    folder = tmp_path / "composite"
    _fake_release(folder)
    broken = folder / APEX_DIR / "sub01_EP02_01f.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg \xff\xd9")
    extract = load_plugins().registries.features.get("landmarks").create(
        "feature", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(MerbenchError) as caught:
        extract(make_composite(str(folder)))
    message = str(caught.value)
    assert "\n" not in message
    assert f"the apex image '{broken}' of sample casme2/sub01/EP02_01f cannot be decoded" \
        in message and "replace it" in message


def test_registering_the_feature_imports_neither_dlib_nor_opencv() -> None:
    code = ("import sys, merbench, merbench_features.plugin, merbench_features.landmarks; "
            "sys.exit(int('dlib' in sys.modules or 'cv2' in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
