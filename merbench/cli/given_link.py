"""A result given as a symbolic link to its folder, said as every command that takes results
says it: status and show each ask, and one command module never borrows another's."""

from __future__ import annotations

from pathlib import Path

from merbench.results.run_files import ResultRejected
from merbench.results.safe_files import UnsafeFile, check_entry


def given_link(path: Path) -> str | None:
    """What is said of ``path``, given as the argument, where it is a symbolic link to a
    folder, in validate's and show's words; None for a folder of its own. No result is
    read through a link, whether given or found under the folder given (:func:`linked_entry`),
    so status says it as the error it is to validate, show, audit and compare, with exit
    status 2, never as the state of the result behind it (a script that checks status
    would take a result every other command refuses as fine)."""
    if not (path.is_symlink() and path.is_dir()):
        return None
    try:
        check_entry(path, path.parent, folder=True)
    except UnsafeFile as exc:
        return str(ResultRejected(path, str(exc)))
    return None  # not reached: a link is no folder of its own
