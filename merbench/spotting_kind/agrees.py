"""Whether a spotting run's files agree with one another: ``spot-run.json`` (the run as
it started) and every ``videos/NNNN.json`` (each video as the run spotted it) with what
``spotting.json`` records. The comparison ``merbench validate`` makes, shared with
``merbench status``: it is equality of records already read, no scoring, and ``status``
called "complete" a run whose ``spot-run.json`` had lost its ``spotter.version``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from merbench.base.atomic import is_temporary
from merbench.base.errors import MerbenchError
from merbench.results.codec import LayoutError, from_json, to_json, unreadable
from merbench.results.user_files import (
    LfsPointer,
    UnreadableFile,
    json_kind,
    read_user_json_object,
    read_written_json,
)
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    VIDEOS_FOLDER,
    SpottingResults,
    VideoFile,
    video_name,
)
from merbench.spotting.video_files import COUNT_KEY, beyond_line, gone_line, video_names

#: what ``validate`` says of a spotting run whose ``spot-run.json`` is gone, and ``status``
#: and ``show`` with it (they said the folder "holds no merbench run" and "no spotting run's
#: record at spot-run.json", pass 84u, U6)
SPOT_RUN_MISSING = f"{SPOTTING_RUN_FILE} is missing; publish the folder as merbench spot wrote it"


def video_files_problem(folder: Path, results: SpottingResults) -> str | None:
    """Why the run's ``videos/NNNN.json`` (each video as the run spotted it, from which
    ``spotting.json`` was summarised and the same command goes on) are not the ones
    ``spotting.json`` holds (None: they are): an emptied, edited or extra file there was
    resumed from unseen."""
    found = {entry.name for entry in (folder / VIDEOS_FOLDER).iterdir()
             if not is_temporary(entry)} if (folder / VIDEOS_FOLDER).is_dir() else set()
    expected = video_names(len(results.videos))
    extra = sorted(found - expected)
    if extra:  # deleting it is the fix, not publishing the folder anew (pass 84ab, AB11)
        return beyond_line(extra, len(results.videos))
    try:
        started = read_written_json(folder / SPOTTING_RUN_FILE, "spotting run's record")
    except FileNotFoundError:
        return SPOT_RUN_MISSING
    except (OSError, UnicodeDecodeError, ValueError, MerbenchError) as exc:
        return (f"{SPOTTING_RUN_FILE} cannot be read{_why(exc)}; publish the folder as "
                "merbench spot wrote it")
    if not isinstance(started, dict):  # said as status and migrate say it, never "edited"
        return (f"{SPOTTING_RUN_FILE} cannot be read (it holds {json_kind(started)}, not a JSON "
                "object); publish the folder as merbench spot wrote it")
    count = started.pop(COUNT_KEY, len(results.videos))  # a run begun before records none
    if count != len(results.videos) or to_json(
            {k: v for k, v in started.items() if k != "training_data"}) != identity_of(results):
        return (f"{SPOTTING_RUN_FILE} is not the run {SPOTTING_FILE} records (its dataset, "
                "spotter, settings or scoring rules differ): one of the two was edited")
    for index, video in enumerate(results.videos):
        name = f"{VIDEOS_FOLDER}/{video_name(index)}"
        try:
            kept_file = from_json(VideoFile, read_written_json(folder / name,
                                                                   "spotted video's file"))
            kept = kept_file.video
        except FileNotFoundError:  # as status says it, with the fix that holds (84af)
            return gone_line([video_name(index)], 1)
        except (OSError, UnicodeDecodeError, ValueError, LayoutError, MerbenchError) as exc:
            return f"{name} cannot be read as a spotted video{_why(exc)}; publish the folder " \
                   "as merbench spot wrote it"
        if to_json(kept) != to_json(video):
            return (f"{name} is not video {index} of {SPOTTING_FILE} (the run was summarised "
                    "from it): one of the two was edited")
        if to_json({key: value for key, value in kept_file.identity.items()
                    if key != COUNT_KEY}) != to_json(started):
            return (f"{name} was spotted by another run than {SPOTTING_RUN_FILE} records: one "
                    "of the two was edited")
    return None


def read_spot_run(folder: Path) -> dict[str, Any]:
    """The run's ``spot-run.json`` as a record naming its spotter, dataset and settings, or
    one line naming the file: ``status`` and ``migrate`` read it here alike, where migrate
    read none and called a run whose record was ``[]`` or ``{}`` current (pass 84z, Z7)."""
    path = folder / SPOTTING_RUN_FILE
    try:
        started = read_user_json_object(path, "spotting run's record")
    except LfsPointer as exc:  # a spotting run's record, to be fetched
        raise MerbenchError(f"{path} {exc.reason}") from None
    except UnreadableFile as exc:
        raise MerbenchError(f"{path} cannot be read ({exc.because}); is the folder a merbench "
                            "spotting run?") from None
    spotter, dataset = started.get("spotter"), started.get("dataset")
    if not (isinstance(spotter, dict) and isinstance(spotter.get("name"), str)
            and isinstance(dataset, dict) and isinstance(dataset.get("name"), str)
            and isinstance(started.get("variants"), list)):
        raise MerbenchError(f"{path} does not name its spotter, dataset and settings; is the "
                            "folder a merbench spotting run?")
    return started


def _why(exc: Exception) -> str:
    """Why a file could not be read, in parentheses (as ``status`` says it: "it is not JSON
    (...)"), or "" where the refusal's own words name the file (they would say it twice):
    ``validate`` said only "cannot be read" of a ``spot-run.json`` cut in half."""
    if isinstance(exc, UnreadableFile):
        return f" ({exc.because})"
    if isinstance(exc, (OSError, UnicodeDecodeError)) or (
            isinstance(exc, ValueError) and not isinstance(exc, LayoutError)):
        return f" ({unreadable(exc)})"
    return ""


def identity_of(results: SpottingResults) -> object:
    """What ``spot-run.json`` holds for the run ``results`` records (a learned spotter's
    digest of its training data aside, which only the data can say)."""
    return to_json({
        "dataset": {"name": results.dataset.name, "version": results.dataset.version,
                    "options": results.dataset.options},
        "spotter": {"name": results.spotter.name, "version": results.spotter.version,
                    "options": results.spotter.options},
        "variants": results.variants, "iou_threshold": results.iou_threshold,
        "criterion": results.criterion})
