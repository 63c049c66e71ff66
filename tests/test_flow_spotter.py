"""The training-free ``flow-peak`` spotter (plugins/merbench_spotters) on videos made here.

Each video is a textured face-like image (a bright oval with dark eyes, brows, nose and
mouth on smooth random texture), warped frame by frame: an expression is a local
displacement field (a Gaussian bump, moving down and outwards) whose amplitude follows a
raised-cosine envelope over its planted frames; slow head drift is a translation that
grows with time; camera noise is Gaussian. The planted intervals are the ground truth, and
the spotter's output is scored by merbench's own metric (IoU >= 0.5, micro and macro
apart), so a spotter that finds the right expressions at the wrong length or type fails.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from merbench.spotting.intervals import MACRO, MICRO, Expression, FrameInterval, Video
from merbench.spotting.scores import pooled_counts
from merbench.spotting.spotter import Spotter

if importlib.util.find_spec("merbench_spotters") is None:  # a checkout installed before the
    # package existed: its editable install maps the older package list; use the folder
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from merbench_spotters import FlowPeakOptions, flow_peak_spotter

SIZE = 64
MOUTH, BROW = (0.5, 0.75), (0.33, 0.3)  # (x, y) fractions of the face


def face(size: int, rng: np.random.Generator) -> np.ndarray:
    """A grey face-like float image: texture for the flow to follow, features to move."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
    texture = cv2.GaussianBlur(rng.normal(0.0, 1.0, (size, size)), (0, 0), size / 40)
    image = 90 + 25 * texture / texture.std()
    image += 60 * ((((xx - 0.5) / 0.38) ** 2 + ((yy - 0.5) / 0.47) ** 2) <= 1)
    for cx in (0.33, 0.67):
        image -= 70 * np.exp(-(((xx - cx) / 0.07) ** 2 + ((yy - 0.38) / 0.03) ** 2))  # eye
        image -= 50 * np.exp(-(((xx - cx) / 0.1) ** 2 + ((yy - 0.28) / 0.015) ** 2))  # brow
    image -= 30 * np.exp(-(((xx - 0.5) / 0.03) ** 2 + ((yy - 0.55) / 0.08) ** 2))  # nose
    image -= 60 * np.exp(-(((xx - 0.5) / 0.15) ** 2 + ((yy - 0.75) / 0.02) ** 2))  # mouth
    return image


def envelope(t: int, onset: int, offset: int) -> float:
    """Raised cosine over frames onset..offset (both > 0), 0 outside."""
    x = (t - onset + 0.5) / (offset - onset + 1)
    return math.sin(math.pi * x) ** 2 if 0 < x < 1 else 0.0


def render(n_frames: int, expressions: list[tuple[int, int, tuple[float, float], float]], *,
           drift: tuple[float, float] = (0.0, 0.0), nod: tuple[int, int, float] | None = None,
           noise: float = 2.0, size: int = SIZE, seed: int = 0) -> np.ndarray:
    """``(n_frames, size, size)`` uint8: ``expressions`` are (onset, offset, centre,
    amplitude in pixels); ``drift`` pixels per frame (x, y); ``nod`` (onset, offset,
    pixels) moves the whole face down and back with the envelope."""
    rng = np.random.default_rng(seed)
    base = face(size, rng).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    frames = np.empty((n_frames, size, size), dtype=np.uint8)
    for t in range(n_frames):
        dx = np.full((size, size), drift[0] * t, dtype=np.float32)
        dy = np.full((size, size), drift[1] * t, dtype=np.float32)
        for onset, offset, (cx, cy), amplitude in expressions:
            bump = amplitude * envelope(t, onset, offset) * np.exp(
                -((xx - cx * size) ** 2 + (yy - cy * size) ** 2) / (2 * (0.13 * size) ** 2))
            dy += bump
            dx += 0.5 * bump * np.sign(xx - cx * size)
        if nod is not None:
            dy += nod[2] * envelope(t, nod[0], nod[1])
        warped = cv2.remap(base, xx - dx, yy - dy, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT)
        frames[t] = np.clip(warped + rng.normal(0.0, noise, warped.shape), 0, 255)
    return frames


