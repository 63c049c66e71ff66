"""The result folders under a folder the user names: a ``--seeds`` folder, a sweep's, ``runs/``
or a whole ``leaderboards/results``.

``merbench status`` and ``merbench validate`` both take "a folder of runs" as well as one run,
and both must refuse a folder that is not one (``/``, a home folder) quickly instead of walking
it entirely. One bounded walk serves both: at most ``below`` levels down, never through a
symbolic link nor into a folder that holds a marker (a run's own folders are its own), and at
most :data:`FOLDERS_LOOKED_INTO` folders within reach, counted the one way every command
counts them (:func:`refuse_too_many`).
"""

from __future__ import annotations

import os
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import entry_words
from merbench.results.out_folders import is_system_folder
from merbench.results.result_files import result_markers, summary_markers

#: how many folders are looked into before giving up: without it 'merbench status /'
#: walked the whole file system, silently
FOLDERS_LOOKED_INTO = 5_000

#: results lie this far below a folder of results at most (leaderboards/results/tunings/
#: NAME/test-scored is three levels), for ``status`` as for ``validate`` and the build: one
#: depth, or a run validate checks would be "no run" to status
RESULTS_BELOW = 8

#: what every command says of folders deeper than that, which it does not look into
UNEXPLORED_REASON = (f"holds folders more than {RESULTS_BELOW} levels below the results "
                     "folder, which are not looked into; move the results in it higher up")


def link_reason(link: Path) -> str:
    """What every command says of a symbolic link met among a folder of results (after its
    name), with where it leads, absolute, or that it leads nowhere: ``validate`` named it
    "to a folder, or to nothing" while ``status`` and ``show`` said the folder held no run
    (pass 84s, S8). No result is read through a link: one that the walk followed could
    publish any folder, or loop. One beside a summary over seeds is removed: a copy of
    the folder in its place would be a run the summary does not list."""
    target = os.path.realpath(link)  # no error on a loop or a target gone
    if holds_marker(link.parent, summary_markers()):
        where = f"to nothing: {target}" if not os.path.exists(link) else f"to {target}"
        return (f"is a symbolic link ({where}); no result is read through a link, and the "
                f"runs beside a summary over seeds are folders of their own: remove the "
                f"link from {link.parent.name or link.parent}")
    if not os.path.exists(link):
        return (f"is a symbolic link (to nothing: {target}); no result is read through a "
                "link: remove it, or copy the folder it named into the results folder")
    return (f"is a symbolic link (to {target}); no result is read through a link: copy the "
            "folder itself into the results folder")


def given_nowhere(path: Path) -> str | None:
    """What every command says of ``path``, given as its argument, where it is a symbolic
    link that leads nowhere: the words :func:`link_reason` gives such a link met in a folder
    of results, after its name; None for any other path. status called it "not a
    directory", validate "no results file at" it, show "no file a merbench result is
    written in", none saying it was a link (pass 84s, S8). A link named as a result's file
    (``seeds.json``) is its kind's check's to name, as the file it stands for."""
    if not os.path.islink(path) or os.path.exists(path) or Path(path).name in result_markers():
        return None
    return f"{path}: {link_reason(path)}"


def not_there(path: Path, give: str, not_a: str = "a result") -> str | None:
    """What every command says of ``path``, given as its argument, where nothing is there: a
    link that leads nowhere as :func:`given_nowhere` says it, a missing path as ``PATH: no
    such file or folder; GIVE`` with the command's own fix (``give``), an entry that is
    neither file nor folder (a fifo, a socket, a device) as ``PATH is a fifo, not NOT_A;
    GIVE``; None where a file or folder is. Each command said the steps in its own copy,
    one of them the OS's "no such file or directory" with no fix (pass 84v V13, 84w W8,
    W21), and a fifo was "not a directory" to status, "no file a merbench result is written
    in" to show and "not a regular file" to validate (pass 84y, Y11). One named as a
    result's file is its kind's check's to name, as a link is."""
    if (nowhere := given_nowhere(path)) is not None:
        return nowhere
    if not os.path.lexists(path):
        return f"{path}: no such file or folder; {give}"
    if not (path.is_dir() or path.is_file()) and Path(path).name not in result_markers():
        return f"{path} is {entry_words(path)}, not {not_a}; {give}"
    return None


