"""``video``: one unlabelled video of the user's own, for ``merbench predict``.

A user's video is no database: it has no sheet, no subject and no ground truth. It is given
the shape of a long-video dataset all the same (one :class:`~merbench.api.LongVideo`, no
annotations), so that ``merbench predict`` reads it as the spotting runs read CAS(ME)^2 or
SAMM: the same frame sources, the same face crop (``merbench_features.face_frames``: the face
of its first frame, aligned, 128 x 128 grey), the same spotters. Its metadata says it has no
ground truth, so ``merbench spot`` refuses it (there is nothing to score) and the
leaderboard gives it no section.

``path`` is a video file OpenCV decodes (its frame rate is the file's unless ``fps`` is
given) or a folder of one image per frame, numbered by the last number in each file's name,
as the databases lay frames out (``fps`` is then needed: an image has no frame rate).
"""

from __future__ import annotations

import stat
import warnings
from pathlib import Path

from merbench_features.face_frames import FaceFrames

from merbench.api import (
    MAX_FPS,
    MIN_FPS,
    FolderFrames,
    LongVideo,
    LongVideoSet,
    MerbenchError,
    VideoFileFrames,
    option_path,
    unique_frame_index,
)

NAME = "video"
#: how a frame rate is given, whichever way the video came: predict's PATH has a flag of
#: its own, while ``--dataset video`` (its ``path=`` given by --dataset-opt) takes options
#: only and refuses --fps
FPS_GIVEN = f"--fps N with PATH, or --dataset-opt fps=N with --dataset {NAME}"



def _kind(path: Path) -> str:
    """What a path that is neither a file nor a folder is, in a reader's words."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return "a broken symbolic link"
    for test, name in ((stat.S_ISFIFO, "a fifo"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"

def make_user_video(path: str, fps: float | None = None,
                    face_crop: bool = True) -> LongVideoSet:
    """The video at ``path`` as a one-video dataset (see the module doc)."""
    if fps is not None and (isinstance(fps, bool) or not isinstance(fps, (int, float))
                            or not MIN_FPS <= fps <= MAX_FPS):  # NaN fails the comparison
        # the bounds --fps has, so --dataset-opt fps= (the same option) cannot bypass them
        raise MerbenchError(f"fps={fps!r} is no frame rate a face video has; give frames per "
                            f"second from {MIN_FPS} to {MAX_FPS:,} (--fps, or --dataset-opt "
                            "fps=)")
    # path= was '.', this folder read as frames; a number was Path's TypeError
    where = option_path(path, NAME, "--dataset-opt path", "a video file or a folder of frames")
    if where.is_dir():
        # two files of one number refused (one of them was dropped unsaid)
        frames: FolderFrames | VideoFileFrames = FolderFrames(
            where, unique_frame_index(where), own=True)
        if not frames.numbers:
            raise MerbenchError(f"the folder '{where}' holds no numbered frame image; give a "
                                "folder of frames (img001.jpg, ...) or a video file")
        if fps is None:
            raise MerbenchError(f"a folder of frames has no frame rate; give {FPS_GIVEN} (e.g. "
                                f"200 for CASME II, 30 for most cameras) for '{where}'")
    elif where.is_file():
        frames = VideoFileFrames(where)
        if fps is not None and frames.fps > 0 and fps != frames.fps:
            # a high-speed camera's file often declares 25 or 30: replacing it is allowed,
            # never done unsaid
            warnings.warn(f"{fps:g} fps replaces the {frames.fps:g} fps the video '{where}' "
                          "declares", stacklevel=2)
        if fps is None and frames.fps and not MIN_FPS <= frames.fps <= MAX_FPS:
            # the bounds --fps has: a file's own header is checked as a user's number is
            raise MerbenchError(f"the video '{where}' declares {frames.fps:g} fps, no frame "
                                f"rate a face video has; give its true rate as {FPS_GIVEN} "
                                f"(from {MIN_FPS} to {MAX_FPS:,})")
        fps = fps if fps is not None else frames.fps
        if not fps or fps <= 0:
            raise MerbenchError(f"the video '{where}' declares no frame rate; give {FPS_GIVEN}")
    elif where.exists() or where.is_symlink():
        # a fifo, a socket or a device: never opened (a fifo would hang the read)
        raise MerbenchError(f"'{where}' is {_kind(where)}, not a video file or a frame "
                            "folder; give a video file or a folder of frames")
    else:
        raise MerbenchError(f"no video file or frame folder at '{where}'")
    name = where.stem if where.is_file() else where.name
    # predict's own flag for PATH, and the option of --dataset video
    whole = "--no-face-crop (--dataset-opt face_crop=false with --dataset video)"
    source = FaceFrames(frames, label=f"video '{where}'", whole=whole) if face_crop else frames
    return LongVideoSet(NAME, (), (LongVideo(NAME, "user", name, float(fps), source),))
