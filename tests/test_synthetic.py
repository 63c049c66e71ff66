"""The synthetic dataset: deterministic, in the release's format, with colliding subject ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from merbench_datasets.synthetic import _generated, make_synthetic, optical_strain

from merbench.base.errors import MerbenchError


def test_deterministic_from_the_seed() -> None:
    # generated twice (a process keeps what it generated: the second would be a copy)
    _generated.cache_clear()
    a = make_synthetic(seed=3)
    _generated.cache_clear()
    b, c = make_synthetic(seed=3), make_synthetic(seed=4)
    np.testing.assert_array_equal(a.read_all("flow_uvos"), b.read_all("flow_uvos"))
    assert a.fingerprint() == b.fingerprint()
    assert not np.array_equal(a.read_all("flow_uvos"), c.read_all("flow_uvos"))


def test_each_call_gets_its_own_samples() -> None:
    """The samples a process keeps are copied for each call: a caller that edits its table
    or arrays (a test's poisoned labels) changes no later call's dataset."""
    first = make_synthetic(subjects=3, samples_per_subject=2)
    kept = make_synthetic(subjects=3, samples_per_subject=2).fingerprint()
    first.samples.loc[:, "label"] = 0
    first.read_all("flow_uvos")[:] = 0
    first.read_all("landmarks68")[:] = 0
    again = make_synthetic(subjects=3, samples_per_subject=2)
    assert again.fingerprint() == kept and again.read_all("flow_uvos").any()
    assert set(again.samples["label"]) != {0}


def test_sizes_format_and_landmarks() -> None:
    data = make_synthetic(subjects=5, samples_per_subject=7, databases=2)
    images = data.read_all("flow_uvos")
    assert images.shape == (35, 28, 28, 3) and images.dtype == np.uint8
    flat = images.reshape(len(images), -1, 3)
    assert (flat.min(axis=1) == 0).all() and (flat.max(axis=1) == 255).all()
    marks = data.read_all("landmarks68")
    assert marks.shape == (35, 68, 2)
    assert (marks > 0).all() and (marks < 28).all()
    assert data.n_subjects == 5 and set(data.samples["database"]) == {"syn1", "syn2"}
    # subject ids repeat across databases, as in the real composite
    assert data.samples.groupby("subject")["database"].nunique().max() == 2
    assert set(data.samples["label"]) == {0, 1, 2}


def test_classes_move_different_regions() -> None:
    data = make_synthetic(subjects=12, samples_per_subject=10)
    images = data.read_all("flow_uvos").astype(float)
    labels = data.samples["label"].to_numpy()
    # v channel (index 1): surprise raises the brows (rows 4-9 move up = darker than the
    # image's median), positive moves the mouth corners (rows 18-24)
    v = images[..., 1] - np.median(images[..., 1], axis=(1, 2), keepdims=True)
    brow_up = -v[:, 4:9, :].mean(axis=(1, 2))
    assert brow_up[labels == 2].mean() > brow_up[labels == 1].mean() + 5


def test_strain_of_a_pure_shear_and_a_translation() -> None:
    y, _x = np.mgrid[0:28, 0:28].astype(float)
    assert np.allclose(optical_strain(np.full((28, 28), 3.0), np.zeros((28, 28))), 0)
    assert np.allclose(optical_strain(0.1 * y, np.zeros((28, 28))), np.sqrt(0.5) * 0.1)


@pytest.mark.parametrize("options", [{"subjects": 1}, {"samples_per_subject": 0},
                                     {"databases": 0}, {"subjects": 2, "databases": 3},
                                     {"seed": -1}])
def test_impossible_options(options: dict) -> None:
    with pytest.raises(MerbenchError, match="synthetic"):
        make_synthetic(**options)


@pytest.mark.realdata
def test_same_format_as_the_released_composite(real_data: Path) -> None:
    import cv2

    folder = real_data / "composite" / "STSNet_whole_norm_u_v_os"
    paths = sorted(folder.glob("*.png"))
    assert len(paths) == 442
    real = np.stack([cv2.imread(str(p)) for p in paths[::20]])
    ours = make_synthetic().read_all("flow_uvos")
    assert real.shape[1:] == ours.shape[1:] and real.dtype == ours.dtype
    for images in (real, ours):
        flat = images.reshape(len(images), -1, 3)
        # every channel of every image min-max scaled to exactly 0..255
        assert (flat.min(axis=1) == 0).all() and (flat.max(axis=1) == 255).all()
        # channel 0 is the strain: skewed towards 0, far below the signed flow channels
        means = flat.mean(axis=(0, 1))
        assert means[0] < means[1] - 30 and means[0] < means[2] - 30
