"""``merbench predict``: one unlabelled video in; intervals with emotions and confidences out.

The steps are the benchmark's own, so that what a user gets on their video is what the
leaderboard measured: the video is read as a long-video dataset reads one (``video``, the
first-party plugin for a user's file or frame folder: the face of its first frame, aligned,
128 x 128 grey), a spotter finds its intervals (its options as given, else its defaults: a
single video has no other subject to choose a threshold on; ``merbench spot`` on a labelled
database shows which setting the other subjects chose), and each interval's onset and middle
frames (a spotter gives no apex) go through the feature that computes the run's input from
two frames (:func:`merbench.runner.spot_recognise.feature_from_frames`) into the run's recipe
trained on every subject its protocol used (:mod:`merbench.runner.final_model`): the run is
checked before the video is read, and the recogniser trained (or loaded) only once there is
an interval to recognise. Without a run, or without an interval, nothing is recognised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.data.dataset import InMemoryDataset
from merbench.features.extraction import extract_feature
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import Plugins, plugin_versions
from merbench.results.prediction_file import (
    PREDICTION_SCHEMA,
    PredictedInterval,
    PredictedRecogniser,
    PredictedSpotter,
    PredictedVideo,
    Predictions,
)
from merbench.results.schema import environment, now_iso
from merbench.runner.data import open_long_videos
from merbench.runner.final_model import FinalModel, final_model, plan_recogniser
from merbench.runner.spot_recognise import (
    feature_from_frames,
    frame_options,
    middle_frame,
    pair_arrays,
)
from merbench.runner.spotted_records import guarded, intervals_of, numbered
from merbench.spotting.intervals import Spotted
from merbench.spotting.long_videos import LongVideo
from merbench.spotting.spotter import NeedsFrames, Spotter

#: what predict reports as it goes: a stage ("frames", "training"), done, in all
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 500  # frames between two progress reports


#: the long-video dataset a user's own file or frame folder is read as (PATH)
USER_VIDEO = "video"


@dataclass(frozen=True)
class PredictSpec:
    """What to read (a long-video dataset's video: by default ``video``, the user's own),
    the spotter, and the run whose recipe recognises (None: spot only)."""

    dataset_options: Mapping[str, Any]
    spotter: str
    spotter_options: Mapping[str, Any] = field(default_factory=dict)
    dataset: str = USER_VIDEO
    video: str | None = None  # database/subject/name, to pick one of a dataset's videos
    run: Path | None = None
    data_root: str | None = None  # the video's dataset's files, and the run's data
    device: str = "cpu"

    @property
    def source(self) -> str:
        """The video as ``predictions.json`` names it: its path, or the dataset's video."""
        return str(dict(self.dataset_options).get("path", self.video or self.dataset))


def _video(spec: PredictSpec, plugins: Plugins) -> LongVideo:
    """The video to spot: ``--data-root`` locates a long-video dataset's files as ``merbench
    spot``'s does (it was passed to the run alone, so ``--dataset samm-long --data-root DIR``
    was told no data location was given); ``--dataset-opt data_root=`` wins where both are."""
    entry = plugins.registries.long_videos.get(spec.dataset)
    options = dict(spec.dataset_options)
    if spec.data_root is not None and entry.accepts("data_root"):
        options.setdefault("data_root", spec.data_root)
    elif spec.data_root is not None and spec.run is None:  # nothing reads it (pass 84n, N7)
        raise MerbenchError(f"long-video dataset '{spec.dataset}' reads no files; leave out "
                            "--data-root")
    videos = open_long_videos(entry, options).videos
    if spec.video is not None:
        chosen = [v for v in videos if v.key_text == spec.video]
        if not chosen:
            raise MerbenchError(f"long-video dataset '{spec.dataset}' has no video "
                                f"'{spec.video}'; its videos: "
                                f"{', '.join(v.key_text for v in videos[:5])}"
                                + (", ..." if len(videos) > 5 else ""))
        return chosen[0]
    if len(videos) != 1:
        raise MerbenchError(f"long-video dataset '{spec.dataset}' has {len(videos)} videos; "
                            "name one with --video DATABASE/SUBJECT/NAME")
    return videos[0]


def _counted(video: LongVideo, progress: Progress | None) -> Iterator[np.ndarray]:
    total = video.n_frames
    for done, (_, frame) in enumerate(video.iter_frames(), start=1):
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress("frames", done, total)
        yield frame


def _recognise(found: FinalModel, video: LongVideo, pairs: list[tuple[int, int]],
               plugins: Plugins, device: str) -> tuple[np.ndarray, str, dict[str, Any]]:
    """Each (onset, apex) pair's probabilities over the run's classes, with the feature."""
    # deferred: torch (through training.torch_trainer), which spotting alone never loads
    from merbench.training.torch_trainer import class_probabilities

    registries = plugins.registries
    name = feature_from_frames(registries, found.record["feature"])
    options = frame_options(registries, name)
    if name == found.record["feature"]:  # the run's own feature: its options as it ran
        options = {**found.record["feature_options"], **options}
    if not pairs:
        return np.zeros((0, len(found.classes))), name, options
    arrays = pair_arrays([video], [(0, onset, apex) for onset, apex in pairs])
    table = pd.DataFrame({"sample_id": [f"interval-{i}" for i in range(len(pairs))],
                          "database": video.database, "subject": video.subject, "label": 0})
    dataset = InMemoryDataset("predicted-intervals", table, list(found.classes), arrays)
    feature = registries.features.get(name)
    values, _ = extract_feature(feature, feature.create("feature", **options), dataset,
                                dataset_name="predicted-intervals", workers=1)
    recipe = found.data.plan.recipe
    assert recipe is not None
    return class_probabilities(found.network, values, recipe.batch_size, device), name, options


