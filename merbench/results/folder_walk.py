"""The result folders under a folder the user names: a ``--seeds`` folder, a sweep's, ``runs/``
or a whole ``leaderboards/results``.

``merbench status`` and ``merbench validate`` both take "a folder of runs" as well as one run,
and both must refuse a folder that is not one (``/``, a home folder) quickly instead of walking
it entirely. One bounded walk serves both: at most ``below`` levels down, never through a
symbolic link nor into a folder that holds a marker (a run's own folders are its own), and at
most :data:`FOLDERS_LOOKED_INTO` folders looked into.
"""

from __future__ import annotations

import os
import re
from collections import deque
from pathlib import Path

from merbench.errors import MerbenchError
from merbench.results.out_folders import is_system_folder

#: how many folders are looked into before giving up: without it 'merbench status /'
#: walked the whole file system, silently
FOLDERS_LOOKED_INTO = 5_000


def holds_marker(folder: Path, markers: tuple[str, ...]) -> bool:
    """Whether ``folder`` holds an entry named like one of ``markers`` (of any type: a
    marker that is a link or a fifo still names a result, whose check says what is wrong)."""
    return any(os.path.lexists(folder / marker) for marker in markers)


def folders_holding(path: Path, markers: tuple[str, ...], below: int, *, what: str,
                    noun: str, give: str) -> list[Path]:
    """Every folder under ``path`` that holds one of ``markers``, in natural order (seed-2
    before seed-10). The one-line refusals say what ``path`` should have been (``what``: "a
    run folder or a folder of runs"), what it holds none of (``noun``: "merbench run") and
    what to give instead (``give``)."""
    path = Path(path)
    if is_system_folder(path):
        raise MerbenchError(f"{path} is a system folder, not {what}; give {give}")
    found: list[Path] = []
    waiting, looked_into = deque([(path, 0)]), 0
    while waiting:
        folder, depth = waiting.popleft()
        looked_into += 1
        if looked_into > FOLDERS_LOOKED_INTO:
            raise MerbenchError(
                f"{path} is not {what}: it has more than "
                f"{FOLDERS_LOOKED_INTO:,} folders within {below} levels of it; give {give}")
        for entry in _subfolders(folder):
            if holds_marker(entry, markers):
                found.append(entry)
            elif depth + 1 < below:
                waiting.append((entry, depth + 1))
    if not found:
        raise MerbenchError(f"{path} holds no {noun} (no {' or '.join(markers)} in it or up "
                            f"to {below} levels below); give {give}")
    return sorted(found, key=natural_order)


def linked_folders(path: Path, markers: tuple[str, ...], below: int = 8) -> list[Path]:
    """Every symbolic link to a folder under ``path`` (at most ``below`` levels down, in at
    most :data:`FOLDERS_LOOKED_INTO` folders) that is not inside a result's own folder (a
    result's check refuses its own links): a walk that does not follow links skipped them,
    so a run linked into a results folder went unshown with no word."""
    if is_system_folder(Path(path)):
        return []  # the walk of results refuses such a folder in its own words
    found: list[Path] = []
    waiting, looked_into = deque([(Path(path), 0)]), 0
    while waiting and looked_into < FOLDERS_LOOKED_INTO:
        folder, depth = waiting.popleft()
        looked_into += 1
        if holds_marker(folder, markers):
            continue  # a result's own folders are its check's
        try:
            with os.scandir(folder) as entries:
                listed = [(Path(e.path), e.is_symlink(), e.is_dir()) for e in entries]
        except OSError:
            continue
        for entry, link, is_dir in sorted(listed):
            if link and is_dir:
                found.append(entry)
            elif is_dir and not link and depth + 1 < below:
                waiting.append((entry, depth + 1))
    return sorted(found, key=natural_order)


def _subfolders(folder: Path) -> list[Path]:
    """The folders in ``folder``, not through symbolic links (none where it cannot be
    read: a folder of runs is the user's own)."""
    try:
        with os.scandir(folder) as entries:
            return [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def natural_order(path: Path) -> list[object]:
    """A sort key that puts seed-2 before seed-10."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", str(path))]
