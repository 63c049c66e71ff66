"""What a spotting run's audit compares and signs (:class:`~merbench.results.audited_files.
AuditedFiles`, which says why the record names them): its subjects, each with its videos'
files and, where the run recognised too, ``str.json``. The spotting kind's own, beside its
check, status and page, which all ask it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from merbench.results.audited_files import AuditedFiles
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    VIDEOS_FOLDER,
    SpottedVideo,
    video_name,
)
from merbench.spotting.str_record import STR_FILE


def spotting_folder(folder: Path, videos: Sequence[SpottedVideo], created: str,
                    recognised: bool) -> AuditedFiles:
    """A spotting run: its subjects (in the order of their first video), each compared with
    its videos' files (``videos/NNNN.json``) and, where the run recognised too, ``str.json``;
    signed with ``spot-run.json``, ``spotting.json``, ``str.json`` and every video's file."""
    subjects: dict[str, list[str]] = {}
    for index, video in enumerate(videos):
        subjects.setdefault(f"{video.database}/{video.subject}", []).append(
            f"{VIDEOS_FOLDER}/{video_name(index)}")
    also = (STR_FILE,) if recognised else ()
    every_video = tuple(name for names in subjects.values() for name in names)
    return AuditedFiles(Path(folder), SPOTTING_FILE, [[s] for s in subjects],
                        [(*names, *also) for names in subjects.values()], created,
                        (SPOTTING_RUN_FILE, SPOTTING_FILE, *also, *sorted(every_video)))
