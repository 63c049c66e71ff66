"""``merbench show PATH``: a finished result's text, as the command that made it printed it
as it finished, whatever its kind.

The text is the kind's (:meth:`merbench.kinds.ResultKind.finished_text`), the same answer
``run``, ``spot`` and ``tune`` print when they finish, so the two cannot drift apart; this
command only asks :func:`merbench.kinds.finished_text` for the kind of the path it is given.
It reads the result's files and recomputes nothing (``merbench validate`` does), though a
result ``status`` calls stopped or ``validate`` refuses on a check that recomputes nothing
is refused, never printed as whole (the kinds' own checks); a path that holds no finished
result, or one not finished yet, is one line and exit status 2, and so is a folder that
holds several results, which are named (pass 84m, M14: it was said to hold none).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted, pasted_command
from merbench.cli.given_link import given_link
from merbench.kinds import (
    finished_text,
    kind_of,
    refuse_stray_files,
    started_kind,
)
from merbench.kinds.no_result import summary_gone
from merbench.leaderboard.result_walk import held_results, outermost, walk_results
from merbench.results.folder_walk import link_reason
from merbench.results.kind_registry import link_refused
from merbench.results.out_folders import is_system_folder


def _held(path: Path) -> str | None:
    """Why ``path``, a folder that is no result but holds some, is not shown, naming them
    and the command that shows one (or, holding none, the link to one it holds, as
    validate names it); None for any other path (:func:`finished_text` says
    what it is)."""
    if not path.is_dir() or kind_of(path) is not None or started_kind(path) is not None:
        return None
    if is_system_folder(path):  # never walked: said as before, holding none
        return None
    # a folder of too many folders refused as validate refuses it: passed over, it was
    # said to hold no result (pass 84aa, AA5)
    tree = walk_results(path, given_as="")
    inside = tree.results
    if not inside and tree.links and (run := link_refused(tree.links[0])):
        return f"{tree.links[0].parent} {run}"  # its own folder linked: as validate says it
    if not inside and tree.links:  # said as validate says it, not "holds no result" (S8)
        more = f" (and {counted(len(tree.links) - 1, 'more link')})" if tree.links[1:] else ""
        return f"{path} holds no merbench result but {tree.links[0]}{more}, which " \
               f"{link_reason(tree.links[0])}"
    if len(held := outermost(inside)) == 1:  # its name said once, as the command that shows
        return f"{path} is no result but holds one; show it: " \
            f"{pasted_command('merbench show {}', held[0])}"  # a --seeds folder, not its runs
    if not inside:
        return None
    if (gone := summary_gone(path, inside)) is not None:
        return f"{path} {gone}"
    return f"{held_results(path, inside)}; show one of them: " \
        f"{pasted_command('merbench show {}', held[0])}"


def main(args: argparse.Namespace) -> int:
    path = Path(args.path)
    held = _held(path)
    if held is not None:
        raise MerbenchError(held)
    kind = kind_of(path)
    if kind is not None:  # what status or validate refuse without recomputing, refused
        refuse_stray_files(path)
        kind.check_shown(path)
        linked = given_link(path)  # a kind whose check reads its files, not its folder
        if linked is not None:  # as validate refuses it, and status
            raise MerbenchError(f"{linked} ('merbench validate' refuses it too; show prints "
                                "only a result whose files agree)")
    finished_text(path).show()
    return 0
