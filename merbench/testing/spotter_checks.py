"""Does a registered spotter keep the contract ``merbench spot`` relies on?

Checked on a short video generated here (a textured face-like image that a smooth bump
deforms for half a second, with camera noise), so no data is needed and no expression has
to be found: what is checked is the shape of the answer (:mod:`merbench.spotting.spotter`
states the contract), not its quality, which a spotting run measures.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from merbench.plugin_system.manager import Plugins
from merbench.spotting.choice import variants_of
from merbench.spotting.intervals import KINDS, Expression, FrameInterval, Spotted
from merbench.spotting.spotter import LearnsToSpot, SpotsVariants, Spotter, TrainingVideo
from merbench.testing.lookup import describe, failing_step, find_entry

FPS = 30.0
FRAMES = 150  # five seconds: longer than any window a spotter of 30 fps video should need
SIZE = 64


def generated_video(frames: int = FRAMES, size: int = SIZE, seed: int = 0) -> np.ndarray:
    """``(frames, size, size)`` grey uint8: a blurred random texture in an ellipse, a bump
    pushing its lower half down for 15 frames in the middle, and noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
    texture = rng.normal(0.0, 1.0, (size, size))
    for _ in range(3):  # a cheap blur: the texture must be smooth enough for any flow
        texture = (texture + np.roll(texture, 1, 0) + np.roll(texture, 1, 1)) / 3
    image = 100 + 40 * texture / texture.std() + 60 * (
        ((xx - 0.5) / 0.38) ** 2 + ((yy - 0.5) / 0.47) ** 2 <= 1)
    video = np.empty((frames, size, size), dtype=np.uint8)
    middle = frames // 2
    for t in range(frames):
        lift = 2.0 * max(0.0, np.cos(np.pi * (t - middle) / 15)) if abs(t - middle) < 8 else 0.0
        shift = round(lift)
        moved = image.copy()
        moved[size // 2 + shift:] = image[size // 2:size - shift or None]
        video[t] = np.clip(moved + rng.normal(0.0, 2.0, moved.shape), 0, 255)
    return video


def _check_answer(where: str, found: Any, n_frames: int) -> tuple[Spotted, ...]:
    if not isinstance(found, tuple) or not all(isinstance(s, Spotted) for s in found):
        raise AssertionError(f"{where}: spot() must return a tuple of Spotted, got "
                             f"{type(found).__name__}")
    for s in found:
        if not 0 <= s.interval.onset <= s.interval.offset < n_frames:
            raise AssertionError(f"{where}: an interval [{s.interval.onset}, "
                                 f"{s.interval.offset}] lies outside frames 0..{n_frames - 1}")
        if s.kind not in KINDS or s.emotion is not None:
            raise AssertionError(f"{where}: a spotted interval is typed micro or macro and has "
                                 f"no emotion, got kind {s.kind!r}, emotion {s.emotion!r}")
    if list(found) != sorted(found, key=lambda s: (s.interval.onset, s.interval.offset)):
        raise AssertionError(f"{where}: the intervals must be in time order")
    return found


def _refuses_bad_fps(where: str, call: Callable[[float], Any], otherwise: str) -> None:
    """``call(fps)`` raises one ValueError for each frame rate that is not a positive
    number."""
    for bad in (0.0, -30.0, float("nan")):
        try:
            call(bad)
        except ValueError:
            continue
        except Exception as exc:
            raise AssertionError(f"{where}: fps={bad} must raise ValueError, it raised "
                                 f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError(f"{where}: fps={bad} must raise ValueError; {otherwise}")


def _bump(video_frames: int = FRAMES) -> tuple[Expression, ...]:
    """The generated video's ground truth: the bump, a micro-expression of 15 frames."""
    middle = video_frames // 2
    return (Expression(FrameInterval(middle - 7, middle + 7), "micro"),)


def _check_learner(where: str, learner: LearnsToSpot) -> None:
    """A learned spotter: JSON params; features of a generated video; a fit on two
    training subjects' videos that spots a third with typed intervals in time order, the
    same for an iterator of frames and for a second fit; a video too short for it gives a
    tuple; a bad frame rate is one ValueError. One fit serves the first spot, its JSON and
    the short video, as a run's one fit serves every test video; only the determinism
    check fits again (a fit of the default booster is most of the check's CPU)."""
    with failing_step(where, "writing its params as JSON (results record them)"):
        json.dumps(learner.params)
    with failing_step(where, "computing the features of generated videos"):
        training = [TrainingVideo(learner.features(generated_video(seed=seed), FPS), FPS,
                                  _bump(), f"generated/{seed}") for seed in (1, 2)]
        test = generated_video()
        features = learner.features(test, FPS)
        from_iterator = learner.features(iter(list(test)), FPS)
    with failing_step(where, "fitting on two training subjects and spotting a third"):
        fitted = learner.fit(training)
        found = _check_answer(where, fitted.spot_features(features, FPS), len(test))
        again = learner.fit(training).spot_features(from_iterator, FPS)
        json.dumps(fitted.fitted)
    if again != found:
        raise AssertionError(f"{where}: the same training videos and frames gave other "
                             "intervals; a learned spotter must be deterministic")
    with failing_step(where, "spotting a video of 3 frames"):
        _check_answer(where, fitted.spot_features(learner.features(test[:3], FPS), FPS), 3)
    _refuses_bad_fps(where, lambda fps: learner.features(test, fps), "it computed features")


def check_spotter(name: str, plugins: Plugins | None = None) -> None:
    """The spotter builds with its defaults and with every value its metadata tunes (a
    learned spotter is checked as :func:`_check_learner` says); it
    answers a generated video with typed intervals in time order within the video, the same
    for an array and an iterator of frames and the same twice; a video too short for it
    gives a tuple, not an error; a frame rate that is not a positive number is one
    ValueError; ``params`` is JSON; and, where it gives several settings from one pass
    (``spot_variants``), each equals what that setting's own spotter gives."""
    plugins, entry = find_entry(plugins, "spotter", name)
    where = describe("spotter", entry)
    with failing_step(where, "building it with its defaults"):
        spotter = entry.create("spotter")
    if isinstance(spotter, LearnsToSpot) and not isinstance(spotter, Spotter):
        _check_learner(where, spotter)
        for variant in variants_of(dict(entry.meta.tuned)):  # every setting a run fits
            with failing_step(where, f"building it with its tuned setting {variant}"):
                entry.create("spotter", **variant)
        return
    if not isinstance(spotter, Spotter):
        raise AssertionError(f"{where}: its factory must return a Spotter (spot(frames, fps) "
                             f"and params) or a LearnsToSpot (features, fit and params), got "
                             f"{type(spotter).__name__}")
    with failing_step(where, "writing its params as JSON (results record them)"):
        json.dumps(spotter.params)
    video = generated_video()
    with failing_step(where, "spotting a generated video"):
        found = _check_answer(where, spotter.spot(video, FPS), len(video))
        again = spotter.spot(iter(list(video)), FPS)
    if again != found:
        raise AssertionError(f"{where}: the same frames, given as an iterator or a second "
                             "time, gave other intervals; a spotter must be deterministic")
    with failing_step(where, "spotting a video of 3 frames"):
        _check_answer(where, spotter.spot(video[:3], FPS), 3)
    _refuses_bad_fps(where, lambda fps: spotter.spot(video, fps), "it spotted")
    variants = variants_of(dict(entry.meta.tuned))  # every setting a run tries
    built = []
    for variant in variants:
        with failing_step(where, f"building it with its tuned setting {variant}"):
            built.append(entry.create("spotter", **variant))
    if isinstance(spotter, SpotsVariants) and variants:
        with failing_step(where, "spotting every tuned setting from one pass"):
            # as a run gives them: frames one by one, read once
            together = spotter.spot_variants(iter(list(video)), FPS, variants)
        if len(together) != len(variants):
            raise AssertionError(f"{where}: spot_variants gave {len(together)} answers for "
                                 f"{len(variants)} settings")
        alone = [one.spot(video, FPS) for one in built]
        for variant, answer, own in zip(variants, together, alone, strict=True):
            _check_answer(f"{where}, spot_variants {variant}", answer, len(video))
            if answer != own:
                raise AssertionError(f"{where}: spot_variants gave other intervals for "
                                     f"{variant} than that setting's own spotter")
