"""One long video as a dataset gives it, and what a long-video dataset is.

Spotting reads whole videos: minutes of a participant watching a stimulus, with the
micro- and macro-expressions (and, in some databases, the blinks) a coder marked in them.
:class:`LongVideo` is one such video: whose it is (database, subject, name), its frame rate,
its ground truth as :class:`~merbench.spotting.intervals.Expression` records (the type the
metric scores, so no conversion stands between a loader and the score), what the sheet
said beyond the interval (apex, action units, the sheet row, for errors and for recognising
the spotted apex), the blinks, and its frames.

Why frames are a source, not an array. A SAMM long video is some 7,000 frames at 200 fps;
read whole as 960 x 650 grey images it is 4 GB. A :class:`FrameSource` gives the frames a
caller asks for (``read(first, last)``, inclusive frame numbers as the sheet counts them),
and :meth:`LongVideo.frames_in_chunks` walks a video a few hundred frames at a time, so
a spotter's memory is bounded by its window, not by the video. The sources themselves are in
:mod:`merbench.spotting.frame_sources` (a folder of images, an array, generated frames).

Why frame numbers, not positions. The sheets give frame numbers as the files are numbered:
CAS(ME)^3 Part A counts from 0, CAS(ME)^2 and SAMM from 1. An interval is kept in those
numbers (:class:`~merbench.spotting.intervals.FrameInterval` is inclusive, as MEGC counts),
so a prediction can be checked against the sheet by eye; ``FrameSource.numbers`` says which
numbers a video has.

A long-video dataset (:class:`LongVideoDataset`) is what a registered factory returns
(hook ``merbench_register_long_videos``): its name, the emotion classes its expressions'
``emotion`` indices point into, the videos, and the videos or rows it skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np

from merbench.spotting.intervals import Expression, FrameInterval, Spotted, Video

CHUNK = 256  # frames read at once by frames_in_chunks: 256 SAMM frames are about 160 MB


@runtime_checkable
class FrameSource(Protocol):
    """A video's frames, read when asked for.

    ``numbers``: the video's frame numbers, ascending (as the files or the sheet number
    them). ``read(first, last)``: frames ``first`` .. ``last`` (numbers, both included) as a
    grey uint8 array of shape (frames, height, width)."""

    @property
    def numbers(self) -> Sequence[int]: ...

    def read(self, first: int, last: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Annotation:
    """One ground-truth interval and what the sheet says beyond it.

    ``expression``: interval, type (micro or macro) and emotion (an index into the dataset's
    ``classes``; None where the sheet gives none). ``apex``: the apex frame (None where not
    annotated). ``action_units``: the sheet's AU cell as written ("" where none). ``row``:
    where it came from (``"<sheet> row 12"``), for an error that names it."""

    expression: Expression
    apex: int | None = None
    action_units: str = ""
    row: str = ""

    def __post_init__(self) -> None:
        interval = self.expression.interval
        if self.apex is not None and not interval.onset <= self.apex <= interval.offset:
            raise ValueError(f"the apex {self.apex} lies outside the interval "
                             f"[{interval.onset}, {interval.offset}]"
                             + (f" ({self.row})" if self.row else ""))


@dataclass(frozen=True)
class LongVideo:
    """One long video (see the module doc). ``blinks`` is None where the database marks no
    blinks at all, and a tuple (maybe empty) where it does."""

    database: str
    subject: str
    name: str
    fps: float
    frames: FrameSource = field(repr=False, compare=False)
    annotations: tuple[Annotation, ...] = ()
    blinks: tuple[FrameInterval, ...] | None = None

    def __post_init__(self) -> None:
        # the frame rate check is Video's: one rule for both records
        Video(self.name, self.subject, self.fps)
        object.__setattr__(self, "annotations", tuple(self.annotations))
        if self.blinks is not None:
            object.__setattr__(self, "blinks", tuple(self.blinks))
        numbers = self.frames.numbers
        if len(numbers) == 0:
            raise ValueError(f"video {self.key_text} has no frames")
        first, last = numbers[0], numbers[-1]
        outside = [i for i in (*(a.expression.interval for a in self.annotations),
                               *(self.blinks or ())) if i.onset < first or i.offset > last]
        if outside:
            raise ValueError(f"video {self.key_text} has frames {first}..{last}, but its "
                             f"interval [{outside[0].onset}, {outside[0].offset}] lies "
                             "outside them")

    @property
    def key_text(self) -> str:
        """``database/subject/name``, as errors and tables name the video."""
        return f"{self.database}/{self.subject}/{self.name}"

    @property
    def key(self) -> tuple[str, str]:
        """(database, subject): the unit of leave-one-subject-out and of the bootstrap."""
        return self.database, self.subject

    @property
    def n_frames(self) -> int:
        return len(self.frames.numbers)

    @property
    def first_frame(self) -> int:
        return self.frames.numbers[0]

    @property
    def last_frame(self) -> int:
        return self.frames.numbers[-1]

    @property
    def truth(self) -> tuple[Expression, ...]:
        """The ground-truth expressions, micro and macro, as the metric takes them."""
        return tuple(a.expression for a in self.annotations)

    def read(self, first: int | None = None, last: int | None = None) -> np.ndarray:
        """Frames ``first`` .. ``last`` (numbers, inclusive; the video's ends where None) as
        (frames, height, width) uint8. Reading a whole long video at once can take
        gigabytes: :meth:`frames_in_chunks` walks it in pieces."""
        first = self.first_frame if first is None else first
        last = self.last_frame if last is None else last
        if first > last or first < self.first_frame or last > self.last_frame:
            raise ValueError(f"video {self.key_text} has frames {self.first_frame}.."
                             f"{self.last_frame}; cannot read {first}..{last}")
        return self.frames.read(first, last)

    def frames_in_chunks(self, chunk: int = CHUNK, overlap: int = 0
                         ) -> Iterator[tuple[int, np.ndarray]]:
        """(number of the chunk's first frame, frames) for consecutive pieces of at most
        ``chunk`` frames; each piece after the first starts ``overlap`` frames before the
        previous one ended, for a caller whose window spans the seam (flow between frame
        k and k + 1 needs both)."""
        if chunk < 1 or not 0 <= overlap < chunk:
            raise ValueError(f"chunk must be >= 1 and 0 <= overlap < chunk "
                             f"(got {chunk}, {overlap})")
        numbers = self.frames.numbers
        start = 0
        while start < len(numbers):
            stop = min(start + chunk, len(numbers))
            yield numbers[start], self.frames.read(numbers[start], numbers[stop - 1])
            if stop == len(numbers):
                return
            start = stop - overlap

    def iter_frames(self, chunk: int = CHUNK) -> Iterator[tuple[int, np.ndarray]]:
        """(frame number, frame) for every frame, in order, read ``chunk`` at a time."""
        numbers, position = self.frames.numbers, 0
        for _, frames in self.frames_in_chunks(chunk):
            for frame in frames:
                yield numbers[position], frame
                position += 1

    def scored(self, spotted: Sequence[Spotted] = ()) -> Video:
        """The video as the metric scores it: its ground truth beside ``spotted``."""
        return Video(self.name, self.subject, self.fps, self.truth, tuple(spotted),
                     self.database)

    def with_annotations(self, annotations: Sequence[Annotation]) -> LongVideo:
        return replace(self, annotations=tuple(annotations))


@runtime_checkable
class LongVideoDataset(Protocol):
    """What a long-video dataset factory returns: its ``name``, the emotion ``classes`` its
    expressions' ``emotion`` indices point into (empty where it gives no emotion), its
    ``videos``, and ``skipped``: one ``{"item": ..., "reason": ...}`` per video or sheet
    row left out (``skip_missing``; the item names the video, or the sheet and row), as
    recognition datasets list theirs."""

    name: str
    classes: Sequence[str]

    @property
    def videos(self) -> Sequence[LongVideo]: ...

    @property
    def skipped(self) -> Sequence[dict[str, Any]]: ...


@dataclass(frozen=True)
class LongVideoSet:
    """A plain :class:`LongVideoDataset`: the videos in a fixed order (database, subject,
    name, as the loaders sort them)."""

    name: str
    classes: tuple[str, ...]
    videos: tuple[LongVideo, ...]
    skipped: tuple[dict[str, Any], ...] = ()

    def subjects(self) -> list[tuple[str, str]]:
        """Every (database, subject), in order of first appearance."""
        return list(dict.fromkeys(video.key for video in self.videos))

    def of_subject(self, key: tuple[str, str]) -> tuple[LongVideo, ...]:
        return tuple(video for video in self.videos if video.key == key)

    def count(self, kind: str | None = None) -> int:
        """How many ground-truth expressions (of ``kind``, micro or macro; None: all)."""
        return sum(1 for video in self.videos for e in video.truth
                   if kind is None or e.kind == kind)

    def blink_count(self) -> int:
        return sum(len(video.blinks or ()) for video in self.videos)
