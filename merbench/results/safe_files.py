"""What a published run may be made of: regular files inside its own folder, nothing else.

A contributed run directory is read by ``merbench validate`` and copied into the site by
``merbench leaderboard build``. A symbolic link in it (``run.json -> /etc/passwd``), a fifo
named ``predictions.csv`` or a seeds summary that points outside its folder would make them
read, and publish, something that is not the run. So every entry is examined without
following links (``lstat``), and files are opened with ``O_NOFOLLOW`` when they are copied,
so one swapped for a link after the check is still not followed. A hard link is a regular
file, but one whose content is also another file's (``ln /etc/passwd RUN/audit.json``), so a
regular file with more than one link is refused too; merbench never makes one (it writes a
temporary file and renames it over the target).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import entry_words, mode_kind
from merbench.results.go_on import RESUME
from merbench.results.result_files import AUDIT_FILE, RUN_FILE


class UnsafeFile(MerbenchError):
    """An entry of a run folder that is not a regular file or folder inside it."""

    @property
    def found(self) -> str:
        """What was found, without the fix the message ends with ("results.json is a
        fifo"), for a command that says its own fix."""
        return str(self).split("; ")[0]

    @property
    def fix(self) -> str:
        """The fix the message ends with ("remove it: ..."), or "" where it names none."""
        return str(self).partition("; ")[2]


#: what a result's file that is a link to a regular file must become (a run's ``run.json``,
#: a summary over seeds), as every command says it
OWN_COPY = "put a copy of the file itself in its place"


def writer_of(name: str) -> str:
    """Who writes the run's file ``name`` again once what stands in its place (a folder, a
    fifo) is removed: said alike by ``status`` and ``validate``, so the two give one fix."""
    return ("'merbench audit' writes it" if name == AUDIT_FILE else
            "restore the file from a copy of the run, as it records what ran"
            if name == RUN_FILE else "the same command writes what it should hold again")


def never_read(found: str, writer: str) -> str:
    """What ``status`` says of an entry that is no file of its own (``found``: "audit.json
    is a fifo"), with what writes the file it stands for: a state of the folder, not an
    error, for every kind of result."""
    return f"{found}, which merbench never reads (remove it: {writer})"


def state_line(refused: UnsafeFile, writer: str) -> str:
    """What ``status`` says of a result's file that :func:`check_entry` refused, with the fix
    validate and show give: a link to a regular file is replaced by a copy of that file (a
    summary over seeds linked to its own copy was "remove it" to status and "publish the
    file itself" to validate and show, pass 84s), anything else is removed for ``writer``
    to write again."""
    if refused.fix == OWN_COPY:
        return f"{refused.found}, which merbench never reads ({OWN_COPY})"
    return never_read(refused.found, writer)


def _describe(path: Path, mode: int) -> str:
    what = mode_kind(mode)
    if stat.S_ISLNK(mode):
        what += f" (to {os.readlink(path)})"
    return what


def entry_kind(path: Path) -> str:
    """What the entry at ``path`` is, as the refusals say it ("a fifo", "a symbolic link
    (to ...)"), without following or opening it."""
    return entry_words(path)


def refuse_special_target(path: Path, option: str, what: str) -> None:
    """A path to write ``what`` to ("a table", "features") refused in one line where
    something other than a regular file is there: a fifo, a device or a link is never
    replaced by the file (``extract --save FIFO`` deleted the user's fifo and wrote there)."""
    if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
        raise MerbenchError(f"{option} {path} is {entry_kind(path)}, not a file; merbench "
                            f"writes {what} only in place of a regular file: choose another "
                            f"{option}")


def empty_files(folder: Path, names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` that are regular files in ``folder`` with nothing in them: a
    result file cut to nothing, which ``status`` must not call written."""
    return [name for name in names
            if (folder / name).is_file() and (folder / name).stat().st_size == 0]


def check_entry(path: Path, base: Path, *, folder: bool = False) -> None:
    """Refuse ``path`` unless it is a regular file (or, with ``folder``, a folder) that is
    not a link, inside ``base``. A file linked to another regular file is replaced by a copy
    of it (:data:`OWN_COPY`: in a ``--seeds`` folder, "inside the run folder" named a folder
    that is none); one linked to a device, a fifo, a folder or nothing has no file to publish, and
    is removed as a fifo in its place is (status, validate and show gave a link to
    ``/dev/zero`` two fixes, pass 84s, S16). A folder that is a fifo or a file has no
    folder to publish: it is removed for the folder it stands for (pass 84v, V6)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return  # a missing file is the caller's to report, in its own words
    wanted = stat.S_ISDIR if folder else stat.S_ISREG
    shown = path.relative_to(base) if path.is_relative_to(base) else path
    if not wanted(mode):
        fix = (("put the folder itself in its place" if os.path.isdir(path)
                else "remove it and put the folder itself in its place") if folder
               else OWN_COPY if stat.S_ISLNK(mode) and os.path.isfile(path)
               else f"remove it: {writer_of(path.name)}")
        raise UnsafeFile(f"{shown} is {_describe(path, mode)}; {fix}")
    if not folder:
        _check_links(shown, os.lstat(path).st_nlink)


def _check_links(shown: Path, links: int) -> None:
    """Refuse a regular file that is also another file (a hard link)."""
    if links > 1:
        raise UnsafeFile(f"{shown} is a hard link ({links} links); publish a copy of the "
                         "file itself")


#: a run's predictions tables, which the run writes again from its fold files
TABLES = ("predictions.csv", "au-predictions.csv")


def audited_table_fix(*, there: bool = True) -> str:
    """What replaces a table of an audited run that is no file (``there``) or is missing:
    the same command would write it again, but only with the audits moved out, as it
    refuses to void them."""
    remove = "remove it and " if there else ""
    return (f"restore it from a copy of the run, which keeps its audits, or {remove}move "
            f"{AUDIT_FILE} out of the folder, then {RESUME}, which writes it again, and "
            "audit the run again")


#: :func:`audited_table_fix` of a table that is there and no file
AUDITED_TABLE_FIX = audited_table_fix()


def check_table(path: Path, run_dir: Path) -> None:
    """:func:`check_entry` of the run's predictions table ``path``. Beside the run's
    ``audit.json`` its fix is :data:`AUDITED_TABLE_FIX`: the same command, told to write
    it again, refused to void the audits (status said to move audit.json out, validate and
    show to remove the table, pass 84z Z11 and 84aa)."""
    try:
        check_entry(path, run_dir)
    except UnsafeFile as exc:
        if not exc.fix.startswith("remove it: ") or \
                not os.path.lexists(run_dir / AUDIT_FILE):
            raise
        raise UnsafeFile(f"{exc.found}; {AUDITED_TABLE_FIX}") from None


# What merbench reads or publishes of a run folder: its files, then its two folders. Other
# entries (a site built beside the files, an editor's backup) are neither, so not checked.
RUN_FOLDER_FILES = ("run.json", "results.json", "predictions.csv", "audit.json", "seeds.json")
RUN_FOLDER_FOLDERS = ("folds", "partial")


def check_run_folder(run_dir: Path, files: tuple[str, ...] = ()) -> None:
    """Every file and folder of a run folder that merbench reads or publishes (``files``:
    a kind's own, such as an AU run's ``au-results.json``), and every entry of its
    ``folds/``, is a regular file (or folder); the run folder itself is no link."""
    run_dir = Path(run_dir)
    check_entry(run_dir, run_dir.parent, folder=True)
    for name in (*RUN_FOLDER_FILES, *files, *RUN_FOLDER_FOLDERS):
        if name in TABLES:
            check_table(run_dir / name, run_dir)
        else:
            check_entry(run_dir / name, run_dir, folder=name in RUN_FOLDER_FOLDERS)
    folds = run_dir / "folds"
    if folds.is_dir():
        for entry in sorted(folds.iterdir()):
            check_entry(entry, run_dir)


def borrowed_line(found: str) -> str:
    """What is said of a run's ``run.json`` that is a link (``found``: "run.json is a
    symbolic link (to ../r/run.json)"): no run goes on from it, and the fix."""
    return f"{found}, which no run goes on from ('merbench validate' refuses it); {OWN_COPY}"


def refuse_borrowed(folder: Path, name: str, option: str) -> None:
    """Refuse going on in ``folder`` (given as ``option``) where its ``name`` (a run's
    ``run.json``) is a symbolic or a hard link. A run reads it through the link and, as it
    records the same run, never writes it again: every run there ended 0 in a folder
    ``validate`` refuses, and ``status`` said to run again, a loop. A fifo or a folder there
    is refused as unreadable where it is read."""
    path = Path(folder) / name
    try:
        status = os.lstat(path)
    except OSError:
        return  # not there: the caller says what a folder without one is
    if stat.S_ISLNK(status.st_mode) or (stat.S_ISREG(status.st_mode) and status.st_nlink > 1):
        try:
            check_entry(path, Path(folder))
        except UnsafeFile as exc:
            raise MerbenchError(f"{option} {folder}: {borrowed_line(exc.found)}") from None


def check_inside(path: Path, base: Path) -> None:
    """``path`` (as written in a file, e.g. a seeds summary's run name) stays in ``base``."""
    resolved, root = (Path(base) / path).resolve(), Path(base).resolve()
    if resolved != root and root not in resolved.parents:
        raise UnsafeFile(f"{path} leaves its folder {base}; keep every run inside it")


#: more than any file merbench reads whole (a features file of a large model is a few GB)
MAX_FILE_BYTES = 16 << 30


def read_regular_bytes(path: Path) -> bytes:
    """The bytes of ``path`` once it is shown to be a regular file (a link to one is
    followed). Opened without blocking, so a fifo, a socket or a device named like a result
    file is refused at once instead of hanging the command that reads it (``validate``,
    ``status``, ``compare``, the leaderboard and ``tune`` all did on a fifo)."""
    with opened_regular(path) as reader:
        return reader.read()


@contextlib.contextmanager
def opened_regular(path: Path) -> Iterator[BinaryIO]:
    """``path`` open for reading once it is shown to be a regular file, as
    :func:`read_regular_bytes` checks it, for a reader that streams a large file (a
    features file) instead of holding its bytes twice."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except IsADirectoryError:
        raise UnsafeFile(f"{path} is a folder, not a file; give a regular file") from None
    status = os.fstat(fd)  # before a file object is made: one of a folder cannot be
    mode = status.st_mode
    if not stat.S_ISREG(mode):  # a fifo, a socket, a device, a folder
        os.close(fd)
        raise UnsafeFile(f"{path} is {mode_kind(mode)}, not a regular file; give a regular file")
    if status.st_size > MAX_FILE_BYTES:  # read whole, it would fill the memory first
        os.close(fd)
        raise MerbenchError(f"{path} is {status.st_size:,} bytes, more than the "
                            f"{MAX_FILE_BYTES:,} of any file merbench reads; give the right "
                            "file")
    with os.fdopen(fd, "rb") as reader:
        yield reader


def copy_regular_file(source: Path, target: Path) -> None:
    """Copy ``source`` only if it is a regular file, opened without following a link, so a
    file replaced by a link since it was checked is refused, not published."""
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError as exc:
        raise UnsafeFile(f"{source} cannot be published ({exc.strerror}: it is a link or "
                         "not a readable file)") from None
    with os.fdopen(fd, "rb") as reader:
        status = os.fstat(reader.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise UnsafeFile(f"{source} is not a regular file; it is not published")
        _check_links(source, status.st_nlink)
        with open(target, "wb") as writer:
            shutil.copyfileobj(reader, writer)
