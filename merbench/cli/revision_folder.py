"""A side of ``merbench leaderboard diff``: a results folder, or ``REV:PATH``, a git
revision's folder (``origin/main:leaderboards/results``), taken out of git into a temporary
folder (``git archive``) and read there, so a pull request's CI compares its results with
the branch it merges into without a second checkout.

The revision's folder is read as its checkout would be: a symbolic link in it is said as a
link in a folder is ("is a symbolic link (to ...)"), never followed, whether it leads inside
the folder or out of it; and every line names what it read as the revision's
(``REV:PATH/run``), never as the temporary copy, which is gone when the command ends.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.leaderboard.result_walk import walk_results
from merbench.results.lfs_pointer import LFS_FIX

#: a Git LFS pointer's fix where the pointer came out of ``git archive``: a ``git lfs pull``
#: fetches the checkout's files, never the revision's
REVISION_LFS_FIX = ("git archive gave the revision's pointers (git-lfs not installed, or that "
                    "revision's files not fetched): install git-lfs and fetch them (git lfs "
                    "fetch origin REV), or diff two checked-out folders")


@dataclass(frozen=True)
class ResultsSide:
    """The folder one side of the diff is read from, and how its lines name what is in it."""

    folder: Path
    #: the temporary folder a git revision was taken into, and the revision; None: a folder
    copy: Path | None = None
    revision: str = ""

    def named(self, text: str) -> str:
        """``text`` (a path, or a reason naming paths) with each path in the temporary copy
        named as the revision's: ``/tmp/merbench-diff-x/results/r`` as ``REV:results/r``."""
        if self.copy is None:
            return text
        text = text.replace(f"{self.copy}/", f"{self.revision}:")
        return text.replace(str(self.copy), f"{self.revision}:.").replace(
            LFS_FIX, REVISION_LFS_FIX.replace("REV", self.revision))


@contextlib.contextmanager
def results_at(given: str) -> Iterator[ResultsSide]:
    """The folder ``given`` names: a folder, or a git revision's (``REV:PATH``)."""
    if os.path.isdir(given) or ":" not in given:
        walk_results(Path(given), given_as="")  # not a folder: refused here, in one line
        yield ResultsSide(Path(given))
        return
    revision, path = given.split(":", 1)
    if not revision or not path:  # 'HEAD:' said "no folder  at git revision HEAD"
        raise MerbenchError(f"'{given}' names no {'git revision' if not revision else 'folder'} "
                            f"{'before' if not revision else 'after'} its ':'; give REV:PATH, "
                            "such as origin/main:leaderboards/results")
    if revision.startswith("-"):  # never an option of git's
        raise MerbenchError(f"{given}: '{revision}' is not a git revision; give REV:PATH, "
                            "such as origin/main:leaderboards/results")
    # each failure in merbench's words: git's own ("fatal: not a git repository (or any of
    # the parent directories): .git") blamed the revision for where the command ran
    if _git(given, "rev-parse", "--git-dir").returncode != 0:
        raise MerbenchError(f"{given}: the current folder is not in a git checkout, so REV:PATH "
                            "cannot be read; run the command inside the repository, or give "
                            "two folders: merbench leaderboard diff OLD_DIR NEW_DIR")
    if _git(given, "rev-parse", "--verify", "--quiet",
            f"{revision}^{{tree}}").returncode != 0:
        raise MerbenchError(f"{given}: '{revision}' is no revision of this repository; give "
                            "REV:PATH with a branch, tag or commit, such as "
                            "origin/main:leaderboards/results")
    done = _git(given, "archive", "--format=tar", revision, "--", path)
    if done.returncode != 0:
        raise MerbenchError(f"{given}: no folder {path} at git revision {revision}; give "
                            "REV:PATH of a folder in this repository")
    with tempfile.TemporaryDirectory(prefix="merbench-diff-") as made:
        copy = Path(os.path.realpath(made))  # as a link's target is said: resolved
        _extract(given, done.stdout, copy)
        found = copy / path
        if found.is_symlink() or not found.is_dir():  # the revision's, never the copy's
            kind = "a symbolic link" if found.is_symlink() else \
                "a file" if found.is_file() else "no folder"
            raise MerbenchError(f"{given} is {kind} at revision {revision}; give REV:PATH "
                                "of a folder of results, such as "
                                "origin/main:leaderboards/results")
        yield ResultsSide(found, copy, revision)


def _extract(given: str, archive_bytes: bytes, copy: Path) -> None:
    """git's archive of the revision's folder into ``copy``, each symbolic link in it made
    again as it is in a checkout (a relative one that leads out of the folder resolved
    from where the command runs, as git's paths are), after every file: nothing is written
    through a link, and the walk says each one as it says a link in a folder."""
    links: list[tarfile.TarInfo] = []

    def kept(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo | None:
        if member.issym():  # made below, after every file
            links.append(member)
            return None
        return tarfile.data_filter(member, destination)  # no path out of the folder

    try:
        with tarfile.open(fileobj=io.BytesIO(archive_bytes)) as archive:  # bounded: git's
            archive.extractall(copy, filter=kept)
        for member in links:
            target = member.linkname if os.path.isabs(member.linkname) else os.path.normpath(
                os.path.join(os.getcwd(), os.path.dirname(member.name), member.linkname))
            if _inside(copy, copy / os.path.dirname(member.name) / member.linkname):
                target = member.linkname  # a link within the folder: as committed
            place = copy / member.name
            # a crafted name ('../x', or one under a link made just before) would put the
            # link outside the copy, as data_filter refuses a file's
            if not _inside(copy, place) or os.path.normpath(place) == str(copy) or \
                    not _inside(copy, Path(os.path.realpath(place.parent))):
                raise tarfile.OutsideDestinationError(member, str(place))
            os.symlink(target, place)
    except (tarfile.TarError, OSError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
            "git's archive of them could not be read"
        raise MerbenchError(f"{given}: the revision's files could not be taken out of git "
                            f"({why}); give two checked-out folders instead") from None


def _inside(copy: Path, target: Path) -> bool:
    return os.path.normpath(target).startswith(f"{copy}{os.sep}") or \
        os.path.normpath(target) == str(copy)


def _git(given: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in the current folder, its output captured; one line if it cannot run."""
    try:
        return subprocess.run(["git", *args], capture_output=True, check=False, timeout=600)
    except FileNotFoundError:
        raise MerbenchError(f"{given}: git is not installed, so REV:PATH cannot be read; "
                            "install git, or give two folders") from None
    except (OSError, subprocess.TimeoutExpired):
        raise MerbenchError(f"{given}: git could not be run; give a folder, or run in a git "
                            "checkout with git installed") from None
