"""Scratch folders a command makes in the system's temporary folder and removes when done,
even when the process is ended at once.

A command stopped by a second Ctrl-C ends with ``os._exit`` (no clean-up can be cut short
half-way by a third), which skips every ``finally`` and ``with`` exit still pending. A
``tempfile.TemporaryDirectory`` open then stays behind: a tuning audit's unpacked runs are
tens of megabytes (a hostile archive's, up to its member cap). So every scratch folder is
made here and listed until it is removed, and :func:`remove_open_scratch` removes what is
listed just before such an exit, and at the interpreter's exit (a single Ctrl-C that lands
inside a removal cuts it short too).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_OPEN: set[Path] = set()


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new folder in the system's temporary folder, removed with what it holds after the
    block (and by :func:`remove_open_scratch` if the process ends inside it)."""
    _remove_dead(prefix)
    # the pid in the name: a process killed outright (SIGKILL) cannot remove its folder,
    # so the next command of the same kind does, once no such process is alive
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    _OPEN.add(path)
    try:
        yield path
    finally:
        # listed until it is gone: a stop that cuts the removal short leaves it listed, for
        # the exit's clean-up (a single Ctrl-C there left half of one behind)
        shutil.rmtree(path, ignore_errors=True)
        _OPEN.discard(path)


def _remove_dead(prefix: str) -> None:
    """Remove the scratch folders of ``prefix`` whose process is no longer alive."""
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = path.name[len(prefix):].split("-", 1)[0]
        if not pid.isdigit() or not path.is_dir() or path.is_symlink():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # gone: its folder is nobody's
            shutil.rmtree(path, ignore_errors=True)
        except (PermissionError, OverflowError):  # another user's live process: theirs
            continue


@atexit.register
def remove_open_scratch() -> None:
    """Remove every scratch folder still open: the process is about to end without
    unwinding (a file in use stays where the system keeps it)."""
    for path in list(_OPEN):
        shutil.rmtree(path, ignore_errors=True)
        _OPEN.discard(path)


__all__ = ["remove_open_scratch", "scratch_folder"]
