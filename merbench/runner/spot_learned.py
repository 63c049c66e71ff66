"""The learned half of a spotting run: a :class:`~merbench.spotting.spotter.LearnsToSpot`
fitted once per subject on the other subjects' videos, leave one subject out.

Each setting's features are computed once per video, by that setting's spotter, and shared
by every setting whose ``feature_params`` (else ``params``) are the same: a tuned option
that shapes the features (a window, the grid) gets features of its own, one that only
shapes the fit or the threshold reuses them. Then, per subject, each setting is fitted on
the other subjects' videos and ground truth and spots this subject's videos. A subject
whose videos a previous call finished is not fitted again; the run's identity holds a digest
of every video and its ground truth (:func:`training_digest`), so a kept subject's intervals
were fitted on the same training data as the rest.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.meta.spotter import SpotterMeta
from merbench.plugin_system import plugin_fault
from merbench.plugin_system.entry import Entry
from merbench.runner.spotted_records import (
    failed,
    guarded,
    intervals_of,
    truth_positions,
    truth_records,
    video_frames,
    video_record,
)
from merbench.spotting.intervals import Spotted
from merbench.spotting.long_videos import LongVideo
from merbench.spotting.record import SpottedVideo
from merbench.spotting.spotter import FittedSpotter, LearnsToSpot, TrainingVideo

#: what a run reports as it goes: videos kept so far, videos in all, what was just done
Progress = Callable[[int, int, str], None]


def training_digest(videos: Sequence[LongVideo]) -> str:
    """16 hex digits over every video's names, frame rate, frames and ground truth: what a
    learned spotter's fits were trained on."""
    digest = hashlib.sha256()
    for v in videos:
        digest.update(json.dumps([v.database, v.subject, v.name, float(v.fps),
                                  int(v.first_frame), int(v.last_frame),
                                  [[t.onset, t.offset, t.kind, t.emotion]
                                   for t in truth_records(v)]]).encode())
    return digest.hexdigest()[:16]


def feature_key(learner: LearnsToSpot) -> str:
    """What decides a learner's features: its ``feature_params`` where it says, else all of
    its ``params``."""
    params = getattr(learner, "feature_params", None)
    return json.dumps(learner.params if params is None else params, sort_keys=True,
                      default=str)


def spot_learned(spotter: Entry[SpotterMeta], learners: Sequence[LearnsToSpot],
                 videos: Sequence[LongVideo], kept: dict[int, SpottedVideo],
                 write: Callable[[int, SpottedVideo], None], progress: Progress | None
                 ) -> list[SpottedVideo]:
    """Every video's intervals, one list per learner (setting), each from a fit without the
    video's subject (module doc), and what each fit chose, kept with the video so that the
    run's record says it whether the video was spotted now or by an earlier call."""
    if len(kept) == len(videos):
        return [kept[i] for i in range(len(videos))]
    keys = [feature_key(learner) for learner in learners]
    features: dict[str, list[Any]] = {key: [] for key in keys}
    seconds = [0.0] * len(videos)
    for index, video in enumerate(videos):
        started = time.perf_counter()
        for key in dict.fromkeys(keys):
            learner = learners[keys.index(key)]
            features[key].append(guarded(spotter, video, partial(
                learner.features, video_frames(video), video.fps)))
        seconds[index] = time.perf_counter() - started
        if progress is not None:
            progress(len(kept), len(videos),
                     f"{video.key_text} (features {index + 1}/{len(videos)})")
    out: dict[int, SpottedVideo] = dict(kept)
    for subject in dict.fromkeys(video.key for video in videos):
        mine = [i for i, v in enumerate(videos) if v.key == subject]
        if all(i in kept for i in mine):
            continue
        found: dict[int, list[tuple[Spotted, ...]]] = {i: [] for i in mine}
        fitted: list[dict[str, Any]] = []
        for learner, key in zip(learners, keys, strict=True):
            training = [TrainingVideo(features[key][i], float(v.fps), truth_positions(v),
                                      f"{v.database}/{v.subject}")
                        for i, v in enumerate(videos) if v.key != subject]
            fit, chose = fitted_on(spotter, learner, training, "/".join(subject))
            fitted.append(chose)
            for i in mine:
                found[i].append(intervals_of(spotter, guarded(spotter, videos[i], partial(
                    fit.spot_features, features[key][i], videos[i].fps)),
                    videos[i].key_text, len(videos[i].frames.numbers)))
        for i in mine:
            out[i] = video_record(videos[i], found[i], seconds[i], fitted)
            write(i, out[i])
            if progress is not None:
                progress(len(out), len(videos), videos[i].key_text)
    return [out[i] for i in range(len(videos))]


def fitted_on(spotter: Entry[SpotterMeta], learner: LearnsToSpot,
              training: Sequence[TrainingVideo], left_out: str
              ) -> tuple[FittedSpotter, dict[str, Any]]:
    """``learner`` fitted on ``training`` (every subject's videos but ``left_out``'s), and
    what the fit chose. Whatever fit() raises or returns that is no fitted spotter is the
    plugin's fault, said as fitting on the training subjects (it was "refused video" of the
    left-out subject's first video, which fit() never saw, or a traceback for None)."""
    where = f"while fitting on the videos of every subject but {left_out}"
    try:
        fit = learner.fit(training)
        chose = dict(fit.fitted) if isinstance(fit, FittedSpotter) else None
        if chose is not None:  # as the run's files will read it back: JSON, one spelling
            chose = json.loads(json.dumps(chose, allow_nan=False))
    except MerbenchError:
        raise
    except (Exception, SystemExit) as exc:  # the plugin's own code
        raise failed(spotter, exc, where) from None
    if chose is None:
        raise spotter.fault("spotter", f"returned {plugin_fault.described(fit)} from fit() "
                            f"on the videos of every subject but {left_out}, not a fitted "
                            "spotter (one with fitted and spot_features)", sep=" ")
    return fit, chose