def score(spotted: tuple, fps: float, truth: list[tuple[int, int, str]]) -> dict:
    """merbench's pooled counts of ``spotted`` against ``truth`` (onset, offset, kind)."""
    video = Video("v", "s", fps, truth=tuple(Expression(FrameInterval(a, b), kind)
                                             for a, b, kind in truth), spotted=spotted)
    return pooled_counts([video])


def spans(spotted: tuple) -> list[tuple[int, int, str]]:
    return [(s.interval.onset, s.interval.offset, s.kind) for s in spotted]


@pytest.fixture(scope="module")
def video_30fps() -> np.ndarray:
    """300 frames at 30 fps: a micro-expression at the mouth (100-109, 0.33 s, 1.5 px), a
    macro-expression at a brow (180-229, 1.67 s, 3 px), drift and noise."""
    return render(300, [(100, 109, MOUTH, 1.5), (180, 229, BROW, 3.0)], drift=(0.03, 0.02))


TRUTH_30 = [(100, 109, MICRO), (180, 229, MACRO)]


def test_it_finds_the_planted_micro_and_macro_expressions_at_30_fps(video_30fps) -> None:
    spotted = flow_peak_spotter().spot(video_30fps, 30)
    counts = score(spotted, 30, TRUTH_30)
    assert (counts[MICRO].tp, counts[MACRO].tp) == (1, 1), spans(spotted)
    assert counts["all"].fp == 0 and counts["all"].fn == 0, spans(spotted)
    assert [s.emotion for s in spotted] == [None, None]
    assert spotted == tuple(sorted(spotted, key=lambda s: s.interval))


def test_it_finds_them_at_200_fps_with_windows_set_from_the_frame_rate() -> None:
    """SAMM's rate: the same durations are 6.7 times the frames (micro 0.3 s = 60 frames,
    macro 1.5 s = 300), and k is 80 and 260 frames, MDMD's SAMM values."""
    video = render(1300, [(300, 359, MOUTH, 1.5), (650, 949, BROW, 3.0)],
                   drift=(0.005, 0.003))
    spotter = flow_peak_spotter()
    assert spotter.lags(200) == [80, 260] and spotter.lags(30) == [12, 39]
    spotted = spotter.spot(video, 200)
    counts = score(spotted, 200, [(300, 359, MICRO), (650, 949, MACRO)])
    assert (counts[MICRO].tp, counts[MACRO].tp, counts["all"].fp) == (1, 1, 0), spans(spotted)


def test_the_type_comes_from_the_duration_not_from_the_pass(video_30fps) -> None:
    """With the macro window alone, the 10-frame expression is still micro (10 <= 15
    frames at 30 fps) and the 50-frame one macro."""
    spotted = flow_peak_spotter(micro_k_seconds=1.3, macro_k_seconds=None).spot(video_30fps, 30)
    counts = score(spotted, 30, TRUTH_30)
    assert (counts[MICRO].tp, counts[MACRO].tp, counts["all"].fp) == (1, 1, 0), spans(spotted)


@pytest.mark.parametrize("drift", [(0.0, 0.0), (0.05, -0.03)], ids=["still", "drifting"])
def test_a_video_with_no_expression_yields_nothing(drift) -> None:
    assert flow_peak_spotter().spot(render(300, [], drift=drift), 30) == ()


def test_head_motion_is_removed_before_regions_are_scored() -> None:
    """A quick nod (the whole face 2 px down and back in 10 frames) moves every region as
    an expression moves one: without head-motion removal it is spotted, with it not."""
    video = render(200, [], nod=(90, 99, 2.0))
    assert flow_peak_spotter().spot(video, 30) == ()
    assert spans(flow_peak_spotter(head_motion="none").spot(video, 30))[0][2] == MICRO
    assert flow_peak_spotter(head_motion="nose").spot(video, 30) == ()


def test_window_intervals_are_k_either_side_of_the_apex(video_30fps) -> None:
    spotted = flow_peak_spotter(interval="window", macro_k_seconds=None).spot(video_30fps, 30)
    micro = [s.interval for s in spotted if s.interval.onset < 150]
    assert len(micro) == 1 and micro[0].frames == 25  # 2 k + 1, k = 12
    assert abs((micro[0].onset + micro[0].offset) / 2 - 104.5) <= 2
    assert spotted[0].kind == MACRO  # 25 frames > 15: the type is the interval's, as given


