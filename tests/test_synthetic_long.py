"""``synthetic-long``: deterministic, cheap, exact ground truth, and its planted expressions
and blinks are local motion that optical flow sees, well above the head drift and noise."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from merbench_datasets.synthetic_long import CLASSES, make_synthetic_long

from merbench.base.errors import MerbenchError
from merbench.spotting.intervals import MACRO, MICRO, kind_by_duration


def test_it_is_deterministic_and_typed_as_megc_types_it() -> None:
    data = make_synthetic_long()
    frames = [video.read() for video in data.videos]
    again = make_synthetic_long()
    assert all(np.array_equal(a, b.read()) for a, b in zip(frames, again.videos, strict=True))
    assert not np.array_equal(frames[0], make_synthetic_long(seed=1).videos[0].read())
    assert [(v.subject, v.name) for v in data.videos] == [
        ("sub01", "v1"), ("sub01", "v2"), ("sub02", "v1"), ("sub02", "v2"),
        ("sub03", "v1"), ("sub03", "v2")]
    assert frames[0].shape == (300, 64, 64) and frames[0].dtype == np.uint8
    assert (data.count(MICRO), data.count(MACRO), data.blink_count()) == (12, 6, 12)
    assert tuple(data.classes) == CLASSES
    for video in data.videos:
        assert video.fps == 30.0
        for annotation in video.annotations:
            expression = annotation.expression
            assert kind_by_duration(expression.interval, video.fps) == expression.kind
            assert expression.emotion in (0, 1, 2) and annotation.apex is not None
        spans = sorted([(e.interval.onset, e.interval.offset) for e in video.truth]
                       + [(b.onset, b.offset) for b in video.blinks or ()])
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    video = data.videos[0]
    assert np.array_equal(video.read(100, 140)[20:], video.read(120, 160)[:21])


K = 4  # flow from frame t to t + K: as flow spotters do, about half a micro-expression


def _flow(frames: np.ndarray) -> np.ndarray:
    """Per-pixel flow magnitude from each frame to the one K later (T - K, H, W)."""
    magnitudes = []
    for a, b in zip(frames, frames[K:], strict=False):
        flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 2, 9, 3, 5,  # type: ignore[call-overload]
                                            1.1, 0)
        magnitudes.append(np.linalg.norm(flow, axis=2))
    return np.stack(magnitudes)


def test_planted_expressions_and_blinks_are_local_motion() -> None:
    data = make_synthetic_long()
    for video in data.videos:
        flow = _flow(video.read())
        busy = np.zeros(len(flow), dtype=bool)
        events = [e.interval for e in video.truth] + list(video.blinks or ())
        for interval in events:
            busy[max(interval.onset - K, 0):interval.offset] = True  # flow t: t -> t + K
        # the strongest local motion (98th percentile of a frame's pixels)
        local = np.percentile(flow.reshape(len(flow), -1), 98, axis=1)
        rest = float(np.median(local[~busy]))
        for interval in events:
            peak = float(local[max(interval.onset - K, 0):interval.offset].max())
            # the weakest of the 30 events (a slow macro) peaks at 1.9 times the rest,
            # micro-expressions and blinks at 2.7 times or more
            assert peak > 1.5 * rest, (video.key_text, interval, peak, rest)


@pytest.mark.parametrize(("options", "message"), [
    ({"frames": 50}, "50 frames cannot hold 2 micro, 1 macro and 2 blink events"),
    ({"subjects": 0}, "subjects must be a whole number >= 1"),
    ({"micro_per_video": 0, "macro_per_video": 0},  # scored as F1 0 (pass 84ab, AB7)
     "micro_per_video=0 and macro_per_video=0 leave no interval to spot"),
])
def test_bad_options_are_one_line(options: dict[str, int], message: str) -> None:
    with pytest.raises(MerbenchError, match=message):
        make_synthetic_long(**options)
