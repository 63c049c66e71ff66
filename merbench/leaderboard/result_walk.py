"""The results under the ``--results`` folders, found as ``merbench validate`` checks them
and the build publishes them: one walk a folder (a ``--seeds`` folder's runs are results of
their own, a tuning's trials the tuning's), each result file once however often its folder
is given, and what a walk meets that nothing can check (a result inside another's folder, a
folder too deep, a link) kept as a :class:`Rejected` with its reason, never passed over.
Each kind's finder (:mod:`merbench.leaderboard.collect` for emotion runs, the AU, spotting
and tuning views for theirs) reads through it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import (
    RESULTS_BELOW,
    UNEXPLORED_REASON,
    ResultTree,
    holds_marker,
    link_reason,
    natural_order,
    not_there,
    result_tree,
)
from merbench.results.kind_registry import folder_refused, link_refused, registered_files
from merbench.results.out_folders import is_system_folder
from merbench.results.result_files import not_finished, result_markers, summary_markers
from merbench.results.safe_files import entry_kind
from merbench.verification.unlisted_runs import unlisted_member
from merbench.verification.validate import (
    RESULTS_FILE,
    SEEDS_FILE,
    ResultRejected,
)
from merbench.verification.validation_record import in_full

T = TypeVar("T")


@dataclass(frozen=True)
class Rejected:
    """A result file left out of the site, and why."""

    path: Path
    reason: str




#: what a command walking results (``leaderboard build --results``) is to be given instead
RESULTS_GIVE = "give a folder that holds merbench results (a run's folder, or a folder of runs)"


def walk_results(folder: Path, given_as: str = "--results ",
                 started: tuple[str, ...] = ()) -> ResultTree:
    """The results under ``folder`` as ``merbench validate`` checks them and the build
    publishes them, in one walk (:func:`~merbench.results.folder_walk.result_tree`): a
    ``--seeds`` folder's runs are results of their own, a tuning's trials are the tuning's,
    and a result inside any other result's folder is said, never published unchecked.
    ``given_as``: how the refusals name the folder (the option it was given with);
    ``started``: the files results under way write first (the kinds' own, which the
    commands know), for the folders of results not finished yet to be found too."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MerbenchError(f"{given_as}{no_folder(folder)}")
    if is_system_folder(folder):  # as validate and status refuse it: never walked whole
        raise MerbenchError(f"{given_as}{folder} is a system folder, not a folder of "
                            "results; pass the folder that holds your runs")
    whole = tuple(name for files in registered_files() for name in files.whole)
    return result_tree(folder, result_markers(), walked_into=summary_markers(),
                       kept_whole=whole, below=RESULTS_BELOW, started=started)


def no_folder(path: Path) -> str:
    """What a command walking results says of ``path`` (after the option naming it), where
    it is no folder, in the words ``validate``, ``show`` and ``status`` use: every such path
    was "not a directory", one that does not exist too (pass 84w, W21), where they say "no
    such file or folder" (V13); a result's own file is sent to its folder."""
    give = RESULTS_GIVE
    if (missing := not_there(path, give, not_a="a folder")) is not None:
        return missing
    said = command_output_said(path)
    if said is not None:
        return f"{path} {said}"
    for folder in (path.parent, path.parent.parent):  # a result's file, or one in folds/
        if holds_marker(folder, result_markers()):
            return (f"{path} is a file of the result {folder}, not a folder; give the "
                    f"result's folder ({folder}) or a folder that holds results")
    return f"{path} is {entry_kind(path)}, not a folder; {give}"


#: each --results folder with its walk (:func:`walk_results`), walked once for all it gives
Walked = list[tuple[Path, ResultTree]]


def walked(folders: Sequence[Path], started: tuple[str, ...] = ()) -> Walked:
    return [(Path(folder), walk_results(Path(folder), started=started)) for folder in folders]


def holding(trees: Walked, *markers: str) -> list[tuple[Path, Path]]:
    """(each result file named one of ``markers``, the --results folder it was found
    under) in the walked ``trees``, each once: a folder given twice, or inside another
    given one, counts once. A folder holding two kinds' result files gives none: it is
    refused whole (:func:`walk_rejections`), as validate refuses it; nor does one in a
    summary's folder that the summary does not list, whatever its kind."""
    found: dict[tuple[Path, str], tuple[Path, Path]] = {}
    for folder, tree in trees:
        for result in tree.results:
            if folder_refused(result) is not None or unlisted_member(result, folder):
                continue
            for marker in markers:
                if os.path.lexists(result / marker):
                    found.setdefault((result.resolve(), marker), (result / marker, folder))
    return list(found.values())


def results_holding(folders: Sequence[Path], marker: str) -> list[tuple[Path, Path]]:
    """:func:`holding` of a fresh walk of ``folders`` (each kind's finder)."""
    return holding(walked(folders), marker)