def test_frames_may_come_one_by_one(video_30fps) -> None:
    spotter = flow_peak_spotter()
    assert spotter.spot(iter(list(video_30fps)), 30) == spotter.spot(video_30fps, 30.0)


@pytest.mark.parametrize("n_frames", [0, 1, 24, 60])
def test_a_video_shorter_than_a_window_is_not_an_error(n_frames) -> None:
    """At 30 fps the micro pass needs 2 x 12 + 1 = 25 frames and the macro pass 79: below,
    that pass finds nothing; 60 frames run the micro pass alone."""
    video = render(n_frames, [(25, 34, MOUTH, 1.5)]) if n_frames else np.zeros((0, 64, 64),
                                                                             np.uint8)
    spotted = flow_peak_spotter().spot(video, 30)
    if n_frames < 25:
        assert spotted == ()
    else:
        assert spans(spotted) and spans(spotted)[0][2] == MICRO
    assert flow_peak_spotter().spot([], 30) == ()


GREY = np.zeros((30, 32, 32), dtype=np.uint8)


@pytest.mark.parametrize(("frames", "fps", "message"), [
    (GREY.astype(np.float32), 30, "got a 3-D float32 array of shape 30 x 32 x 32"),
    (GREY[0], 30, "got a 2-D uint8 array"),
    (np.zeros((30, 32, 32, 3), np.uint8), 30, "got a 4-D uint8 array"),
    ([GREY[0], GREY[0, :16]], 30, "frame 1 is a 2-D uint8 array of shape 16 x 32"),
    ("frames/", 30, "got str"),
    (np.zeros((30, 8, 8), np.uint8), 30, "at least 16 x 16 pixels"),
    (GREY, 0, "fps must be a positive number of frames per second, not 0"),
    (GREY, -30, "not -30"),
    (GREY, float("nan"), "not nan"),
    (GREY, True, "not True"),
    (GREY, "30", "not '30'"),
])
def test_bad_input_is_refused_with_one_clear_error(frames, fps, message) -> None:
    with pytest.raises(ValueError, match=r"fps must|the spotter takes") as error:
        flow_peak_spotter().spot(frames, fps)
    assert message in str(error.value)


@pytest.mark.parametrize(("options", "message"), [
    ({"p": 1.0}, "p must be a number in [0, 1)"),
    ({"edge": 0}, "edge must be a number in (0, 1)"),
    ({"micro_k_seconds": -0.4}, "micro_k_seconds must be a number in (0, 10]"),
    ({"grid": 0}, "grid must be a whole number of at least 1"),
    ({"method": "rlof"}, "method must be one of farneback, tvl1"),
    ({"head_motion": "landmarks"}, "head_motion must be one of median, nose, none"),
    ({"threshold": 0.2}, "flow-peak has no option 'threshold'; its options are"),
])
def test_bad_options_are_refused(options, message) -> None:
    with pytest.raises(ValueError) as error:
        flow_peak_spotter(**options)
    assert message in str(error.value)


def test_a_grid_finer_than_the_frames_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^a grid of 20 x 20 blocks needs working frames of "
                                         r"at least 20 pixels a side; these are 16 x 16 at "
                                         r"the working size .*: give grid <= 16$"):
        flow_peak_spotter(grid=20).spot(np.zeros((30, 16, 16), np.uint8), 30)


def test_a_grid_finer_than_the_working_frames_names_their_working_size() -> None:
    """400 x 40 frames are 128 x 16 once max_side shrinks them: said so, not as the frames
    given (256-pixel frames were said to be 128 x 128, and bigger frames never helped)."""
    with pytest.raises(ValueError, match=r"these are 128 x 16 at the working size \(frames "
                                         r"whose longer side is above max_side=128 are shrunk "
                                         r"to it\): give grid <= 16$"):
        flow_peak_spotter(grid=20).spot(np.zeros((30, 40, 400), np.uint8), 30)