def _check_length(entry: Entry[Any], spotter: Spotter, video: LongVideo,
                  shown: str | None) -> None:
    """Refuse a video too short for the spotter to score any frame, where it says how short
    that is (:class:`~merbench.spotting.spotter.NeedsFrames`): one such video's "0
    interval(s) found" looked at nothing, as a 1x1-pixel one's would (pass 84aa, AA9).
    Asked once its frames are read (a short video is read in no time), so that a frame that
    cannot be read is said first, as before."""
    if not isinstance(spotter, NeedsFrames):
        return
    least = guarded(entry, video, partial(spotter.min_frames, video.fps), shown=shown)
    if isinstance(least, int) and video.n_frames < least:
        named = video.key_text if shown is None else shown
        raise MerbenchError(f"video {named} has {counted(video.n_frames, 'frame')}; "
                            f"{entry.meta.name} needs at least {counted(least, 'frame')} at "
                            f"{video.fps:g} fps to score any frame; give a longer video")


def predict(spec: PredictSpec, plugins: Plugins, out: Path,
            progress: Progress | None = None) -> Predictions:
    """Spot and recognise one video (module doc); the recogniser's weights go to ``out``."""
    started = time.perf_counter()
    video = _video(spec, plugins)
    takes_crop = plugins.registries.long_videos.get(spec.dataset).accepts("face_crop")
    spotter_entry = plugins.registries.spotters.get(spec.spotter)
    spotter = spotter_entry.create("spotter", **dict(spec.spotter_options))
    if not isinstance(spotter, Spotter):
        raise MerbenchError(f"spotter '{spec.spotter}' learns from labelled videos, which a "
                            "single video does not give; predict with a training-free "
                            "spotter such as flow-peak")
    given = dict(spec.dataset_options).get("path")  # PATH: named as the user gave it
    shown = None if given is None else f"'{given}'"
    found: FinalModel | None = None
    planned = None
    if spec.run is not None:  # checked first: a bad run is refused before the video is read
        planned = plan_recogniser(spec.run, spec.data_root, spec.device, plugins)
    spotted: tuple[Spotted, ...] = intervals_of(spotter_entry, guarded(
        spotter_entry, video, partial(spotter.spot, _counted(video, progress), video.fps),
        shown=shown), video.key_text if shown is None else shown, len(video.frames.numbers))
    # after the frames are read: a damaged, missing or 1x1 frame is the first fault to fix
    _check_length(spotter_entry, spotter, video, shown)
    numbers = video.frames.numbers
    spans = [(r.onset, r.offset, r.kind) for r in numbered(spotted, video)]
    apexes = [middle_frame(numbers, onset, offset) for onset, offset, _ in spans]
    if planned is not None and spans:  # trained (or loaded) only with something to recognise
        assert spec.run is not None
        found = final_model(spec.run, out, data_root=spec.data_root, device=spec.device,
                            plugins=plugins, data=planned, on_epoch=None if progress is None
                            else lambda done, total: progress("training", done, total))
    recogniser = None
    probabilities = np.zeros((len(spans), 0))
    if found is not None:
        probabilities, feature, options = _recognise(
            found, video, [(onset, apex) for (onset, _, _), apex in zip(spans, apexes,
                                                                        strict=True)],
            plugins, spec.device)
        record = found.record
        recogniser = PredictedRecogniser(
            run=record["run"], model=record["model"], model_options=record["model_options"],
            trained_feature=record["feature"], feature=feature, feature_options=options,
            epochs=record["epochs"], seed=record["seed"], n_train=record["n_train"],
            n_subjects=record["n_subjects"],
            n_dataset_subjects=record["n_dataset_subjects"], protocol=record["protocol"],
            classes=list(found.classes),
            weights=str(found.weights))
    first = numbers[0]
    intervals = []
    for i, ((onset, offset, kind), apex) in enumerate(zip(spans, apexes, strict=True)):
        row = probabilities[i] if found is not None else None
        classes = found.classes if found is not None else ()
        intervals.append(PredictedInterval(
            onset=onset, offset=offset, apex=apex,
            kind="micro" if kind == "micro" else "macro",
            onset_s=round((onset - first) / video.fps, 4),
            offset_s=round((offset - first) / video.fps, 4),
            emotion=None if row is None else classes[int(np.argmax(row))],
            confidence=None if row is None else round(float(np.max(row)), 4),
            probabilities={} if row is None else {c: round(float(p), 4)
                                                  for c, p in zip(classes, row, strict=True)}))
    source = spec.source
    return Predictions(
        schema_version=PREDICTION_SCHEMA, kind="predictions", created=now_iso(),
        video=PredictedVideo(source=source, name=video.name, fps=float(video.fps),
                             first_frame=int(first), last_frame=int(numbers[-1]),
                             face_crop=takes_crop and bool(
                                 dict(spec.dataset_options).get("face_crop", True))),
        # recorded as a spotting run records them: an option at its default left out, a
        # whole number in any spelling as the int, so one setting reads as one
        spotter=PredictedSpotter(spec.spotter, spotter_entry.meta.version,
                                 spotter_entry.without_defaults(dict(spec.spotter_options))),
        recogniser=recogniser, intervals=intervals,
        environment=environment(spec.device, plugin_versions(plugins)),
        wall_time_s=round(time.perf_counter() - started, 3))
