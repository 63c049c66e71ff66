"""A path that goes through a symbolic-link loop (``ln -s b a; ln -s a b``), told as such.

Python's ``Path.resolve`` raises ``RuntimeError: Symlink loop`` on one, which reached the
user as a traceback from ``run --out``, ``leaderboard build --out``, ``extract --save`` and a
sweep plan's ``out`` (the tenth adversarial pass of issue 84), while other commands said of
the same path "does not exist" or "no such file": the system's ``stat`` fails there with
ELOOP, which every existence test reads as "missing". One place says what the path is.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


def link_loop(path: str | os.PathLike[str]) -> Path | None:
    """The first part of ``path`` (as given, from its start) that is a symbolic-link loop,
    None where the system follows every link on the way."""
    path = Path(path)
    for part in (*reversed(path.parents), path):
        try:
            os.stat(part)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return part
            return None  # missing, or no access: not a loop, and nothing below is reached
    return None


def loop_said(path: str | os.PathLike[str]) -> str | None:
    """How a message says that ``path`` is, or goes through, a symbolic-link loop ("is a
    symbolic link loop" / "goes through loopA, a symbolic link loop"), None where it does
    not; the caller names ``path`` before it and its own fix after."""
    loop = link_loop(path)
    if loop is None:
        return None
    if loop == Path(path):
        return "is a symbolic link loop (its links lead back to themselves)"
    return f"goes through {loop}, a symbolic link loop (its links lead back to themselves)"
