"""LBP-TOP and MDMO of raw clips: real CASME II frames read through the clip folder, the
descriptors' invariances, clear errors, and both SVMs end to end on a tiny raw tree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from merbench_handcrafted.lbptop import build_lbptop, interpolate, interpolation, lbp_top
from merbench_handcrafted.mdmo import build_mdmo, mdmo, roi_boxes

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset

SEQUENCE = "samples/casme2_sequence"
FIRST = 100  # the copied frames are reg_img100.jpg .. reg_img109.jpg, as CASME II names them


def _clip_dataset(real_data: Path, tmp_path: Path, rows: list[dict[str, object]]
                  ) -> InMemoryDataset:
    """The ten real frames copied into one clip folder; one sample per row of frame numbers."""
    folder = tmp_path / "sub01" / "EP01_01"
    folder.mkdir(parents=True)
    for number, path in enumerate(sorted(Path(real_data, SEQUENCE).glob("*.jpg")), FIRST):
        shutil.copy(path, folder / f"reg_img{number}.jpg")
    samples = pd.DataFrame([{"sample_id": f"s{i}", "database": "casme2", "subject": "sub01",
                             "label": 0, "folder": str(folder), **row}
                            for i, row in enumerate(rows)])
    return InMemoryDataset("clips", samples, ["a"], {})


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.realdata
def test_lbptop_of_a_real_clip_has_per_plane_histograms_summing_to_the_block_count(
        real_data: Path, tmp_path: Path, cache: Path) -> None:
    dataset = _clip_dataset(real_data, tmp_path, [
        {"onset": FIRST, "apex": FIRST + 4, "offset": FIRST + 9},
        {"onset": FIRST + 1, "apex": FIRST + 5, "offset": None},  # no offset: up to the apex
    ])
    feature = build_lbptop(face="frame")  # the CASME II frames are cropped faces already
    inputs = feature.inputs(dataset, 0)
    assert inputs["frames"].shape == (10, 340, 280, 3)
    assert list(inputs["span"]) == [10, FIRST, FIRST + 9]
    values = feature.compute(inputs, "s0").values
    assert values.shape == (64 * 3 * 59,)
    planes = values.reshape(64, 3, 59)
    assert (planes >= 0).all()
    np.testing.assert_allclose(planes.sum(axis=(0, 2)), [64, 64, 64], rtol=1e-5)
    # the three planes see different textures: XT and YT are not copies of XY
    assert not np.allclose(planes[:, 0], planes[:, 1])
    assert not np.allclose(planes[:, 1], planes[:, 2])
    short = feature.inputs(dataset, 1)
    assert list(short["span"]) == [5, FIRST + 1, FIRST + 5]
    assert feature.compute(short, "s1").values.shape == values.shape


def test_interpolation_reads_at_most_twenty_frames_and_is_linear_in_time() -> None:
    needed, mix = interpolation(301)  # a long SAMM clip
    assert len(needed) <= 20 and needed[0] == 0 and needed[-1] == 300
    ramp = np.stack([np.full((4, 4), 10 * i, dtype=np.uint8) for i in range(4)])
    needed, mix = interpolation(4)  # frame k at position 3k/9 of a 0, 10, 20, 30 ramp
    assert needed == [0, 1, 2, 3]
    frames = interpolate(ramp, mix)
    assert frames.shape == (10, 4, 4)
    np.testing.assert_array_equal(frames[:, 0, 0], np.rint(np.linspace(0, 30, 10)))


def test_lbptop_rejects_a_volume_too_short_for_its_radius() -> None:
    with pytest.raises(MerbenchError, match="at least 7 frames"):
        lbp_top(np.zeros((5, 112, 112), dtype=np.uint8))


@pytest.mark.realdata
def test_mdmo_is_72_values_zero_for_a_still_clip_and_normalised_for_a_moving_one(
        real_data: Path, tmp_path: Path, cache: Path) -> None:
    dataset = _clip_dataset(real_data, tmp_path, [
        {"onset": FIRST, "apex": FIRST + 4, "offset": FIRST + 9}])
    feature = build_mdmo(face="frame")
    inputs = feature.inputs(dataset, 0)
    moving = feature.compute(inputs, "s0")
    assert moving.values.shape == (72,)
    pairs = moving.values.reshape(36, 2)
    assert pairs[:, 0].max() == pytest.approx(1.0) and (pairs[:, 0] >= 0).all()
    assert (np.abs(pairs[:, 1]) <= np.pi).all()
    assert moving.notes["landmarks"] == "found"  # dlib finds the cropped face
    still = dict(inputs, frames=np.repeat(inputs["frames"][:1], 10, axis=0))
    values = feature.compute(still, "s0").values.reshape(36, 2)
    assert not values[:, 0].any()
    capped = build_mdmo(face="frame", max_frames=4)
    assert capped.positions(10) == [0, 3, 6, 9]
    assert len(capped.inputs(dataset, 0)["frames"]) == 4


def test_mdmo_of_uniform_flow_has_its_direction_and_unit_magnitude() -> None:
    points = np.zeros((68, 2))
    points[:, 0] = np.linspace(20, 90, 68)
    points[:, 1] = np.linspace(30, 95, 68)[::-1]
    boxes = roi_boxes(points, 112)
    assert boxes.shape == (36, 4)
    assert ((boxes[:, 1] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 2])).all()
    angle = np.radians(100.0)
    flows = np.zeros((3, 112, 112, 2))
    flows[..., 0], flows[..., 1] = 2 * np.cos(angle), 2 * np.sin(angle)
    features = mdmo(flows, boxes)
    np.testing.assert_allclose(features[:, 0], 1.0)
    np.testing.assert_allclose(features[:, 1], angle)


def test_clip_features_name_what_is_missing(tmp_path: Path, real_data: Path,
                                            cache: Path) -> None:
    flat = InMemoryDataset("flat", pd.DataFrame({"sample_id": ["a"], "database": ["d"],
                                                 "subject": ["s"], "label": [0]}), ["x"], {})
    with pytest.raises(MerbenchError, match="needs the sample-table columns folder"):
        build_lbptop().inputs(flat, 0)
    dataset = _clip_dataset(real_data, tmp_path, [
        {"onset": FIRST + 9, "apex": FIRST + 9, "offset": FIRST + 9},
        {"onset": FIRST + 20, "apex": FIRST + 21, "offset": FIRST + 22}])
    feature = build_mdmo(face="frame")
    with pytest.raises(MerbenchError, match="holds one frame"):
        feature.compute(feature.inputs(dataset, 0), "s0")
    with pytest.raises(MerbenchError, match="no frame from 120 to 122"):
        feature.inputs(dataset, 1)
    with pytest.raises(MerbenchError, match="max_frames must be"):
        build_mdmo(max_frames=1)
    with pytest.raises(MerbenchError, match="face must be one of"):
        build_lbptop(face="crop")


@pytest.mark.realdata
@pytest.mark.parametrize(("model", "feature"), [("lbptop-svm", "lbptop"),
                                                ("mdmo-svm", "mdmo")])
def test_clip_svms_run_on_a_raw_database(model: str, feature: str, real_data: Path,
                                         tmp_path: Path, handcrafted_plugins,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from merbench_datasets import casme2
    from rawtrees import SHEETS, write_clips

    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "casme2"
    (root / "Cropped").mkdir(parents=True)
    sheet = str(real_data / SHEETS["casme2"])
    subjects = ["sub01", "sub02", "sub04"]
    table, _ = casme2.annotation_table(str(root), sheet)
    write_clips("casme2", table[table["subject"].isin(subjects)])
    for clip, path in enumerate(sorted((root / "Cropped").rglob("*.jpg"))):
        texture = cv2.GaussianBlur(np.random.default_rng(clip // 4).integers(0, 255, (80, 96))
                                   .astype(np.uint8), (0, 0), 2)
        shift = int(path.stem.removeprefix("reg_img")) % 5
        assert cv2.imwrite(str(path), np.roll(texture, shift, axis=1)[8:72, 8:88])
    result = merbench.run(model=model, dataset="casme2", data_root=str(root),
                          dataset_options={"sheet": sheet, "subjects": subjects,
                                           "classes": 3},
                          feature_options={"face": "frame", "size": 64}, workers=1,
                          out=tmp_path / "run", plugins=handcrafted_plugins)
    assert result is not None
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["feature"]["name"] == feature and results["protocol"]["n_folds"] == 3
    assert all("C" in fold["fit_report"] for fold in results["folds"])
    assert results["feature"]["report"]["face"] == "frame"


def test_lbptop_stacked_slice_codes_equal_codes_of_each_slice_alone() -> None:
    from merbench_handcrafted.lbp import lbp_codes
    from merbench_handcrafted.lbptop import _stacked_codes

    volume = np.random.default_rng(3).integers(0, 256, (10, 24, 20)).astype(np.uint8)
    rows = _stacked_codes(volume.transpose(1, 0, 2))  # XT: one T x W slice per row
    for y in (0, 7, 23):
        np.testing.assert_array_equal(rows[y, 3:7, 3:-3], lbp_codes(volume[:, y, :])[3:7, 3:-3])
    # the histograms count exactly the centres away from every face of the volume
    hist = lbp_top(volume, blocks=2)
    assert hist.shape == (4, 3, 59)
    np.testing.assert_allclose(hist.sum(axis=2), 1.0)
