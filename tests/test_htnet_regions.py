"""``htnet-regions``: which flow pixels land in which tile, for both crop variants.

The flow image used here encodes each pixel's position (channel 0 = row, channel 1 =
column), so every tile says exactly which rows and columns it was cut from.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from merbench_features import landmarks as lm
from merbench_features.htnet_regions import five_points, grid_points, tile_regions

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.features import Extracted
from merbench.plugin_system.manager import load_plugins
from merbench.results.codec import to_json

# (x, y) in flow pixels of: left eye, right eye, nose, left mouth corner, right mouth corner
KNOWN = np.array([[9.5, 11.25], [18.0, 10.75], [14.2, 15.9], [11.0, 19.6], [16.7, 20.0]])
# the same after int() and clamping to [7, 21] (none of these needs the clamp)
KNOWN_GRID = np.array([[9, 11], [18, 10], [14, 15], [11, 19], [16, 20]])
# out of range: clamped to 7 or 21
EDGES = np.array([[2.0, 3.9], [27.5, 6.99], [14.0, 14.0], [0.0, 27.9], [21.99, 25.0]])
EDGES_GRID = np.array([[7, 7], [21, 7], [14, 14], [7, 21], [21, 21]])


def position_image() -> np.ndarray:
    """28x28x3 uint8: channel 0 the row index, channel 1 the column index, channel 2 = 200."""
    rows, cols = np.indices((28, 28))
    return np.stack([rows, cols, np.full((28, 28), 200)], axis=-1).astype(np.uint8)


def landmarks68(five: np.ndarray) -> np.ndarray:
    """(5, 2) points -> (68, 2) landmarks whose derived five points are exactly those."""
    points = np.full((68, 2), -1.0)  # unused points far away: they must not matter
    points[36:42] = five[0] + np.array([[-2, 0], [-1, -1], [1, -1], [2, 0], [1, 1], [-1, 1]])
    points[42:48] = five[1] + np.array([[-2, 0], [-1, -1], [1, -1], [2, 0], [1, 1], [-1, 1]])
    points[30], points[48], points[54] = five[2], five[3], five[4]
    return points


def tiles_of(out: np.ndarray) -> dict[str, np.ndarray]:
    """The four 14x14 tiles of one (28, 28, C) output."""
    return {"left eye": out[:14, :14], "right eye": out[:14, 14:],
            "left mouth": out[14:, :14], "right mouth": out[14:, 14:]}


def test_five_points_are_eye_centres_nose_tip_and_mouth_corners() -> None:
    five = five_points(landmarks68(KNOWN)[None])
    np.testing.assert_allclose(five[0], KNOWN)


def test_grid_points_truncate_like_int_and_clamp_to_7_21() -> None:
    np.testing.assert_array_equal(grid_points(KNOWN[None] / 28)[0], KNOWN_GRID)
    np.testing.assert_array_equal(grid_points(EDGES[None] / 28)[0], EDGES_GRID)
    # integer pixels stored as float32 normalised values stay on their grid line
    pixels = np.arange(7, 22, dtype=np.float32)
    normalised = (pixels / np.float32(28)).astype(np.float32)
    assert grid_points(np.stack([normalised, normalised], axis=-1))[:, 0].tolist() == \
        list(range(7, 22))


@pytest.mark.parametrize("points,expected", [(KNOWN, KNOWN_GRID), (EDGES, EDGES_GRID)])
def test_reference_crop_uses_x_as_the_row(points: np.ndarray, expected: np.ndarray) -> None:
    grid = grid_points(points[None] / 28)
    out = tile_regions(position_image()[None], grid, "reference")[0]
    for (name, tile), (x, y) in zip(tiles_of(out).items(), expected[[0, 1, 3, 4]], strict=True):
        assert tile.shape == (14, 14, 3)
        # rows x-7 .. x+6 and columns y-7 .. y+6 of the flow image: transposed
        np.testing.assert_array_equal(tile[:, 0, 0], np.arange(x - 7, x + 7), err_msg=name)
        np.testing.assert_array_equal(tile[0, :, 1], np.arange(y - 7, y + 7), err_msg=name)
        assert (tile[..., 2] == 200).all()


@pytest.mark.parametrize("points,expected", [(KNOWN, KNOWN_GRID), (EDGES, EDGES_GRID)])
def test_corrected_crop_is_centred_on_the_landmark(points: np.ndarray,
                                                   expected: np.ndarray) -> None:
    grid = grid_points(points[None] / 28)
    out = tile_regions(position_image()[None], grid, "corrected")[0]
    for (name, tile), (x, y) in zip(tiles_of(out).items(), expected[[0, 1, 3, 4]], strict=True):
        np.testing.assert_array_equal(tile[:, 0, 0], np.arange(y - 7, y + 7), err_msg=name)
        np.testing.assert_array_equal(tile[0, :, 1], np.arange(x - 7, x + 7), err_msg=name)


def known_dataset(five_list: list[np.ndarray]) -> InMemoryDataset:
    """Position-encoded flow images with landmarks68 in their pixels."""
    n = len(five_list)
    samples = pd.DataFrame({"sample_id": [f"k/s{i}/c" for i in range(n)], "database": "k",
                            "subject": [f"s{i}" for i in range(n)], "label": 0})
    flows = np.stack([position_image()] * n)
    marks = np.stack([landmarks68(five) for five in five_list]).astype(np.float32)
    return InMemoryDataset("known", samples, ("a",), {"flow_uvos": flows, "landmarks68": marks})


@pytest.mark.parametrize("crop", ["reference", "corrected"])
def test_the_feature_end_to_end_on_a_known_image(crop: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lm, "_dlib_models", lambda: pytest.fail("nothing to detect"))
    feature = load_plugins().registries.features.get("htnet-regions")
    options = {} if crop == "reference" else {"crop": crop}
    out = feature.create("feature", **options)(known_dataset([KNOWN, EDGES]))
    assert isinstance(out, Extracted)
    assert out.values.shape == (2, 3, 28, 28) and out.values.dtype == np.float32
    for sample, expected in enumerate((KNOWN_GRID, EDGES_GRID)):
        left_eye = out.values[sample, :, :14, :14]   # channels first, as flow-uvos
        x, y = expected[0]
        rows, cols = (x, y) if crop == "reference" else (y, x)
        np.testing.assert_array_equal(left_eye[0, :, 0], np.arange(rows - 7, rows + 7))
        np.testing.assert_array_equal(left_eye[1, 0, :], np.arange(cols - 7, cols + 7))
        right_mouth = out.values[sample, :, 14:, 14:]
        x, y = expected[4]
        rows, cols = (x, y) if crop == "reference" else (y, x)
        np.testing.assert_array_equal(right_mouth[0, :, 0], np.arange(rows - 7, rows + 7))
    assert out.report["crop"] == crop  # also when it is the default
    assert out.report["grid_points_clamped"] == 1  # EDGES only
    assert out.report["landmarks"]["source"] == "landmarks68"
    assert out.summary.startswith(f"crop={crop} (")


def test_on_synthetic_through_the_registry() -> None:
    from merbench_datasets.synthetic import make_synthetic

    feature = load_plugins().registries.features.get("htnet-regions")
    assert feature.meta.needs == ("flow_uvos", "landmarks68|apex_face")
    data = make_synthetic()
    out = feature.create("feature")(data)
    assert out.values.shape == (60, 3, 28, 28) and out.values.dtype == np.float32
    assert out.values.min() >= 0 and out.values.max() <= 255
    assert out.report["crop"] == "reference"
    assert out.report["landmarks"]["n_failed"] == 0
    corrected = feature.create("feature", crop="corrected")(data)
    assert not np.array_equal(out.values, corrected.values)


def _with_regions_model():
    """The installed plugins plus a tiny scikit-learn model on the regions, to run them
    through the runner."""
    from sklearn.linear_model import LogisticRegression

    from merbench.meta import ModelMeta

    class _OnRegions:
        @merbench.hookimpl
        def merbench_register_models(self, registry) -> None:
            registry.add(ModelMeta(name="regions-logreg", version=1, kind="sklearn",
                                   description="d", citation="c", feature="htnet-regions"),
                         lambda: LogisticRegression(max_iter=200))

    return load_plugins(extra=[("regions", _OnRegions())])


def test_a_run_records_the_crop_and_the_landmarks_report(tmp_path: Path) -> None:
    """Through the runner with a tiny scikit-learn model on the regions."""
    plugins = _with_regions_model()
    result = merbench.run(model="regions-logreg", dataset="synthetic", out=tmp_path / "r",
                          feature_options={"crop": "corrected"}, plugins=plugins)
    stored = json.loads((tmp_path / "r" / "results.json").read_text())["feature"]
    assert stored["name"] == "htnet-regions" and stored["report"]["crop"] == "corrected"
    assert stored["report"]["landmarks"]["source"] == "landmarks68"
    assert stored["summary"].startswith("crop=corrected")
    assert to_json(result.results.feature) == stored


def test_the_cache_folder_is_not_part_of_the_run(tmp_path: Path) -> None:
    """``cache_dir`` says where landmarks are kept, not what they are: a run started with one
    cache folder resumes with another, and the recorded options leave it out."""
    plugins = _with_regions_model()
    runs = []
    for cache in ("cache-a", "cache-b"):
        (tmp_path / "r" / "results.json").unlink(missing_ok=True)  # restore, not report
        runs.append(merbench.run(model="regions-logreg", dataset="synthetic", out=tmp_path / "r",
                                 feature_options={"crop": "corrected",
                                                  "cache_dir": str(tmp_path / cache)},
                                 plugins=plugins))
    assert runs[1].results.folds_resumed == runs[0].results.protocol.n_folds
    assert runs[1].results.feature.options == {"crop": "corrected"}
    assert runs[0].results.metrics == runs[1].results.metrics


def test_bad_crop_and_bad_flow_size_are_clear_errors() -> None:
    feature = load_plugins().registries.features.get("htnet-regions")
    with pytest.raises(MerbenchError, match=r'crop="centre".*crop must be one of reference, '
                                            "corrected"):
        feature.create("feature", crop="centre")
    samples = pd.DataFrame({"sample_id": ["a"], "database": "d", "subject": "s", "label": 0})
    big = InMemoryDataset("big", samples, ("a",), {
        "flow_uvos": np.zeros((1, 32, 32, 3), np.uint8),
        "landmarks68": np.full((1, 68, 2), 16, np.float32)})
    with pytest.raises(MerbenchError, match="crops 28x28x3 flow images; dataset 'big' gives "
                                            "32x32x3"):
        feature.create("feature")(big)


def test_a_dataset_without_landmarks_or_faces_is_refused_before_training(
        tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    from merbench.meta import DatasetMeta, ModelMeta

    class _FlowOnly:
        @merbench.hookimpl
        def merbench_register_datasets(self, registry) -> None:
            registry.add(DatasetMeta(name="flow-only", version=1, description="d",
                                     citation="c", provides=("flow_uvos",)),
                         lambda: known_dataset([KNOWN, KNOWN]))

        @merbench.hookimpl
        def merbench_register_models(self, registry) -> None:
            registry.add(ModelMeta(name="regions-logreg", version=1, kind="sklearn",
                                   description="d", citation="c", feature="htnet-regions"),
                         LogisticRegression)

    plugins = load_plugins(extra=[("flow-only", _FlowOnly())])
    with pytest.raises(MerbenchError, match="needs one of landmarks68 or apex_face from the "
                                            "dataset, and dataset 'flow-only' provides only "
                                            "flow_uvos"):
        merbench.run(model="regions-logreg", dataset="flow-only", out=tmp_path / "x",
                     plugins=plugins)
