"""Native libraries' own lines kept off the terminal while merbench calls them.

OpenCV's AVI reader writes its diagnosis of a damaged file ("Unexpected element. Expected:
LIST. Got: OV.") with ``fprintf(stderr, ...)``, from C, whatever its log level
(``OPENCV_LOG_LEVEL``, ``cv2.utils.logging.setLogLevel``) or FFmpeg's
(``OPENCV_FFMPEG_LOGLEVEL``) says; it then reported the file as one it cannot open, and
merbench refused it in one line of its own, under the library's. So the process's standard
error (file descriptor 2, where C writes) points at the null device for the length of such a
call, and back at the terminal after it; merbench's own refusal is raised after the call
returns and is printed as ever. Python's own writes to ``sys.stderr`` in the window would be
lost too, so the window is one library call (opening a video, decoding a frame), never a
stretch of merbench's work.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

#: FFmpeg's own log level inside OpenCV ("quiet"), and OpenCV's: read when each first logs
QUIET_LEVELS = {"OPENCV_FFMPEG_LOGLEVEL": "-8", "OPENCV_LOG_LEVEL": "SILENT"}


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Standard error (descriptor 2) to the null device for the block, then restored."""
    for name, level in QUIET_LEVELS.items():
        os.environ.setdefault(name, level)
    with contextlib.suppress(ValueError, OSError):  # a closed or detached sys.stderr
        sys.stderr.flush()  # what Python wrote before the block is shown, not swallowed
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 to silence (a daemon): nothing reaches a terminal
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
