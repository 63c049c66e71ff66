"""A spotting run: every long video of a dataset through a spotter, each tuned setting kept.

``merbench spot`` is to spotting what ``merbench run`` is to recognition, reduced to what a
spotter needs: no folds are trained (a training-free spotter fits nothing), so the run
spots every video once, for every setting of the options the spotter tunes
(:class:`~merbench.meta.spotter.SpotterMeta`), and leave-one-subject-out happens afterwards,
in the choice of each subject's setting on the other subjects
(:mod:`merbench.spotting.choice`).

A run is its identity (dataset, spotter, options, settings, IoU threshold), written to
``spot-run.json`` when it starts; each finished video goes to ``videos/NNNN.json`` at once,
so an interrupted run keeps what it spotted and the same command goes on from there (a
folder holding another configuration is refused, not mixed). The spotter sees frame
positions (0 is the video's first frame); the files keep the video's own frame numbers, as
its sheet does, so a prediction can be checked against the sheet by eye.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.meta.spotter import SpotterMeta
from merbench.plugin_system import plugin_fault
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import Plugins, plugin_versions
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.kind_names import SPOTTING_RUN
from merbench.results.run_differences import differences
from merbench.results.rundir import held_folder
from merbench.results.safe_files import UnsafeFile, check_entry
from merbench.results.schema import environment, now_iso
from merbench.results.user_files import UnreadableFile, read_written_json
from merbench.runner.data import open_long_videos
from merbench.runner.notify import Notifier
from merbench.runner.spot_learned import spot_learned, training_digest
from merbench.runner.spotted_records import (
    guarded,
    intervals_of,
    truth_records,
    video_frames,
    video_record,
)
from merbench.spotting.choice import (
    CRITERION,
    subject_of,
    summarise,
    truth_fingerprint,
    variants_of,
)
from merbench.spotting.intervals import Spotted
from merbench.spotting.long_videos import LongVideo, LongVideoDataset
from merbench.spotting.matching import THRESHOLD
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    SPOTTING_SCHEMA,
    VIDEOS_FOLDER,
    SpottedVideo,
    SpottingDataset,
    SpottingResults,
    SpottingSpotter,
    VideoFile,
    video_name,
)
from merbench.spotting.spotter import LearnsToSpot, SpotsVariants, Spotter
from merbench.spotting.video_files import COUNT_KEY, videos_problem
from merbench.spotting.videos_entry import videos_line

#: what the run reports as it goes: videos done, videos in all, the video just done
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SpotSpec:
    """What a spotting run is: the dataset and spotter by name, their options, and the values
    tried for each tuned option where they replace the spotter's own (``tune``)."""

    dataset: str
    spotter: str
    dataset_options: Mapping[str, Any] = field(default_factory=dict)
    spotter_options: Mapping[str, Any] = field(default_factory=dict)
    tune: Mapping[str, Sequence[float]] = field(default_factory=dict)
    data_root: str | None = None  # where the dataset's files are; never part of the identity


def tuned_grid(meta: SpotterMeta, spec: SpotSpec) -> dict[str, list[float]]:
    """Each tuned option and the values tried, in tie-break order: the spotter's own,
    with ``spec.tune`` replacing or adding lists."""
    grid = {name: list(values) for name, values in meta.tuned}
    for name, values in spec.tune.items():
        if not values:
            raise MerbenchError(f"--tune {name}= gives no value; give one or more, "
                                f"separated by commas")
        grid[name] = list(values)
    fixed_and_tuned = sorted(set(grid) & set(spec.spotter_options))
    if fixed_and_tuned:
        name = fixed_and_tuned[0]
        raise MerbenchError(
            f"spotter '{meta.name}' tunes '{name}' on training subjects (values "
            f"{', '.join(f'{v:g}' for v in grid[name])}); to fix it, give --tune {name}=VALUE "
            f"instead of --spotter-opt {name}=...")
    return grid


