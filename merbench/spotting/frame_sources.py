"""Where a long video's frames come from: a folder of images, an array, or a generator.

Each is a :class:`~merbench.spotting.long_videos.FrameSource`: it knows the video's frame
numbers up front (listing a folder is cheap) and decodes or makes frames only when
``read(first, last)`` asks for them, grey uint8 (frames, height, width) as a flow-based
spotter takes them.

- :class:`FolderFrames`: the databases' own layout, one image per frame, numbered by the last
  number in the file name (``img123.jpg``, ``006_1_0123.jpg``, ``123.jpg``) as
  :func:`merbench.data.clips.frame_index` numbers recognition clips, so both read a file the same.
  A frame number the folder lacks inside the range asked for is an error naming the folder:
  a gap would silently shift every later frame of a spotter's signal.
- :class:`VideoFileFrames`: a video file (``.mp4``, ``.avi``, ...) that OpenCV decodes, read
  in order as a spotter reads it; its frames are numbered from 0.
- :class:`ArrayFrames`: frames already in memory (a test, a decoded video file).
- :class:`GeneratedFrames`: frames made on demand by a function of their numbers
  (``synthetic-long``), so a generated video costs nothing until it is read.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.native_output import native_stderr_silenced
from merbench.data.clips import frame_index
from merbench.results.user_files import checked_user_video, read_user_image

#: the frame rates a face video can have: the fastest micro-expression cameras record 200
#: fps, and 0.01 or 1e9 is a typo or a damaged header, whether given as ``--fps`` or
#: declared by a video file itself (``predict`` accepted a file declaring 0.01 fps)
MIN_FPS = 1
MAX_FPS = 10_000

def _open_quietly(path: Path) -> object:
    """An OpenCV capture of ``path``, opened with OpenCV's and FFmpeg's own lines off (a cut
    .avi made OpenCV print "Unexpected element. Expected: LIST. ..." above merbench's line)."""
    import cv2  # deferred: OpenCV takes a noticeable time to import

    with native_stderr_silenced():
        return cv2.VideoCapture(str(path))  # bounded: checked_user_video in VideoFileFrames


def _grey(frames: np.ndarray, what: str) -> np.ndarray:
    if frames.ndim != 3 or frames.dtype != np.uint8:
        raise ValueError(f"{what} must give grey uint8 frames (frames, height, width), "
                         f"not {frames.dtype} of shape {frames.shape}")
    return frames


class FolderFrames:
    """One image file per frame in ``folder`` (see the module doc)."""

    def __init__(self, folder: Path, files: Mapping[int, Path] | None = None,
                 own: bool = False) -> None:
        # own: the user's own frames (predict's), which no database distributes: a fault's
        # fix is to make them again, not to restore them
        self.folder = Path(folder)
        self.own = own
        self._files = dict(files) if files is not None else frame_index(self.folder)
        self._numbers = sorted(self._files)

    @property
    def numbers(self) -> Sequence[int]:
        return self._numbers

    def read(self, first: int, last: int) -> np.ndarray:
        import cv2  # deferred: OpenCV takes a noticeable time to import

        # counted in Python's integers: len(range(1, 10**20)) does not fit a C size (a
        # frame named 99999999999999999999.jpg ended predict in "Python int too large")
        present = self._numbers[bisect.bisect_left(self._numbers, first):
                                bisect.bisect_right(self._numbers, last)]
        if len(present) != last - first + 1:
            raise MerbenchError(f"the frame folder '{self.folder}' has no frame "
                                f"{_first_missing(present, first):,} (it holds "
                                f"{len(self._numbers):,} frames, {self._numbers[0]:,}.."
                                f"{self._numbers[-1]:,}); " + (
                                    "add the missing frame, or give the frames on each side "
                                    "of the gap as folders of their own" if self.own else
                                    "restore the frame, as the database distributes the "
                                    "folder"))
        wanted = present
        frames: list[np.ndarray] = []
        for number in wanted:  # the bounded reader: a decompression bomb refused by its size
            image = read_user_image(self._files[number], f"frame {number}",
                                    cv2.IMREAD_GRAYSCALE, self.own)
            if frames and image.shape != frames[0].shape:
                raise MerbenchError(f"'{self._files[number]}' is {image.shape[1]}x"
                                    f"{image.shape[0]} pixels, the frames before it "
                                    f"{frames[0].shape[1]}x{frames[0].shape[0]}; a video's "
                                    "frames must share one size")
            frames.append(image)
        return np.stack(frames)


def _first_missing(present: Sequence[int], first: int) -> int:
    """The first number from ``first`` that ``present`` (ascending, from ``first`` on) lacks."""
    expected = first
    for number in present:
        if number != expected:
            return expected
        expected += 1
    return expected


class ArrayFrames:
    """Frames held in memory: ``frames`` (T, H, W) uint8, numbered from ``first``."""

    def __init__(self, frames: np.ndarray, first: int = 0) -> None:
        self._frames = _grey(np.asarray(frames), "ArrayFrames")
        self._numbers = range(first, first + len(self._frames))

    @property
    def numbers(self) -> Sequence[int]:
        return self._numbers

    def read(self, first: int, last: int) -> np.ndarray:
        start = first - self._numbers.start
        return self._frames[start:start + last - first + 1]


class GeneratedFrames:
    """``count`` frames numbered from ``first``, each made when read by ``render``, which
    takes an array of frame numbers and returns their frames (T, H, W) uint8. ``render``
    must be a function of the numbers alone, so that a frame reads the same whichever
    chunk it is read in."""

    def __init__(self, count: int, render: Callable[[np.ndarray], np.ndarray],
                 first: int = 0) -> None:
        self._numbers = range(first, first + count)
        self._render = render

    @property
    def numbers(self) -> Sequence[int]:
        return self._numbers

    def read(self, first: int, last: int) -> np.ndarray:
        return _grey(self._render(np.arange(first, last + 1)), "a generated video")


KEEP = 8  # frames a VideoFileFrames keeps from its last read, for the next read's overlap


class VideoFileFrames:
    """The frames of a video file, decoded by OpenCV, numbered from 0.

    A spotter reads a video front to back in chunks that overlap by a frame or two
    (:meth:`~merbench.spotting.long_videos.LongVideo.frames_in_chunks`), so the file is decoded
    in order and the end of the last chunk is kept: a read that starts inside it costs no
    seeking. A read
    before that starts decoding from the beginning again (OpenCV's seeking is not exact for
    every codec, and a spotter's signal must not shift). The frame count is the one the
    container declares; a file that ends early is an error naming it."""

    def __init__(self, path: Path) -> None:
        import cv2  # deferred: OpenCV takes a noticeable time to import

        self.path = checked_user_video(Path(path), "video file")  # never a fifo
        capture: Any = _open_quietly(self.path)
        if not capture.isOpened():
            raise MerbenchError(f"OpenCV cannot open the video '{self.path}'; give a video "
                                "file it decodes (.mp4, .avi) or a folder of frames")
        self.fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        capture.release()
        if count < 1:
            raise MerbenchError(f"the video '{self.path}' declares no frame; re-encode it, or "
                                "give a folder of its frames")
        self._numbers = range(count)
        self._capture: object | None = None
        self._next = 0  # the number of the frame the open capture decodes next
        self._kept: dict[int, np.ndarray] = {}

    @property
    def numbers(self) -> Sequence[int]:
        return self._numbers

    def _decode(self) -> np.ndarray:
        import cv2  # deferred: OpenCV, as in __init__

        if self._capture is None:
            self._capture, self._next = _open_quietly(self.path), 0
        with native_stderr_silenced():  # a damaged frame is said by merbench, below
            ok, image = self._capture.read()  # type: ignore[attr-defined]
        if not ok:
            raise MerbenchError(f"the video '{self.path}' ends at frame {self._next}, before "
                                f"the {len(self._numbers)} it declares; re-encode it")
        self._next += 1
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)

    def read(self, first: int, last: int) -> np.ndarray:
        frames = []
        for number in range(first, last + 1):
            if number in self._kept:
                frames.append(self._kept[number])
                continue
            if number < self._next:
                self._capture = None  # decode again from the start
            while self._capture is not None and self._next < number:
                self._decode()
            if self._capture is None:
                for _ in range(number):
                    self._decode()
            frames.append(self._decode())
        # the last few frames only: the next chunk's overlap (a full-size chunk kept whole
        # would cost a gigabyte on HD video)
        self._kept = dict(zip(range(last + 1 - len(frames[-KEEP:]), last + 1),
                              frames[-KEEP:], strict=True))
        return np.stack(frames)