def holds_marker(folder: Path, markers: tuple[str, ...]) -> bool:
    """Whether ``folder`` holds an entry named like one of ``markers`` (of any type: a
    marker that is a link or a fifo still names a result, whose check says what is wrong)."""
    return any(os.path.lexists(folder / marker) for marker in markers)


#: each folder the counting walk read, with its folders as :func:`_subfolders` gives them
#: (every link among them too, none left out by name)
_Read = dict[Path, list[tuple[Path, bool]]]


def refuse_too_many(path: Path, below: int, walked_into: tuple[str, ...] = ()) -> _Read:
    """Refuse ``path`` in one line where more than :data:`FOLDERS_LOOKED_INTO` folders lie
    within ``below`` levels of it (never through a symbolic link; a folder at the limit that
    holds one of ``walked_into``, a summary over seeds, with its own folders): the one rule
    every command draws the line by, before it walks. Each walk counted its own way (status
    the folders it searched, validate every folder, results' own included), so one folder
    was walked by status and refused by validate, and show, which passed over the refusal,
    said it held no result (pass 84aa, AA5). Every walk here looks into none but these.

    What it read of each folder it looked into is given back, for the walk that follows
    (:func:`_listed`): that walk reads no folder a second time, where reading every folder
    twice, once to count and once to walk, was most of the time a walk took."""
    waiting, counted = deque([(Path(path), 0)]), 0
    read: _Read = {}
    while waiting:
        folder, depth = waiting.popleft()
        counted += 1
        if counted > FOLDERS_LOOKED_INTO:
            raise MerbenchError(f"{path} has more than {FOLDERS_LOOKED_INTO:,} folders within "
                                f"{below} levels of it: it is no folder of results; give the "
                                "folder that holds your runs")
        if depth < below or (depth == below and holds_marker(folder, walked_into)):
            read[folder] = _subfolders(folder)
            waiting.extend((entry, depth + 1) for entry, link in read[folder] if not link)
    return read


def _listed(read: _Read, folder: Path, files: tuple[str, ...] = ()) -> list[tuple[Path, bool]]:
    """:func:`_subfolders` of ``folder``, from what :func:`refuse_too_many` read where it
    looked into it (a folder at the depth limit it only counted is read now)."""
    if folder not in read:
        return _subfolders(folder, files)
    return [(entry, link) for entry, link in read[folder] if not (link and entry.name in files)]


@dataclass(frozen=True)
class _Walk:
    """What one bounded walk under a folder met."""

    found: list[Path]  # folders holding a marker (not walked into: a result's own)
    links: list[Path]  # symbolic links to folders, outside every result's folder
    unexplored: list[Path]  # folders at the depth limit that hold folders (not looked into)


def _walk(path: Path, markers: tuple[str, ...], below: int,
          walked_into: tuple[str, ...] = ()) -> _Walk:
    """The folders under ``path`` that hold a marker, and the links to folders met on the
    way, at most ``below`` levels down, never through a link; a folder at the limit that
    holds one of ``walked_into`` (a summary over seeds) is looked into, as
    :func:`result_tree` looks into it: its seed runs are its own (pass 84s, S1)."""
    found: list[Path] = []
    links: list[Path] = []
    unexplored: list[Path] = []
    read = refuse_too_many(path, below, walked_into)
    waiting = deque([(path, 0)])
    while waiting:
        folder, depth = waiting.popleft()
        for entry, link in _listed(read, folder, (*markers, *walked_into)):
            if link:
                links.append(entry)
            elif holds_marker(entry, markers):
                found.append(entry)
            elif depth + 1 < below or (depth + 1 == below
                                       and holds_marker(entry, walked_into)):
                waiting.append((entry, depth + 1))
            elif _listed(read, entry):
                unexplored.append(entry)
    return _Walk(found, links, unexplored=unexplored)


