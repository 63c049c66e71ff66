"""``merbench cache info|clear``: the feature cache's entries and size, or clearing them.

``clear`` deletes only the stores merbench wrote, each recognised by its manifest
(``merbench-store.json``, see :mod:`merbench.base.cache`), and refuses, deleting nothing and
exiting with status 2, a cache folder that holds anything else: ``$MERBENCH_CACHE_DIR`` may
name any folder, and what merbench did not write there is not its to delete. A cache folder
that does not exist is nothing to clear (status 0); a cache path that is a file is an error
(status 2). ``info`` says the same things instead of calling a file or a foreign folder empty.
A merbench result there is said as the result it is, to be moved out, never deleted; and
``clear --feature`` minds only what lies inside that feature's store.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from merbench.base.cache import clear_cache, survey_cache
from merbench.base.cache_env import CACHE_ENV, default_cache_dir
from merbench.base.cache_survey import describe_foreign
from merbench.base.errors import MerbenchError
from merbench.base.link_loop import loop_said
from merbench.base.literal import indefinite
from merbench.base.terminal import path_shown, say
from merbench.cli.out_places import result_below
from merbench.cli.render import print_cache_info
from merbench.kinds import kind_of, started_kind
from merbench.results.command_outputs import command_folder


def result_in(folder: Path) -> str | None:
    """What ``folder`` in the cache is where it is a merbench result (finished or under
    way), another command's output folder, or a folder holding a result, as every other
    command tells one; None where it is none. A run written into ``features/`` was
    otherwise a store without its marker, whose fix deleted it."""
    kind = kind_of(folder) or started_kind(folder)
    if kind is not None:
        return f"a merbench result ({indefinite(kind.name)})"
    command = command_folder(folder)
    if command is not None:
        return f"a merbench result ({command})"
    below = result_below(folder)
    return None if below is None else f"a folder holding a merbench result ({below})"


def main(args: argparse.Namespace) -> int:
    root = default_cache_dir()
    loop = loop_said(root)  # which every existence test takes for "nothing cached yet"
    if loop is not None:
        raise MerbenchError(f"the cache path {root} {loop}; set {CACHE_ENV} to a folder")
    shown = path_shown(root)  # $MERBENCH_CACHE_DIR with a newline: still one line
    survey = survey_cache(root, result_in)  # a cache path that is a file: one error line, status 2
    if not survey.exists:
        say(f"no cache at {shown}: " + ("nothing has been cached there yet"
                                       if args.action == "info" else "nothing to clear"))
        return 0
    if args.action == "info":
        if survey.stores or not (survey.foreign or survey.damaged or survey.results):
            print_cache_info(root, survey.stores)
        for fault in survey.damaged:  # in extract's words: it refuses the store too
            say(f"{shown}: {fault}; until then 'merbench cache clear' refuses to clear "
                f"the cache")
        for path, what in survey.results:  # moved out, never deleted: it is no cache store
            # one line: a folder named with a newline split the record in two
            say(f"{shown}: '{path}' is {what}, not merbench's cache; move it out of the cache "
                "folder (until then 'merbench cache clear' refuses to clear the cache)",
                one_line=True)
        if survey.foreign:
            held = "also holds" if survey.stores else "holds no merbench cache entries, only"
            say(f"{shown} {held} {describe_foreign(survey)}, so 'merbench cache clear' will "
                "refuse to clear it")
        return 0
    removed = clear_cache(args.feature, root, result_in)
    if not removed:
        say(f"the cache {shown} holds no entries: nothing to clear")
        return 0
    entries = sum(info.entries for info in removed)
    size = sum(info.bytes for info in removed)
    names = ", ".join(info.name for info in removed)
    say(f"cleared {entries} entries ({size / 1e6:.1f} MB) from {shown}: {names}")
    return 0
