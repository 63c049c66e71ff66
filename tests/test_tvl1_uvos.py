"""``tvl1-uvos``: flow direction and channel order, real frames against the release, faces,
and bad frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from flow_frames import PAIRS, casme2_frame, frames_dataset, read_gif_pair, textured_pair
from merbench_features.faces import transform_from_points
from merbench_features.plugin import TVL1_UVOS
from merbench_features.tvl1_uvos import FlowUVOS, build_tvl1_uvos, ipol_scales, optical_strain

from merbench.base.errors import MerbenchError
from merbench.features.extraction import extract_samples

RELEASE = "composite/STSNet_whole_norm_u_v_os/{} .png"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.mark.parametrize("method", ["tvl1", "farneback"])
def test_known_motion_lands_in_the_u_channel(method: str) -> None:
    """u grows left to right: channel 2 (u, the release's R) must follow it, channel 1 (v)
    must not, and the result is the release's format (float32 0..255 integers)."""
    import cv2

    onset, apex, u = textured_pair()
    out = FlowUVOS(method=method, face="frame").compute(
        {"onset_frame": onset, "apex_frame": apex}, "syn").values
    assert out.shape == (3, 28, 28) and out.dtype == np.float32
    assert np.array_equal(out, np.rint(out)) and out.min() == 0
    assert all(out[c].max() == 255 for c in range(3))
    true_u = cv2.resize(u, (28, 28), interpolation=cv2.INTER_AREA)
    assert _corr(out[2], true_u) > 0.8
    assert abs(_corr(out[1], true_u)) < 0.5


def test_strain_formula() -> None:
    y, x = np.mgrid[0:5, 0:5].astype(float)
    # u = 2x, v = 3y: u_x = 2, v_y = 3, shear 0 -> sqrt(13); u = y: shear 1 -> sqrt(0.5)
    assert np.allclose(optical_strain(2 * x, 3 * y), np.sqrt(13))
    assert np.allclose(optical_strain(y, 0 * y), np.sqrt(0.5))


def test_every_solver_parameter_is_pinned() -> None:
    import cv2

    params = FlowUVOS().params["solver"]
    assert params["nscales"] == ipol_scales(112) == 4
    solver = cv2.optflow.DualTVL1OpticalFlow_create(**params)
    assert (solver.getTau(), solver.getLambda(), solver.getTheta(), solver.getWarpingsNumber(),
            solver.getScaleStep(), solver.getMedianFiltering(), solver.getInnerIterations(),
            solver.getOuterIterations()) == pytest.approx((0.25, 0.15, 0.3, 5, 0.5, 1, 30, 10))
    assert solver.getEpsilon() == pytest.approx(0.01) and solver.getGamma() == 0


def test_alignment_levels_the_eyes_and_keeps_the_face_in_the_box() -> None:
    points = np.zeros((68, 2))
    points[:, 0], points[:, 1] = np.linspace(40, 120, 68), np.linspace(60, 160, 68)
    points[36:42] = (60, 80)
    points[42:48] = (100, 100)  # the right eye 20 px lower: tilted by atan(0.5)
    face = transform_from_points(points, (200, 200), size=64, margin=0.1)
    mapped = points @ face.matrix[:, :2].T + face.matrix[:, 2]
    assert mapped[36:42, 1].mean() == pytest.approx(mapped[42:48, 1].mean())
    assert face.angle_deg == pytest.approx(np.degrees(np.arctan(0.5)))
    assert mapped.min() > 0 and mapped.max() < 64 and not face.fallback


@pytest.mark.parametrize(("onset", "apex", "expected"), [
    (None, np.zeros((40, 40, 3), np.uint8), "onset frame of sample bad could not be read"),
    (np.zeros((0, 0, 3), np.uint8), np.zeros((40, 40, 3), np.uint8), "onset frame .* empty"),
    (np.zeros((40, 40, 3), np.uint8), np.zeros((40, 50, 3), np.uint8),
     r"onset \(40x40\) and apex \(50x40\) frames of sample bad differ in size"),
    (np.zeros((40, 40, 3), np.float32), np.zeros((40, 40, 3), np.uint8), "not an image"),
    (np.zeros((40, 40, 3), np.uint8), np.array(["text"]), "apex frame .* not an image"),
])
def test_bad_frames_are_one_clear_error(onset, apex, expected) -> None:
    with pytest.raises(MerbenchError, match=expected):
        FlowUVOS(face="frame").compute({"onset_frame": onset, "apex_frame": apex}, "bad")


def test_bad_options_are_refused(plugins) -> None:
    entry = plugins.registries.features.get("tvl1-uvos")
    for options in ({"method": "lk"}, {"size": 8}, {"face": "crop"}, {"margin": 2}):
        with pytest.raises(MerbenchError, match="cannot be built"):
            entry.create("feature", **options)
    assert isinstance(entry.create("feature"), FlowUVOS)


def test_no_face_falls_back_to_the_whole_frame() -> None:
    onset, apex, _ = textured_pair(height=160, width=160)
    dataset = frames_dataset([onset], [apex])
    got = extract_samples(TVL1_UVOS, build_tvl1_uvos(method="farneback"), dataset, workers=1)
    assert got.report["n_face_fallback"] == 1 and got.report["face_fallback"] == ["frames_00"]
    assert "no face found in 1 of 1" in got.summary


@pytest.mark.realdata
def test_real_pairs_look_like_the_release(real_data: Path) -> None:
    """On the real onset/apex GIFs: faces found, finite non-trivial flow, strain skewed to 0,
    and for the two samples the release has, v and u correlate with its PNG."""
    import cv2

    pairs = [read_gif_pair(real_data / "samples" / "onset_apex_pairs" / f"{p}.gif")
             for p in PAIRS]
    dataset = frames_dataset([a for a, _ in pairs], [b for _, b in pairs])
    got = extract_samples(TVL1_UVOS, build_tvl1_uvos(), dataset, workers=1)
    assert got.report["n_face_fallback"] == 0
    values = got.values
    assert values.shape == (3, 3, 28, 28) and np.isfinite(values).all()
    strain = values[:, 0]
    assert strain.mean() < 60 and np.median(strain) < strain.mean()  # skewed toward 0
    assert all(values[:, c].std() > 10 for c in range(3))
    compared = 0
    for index, name in enumerate(PAIRS):
        path = real_data / RELEASE.format(name)
        if not path.exists():  # sub11_EP15_04f is not one of the 442 released samples
            continue
        released = cv2.imread(str(path), cv2.IMREAD_COLOR).transpose(2, 0, 1).astype(float)
        assert _corr(values[index, 1], released[1]) > 0.3  # v
        assert _corr(values[index, 2], released[2]) > 0.3  # u
        compared += 1
    assert compared == 2


@pytest.mark.realdata
def test_casme2_sequence(real_data: Path) -> None:
    onset, apex = casme2_frame(real_data, 1), casme2_frame(real_data, 10)
    sample = build_tvl1_uvos().compute({"onset_frame": onset, "apex_frame": apex}, "casme2")
    assert sample.notes["face"] == "found"
    values = sample.values
    assert np.isfinite(values).all() and all(values[c].std() > 10 for c in range(3))
    assert values[0].mean() < 60
