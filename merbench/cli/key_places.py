"""Where a private signing key may lie: never where it gets published with results, nor
where a ``git add`` takes it into a repository. One check for ``keygen``, which writes a key,
and ``audit --sign``, which reads one.

A folder of results (``leaderboards/results``, a sweep's ``out``, a ``--seeds`` folder) is
committed and published whole, so a key in it goes out with the results; nothing that reads
results afterwards (validate, the build) looks at a file that is not a result's. Such a
folder is told by a result directly in it or one or two levels below it, where results are
kept: a general work folder with a run deep inside (``proj/sub/dir/run``) is no folder of
results, and calling it one refused keys where nothing publishes them.

A git work tree is refused for a key to be written, as one ``git add`` commits it, except
where git ignores the path (a ``secrets/`` folder in ``.gitignore``) and except the home
folder's own repository (dotfiles), in which ``~/.merbench/audit-key``, the place every
refusal suggests, lies. Reading a key commits nothing, so ``audit --sign`` refuses one in a
work tree only where git tracks it. Where git is not installed, whether a path is ignored
cannot be asked, and a key to be written is refused as in any work tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.cli.out_places import result_below, result_holding

#: how many levels below a folder a result makes it a folder of results: a run directly in
#: it (``leaderboards/results/r1``), or one or two levels down (a sweep's configurations'
#: ``--seeds`` folders, ``runs/ablation/NAME/seed-0``)
RESULT_LEVELS = 3
#: the place each refusal suggests for a private key
SUGGESTED = "~/.merbench/audit-key"


def _home() -> Path | None:
    """The home folder, as reached, or None where there is none."""
    try:
        return Path(os.path.realpath(Path.home()))
    except RuntimeError:
        return None


def git_work_tree(path: Path) -> Path | None:
    """The top of the git work tree ``path`` lies in (the folder holding ``.git``, a folder
    or, in a linked work tree or a submodule, a file), or None. A ``.git`` in the home folder
    or above it is not counted: the home folder's own repository (dotfiles) holds every
    place a key can be kept apart, the suggested one among them."""
    absolute = Path(path).absolute()
    real = Path(os.path.realpath(absolute.parent)) / absolute.name  # a link on the way
    home = _home()
    for parent in dict.fromkeys([*absolute.parents, *real.parents]):
        if home is not None and home.is_relative_to(os.path.realpath(parent)):
            continue
        if os.path.lexists(parent / ".git"):
            return parent
    return None


def _git_says(tree: Path, path: Path, *question: str) -> bool | None:
    """Whether git, asked ``question`` of ``path`` in the work tree ``tree``, says yes (exit
    status 0); None where git is not installed or cannot answer (no repository it can
    read there)."""
    git = shutil.which("git")
    if git is None:
        return None
    absolute = Path(os.path.normpath(Path(path).absolute()))
    if not absolute.is_relative_to(tree):  # reached through a link into the tree
        absolute = Path(os.path.realpath(absolute.parent)) / absolute.name
    try:
        done = subprocess.run([git, "-C", str(tree), *question, "--", str(absolute)],
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return {0: True, 1: False}.get(done.returncode)


def _results_folder(folder: Path) -> Path | None:
    """The result directly in ``folder`` or one or two levels below it (the module's
    docstring), or None."""
    return result_below(folder, levels=RESULT_LEVELS)


def _suggested_refused() -> bool:
    """Whether :data:`SUGGESTED` is itself a place keygen refuses: then no refusal offers it."""
    home = _home()
    if home is None:
        return True
    place = home / ".merbench" / "audit-key"
    return _write_refusal(place) is not None or result_holding(place) is not None


def _keep() -> str:
    """Where to keep the private key instead, as the refusals of ``keygen --out`` say."""
    if _suggested_refused():
        return "keep the private key outside it, in a folder no one publishes, or in a CI secret"
    return f"keep the private key outside it, e.g. --out {SUGGESTED}, or in a CI secret"


def _shown(folder: Path, given: Path) -> Path:
    """``folder`` in the form ``given`` was given: relative to the current folder when it
    was."""
    cwd = Path.cwd()
    return folder.relative_to(cwd) if not given.is_absolute() and \
        folder.is_relative_to(cwd) and folder != cwd else folder


def _write_refusal(out: Path) -> str | None:
    """Why a key may not be written at ``out`` (the place, without the fix), or None."""
    folder = Path(os.path.normpath(Path(out).absolute())).parent
    held = _results_folder(folder)
    if held is not None:
        return (f"is inside {_shown(folder, out)}, a folder of merbench results (it holds "
                f"{held.relative_to(folder)}), which is published whole")
    tree = git_work_tree(out)
    if tree is not None and _git_says(tree, out, "check-ignore", "-q") is not True:
        return f"is inside the git work tree {_shown(tree, out)}, where a 'git add' commits it"
    return None


def refuse_published_place(out: Path) -> None:
    """Refuse ``keygen --out`` in a folder of results or in a git work tree (the module's
    docstring), in one line naming the place. A key in a new folder beside the results
    (``keys/``) is not in the folder of results."""
    why = _write_refusal(out)
    if why is not None:
        raise MerbenchError(f"--out {out} {why}; {_keep()}")


def refuse_published_key(key: Path) -> None:
    """Refuse ``audit --sign KEY`` where the private key lies inside a result's folder (the
    one audited among them), which is published with its files, in a folder of results, or
    tracked by git. Signing from there said nothing, and the key went out with the result
    it signed; a key that has lain there may already be copied, so a new one is made."""
    away = "out" if _suggested_refused() else f"out (e.g. {SUGGESTED})"
    fix = (f"move the key {away} and make a new one with 'merbench keygen', as this one may "
           "already be copied")
    result = result_holding(key)
    if result is not None:
        raise MerbenchError(f"--sign {key} is inside the result {_shown(result, key)}, which "
                            f"gets published with its files: {fix}")
    folder = Path(os.path.normpath(Path(key).absolute())).parent
    held = _results_folder(folder)
    if held is not None:
        raise MerbenchError(f"--sign {key} is inside {_shown(folder, key)}, a folder of "
                            f"merbench results (it holds {held.relative_to(folder)}), which "
                            f"is published whole: {fix}")
    tree = git_work_tree(key)
    if tree is not None and _git_says(tree, key, "ls-files", "--error-unmatch") is True:
        raise MerbenchError(f"--sign {key} is tracked by git in the work tree "
                            f"{_shown(tree, key)}, and so committed with it: {fix}")
