"""Writing a file so that a reader sees the old file or the whole new one, never a part.

A temporary file beside the target, flushed to disk, then renamed over it: an interrupted
run, a full disk or a killed process leaves the previous file intact. Run directories,
saved fold states, the feature cache and feature files all write this way.

A kill between the two steps leaves the temporary file behind (a saved HTNet fold state is
1.7 GB), so every temporary merbench makes is named ``.<target>.<pid>.<random>.merbench-tmp``:
:func:`remove_leftovers` finds them by that name alone, and the writer's process id tells a
leftover from a file another process is writing right now. The rename keeps the mode the
temporary file was given, and ``mkstemp`` makes it private (0600) whatever the umask, so the
file is given the mode an ordinary ``open`` would (0666 less the umask): a run folder on a
shared disk stays readable to colleagues when the umask says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

TEMP_SUFFIX = ".merbench-tmp"
_TEMP = re.compile(r"^\.(.+)\.(\d+)\.[^.]+" + re.escape(TEMP_SUFFIX) + "$")


def temp_prefix(target: Path) -> str:
    """The start of a temporary name for ``target`` (``mkstemp``/``mkdtemp`` add the rest)."""
    return f".{target.name}.{os.getpid()}."


def current_umask() -> int:
    """The process's umask, read without changing it where Linux says it (``os.umask`` can
    only set it, which would briefly change it for every thread)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():  # bounded: kernel
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    atomic_write(path, lambda handle: handle.write(data))


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let ``write`` fill ``path`` so that readers see the old file or the whole new one
    (a temporary file beside it, then a rename); for files too large to build in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            # a write cut short (the size limit, a full disk) names no file of its own: the
            # one line the command ends with names the file it was writing instead
            exc.filename = str(path)
        raise


def atomic_write_json(path: Path, payload: Any, *, compact: bool = False) -> None:
    """``payload`` as JSON at ``path``, atomically: indented for a reader, or ``compact``
    (no whitespace) for a large record nobody reads by eye (a tuning's ``tune.json``, a
    third of a committed search's bytes when indented)."""
    text = (json.dumps(payload, separators=(",", ":")) if compact
            else json.dumps(payload, indent=2, sort_keys=False))
    atomic_write_bytes(path, (text + "\n").encode())


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is named as merbench names its temporary files and folders."""
    return _TEMP.match(path.name) is not None


def target_of(path: str) -> str:
    """The file or folder a temporary ``path`` was made for (``ro/.site.81.x1y2.merbench-tmp``
    is ``ro/site``); any other path as it is. An error on the temporary names a file the
    user never asked for and cannot find afterwards: the target is the one they know."""
    head, name = os.path.split(path)
    match = _TEMP.match(name)
    return os.path.join(head, match.group(1)) if match else path


def _writer_alive(path: Path) -> bool:
    match = _TEMP.match(path.name)
    if match is None:
        return False
    try:
        os.kill(int(match.group(2)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # someone else's live process, or no such pid
        return True
    return True


def remove_leftovers(folder: Path, *, all_writers: bool = False) -> list[Path]:
    """Remove the temporary files and folders that killed merbench processes left in
    ``folder``; returns what was removed. Those of live processes stay, unless
    ``all_writers`` (the caller holds the folder's lock, so no other process writes there)."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(f".*{TEMP_SUFFIX}"):
        if not is_temporary(path) or (not all_writers and _writer_alive(path)):
            continue
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed
