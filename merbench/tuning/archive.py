"""A tuning's run folders kept as one compressed archive, ``runs.tar.xz``.

A nested search of the composite trains thousands of small runs, each an ordinary run folder
(``run.json``, ``results.json``, ``predictions.csv``, a fold file): 51 MB in 3,000 files for
one search, which a clone writes out and a lent GPU machine must receive. Those files are
near copies of one another, so one solid ``.tar.xz`` of them is 25 times smaller (2 MB) and
one file. A tuning keeps its runs as folders while it trains (each finished run is what a
killed search resumes from) and packs them when it writes ``tune.json``; readers unpack them
into a temporary folder and check them there as the run folders they are.

An archive from someone else is input like any file, so unpacking refuses, before anything
is written, every member that is not a regular file or folder under ``trials/`` or
``final/`` (a link, a device, an absolute name, a ``..``), more members or bytes than any
search writes, and an archive that is itself a link or not a regular file. Packing is
deterministic (sorted names, no times or owners), so the same runs give the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import lzma
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from merbench.base.atomic import atomic_write
from merbench.base.errors import MerbenchError
from merbench.base.scratch import scratch_folder
from merbench.results.safe_files import check_entry, entry_kind
from merbench.results.user_files import read_user_bytes

RUNS_ARCHIVE = "runs.tar.xz"
#: the folders of a tuning that are packed: its trials and its retrainings
PACKED_FOLDERS = ("trials", "final")
#: caps far above the largest search merbench writes (the composite's nested STSTNet search:
#: 3,000 members, 51 MB), so an archive that unpacks to more is refused, not written out
MAX_MEMBERS = 200_000
MAX_BYTES = 4 * 1024**3
#: one member: a run's largest file is a fold file of a few hundred kB (the composite's
#: searches: 25 kB at most); a 175-kB archive unpacked a 1 GiB member into /tmp to be read
MAX_MEMBER_BYTES = 64 * 1024**2


def _normalised(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """A member with no time, owner or permission bits of the machine that packed it."""
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def pack_runs(folder: Path) -> Path:
    """Write ``folder``'s run folders (:data:`PACKED_FOLDERS`) into ``folder/runs.tar.xz``,
    atomically; the folders stay until :func:`remove_packed` (the caller removes them once
    the record that names the archive is written)."""
    folder = Path(folder)
    entries: list[Path] = []
    for name in PACKED_FOLDERS:
        root = folder / name
        if root.is_dir():
            entries.append(root)
            entries.extend(sorted(root.rglob("*")))
    for entry in entries:  # a link to a folder is told as one (its fix: the folder itself)
        check_entry(entry, folder.parent, folder=entry.is_dir())

    def write(handle: BinaryIO) -> None:
        with lzma.LZMAFile(handle, "wb", preset=6) as packed, \
                tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for entry in entries:
                name = entry.relative_to(folder).as_posix()
                archive.add(entry, arcname=name, recursive=False, filter=_normalised)

    target = folder / RUNS_ARCHIVE
    atomic_write(target, write)
    return target


def remove_packed(folder: Path) -> None:
    """Remove the run folders that ``runs.tar.xz`` now holds."""
    for name in PACKED_FOLDERS:
        if (Path(folder) / name).is_dir():
            shutil.rmtree(Path(folder) / name)


def _member_problem(info: tarfile.TarInfo) -> str | None:
    """Why ``info`` may not be unpacked, or None."""
    path = PurePosixPath(info.name)
    if path.is_absolute() or ".." in path.parts or not path.parts \
            or path.parts[0] not in PACKED_FOLDERS:
        return "is not a path inside trials/ or final/"
    if not (info.isreg() or info.isdir()):
        return "is not a regular file or folder (a link or a device)"
    if info.size > MAX_MEMBER_BYTES:
        return (f"is {info.size / 1024**2:,.0f} MiB, more than any file of a run merbench "
                f"writes ({MAX_MEMBER_BYTES // 1024**2} MiB)")
    return None


@contextlib.contextmanager
def _opened(folder: Path) -> Iterator[tarfile.TarFile]:
    """``folder/runs.tar.xz`` open for reading, once it is shown to be a regular file of the
    folder's own (no link or hard link: check_entry; no fifo, read without blocking:
    read_regular_bytes). A search's archive is a few MB, so it is read once, into memory."""
    path = Path(folder) / RUNS_ARCHIVE
    check_entry(path, Path(folder))
    if not os.path.lexists(path):
        raise MerbenchError(f"{path} is missing; publish the whole tuning folder")
    data = read_user_bytes(path, "tuning's archive of runs")
    try:  # the bytes read above, unpacked within _checked_members' caps
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as archive:  # bounded: read
            yield archive
    except (tarfile.TarError, lzma.LZMAError, EOFError, OSError):
        raise MerbenchError(f"{path} is damaged (not a complete .tar.xz archive); publish "
                            "the archive merbench tune wrote") from None


