"""Putting a newly built site in place of the old one, so that no kill leaves no site.

A site is built in a staging folder beside ``--out`` and then put in place. Done as two
renames (old site aside, new one in), a kill between them left no site at ``--out`` until
the next build and the old one aside for ever. On Linux the two folders are exchanged in one
step (``renameat2`` with ``RENAME_EXCHANGE``): at every instant ``--out`` holds the old site
or the new, and the old one is then a staging folder of this process, which the next build
removes if this process dies first. Where the exchange is not available (another system,
or a file system without it) the two renames remain, and the next build first puts back an
old site left aside (:func:`restore_aside`). Builds into one folder take turns
(:func:`build_lock`): the second waits for the first, then replaces its site.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX (Windows): builds go unlocked
    HAS_FLOCK = False
else:
    HAS_FLOCK = True

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def aside(out: Path) -> Path:
    """Where the two-rename swap puts the old site for a moment."""
    return out.with_name(f".{out.name}.old")


def exchange(first: Path, second: Path) -> bool:
    """Swap two folders' names in one step; False where this system or file system cannot
    (nothing is changed then)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                     _RENAME_EXCHANGE)
    if done == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(first))


def restore_aside(out: Path) -> None:
    """Undo what a build killed inside the two-rename swap left: the old site aside and no
    site at ``out`` (put it back), or both (the aside copy is stale: remove it)."""
    old = aside(out)
    if not old.is_dir():
        return
    if out.exists():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.rename(out)


def swap_in(staging: Path, out: Path) -> None:
    """Make the site built in ``staging`` the one at ``out``; the old site, if any, is
    removed (on Linux it passes through ``staging``'s name, a temporary of this process)."""
    if not out.exists():
        staging.rename(out)
        return
    if exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # the old site now
        return
    old = aside(out)
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Hold ``out``'s parent folder for one build at a time (``flock`` on the folder itself,
    so no lock file is left behind); a second build waits here for the first."""
    if not HAS_FLOCK:
        yield
        return
    fd = os.open(out.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with contextlib.suppress(OSError):  # a file system without locks: build unlocked
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
