"""What a spotting run's ``videos/`` holds that is no video of the run, said once for every
reader: a file beyond the run's videos (``0009.json`` of a 6-video run), and a file holding
the same video as another (a copy or a renamed file).

``merbench status`` counted such a file as a video spotted ("7 videos spotted so far" of 6)
and said to run the same spot command, ``validate`` said it too, and the spot command then
spotted, wrote ``spotting.json`` and refused its own folder for the file beyond, with "publish
the folder as merbench spot wrote it" where deleting the file was the fix (pass 84ab, AB11).
Here is the one line, in the shape a run's copied fold file and one beyond its folds are
said (:func:`~merbench.results.fold_names.misplaced_line`), which status, validate and the
spot command say before anything is spotted or written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from merbench.base.atomic import is_temporary
from merbench.base.errors import MerbenchError
from merbench.results.codec import from_json
from merbench.results.go_on import SPOT_AGAIN, missing_line
from merbench.results.safe_files import check_entry
from merbench.results.user_files import read_written_json
from merbench.spotting.record import VIDEOS_FOLDER, VideoFile, video_name

#: the key of ``spot-run.json`` that records how many videos the run spots: written since
#: the run's count is said of a file beyond it; a run begun before has none
COUNT_KEY = "n_videos"

#: what status (and validate, quoting it) says of an unfinished run whose ``spot-run.json``
#: records no number of videos (begun before it was recorded). The number is the dataset's,
#: which the folder does not hold (nor the data root it was read from), so no migration can
#: derive it honestly; the spot command, which opens the dataset, checks ``videos/`` against
#: it before it spots and records it, after which status checks it too
UNCOUNTED = (f"begun before merbench recorded a run's number of videos, so a file in "
             f"{VIDEOS_FOLDER}/ beyond them cannot be told apart here; that command checks "
             "for one before it spots, and records the number")

_NUMBERED = re.compile(r"\d{4,}\.json")


class StrayVideos(MerbenchError):
    """A finished run's ``videos/`` holds files beyond its videos (:func:`beyond_line`):
    validate refuses it, and deleting them is the fix, not spotting into a new folder."""


class VideosGone(MerbenchError):
    """A finished run's ``videos/`` lacks files of its videos (:func:`gone_line`): the same
    spot command spots those again and summarises the run anew, which every reader says."""


def gone_line(names: list[str], count: int) -> str:
    """What every reader says of the video files ``names`` (the first of ``count``) of a
    finished spotting run that are gone: status said to publish the folder as spot wrote
    it, or to spot into a new --out, which threw the spotted videos away, where the same
    command into the same folder spots only those."""
    return missing_line([f"{VIDEOS_FOLDER}/{name}" for name in names], count, spotted=True)


def recorded_count(started: dict[str, Any]) -> int | None:
    """The number of videos a run's ``spot-run.json`` (read as ``started``) records, or
    None where it records none (a run begun before it was recorded) or no whole number."""
    count = started.get(COUNT_KEY)
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 \
        else None


def video_names(count: int) -> set[str]:
    """The names of the files in ``videos/`` of a run of ``count`` videos (``0000.json`` to
    the last): what the run's readers expect there, and nothing else."""
    return {video_name(index) for index in range(count)}


def beyond_names(folder: Path, count: int) -> list[str]:
    """The entries of ``folder``'s ``videos/`` that are no file of its ``count`` videos
    (``0000.json`` to the last), merbench's temporary files aside, sorted."""
    videos = folder / VIDEOS_FOLDER
    if not videos.is_dir():
        return []
    expected = video_names(count)
    return sorted(path.name for path in videos.iterdir()
                  if not is_temporary(path) and path.name not in expected)


def beyond_line(names: list[str], count: int) -> str:
    """What every reader says of the files ``names`` of ``videos/``, no videos of the run's
    ``count``."""
    last = f"-{Path(video_name(count - 1)).stem}" if count > 1 else ""
    shown = ", ".join(f"{VIDEOS_FOLDER}/{name}" for name in names)
    one = len(names) == 1
    return (f"{shown} {'is no video' if one else 'are no videos'} of the run's {count} "
            f"({Path(video_name(0)).stem}{last}); delete {'it' if one else 'them'} if "
            f"{'it belongs' if one else 'they belong'} to another run")


def copies(folder: Path, count: int | None) -> list[tuple[str, str, str]]:
    """(the file holding it first, the file holding it again, the video) for each file of
    ``folder``'s ``videos/`` (within the run's ``count``, where known) that holds a video an
    earlier file holds. A file that is no regular file, or cannot be read as a spotted
    video, is no copy: each reader says it otherwise (the spot command spots it again)."""
    videos = folder / VIDEOS_FOLDER
    if not videos.is_dir() or videos.is_symlink():
        return []
    names = sorted(path.name for path in videos.iterdir() if _NUMBERED.fullmatch(path.name)
                   and (count is None or int(path.name[:-5]) < count))
    held: dict[tuple[object, ...], str] = {}
    found = []
    for name in names:
        try:
            check_entry(videos / name, folder)
            video = from_json(VideoFile, read_written_json(videos / name,
                                                           "spotted video's file")).video
        except Exception:  # not a file of its own, or damaged: said by its reader
            continue
        key = (video.database, video.subject, video.name, video.first_frame, video.last_frame)
        if key in held:
            found.append((held[key], name, f"{video.database}/{video.subject}/{video.name}"))
        else:
            held[key] = name
    return found


def copy_line(first: str, again: str, video: str) -> str:
    """What every reader says of ``videos/AGAIN`` holding the video ``videos/FIRST`` holds."""
    return (f"{VIDEOS_FOLDER}/{again} holds the same video as {VIDEOS_FOLDER}/{first} "
            f"({video}), a copy or a renamed file of another video; delete it")


def videos_problem(folder: Path, count: int | None) -> str | None:
    """What status, validate and the spot command say of an unfinished spotting run's
    ``videos/`` where a file in it is beyond the run's ``count`` videos (None: the run does
    not record it) or holds the same video as another, or None: every such file in one
    line, so one round of fixes is all it takes."""
    beyond = [] if count is None else beyond_names(folder, count)
    said = [beyond_line(beyond, count)] if beyond and count is not None else []
    said += [copy_line(*copy) for copy in copies(folder, count)]
    if not said:
        return None
    then = "to spot that video again" if not beyond and len(said) == 1 else "to go on"
    return f"{'; and '.join(said)}{', then' if len(said) == 1 else '; then'} {SPOT_AGAIN} {then}"
