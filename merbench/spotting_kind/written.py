"""Whether a spotting run's files are what ``merbench spot`` writes, as to their structure:
the cheap half of ``merbench validate`` that ``merbench status`` runs before it calls a
spotting run finished (:mod:`merbench.results.written` says why, and holds what every kind
shares). The spotting kind's own, in its home."""

from __future__ import annotations

import os
from pathlib import Path

from merbench.base.atomic import is_temporary
from merbench.base.errors import MerbenchError
from merbench.results.codec import LayoutError, from_json
from merbench.results.schema import read_json, read_kind
from merbench.results.written import audit_written, finite_json, recorded, said_in_folder
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    SPOTTING_SCHEMA,
    VIDEOS_FOLDER,
    SpottingResults,
    VideoFile,
)
from merbench.spotting.str_record import STR_FILE, STR_SCHEMA, StrResults
from merbench.spotting.video_files import (
    StrayVideos,
    VideosGone,
    beyond_line,
    gone_line,
    video_names,
)
from merbench.spotting_kind.agrees import video_files_problem
from merbench.spotting_kind.audited import spotting_folder
from merbench.spotting_kind.str_check import str_layout_problem
from merbench.spotting_kind.values import spotting_values, str_values


def spotting_written(folder: Path) -> None:
    """A spotting run's ``spot-run.json``, ``spotting.json``, every ``videos/NNNN.json`` and,
    where there is one, its ``str.json`` read as what ``merbench spot`` writes, the last
    holding the spotting's videos and chosen intervals, each given a class."""
    folder = Path(folder)
    with said_in_folder(folder):
        read_json(folder / SPOTTING_RUN_FILE, "spotting run's record")
        results = read_kind(folder / SPOTTING_FILE, "spotting results file", None,
                            SPOTTING_SCHEMA, SpottingResults)
        recorded(folder / SPOTTING_FILE, spotting_values, results)
    # one videos/NNNN.json for each video spotting.json holds, as validate checks: an extra
    # one is deleted (status said to spot into a new --out, pass 84ab, AB11), a missing one
    # is spotted again by the same command
    videos = folder / VIDEOS_FOLDER
    found = {path.name for path in videos.iterdir() if not is_temporary(path)} \
        if videos.is_dir() else set()
    expected = video_names(len(results.videos))
    if found - expected:
        raise StrayVideos(beyond_line(sorted(found - expected), len(results.videos)))
    missing = sorted(expected - found)
    if missing:  # named in the folder already: its class tells status the fix is said
        raise VideosGone(gone_line(missing, len(missing)))
    with said_in_folder(folder):
        for path in sorted(videos.glob("*.json")) if videos.is_dir() else []:
            if is_temporary(path):
                continue
            try:
                from_json(VideoFile, read_json(path, "spotted video's file"))
            except LayoutError as exc:
                raise MerbenchError(f"{path} does not follow a spotted video's layout: "
                                    f"{exc}") from None
        recognised = None
        if (folder / STR_FILE).exists():
            recognised = read_kind(folder / STR_FILE, "spot-then-recognise file", None,
                                   STR_SCHEMA, StrResults)
            recorded(folder / STR_FILE, str_values, recognised)
            finite_json(folder / STR_FILE)
        finite_json(folder / SPOTTING_FILE)
        # spot-run.json and each video file are the run spotting.json records, as validate
        # checks them: equality of what is read, nothing scored
        problem = video_files_problem(folder, results)
        if problem is not None:
            raise MerbenchError(problem)
        # str.json's layout against the spotting it recognised: its videos, intervals and
        # emotions, as validate checks them before it recomputes a score
        problem = None if recognised is None else str_layout_problem(recognised, results)
        if problem is not None:
            raise MerbenchError(f"{STR_FILE}: {problem}")
        audit_written(spotting_folder(folder, results.videos, results.created,
                                      os.path.lexists(folder / STR_FILE)))
