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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Walk:
    """What one bounded walk under a folder met."""

    found: list[Path]  # folders holding a marker (not walked into: a result's own)
    links: list[Path]  # symbolic links to folders, outside every result's folder
    complete: bool  # False: it gave up after FOLDERS_LOOKED_INTO folders


def _walk(path: Path, markers: tuple[str, ...], below: int) -> _Walk:
    """The folders under ``path`` that hold a marker, and the links to folders met on the
    way, at most ``below`` levels down, never through a link."""
    found: list[Path] = []
    links: list[Path] = []
    waiting, looked_into = deque([(path, 0)]), 0
    while waiting:
        folder, depth = waiting.popleft()
        looked_into += 1
        if looked_into > FOLDERS_LOOKED_INTO:
            return _Walk(found, links, complete=False)
        for entry, link in _subfolders(folder):
            if link:
                links.append(entry)
            elif holds_marker(entry, markers):
                found.append(entry)
            elif depth + 1 < below:
                waiting.append((entry, depth + 1))
    return _Walk(found, links, complete=True)


def folders_holding(path: Path, markers: tuple[str, ...], below: int, *, what: str,
                    noun: str, give: str, with_links: bool = False) -> list[Path]:
    """Every folder under ``path`` that holds one of ``markers``, in natural order (seed-2
    before seed-10), and with ``with_links`` every symbolic link to a folder met on the way
    (each for its check to refuse by name: a walk that skipped them left a run linked into a
    results folder unshown with no word). The one-line refusals say what ``path`` should
    have been (``what``: "a run folder or a folder of runs"), what it holds none of
    (``noun``: "merbench run") and what to give instead (``give``)."""
    path = Path(path)
    if is_system_folder(path):
        raise MerbenchError(f"{path} is a system folder, not {what}; give {give}")
    walked = _walk(path, markers, below)
    if not walked.complete:
        raise MerbenchError(
            f"{path} is not {what}: it has more than "
            f"{FOLDERS_LOOKED_INTO:,} folders within {below} levels of it; give {give}")
    found = walked.found + (walked.links if with_links else [])
    if not found:
        raise MerbenchError(f"{path} holds no {noun} (no {' or '.join(markers)} in it or up "
                            f"to {below} levels below); give {give}")
    return sorted(found, key=natural_order)


def linked_folders(path: Path, markers: tuple[str, ...], below: int = 8) -> list[Path]:
    """Every symbolic link to a folder under ``path`` (the walk of :func:`folders_holding`,
    bounded as it is, with no refusal) that is not inside a result's own folder (a result's
    check refuses its own links): the build's search of a results folder, which follows no
    link, skipped them, so a run linked in went unshown with no word."""
    path = Path(path)
    if is_system_folder(path) or holds_marker(path, markers):
        return []  # refused in the walk's own words, or a result's own folder
    return sorted(_walk(path, markers, below).links, key=natural_order)


def _subfolders(folder: Path) -> list[tuple[Path, bool]]:
    """The folders in ``folder``, each with whether it is a symbolic link to one (none
    where it cannot be read: a folder of runs is the user's own)."""
    try:
        with os.scandir(folder) as entries:
            return [(Path(e.path), e.is_symlink()) for e in entries if e.is_dir()]
    except OSError:
        return []


def natural_order(path: Path) -> list[object]:
    """A sort key that puts seed-2 before seed-10."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", str(path))]
