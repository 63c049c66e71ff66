"""The handcrafted descriptors: Bi-WOOF (and its release variant) and block LBP histograms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from merbench_handcrafted.biwoof import biwoof, orientation_bin
from merbench_handcrafted.biwoof_release import build_biwoof_release, release_channels
from merbench_handcrafted.grid import block_index
from merbench_handcrafted.lbp import N_CODES, block_histograms, lbp_codes
from merbench_handcrafted.lbp_apex import lbp_apex

from merbench.base.errors import MerbenchError

SEQUENCE = "samples/casme2_sequence"


def _field(angle_deg: float, size: int = 28, magnitude: float = 2.0):
    u = np.full((size, size), magnitude * np.cos(np.radians(angle_deg)))
    v = np.full((size, size), magnitude * np.sin(np.radians(angle_deg)))
    return u, v


def test_zero_motion_gives_an_all_zero_descriptor_even_with_strain() -> None:
    zero = np.zeros((3, 28, 28))
    strain = np.random.default_rng(0).uniform(0, 1, size=(3, 28, 28))
    values = biwoof(zero, zero, strain)
    assert values.shape == (3, 200)
    assert not values.any()


def test_descriptors_are_unit_length_and_rows_independent() -> None:
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(2, 5, 28, 28))
    strain = rng.uniform(0, 1, size=(5, 28, 28))
    values = biwoof(u, v, strain)
    np.testing.assert_allclose(np.linalg.norm(values, axis=1), 1.0)
    assert (values >= 0).all()
    np.testing.assert_allclose(values[3], biwoof(u[3], v[3], strain[3])[0])


@pytest.mark.parametrize(("angle", "expected"), [
    (0.0, 4), (10.0, 4), (50.0, 5), (-10.0, 3), (-180.0, 0), (180.0, 0), (170.0, 7), (136.0, 7),
    (-135.0, 1), (-136.0, 0),
])
def test_eight_equal_bins_over_the_whole_circle(angle: float, expected: int) -> None:
    # (135°, 180°] lands in bin 7 (or 0 at exactly 180°): the original edges dropped it
    u, v = _field(angle, size=1)
    assert orientation_bin(u, v)[0, 0] == expected


def test_uniform_motion_fills_one_bin_per_block_weighted_by_block_strain() -> None:
    u, v = _field(100.0)  # bin 6: [90°, 135°)
    strain = np.ones((28, 28))
    strain[:6, :6] = 3.0  # block 0 (6x6 pixels) has three times the strain
    values = biwoof(u, v, strain).reshape(25, 8)
    assert (values[:, [0, 1, 2, 3, 4, 5, 7]] == 0).all()
    sums = np.bincount(block_index(28, 28, 5).ravel(), weights=strain.ravel())
    np.testing.assert_allclose(values[:, 6], sums / np.linalg.norm(sums))
    assert values[0, 6] > values[1, 6]


def test_release_channels_follow_the_release_order_and_centre_on_the_median() -> None:
    image = np.zeros((1, 28, 28, 3), np.uint8)
    image[..., 0] = 10            # strain
    image[..., 1] = 128           # v: constant, so no vertical motion after centring
    image[..., 2] = 128
    image[0, :, 20:, 2] = 255     # u: a strip of the face moved right, the rest is still
    u, v, strain = release_channels(image)
    assert u.max() > 0 and not v.any() and (strain == 10).all()
    assert (u[0, :, :20] == 0).all()
    values = biwoof(u, v, strain).reshape(25, 8)
    assert values[:, 4].any() and not np.delete(values, 4, axis=1).any()  # only bin 0°
    still = np.full((1, 28, 28, 3), 77, np.uint8)  # a still face, whatever its grey value
    assert not biwoof(*release_channels(still)).any()
    # taken as released, the same still face is a strong motion towards +45°
    assert biwoof(*release_channels(still, centre="none")).any()


def test_bad_release_input_and_option_are_clear_errors() -> None:
    with pytest.raises(MerbenchError, match=r"\(N, H, W, 3\)"):
        release_channels(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(MerbenchError, match="centre must be one of"):
        release_channels(np.zeros((1, 28, 28, 3), np.uint8), centre="mean")
    with pytest.raises(ValueError, match="centre must be one of"):
        build_biwoof_release(centre="mean")
    with pytest.raises(MerbenchError, match="block grid"):
        biwoof(np.zeros((1, 3, 3)), np.zeros((1, 3, 3)), np.zeros((1, 3, 3)))


def test_block_histograms_sum_to_the_block_count() -> None:
    rng = np.random.default_rng(2)
    faces = rng.integers(0, 256, size=(3, 90, 70, 3), dtype=np.uint8)
    values = lbp_apex(faces)
    assert values.shape == (3, 64 * N_CODES)
    np.testing.assert_allclose(values.sum(axis=1), 64.0)
    np.testing.assert_allclose(values.reshape(3, 64, N_CODES).sum(axis=2), 1.0)
    codes = lbp_codes(rng.integers(0, 256, size=(112, 112), dtype=np.uint8))
    assert codes.min() >= 0 and codes.max() < N_CODES  # the 59 non-rotation-invariant codes
    assert len(np.unique(codes)) > 10  # "uniform" (rotation invariant) would give at most 10


def test_a_flat_image_has_one_code_inside_the_border() -> None:
    values = block_histograms(lbp_codes(np.full((112, 112), 90, np.uint8))[None])
    inner = values.reshape(8, 8, N_CODES)[1:-1, 1:-1].reshape(36, N_CODES)  # no image border
    assert (inner.max(axis=1) == 1).all()
    assert len(set(inner.argmax(axis=1).tolist())) == 1
    # grey input and its three-channel copy give the same descriptor
    grey = np.random.default_rng(3).integers(0, 256, size=(50, 50), dtype=np.uint8)
    np.testing.assert_array_equal(lbp_apex([grey]), lbp_apex([np.dstack([grey] * 3)]))


@pytest.mark.realdata
def test_real_frames_onset_to_itself_is_all_zero_and_lbp_sums_to_blocks(
        real_data: Path) -> None:
    import cv2

    frames = sorted(Path(real_data, SEQUENCE).glob("*.jpg"))
    assert len(frames) >= 2
    onset = cv2.cvtColor(cv2.imread(str(frames[0])), cv2.COLOR_BGR2GRAY)
    later = cv2.cvtColor(cv2.imread(str(frames[-1])), cv2.COLOR_BGR2GRAY)

    onset, later = (cv2.resize(f, (140, 170), interpolation=cv2.INTER_AREA)
                    for f in (onset, later))

    def descriptor(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # TV-L1, as Bi-WOOF specifies (Farneback gives small non-zero flow between
        # identical frames, which Bi-WOOF's per-block normalisation would blow up)
        flow = cv2.optflow.DualTVL1OpticalFlow_create().calc(a, b, None)
        u, v = flow[..., 0], flow[..., 1]
        gradient = np.gradient(u), np.gradient(v)
        strain = np.hypot(gradient[0][1], gradient[1][0])  # any non-negative strain map
        return biwoof(u, v, strain)

    assert not descriptor(onset, onset).any()
    moved = descriptor(onset, later)
    assert moved.any()
    np.testing.assert_allclose(np.linalg.norm(moved), 1.0)
    values = lbp_apex([cv2.imread(str(frames[-1]))])
    np.testing.assert_allclose(values.sum(), 64.0)


@pytest.mark.realdata
def test_the_release_descriptors_on_real_samples(real_data: Path) -> None:
    from merbench_datasets.composite import make_composite

    dataset = make_composite(str(real_data / "composite"))
    flows = dataset.read_all("flow_uvos")[:20]
    values = biwoof(*release_channels(flows))
    np.testing.assert_allclose(np.linalg.norm(values, axis=1), 1.0)
    faces = np.stack([dataset.read("apex_face", i) for i in range(5)])
    np.testing.assert_allclose(lbp_apex(faces).sum(axis=1), 64.0)
