"""Whether another open file holds a folder's advisory lock: the one probe of it.

Two kinds of writer mark their folders with the operating system's advisory locks: a run
or tuning holds its folder's lock exclusively (:func:`merbench.results.rundir.held_folder`),
a cache object holds its store's shared (:class:`merbench.base.cache_writers.WriterMark`).
A reader asks by trying, without waiting, the lock the writer's refuses (a shared one
against a run, an exclusive one against a cache writer) and lets it go at once.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no advisory locks
    fcntl = None  # type: ignore[assignment]


def held_against(path: Path, exclusive: bool) -> bool | None:
    """True where a lock held on ``path`` refuses this process a lock of this kind
    (``exclusive``: any holder; shared: an exclusive holder), False where none does; None
    where nothing can be told (no such locks here, on this file system, or no folder)."""
    if fcntl is None:
        return None
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NONBLOCK
    try:
        fd = os.open(path, flags)  # bounded: a folder, opened for its lock, never read
    except OSError:
        return None
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)
    return False