def spot_video(entry: Entry[SpotterMeta], spotter: Spotter, video: LongVideo,
               variants: Sequence[Mapping[str, Any]],
               rebuild: Callable[[Mapping[str, Any]], Spotter]) -> list[tuple[Spotted, ...]]:
    """Each variant's intervals in ``video`` (frame positions): from one pass where the
    spotter can (:class:`SpotsVariants`), else one spotter built and run per variant; what
    it returned checked to be intervals (``entry``: the spotter's plugin, blamed if not)."""
    named, frames = video.key_text, len(video.frames.numbers)
    if isinstance(spotter, SpotsVariants):
        found = spotter.spot_variants(video_frames(video), video.fps, variants)
        if not isinstance(found, list | tuple):
            raise entry.fault("spotter", f"returned {plugin_fault.described(found)} from "
                              f"spot_variants for video {named}, not a list of "
                              f"{len(variants)} tuples of Spotted", sep=" ")
        if len(found) != len(variants):
            raise MerbenchError(f"the spotter gave {len(found)} sets of intervals for "
                                f"{len(variants)} settings on video {video.key_text}")
        return [intervals_of(entry, one, named, frames) for one in found]
    return [intervals_of(entry, rebuild(variant).spot(video_frames(video), video.fps), named,
                         frames)
            for variant in variants]


def _read_video_file(path: Path) -> VideoFile | None:
    """A finished video's file; None when it is damaged (the video is spotted again). A
    link, a fifo or a device in its place is refused, never read (a fifo hung the command,
    a link to /dev/zero filled the memory)."""
    try:
        check_entry(path, path.parent.parent)
        return from_json(VideoFile, read_written_json(path, "spotted video's file"))
    except UnsafeFile as exc:
        raise MerbenchError(f"{path}: {exc.found.split(' ', 1)[1]}, not what merbench writes; "
                            "remove it, and the command spots that video again") from None
    except (OSError, ValueError, LayoutError, UnreadableFile):
        return None