def folders_holding(path: Path, markers: tuple[str, ...], below: int, *, what: str,
                    noun: str, give: str, with_links: bool = False,
                    walked_into: tuple[str, ...] = ()) -> list[Path]:
    """Every folder under ``path`` that holds one of ``markers``, in natural order (seed-2
    before seed-10), and with ``with_links`` every symbolic link to a folder met on the way
    (each for its check to refuse by name: a walk that skipped them left a run linked into a
    results folder unshown with no word). The one-line refusals say what ``path`` should
    have been (``what``: "a run folder or a folder of runs"), what it holds none of
    (``noun``: "merbench run") and what to give instead (``give``)."""
    path = Path(path)
    if is_system_folder(path):
        raise MerbenchError(f"{path} is a system folder, not {what}; give {give}")
    walked = _walk(path, markers, below, walked_into)
    found = walked.found + (walked.links if with_links else [])
    if not found and walked.unexplored:
        deep = sorted(walked.unexplored, key=natural_order)[0]
        raise MerbenchError(f"{path} holds no {noun} up to {below} levels below; {deep} "
                            f"{UNEXPLORED_REASON}")
    if not found:
        raise MerbenchError(f"{path} holds no {noun} (no {' or '.join(markers)} in it or up "
                            f"to {below} levels below); give {give}")
    return sorted(found, key=natural_order)


@dataclass(frozen=True)
class ResultTree:
    """The results under a folder as ``validate`` checks them and ``leaderboard build``
    publishes them: one walk, so the two can never disagree about what a folder holds."""

    results: list[Path]  # folders holding a marker, in natural order
    nested: list[tuple[Path, Path]]  # (a result found inside another's folder, that folder)
    links: list[Path]  # symbolic links to folders, outside every result's own folder
    unexplored: list[Path]  # folders at the depth limit that hold folders (not looked into)
    # folders holding a result's first file and none of the markers: results not finished
    # yet, outside every result's folder
    started: list[Path] = field(default_factory=list)


def result_tree(path: Path, markers: tuple[str, ...], *, walked_into: tuple[str, ...],
                kept_whole: tuple[str, ...], below: int,
                started: tuple[str, ...] = ()) -> ResultTree:
    """Every result under ``path`` (``path`` itself included), at most ``below`` levels
    down, never through a symbolic link. A folder holding one of ``walked_into`` (a
    ``--seeds`` folder) holds results of its own, walked as any folder; one holding one of
    ``kept_whole`` (a tuning, whose trial runs are its own) is not looked into; in any other
    result's folder a result found is *nested*: neither checked nor published as one, each
    command says so instead of passing over it. A folder holding one of ``started`` (the
    file a result writes first) and no marker is a result not finished yet, kept apart:
    the commands that check finished results say they passed over it, as ``status`` counts
    it, rather than calling its folder one that holds nothing."""
    results: list[Path] = []
    begun: list[Path] = []
    nested: list[tuple[Path, Path]] = []
    links: list[Path] = []
    unexplored: list[Path] = []
    read = refuse_too_many(Path(path), below, walked_into)
    waiting: deque[tuple[Path, int, Path | None]] = deque([(Path(path), 0, None)])
    while waiting:
        folder, depth, inside = waiting.popleft()
        if holds_marker(folder, markers):
            if inside is not None:
                nested.append((folder, inside))
                continue
            results.append(folder)
            if holds_marker(folder, kept_whole):
                continue
            if not holds_marker(folder, walked_into):
                inside = folder
        elif inside is None and holds_marker(folder, started):
            begun.append(folder)
        subfolders = _listed(read, folder, (*markers, *walked_into))
        if depth >= below and not (depth == below and holds_marker(folder, walked_into)):
            if subfolders and inside is None:
                unexplored.append(folder)
            continue
        for entry, link in subfolders:
            if not link:
                waiting.append((entry, depth + 1, inside))
            elif inside is None:  # a result's own links are its check's to refuse
                links.append(entry)
    return ResultTree(sorted(results, key=natural_order), nested,
                      sorted(links, key=natural_order), sorted(unexplored, key=natural_order),
                      sorted(begun, key=natural_order))


def _subfolders(folder: Path, files: tuple[str, ...] = ()) -> list[tuple[Path, bool]]:
    """The folders in ``folder``, each with whether it is a symbolic link to one, and every
    link that leads nowhere (it may have been a run's folder, moved: said, never skipped),
    but a link named as one of ``files`` (a result's file, such as a ``seeds.json`` linked
    to nothing or to a folder: the check of the folder holding it names it, once, as the
    file it stands for); none where it cannot be read (a folder of runs is the user's
    own)."""
    try:
        with os.scandir(folder) as entries:
            return [(Path(e.path), e.is_symlink()) for e in entries
                    if not (e.is_symlink() and e.name in files)
                    and (e.is_dir() or (e.is_symlink() and not os.path.exists(e.path)))]
    except OSError:
        return []


def natural_order(path: Path) -> list[object]:
    """A sort key that puts seed-2 before seed-10."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", str(path))]