@pytest.mark.parametrize("spotter", ["flow-peak", "flow-score"])
def test_a_grid_finer_than_max_side_is_refused_with_the_options(spotter: str, tmp_path: Path,
                                                                cli, monkeypatch) -> None:
    """No frame, whatever its size, is more than max_side pixels a side once shrunk: the
    options are refused as they are read, naming both, before any frame is worked on."""
    import merbench_spotters.flow_peak as peak
    import merbench_spotters.flow_score as score

    def no_frames(*_: object) -> None:
        raise AssertionError("frames were worked on")

    for module in (peak, score):
        monkeypatch.setattr(module, "working_frames", no_frames)
    code, _, err = cli("spot", "--spotter", spotter, "--dataset", "synthetic-long",
                       "--spotter-opt", "grid=200", "--quiet", "--out", tmp_path / "s")
    assert code == 2 and err.strip().splitlines() == [
        f"merbench: error: spotter '{spotter}': grid=200 needs working frames of at least 200 "
        "pixels a side, more than max_side=128 lets them have; give grid <= 128 or "
        "max_side >= 200"], err
    assert not (tmp_path / "s").exists()


def test_it_is_a_spotter_whose_params_record_every_option() -> None:
    spotter = flow_peak_spotter(p=0.4)
    assert isinstance(spotter, Spotter)
    params = json.loads(json.dumps(spotter.params))
    assert params["spotter"] == "flow-peak" and params["p"] == 0.4
    assert set(FlowPeakOptions.__dataclass_fields__) <= set(params)
    assert params["flow"]["method"] == "farneback" and params["flow"]["winsize"] == 15


def test_a_higher_p_keeps_only_the_stronger_expression(video_30fps) -> None:
    """p sets the threshold relative to the video's own signal: near 1 only the strongest
    peak (the 3 px macro-expression) reaches it."""
    spotted = flow_peak_spotter(p=0.9).spot(video_30fps, 30)
    counts = score(spotted, 30, TRUTH_30)
    assert (counts[MICRO].tp, counts[MACRO].tp, counts["all"].fp) == (0, 1, 0), spans(spotted)


def test_tvl1_flow_finds_the_micro_expression_too() -> None:
    video = render(60, [(25, 34, MOUTH, 1.5)])
    spotted = flow_peak_spotter(method="tvl1", macro_k_seconds=None).spot(video, 30)
    counts = score(spotted, 30, [(25, 34, MICRO)])
    assert (counts[MICRO].tp, counts["all"].fp) == (1, 0), spans(spotted)


def test_large_frames_are_shrunk_to_the_working_size() -> None:
    """A 256-pixel face is spotted at 128 (max_side): the same expressions are found, and
    frames streamed one by one are shrunk as they come to the same result."""
    video = render(120, [(40, 49, MOUTH, 3.0)], size=256, noise=1.0)
    spotter = flow_peak_spotter(macro_k_seconds=None)
    spotted = spotter.spot(video, 30)
    counts = score(spotted, 30, [(40, 49, MICRO)])
    assert (counts[MICRO].tp, counts["all"].fp) == (1, 0), spans(spotted)
    assert spotter.spot((frame for frame in video), 30) == spotted


def test_spot_variants_gives_each_settings_own_intervals_from_one_pass() -> None:
    """What ``merbench spot`` relies on: thresholds tried from one flow pass give exactly
    what a spotter built with each would, and a variant that changes the flow itself is
    spotted on its own."""
    video = render(200, [(40, 49, MOUTH, 1.5), (110, 150, BROW, 3.0)], drift=(0.02, 0.0))
    spotter = flow_peak_spotter()
    variants = [{"p": 0.1}, {"p": 0.4, "edge": 0.2}, {"min_motion": 0.5},
                {"p": 0.2, "max_side": 32}]
    found = spotter.spot_variants(iter(list(video)), 30, variants)  # frames read once
    assert found == [flow_peak_spotter(**v).spot(video, 30) for v in variants]
    assert found[0] and found[0] != found[1]  # the settings do differ here
    with pytest.raises(ValueError, match="has no option 'q'"):
        spotter.spot_variants(video, 30, [{"q": 1}])
