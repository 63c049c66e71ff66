"""What a spotting run's ``videos`` entry says where it is there but no folder of its own.

``merbench status``, ``validate``, ``show`` and ``spot`` each judged the entry alone and gave
three fixes for one fault: status "remove it: the same command writes what it should hold
again" (false: spot refused the folder), validate and show "put the folder itself in its
place", spot "give another --out"; and an unfinished run's link was "remove it" to status,
losing the videos spotted in its target (pass 84z, Z4, Z5). Here is the one line, as a
run's ``folds`` is said (:func:`~merbench.results.fold_names.not_a_folder_line`).
"""

from __future__ import annotations

import os
from pathlib import Path

from merbench.base.file_kinds import entry_words
from merbench.results.go_on import SPOT_AGAIN
from merbench.results.safe_files import UnsafeFile, check_entry
from merbench.spotting.record import SPOTTING_FILE, VIDEOS_FOLDER


def videos_line(folder: Path) -> str | None:
    """What every command says of the spotting run ``folder``'s ``videos`` where it is there
    but no folder of its own, or None. Of a finished run (``spotting.json`` there) it is
    validate's refusal: its video files are what validation reads, so they are put back. Of
    an unfinished one the same spot command goes on once it is a folder: a link's target
    holds the videos already spotted, so it is put in place, never removed."""
    path = folder / VIDEOS_FOLDER
    if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
        return None
    if os.path.lexists(folder / SPOTTING_FILE):
        try:
            check_entry(path, folder, folder=True)
        except UnsafeFile as exc:
            return str(exc)
    fix = ("put the folder itself in its place (its finished videos are kept)"
           if path.is_symlink() else "remove it")
    return (f"{VIDEOS_FOLDER} is {entry_words(path)}, not the run's folder of finished "
            f"videos; {fix}, then {SPOT_AGAIN} to go on")