class SpottingRun:
    """One spotting run into ``out`` (see the module doc)."""

    def __init__(self, spec: SpotSpec, plugins: Plugins, out: Path,
                 held: contextlib.ExitStack | None = None) -> None:
        """``held``: where the command keeps the folder's lock (:func:`held_folder`) from
        the moment the run claims it until the command ends (spot-then-recognise writes
        ``str.json`` after ``spotting.json``); None: the folder is a scratch one."""
        self.spec, self.plugins, self.out = spec, plugins, Path(out)
        self.held = held
        registries = plugins.registries
        self.dataset_entry = registries.long_videos.get(spec.dataset)
        self.spotter_entry = registries.spotters.get(spec.spotter)
        if not self.dataset_entry.meta.ground_truth:
            raise MerbenchError(f"long-video dataset '{spec.dataset}' has no ground truth to "
                                "score a spotter against; to find expressions in it, run "
                                "'merbench predict'")
        self.grid = tuned_grid(self.spotter_entry.meta, spec)
        self.variants = variants_of(self.grid)
        # recorded as a run records its options (spot-run.json and spotting.json alike): a
        # whole number in any spelling as the int, an option at its default left out;
        # subjects=3.0 and grid=6.0 were other configurations than 3 and 6, and an option
        # spelt at its default another than the option left out
        self.spec = spec = replace(
            spec, dataset_options=self.dataset_entry.without_defaults(dict(spec.dataset_options)),
            spotter_options=self.spotter_entry.without_defaults(dict(spec.spotter_options)))
        #: videos spotted by an earlier command into the same folder, read back, not spotted
        self.restored = 0
        self.identity = {
            "dataset": {"name": spec.dataset, "version": self.dataset_entry.meta.version,
                        "options": dict(spec.dataset_options)},
            "spotter": {"name": spec.spotter, "version": self.spotter_entry.meta.version,
                        "options": dict(spec.spotter_options)},
            "variants": self.variants, "iou_threshold": THRESHOLD, "criterion": CRITERION}

    def spotter(self, variant: Mapping[str, Any]) -> Spotter:
        """The spotter with the run's options and one setting (``{}``: its own)."""
        spotter: Spotter = self.spotter_entry.create(
            "spotter", **{**self.spec.spotter_options, **variant})
        return spotter

    def open_dataset(self) -> LongVideoDataset:
        """The dataset the run spots, opened and checked (spot-then-recognise reads its
        frames again)."""
        options = dict(self.spec.dataset_options)
        if self.spec.data_root is not None:
            if not self.dataset_entry.accepts("data_root"):
                raise MerbenchError(f"long-video dataset '{self.spec.dataset}' reads no "
                                    "files; leave out --data-root")
            options.setdefault("data_root", self.spec.data_root)
        dataset = open_long_videos(self.dataset_entry, options)
        if not dataset.videos:
            raise MerbenchError(f"long-video dataset '{self.spec.dataset}' has no video to "
                                "spot; check --data-root and its options")
        named = [v for v in dataset.videos if "/" in v.database or "/" in v.subject]
        if named:
            raise MerbenchError(f"video {named[0].key_text}: a database or subject name holds "
                                "'/', which names the left-out subject ambiguously")
        subjects = {video.key for video in dataset.videos}
        if len(subjects) < 2 and len(self.variants) > 1:
            raise MerbenchError(
                f"long-video dataset '{self.spec.dataset}' has one subject, so no other "
                f"subject can choose its setting among {len(self.variants)}; give one value "
                "for each tuned option (--tune NAME=VALUE)")
        return dataset

    def _claim_folder(self, count: int) -> None:
        """Write the identity, with the ``count`` of the dataset's videos, or check that the
        folder's run is this one; a file in ``videos/`` beyond them, or one holding another's
        video, refused before anything is spotted or written (:func:`videos_problem`)."""
        if (self.out / "results.json").exists() or (self.out / "run.json").exists():
            raise MerbenchError(f"{self.out} holds a recognition run; give another --out")
        marker = self.out / SPOTTING_RUN_FILE
        try:  # the folder and its record as merbench writes them: no link, fifo or device
            check_entry(self.out, self.out.parent, folder=True)
            check_entry(marker, self.out)
        except UnsafeFile as exc:
            raise MerbenchError(f"--out {self.out}: {exc.found}, not what merbench writes; give "
                                "another --out") from None
        videos = videos_line(self.out)  # as status says it: the folder put back (pass 84z, Z4)
        if videos is not None:
            raise MerbenchError(f"--out {self.out}: {videos}")
        videos = videos_problem(self.out, count)
        if videos is not None:  # spotted, then refused once spotting.json was written (AB11)
            raise MerbenchError(f"--out {self.out}: {videos}")
        if self.held is not None:  # a second command here is refused, readers told it runs
            self.held.enter_context(held_folder(self.out, "it keeps every video it spots"))
        if os.path.lexists(marker):
            try:
                theirs = read_written_json(marker, "spotting run's record")
            except (OSError, ValueError, MerbenchError):
                raise MerbenchError(f"{marker} cannot be read; delete {self.out} or give "
                                    "another --out") from None
            if not isinstance(theirs, dict):
                raise MerbenchError(f"{marker} is not a spotting run's record; delete "
                                    f"{self.out} or give another --out")
            # a run begun before its count was recorded is this one if all else is
            found = differences(to_json({**self.identity, COUNT_KEY: count}),
                                to_json({COUNT_KEY: count, **theirs}))
            if found:
                raise MerbenchError(
                    f"{self.out} holds a spotting run of another configuration "
                    f"({found[0]}); give another --out, or the same options to go on with it")
            if COUNT_KEY not in theirs and not os.path.lexists(self.out / SPOTTING_FILE):
                # the count only this command can know (UNCOUNTED says why), recorded so
                # that status names a stray file of this run too; a finished run's record
                # is left as its audits signed it (spotting.json counts its videos)
                atomic_write_json(marker, {**theirs, COUNT_KEY: count})
            return
        self.out.mkdir(parents=True, exist_ok=True)
        atomic_write_json(marker, {**self.identity, COUNT_KEY: count})

    def execute(self, progress: Progress | None = None) -> SpottingResults:
        started = time.perf_counter()
        base = self.spotter({})  # every setting checked before any video is read
        for variant in self.variants:
            self.spotter(variant)
        dataset = self.open_dataset()
        if isinstance(base, LearnsToSpot) and len({v.key for v in dataset.videos}) < 2:
            raise MerbenchError(  # its plugin was blamed, "none were given" (pass 84ab, AB13)
                f"long-video dataset '{self.spec.dataset}' has one subject, so spotter "
                f"'{self.spec.spotter}' has no other subject's videos to learn from; give a "
                "dataset of two or more subjects")
        if isinstance(base, LearnsToSpot):  # a kept subject was fitted on this training data
            self.identity["training_data"] = training_digest(dataset.videos)
        fresh = not os.path.lexists(self.out / SPOTTING_RUN_FILE)
        self._claim_folder(len(dataset.videos))
        try:
            return self._spot_all(base, dataset, started, progress)
        except MerbenchError:
            if fresh:  # a run this command started and no video finished: nothing to keep
                _forget_unstarted(self.out)
            raise

    def _spot_all(self, base: Spotter, dataset: LongVideoDataset, started: float,
                  progress: Progress | None) -> SpottingResults:
        folder = self.out / VIDEOS_FOLDER
        folder.mkdir(exist_ok=True)
        kept: dict[int, SpottedVideo] = {}
        for index, video in enumerate(dataset.videos):
            path = folder / video_name(index)
            found = _read_video_file(path) if path.exists() else None
            if found is not None and to_json(found.identity) == to_json(self.identity) and \
                    same_video(found.video, video):
                kept[index] = found.video
        self.restored = len(kept)

        def write(index: int, spotted: SpottedVideo) -> None:
            atomic_write_json(folder / video_name(index),
                              to_json(VideoFile(self.identity, spotted)))

        if isinstance(base, LearnsToSpot):
            learners = [self.spotter(variant) for variant in self.variants]
            videos = spot_learned(self.spotter_entry, learners,  # type: ignore[arg-type]
                                  dataset.videos, kept, write, progress)
        else:
            videos = []
            for index, video in enumerate(dataset.videos):
                if index in kept:
                    videos.append(kept[index])
                else:
                    videos.append(self.spot(base, video))
                    write(index, videos[-1])
                if progress is not None and index not in kept:  # read back: not spotted
                    progress(index + 1, len(dataset.videos), video.key_text)
        results = SpottingResults(
            schema_version=SPOTTING_SCHEMA, kind="spotting", created=now_iso(),
            dataset=SpottingDataset(
                self.spec.dataset, self.dataset_entry.meta.version,
                dict(self.spec.dataset_options), len(videos),
                len({subject_of(v) for v in videos}),
                [dict(item) for item in dataset.skipped], truth_fingerprint(videos)),
            spotter=SpottingSpotter(
                self.spec.spotter, self.spotter_entry.meta.version,
                dict(self.spec.spotter_options), self.grid,
                str(self.spotter_entry.origin)),
            variants=self.variants, iou_threshold=THRESHOLD, criterion=CRITERION,
            videos=videos, policies=summarise(videos, len(self.variants)),
            environment=environment("cpu", plugin_versions(self.plugins)),
            wall_time_s=round(time.perf_counter() - started, 3))
        finished = self._finished(results) if len(kept) == len(dataset.videos) else None
        if finished is not None:  # the same command again: the run's record stays its own,
            return finished  # and the plugins were told of it when it was written
        written = to_json(results)
        atomic_write_json(self.out / SPOTTING_FILE, written)
        Notifier(self.plugins).result_finished(SPOTTING_RUN, self.out, SPOTTING_FILE, written)
        return results

    def _finished(self, results: SpottingResults) -> SpottingResults | None:
        """The run's ``spotting.json`` where it is already written and is ``results`` but
        for when and where it was made (``created``, ``wall_time_s``, ``environment``): a
        spot command run again over a finished run, to recognise it, keeps it as it is, so
        its date and digest stay those its audits compared. None where there is none, or
        one that says anything else (an edited score): that is written again."""
        try:
            check_entry(self.out / SPOTTING_FILE, self.out)
            kept = from_json(SpottingResults, read_written_json(self.out / SPOTTING_FILE,
                                                                "spotting results file"))
        except (MerbenchError, UnsafeFile, LayoutError, OSError, ValueError):
            return None
        def made(record: SpottingResults) -> object:
            return {key: value for key, value in to_json(record).items()
                    if key not in ("created", "wall_time_s", "environment")}

        return kept if made(kept) == made(results) else None

    def spot(self, base: Spotter, video: LongVideo) -> SpottedVideo:
        """``video`` spotted with every setting of the run (``merbench audit`` asks too)."""
        started = time.perf_counter()
        found = guarded(self.spotter_entry, video, partial(
                            spot_video, self.spotter_entry, base, video, self.variants,
                            self.spotter),
                        kept="; the videos before it are kept")
        return video_record(video, found, time.perf_counter() - started)


def _forget_unstarted(out: Path) -> None:
    """Remove what a spotting run that finished no video left: its record and empty folders,
    only where no video file is (so the same folder takes another configuration at once)."""
    videos = out / VIDEOS_FOLDER
    if videos.is_dir() and any(videos.iterdir()):
        return
    (out / SPOTTING_RUN_FILE).unlink(missing_ok=True)
    for leftover in (videos, out):
        with contextlib.suppress(OSError):  # only where nothing else is in it
            leftover.rmdir()


def same_video(kept: SpottedVideo, video: LongVideo) -> bool:
    """Whether a kept video file is of this video as the dataset gives it now: the same
    names, frame rate, frames and ground truth (a corrected sheet spots it again)."""
    return (kept.database, kept.subject, kept.name, kept.fps, kept.first_frame,
            kept.last_frame) == (video.database, video.subject, video.name, float(video.fps),
                                 video.first_frame, video.last_frame) and \
        to_json(kept.truth) == to_json(truth_records(video))