def _checked_members(archive: tarfile.TarFile, path: Path) -> list[tarfile.TarInfo]:
    """Every member of ``archive``, each refused unless unpacking it is safe, and the whole
    refused past the caps, before any is written."""
    members: list[tarfile.TarInfo] = []
    seen: set[str] = set()
    total = 0
    for info in archive:
        problem = _member_problem(info)
        if problem is not None:
            raise MerbenchError(f"{path}: member {info.name!r} {problem}; publish the "
                                "archive merbench tune wrote")
        if info.name in seen:  # unpacked, the second copy would silently replace the first
            raise MerbenchError(f"{path} holds {info.name} twice (merbench tune packs each "
                                "file once); publish the archive merbench tune wrote")
        seen.add(info.name)
        total += info.size
        members.append(info)
        if len(members) > MAX_MEMBERS or total > MAX_BYTES:
            raise MerbenchError(f"{path} holds more than {MAX_MEMBERS} members or "
                                f"{MAX_BYTES // 1024**3} GiB, more than any search "
                                "merbench writes; it is not unpacked")
    return members


def archived_names(folder: Path) -> list[str]:
    """The names of the members of ``folder/runs.tar.xz``, each checked as unpacking would."""
    with _opened(folder) as archive:
        return [info.name for info in _checked_members(archive, Path(folder) / RUNS_ARCHIVE)]


def archived_files(folder: Path, wanted: set[str]) -> dict[str, bytes]:
    """The bytes of the members of ``folder/runs.tar.xz`` named in ``wanted`` that are
    regular files (each member checked as unpacking would): a few small files read in memory,
    with nothing written out, for a check that needs no more of the runs."""
    found: dict[str, bytes] = {}
    with _opened(folder) as archive:
        for info in _checked_members(archive, Path(folder) / RUNS_ARCHIVE):
            handle = archive.extractfile(info) if info.isfile() and info.name in wanted \
                else None
            if handle is not None:
                found[info.name] = handle.read()
    return found


def archived_digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of each regular file ``folder/runs.tar.xz`` holds, by member name (each
    member checked as unpacking would): what ``tune.json`` records when the archive is
    written, so that a member replaced by another run's file is told without unpacking."""
    found: dict[str, str] = {}
    with _opened(folder) as archive:
        for info in _checked_members(archive, Path(folder) / RUNS_ARCHIVE):
            handle = archive.extractfile(info) if info.isfile() else None
            if handle is not None:
                found[info.name] = hashlib.sha256(handle.read()).hexdigest()
    return found


def unpack_runs(folder: Path, into: Path) -> None:
    """Unpack ``folder/runs.tar.xz`` into ``into`` once every member is checked."""
    with _opened(folder) as archive:
        members = _checked_members(archive, Path(folder) / RUNS_ARCHIVE)
        # the "data" filter (Python 3.10.12+) refuses what the member check already did
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(into, members=members, **safe)  # type: ignore[arg-type]


def loose_stranger(folder: Path) -> str | None:
    """Where ``folder`` holds its runs both packed and as folders (a stop came while they
    were packed, which the same tune command finishes by removing the folders), the line
    for the first entry under those folders that the archive does not hold, else None.
    Every such entry was packed from those folders, so one the archive lacks is no run of
    the tuning but a file someone put there: it was called a stop's leftover, and the tune
    command that was told to finish deleted it without a word (pass 84x, X15). A damaged
    archive is None here: it is said as damaged where it is read."""
    folder = Path(folder)
    loose = [folder / name for name in PACKED_FOLDERS if (folder / name).is_dir()]
    if not loose or not (folder / RUNS_ARCHIVE).is_file():
        return None
    try:
        held = set(archived_names(folder))
    except MerbenchError:
        return None
    for root in loose:
        for entry in sorted(root.rglob("*")):
            name = entry.relative_to(folder).as_posix()
            if name not in held:
                return (f"{name} is no run of this tuning ({RUNS_ARCHIVE} does not hold "
                        "it); move it out of the tuning's folder")
    return None


def packed_not_folder(folder: Path) -> str | None:
    """The line for a tuning's run folder name (``trials``) that something other than a
    folder holds, else None: status and show took a finished tuning with a file ``trials``
    as finished, validate called it runs unpacked by a stop and sent to the tune command,
    which failed on it (pass 84z, Z10). Nothing of a search's is lost by removing it."""
    for name in PACKED_FOLDERS:
        path = Path(folder) / name
        if os.path.lexists(path) and not path.is_dir():
            return (f"{name} is {entry_kind(path)}, which merbench never writes in a "
                    "tuning; remove it")
    return None


@contextlib.contextmanager
def unpacked_runs(folder: Path) -> Iterator[Path]:
    """A temporary folder holding ``folder``'s packed run folders, removed afterwards."""
    with scratch_folder("merbench-runs-") as temporary:
        unpack_runs(folder, temporary)
        yield temporary


__all__ = ["PACKED_FOLDERS", "RUNS_ARCHIVE", "archived_digests", "archived_files",
           "archived_names", "loose_stranger", "pack_runs", "packed_not_folder",
           "remove_packed", "unpack_runs", "unpacked_runs"]