def validated_holding(folders: Sequence[Path], marker: str, validate: Callable[[Path], T]
                      ) -> tuple[list[tuple[Path, Path, T]], list[Rejected]]:
    """Each result file named ``marker`` under ``folders`` with the --results folder it was
    found under and what ``validate`` made of it; the rejected ones, with why, named by
    their folder."""
    found: list[tuple[Path, Path, T]] = []
    rejected: list[Rejected] = []
    for path, folder in results_holding(folders, marker):
        try:  # counted among the results the build checked in full (and its progress)
            found.append((path, folder, in_full(path, validate)))
        except ResultRejected as exc:
            rejected.append(Rejected(path.parent, exc.reason))
    return found, rejected


def unpublishable(tree: ResultTree) -> list[Rejected]:
    """What a walk met and neither validate nor the build can check: results inside another
    result's folder, folders below the depth it looks to, and links to folders (a run
    linked in is never read through the link, nor skipped with no word)."""
    return [*(Rejected(path, nested_reason(inside)) for path, inside in tree.nested),
            *(Rejected(path, UNEXPLORED_REASON) for path in tree.unexplored),
            # a link that is a result's own fault (an unfinished run's folds linked elsewhere)
            # is said of that result, in its line, as status says it (pass 84x X8, 84z Z5)
            *(Rejected(link.parent, said) if (said := link_refused(link)) is not None
              else Rejected(link, link_reason(link)) for link in tree.links)]


def walk_rejections(trees: Walked) -> list[Rejected]:
    """:func:`unpublishable`, the results under way or stopped of the kinds that say
    which are (:attr:`~merbench.results.kind_registry.KindFiles.under_way`: a tuning that has
    written its spec, not its result), and the folders holding two kinds' result files
    (:func:`~merbench.results.kind_registry.folder_refused`), and the results in a
    summary's folder that it does not list
    (:func:`~merbench.verification.unlisted_runs.unlisted_member`): validate rejects each;
    the build must not pass it over as if it were not there, nor publish it."""
    rejected = []
    pending = [(files.name, *files.under_way) for files in registered_files()
               if files.under_way is not None]
    for folder, tree in trees:
        rejected += unpublishable(tree)
        strays = {path: reason for path in tree.results
                  if (reason := folder_refused(path)) is not None}
        strays |= {path: reason for path in tree.results if path not in strays
                   and (reason := unlisted_member(path, folder)) is not None}
        rejected += [Rejected(path, reason) for path, reason in strays.items()]
        rejected += [Rejected(path, not_finished(name, first, last, path))
                     for path in tree.results if path not in strays
                     for name, first, last in pending
                     if os.path.lexists(path / first) and not os.path.lexists(path / last)]
    return rejected


def held_results(folder: Path, inside: Sequence[Path], noun: str = "result") -> str:
    """``FOLDER holds 2 results (A, B)``: how every command that takes one result names a
    folder it is given that holds several (the first three named), before its own fix.
    ``show`` and ``audit`` said it each in its own copy; ``compare`` took such a folder as
    a summary over seeds (pass 84w, W7). ``noun``: what they are, where one kind. A
    ``--seeds`` folder and the seed runs it summarises are one result, counted and named
    once (:func:`outermost`): the folder covers its runs, so naming each seed run beside it
    would send a user to audit or show every seed twice."""
    outer = outermost(inside)
    runs = {path: sum(1 for other in inside if path in other.parents) for path in outer}
    named = [f"{path}, a --seeds folder of {counted(runs[path], 'seed run')}" if runs[path]
             else str(path) for path in outer[:3]]
    more = ", ..." if len(outer) > 3 else ""
    between = "; " if any(runs[path] for path in outer[:3]) else ", "
    return f"{folder} holds {counted(len(outer), noun)} ({between.join(named)}{more})"


def outermost(inside: Sequence[Path]) -> list[Path]:
    """The results of ``inside`` (a walk's) that are inside none of the others: a
    ``--seeds`` folder's seed runs, which the walk finds beside it, are its own, so a
    command that takes one result counts the folder alone."""
    return [path for path in inside if not any(other in path.parents for other in inside)]


def nested_reason(inside: Path) -> str:
    return (f"is a result inside another result's folder ({inside}), which is neither "
            f"checked nor published as one; move it out of {inside}")


def find_result_files(trees: Walked) -> list[tuple[Path, Path]]:
    """(file, the folder it was found under) for every results.json and seeds.json in the
    walked ``trees`` (none inside a tuning's folder)."""
    return sorted(holding(trees, RESULTS_FILE, SEEDS_FILE),
                  key=lambda found: natural_order(found[0]))
