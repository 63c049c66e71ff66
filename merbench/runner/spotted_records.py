"""A spotting run's per-video records, the same whoever spots: frames as a spotter reads them,
intervals between a spotter's frame positions and the video's own frame numbers, and one
line for whatever a spotter raises on a video.

A spotter counts frames from 0, the first frame it is given; a database numbers them as its
sheet does (SAMM from 1, CAS(ME)^2 from the folder's first image). Results keep the video's
own numbers, so a prediction can be checked against the sheet by eye; these functions are
the one place the two are converted, for the training-free path (:mod:`merbench.runner.spot`)
and the learned one (:mod:`merbench.runner.spot_learned`). A spotter plugin's faults (raising,
``sys.exit``, returning no intervals) are worded here too, blaming its plugin as a model's
faults do (:meth:`merbench.plugin_system.entry.Entry.fault`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

from merbench.base.errors import MerbenchError, plugin_words
from merbench.plugin_system import plugin_fault
from merbench.plugin_system.entry import Entry
from merbench.spotting.intervals import (
    Expression,
    FrameInterval,
    ReversedInterval,
    Spotted,
    TypedInterval,
)
from merbench.spotting.long_videos import LongVideo
from merbench.spotting.record import IntervalRecord, SpottedVideo

T = TypeVar("T")


def video_frames(video: LongVideo) -> Iterator[np.ndarray]:
    """The video's frames one by one, as a spotter takes them (a long video is never held
    whole)."""
    return (frame for _, frame in video.iter_frames())


def numbered(spotted: Sequence[Spotted], video: LongVideo) -> list[IntervalRecord]:
    """Positions (0: the video's first frame) as the video's own frame numbers."""
    numbers = video.frames.numbers
    records = []
    for s in spotted:
        onset, offset = s.interval.onset, s.interval.offset
        if not 0 <= onset <= offset < len(numbers):
            raise MerbenchError(f"the spotter returned [{onset}, {offset}] for video "
                                f"{video.key_text}, which has {len(numbers)} frames")
        records.append(IntervalRecord(numbers[onset], numbers[offset],
                                      "micro" if s.kind == "micro" else "macro"))
    return records


def truth_records(video: LongVideo) -> list[IntervalRecord]:
    """The video's ground truth as the results store it (its own frame numbers)."""
    return [IntervalRecord(e.interval.onset, e.interval.offset,
                           "micro" if e.kind == "micro" else "macro", e.emotion)
            for e in video.truth]


def truth_positions(video: LongVideo) -> tuple[Expression, ...]:
    """The video's ground truth in frame positions (0: its first frame), as a spotter
    counts."""
    where = {number: position for position, number in enumerate(video.frames.numbers)}
    return tuple(Expression(FrameInterval(where[e.interval.onset], where[e.interval.offset]),
                            e.kind, e.emotion) for e in video.truth)


def video_record(video: LongVideo, found: Sequence[Sequence[Spotted]], seconds: float,
                 fitted: list[dict[str, Any]] | None = None) -> SpottedVideo:
    """``video`` with each setting's intervals ``found`` (positions), as the run stores it,
    and what each setting's fit chose where a learned spotter's fits spotted it."""
    return SpottedVideo(
        database=video.database, subject=video.subject, name=video.name,
        fps=float(video.fps), first_frame=int(video.first_frame),
        last_frame=int(video.last_frame), truth=truth_records(video),
        spotted=[numbered(s, video) for s in found], seconds=round(seconds, 3),
        fitted=fitted)


def guarded(spotter: Entry[Any], video: LongVideo, work: Callable[[], T], kept: str = "",
            shown: str | None = None) -> T:
    """``work()`` (the spotter's code) for ``video``, whatever it raises one line naming the
    spotter and the video (and ``kept``: what the run keeps); ``shown``: how the user named
    the video, where that is not its key (predict's PATH: ``video/user/NAME`` is merbench's
    own key for it)."""
    named = video.key_text if shown is None else shown
    name = spotter.meta.name
    try:
        return work()
    except ReversedInterval as exc:  # the spotter built an interval backwards: its fault
        raise spotter.fault("spotter", f"returned [{exc.onset}, {exc.offset}] for video "
                            f"{named}, an interval that ends before its onset{kept}",
                            sep=" ") from None
    except ValueError as exc:  # the spotter's own check of the frames or frame rate
        raise MerbenchError(f"spotter '{name}' refused video {named}: {exc}{kept}") from None
    except OSError as exc:  # a frame file that cannot be read
        raise MerbenchError(f"video {named} cannot be read ({exc}){kept}, fix or "
                            "remove it and run again") from None
    except MerbenchError:
        raise
    except (Exception, SystemExit) as exc:  # the plugin's own failure: not its traceback
        raise failed(spotter, exc, f"on video {named}", kept) from None


def failed(spotter: Entry[Any], exc: BaseException, where: str, kept: str = "") -> MerbenchError:
    """The line for a spotter plugin's code that raised ``exc`` (``where``: on a video, while
    fitting): its plugin blamed as a model's is (:meth:`Entry.fault`), in its own words, not
    Python's name for the error; a ``sys.exit`` in it ended merbench with its status and no
    word, leaving the run's folder behind."""
    if isinstance(exc, SystemExit):
        return spotter.fault("spotter", f"called {plugin_fault.exit_code(exc)} {where}{kept}",
                             sep=" ")
    return spotter.fault("spotter", f"failed {where}: {plugin_words(exc)}{kept}", sep=" ")


def intervals_of(spotter: Entry[Any], returned: Any, named: str,
                 frames: int | None = None) -> tuple[Spotted, ...]:
    """What a spotter returned for video ``named`` (of ``frames`` frames, where given),
    checked to be its intervals (a tuple or list of :class:`Spotted`) within the video: None,
    text or other items were a traceback where the intervals are numbered, and an interval
    outside the video was said with no word of the spotter or its plugin (pass 84ae, AE6);
    each is the plugin's fault."""
    if isinstance(returned, list | tuple):
        wrong = [item for item in returned if not isinstance(item, TypedInterval)]
        if not wrong:
            outside = [] if frames is None else [
                s.interval for s in returned
                if not 0 <= s.interval.onset <= s.interval.offset < frames]
            if outside and frames is not None:
                raise spotter.fault("spotter", f"returned [{outside[0].onset}, "
                                    f"{outside[0].offset}] for video {named}, which has "
                                    f"frames 0..{frames - 1}", sep=" ")
            return tuple(returned)
        what = f"returned {_kind(wrong[0])} among the intervals of video {named}, not a Spotted"
    else:
        what = f"returned {_kind(returned)} for video {named}, not a tuple of Spotted"
    raise spotter.fault("spotter", what, sep=" ")


def _kind(value: Any) -> str:
    """What a plugin returned, by its kind: ``None``, ``text``, ``a tuple``."""
    return "text" if isinstance(value, str) else plugin_fault.described(value)
