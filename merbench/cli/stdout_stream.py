"""Standard output that says, when it cannot be written, that it was standard output.

A write to a full standard output (``merbench validate RUN > /dev/full``) fails with an
``OSError`` that names no file, like a write to one of merbench's own files on a full disk,
so the command said "failed on a file ... free some disk space". And what could not be
written is dropped from the buffer, so nothing can tell the two apart afterwards. The
console script therefore writes standard output through :class:`_TaggedOutput`, whose
failures are :class:`StdoutWriteError`: the error line can then say which it was. A closed
pipe (``| head``) stays a ``BrokenPipeError``, which ends a command quietly.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys


class StdoutWriteError(OSError):
    """Standard output could not be written (no space, an I/O error): not a file's fault."""


class _TaggedOutput(io.RawIOBase):
    """The raw standard output, its failures (but a closed pipe) raised as
    :class:`StdoutWriteError`."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return os.write(self._fd, data)
        except (BrokenPipeError, BlockingIOError, InterruptedError):
            raise
        except OSError as exc:
            raise StdoutWriteError(exc.errno, exc.strerror) from None

    def close(self) -> None:  # the descriptor is the process's, not this object's
        with contextlib.suppress(OSError, ValueError):
            self.flush()
        super().close()


def tag_stdout() -> None:
    """Write ``sys.stdout`` through :class:`_TaggedOutput` from here on, with its encoding,
    error handling and line buffering kept, and ``PYTHONUNBUFFERED`` (``python -u``) too:
    it asks for write-through, not line buffering, and dropped it left stdout
    block-buffered, so ``merbench sweep``'s first line came after every run's. Left as it
    is where it is no real file (a test capturing it, or no standard output at all)."""
    current = sys.stdout
    try:
        fd = current.fileno()
        current.flush()
    except (AttributeError, OSError, ValueError):
        return
    # PYTHONUNBUFFERED / python -u ask for write-through: kept as line buffering over the
    # buffer, whose failed flush keeps its bytes for the next one; a raw stream written
    # through lost them where argparse swallows a failed write (--help > /dev/full: exit 0)
    unbuffered = bool(getattr(current, "write_through", False))
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_TaggedOutput(fd)), encoding=current.encoding,
        errors=current.errors, line_buffering=bool(current.line_buffering) or unbuffered)
