"""``merbench migrate`` of a spotting run: each of its result files checked to be in the one
layout it has had, and left as it is, registered with the shared ``migrate``
(:mod:`merbench.results.upgrade`) by the spotting kind's home.

``spotting.json``, ``str.json`` and ``str-seeds.json`` have had one layout each, so there is
nothing to rewrite; but migrate knew none of them, and refused a spotting run merbench had
just written as holding "no file merbench migrates", telling the user to pass "a run
directory, a tuning or a folder of them" (pass 84w, W23), where an action-unit run or a run
in the current layout is "already in it" (exit status 0): a script migrating every results
folder failed on a spotting run. Now each is counted as every current file is, once its
layout is checked as migrate checks the others' (:func:`merbench.results.migrations.migrate`'s
words); a later layout adds its step here, as :mod:`merbench.tuning.migration` does.
"""

from __future__ import annotations

from pathlib import Path

from merbench.base.atomic import is_temporary
from merbench.base.errors import MerbenchError
from merbench.results.migrations import migrate
from merbench.results.schema import read_json
from merbench.spotting.record import SPOTTING_FILE, SPOTTING_SCHEMA, VIDEOS_FOLDER
from merbench.spotting.str_record import STR_FILE, STR_SCHEMA
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE, STR_SEEDS_SCHEMA
from merbench.spotting_kind.check import check_spotting_folder

#: each file: what it is called, the ``kind`` it records (None: it records none, and its
#: readers check none) and its one layout
LAYOUTS: dict[str, tuple[str, str | None, int]] = {
    SPOTTING_FILE: ("spotting results file", None, SPOTTING_SCHEMA),
    STR_FILE: ("spot-then-recognise file", None, STR_SCHEMA),
    STR_SEEDS_FILE: ("spot-then-recognise summary over seeds", "str-seeds", STR_SEEDS_SCHEMA),
}


def check_spotting_layout(path: Path) -> bool:
    """False (nothing rewritten) where the spotting file at ``path`` is in its current
    layout; one line naming the file where it is in none this merbench reads. Its values
    are ``merbench validate``'s to check, as for every file migrate finds current."""
    what, kind, schema = LAYOUTS[path.name]
    data = read_json(path, what)
    if kind is not None and data.get("kind") != kind:
        raise MerbenchError(f"{path} is no {what} (its kind is not '{kind}'); fix or remove "
                            "it")
    if "schema_version" not in data:  # migrate() would take it for layout 1
        raise MerbenchError(f"{path} has no schema_version; is it a merbench file?")
    migrate(data, "spotting", path, migrations={}, target=schema)  # a layout it cannot read
    if path.name == SPOTTING_FILE:
        _check_videos(path.parent)
    return False


def _check_videos(folder: Path) -> None:
    """The run's ``spot-run.json`` and ``videos/NNNN.json`` each a regular file of its own
    and each video's file readable JSON: migrate calls no folder current that holds a
    file of it no command can read (a number of 5,000 digits), as it reads every JSON file
    of the other kinds' results. Whether each is the video ``spotting.json`` records is
    ``merbench validate``'s to check."""
    check_spotting_folder(folder)  # a fifo or a link is never read
    videos = folder / VIDEOS_FOLDER
    for path in sorted(videos.glob("*.json")) if videos.is_dir() else []:
        if not is_temporary(path):
            read_json(path, "spotted video's file")


__all__ = ["LAYOUTS", "check_spotting_layout"]
