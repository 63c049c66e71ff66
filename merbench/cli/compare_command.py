"""``merbench compare REF RUN...``: each result's scores with their intervals, and paired
tests of each against REF, by the comparison the results' kind names.

The command never asks which kind a path is: it asks :func:`merbench.kinds.kind_of` (of a
folder holding no result of its own, of every result under it: a folder of one
configuration's seed runs), refuses a kind that names no comparison in that kind's own words
and results whose kinds name different comparisons, and hands every path to the one
comparison they share (:mod:`merbench.compare.contract`), which loads and prints them. A
path holding no finished result goes to that comparison too, whose loading says what is
missing there (where no path holds one, to the first registered kind's).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite
from merbench.base.terminal import say
from merbench.compare.contract import CompareRequest, Comparison, Grouped
from merbench.compare.same_runs import refuse_copies
from merbench.kinds import (
    ResultKind,
    kind_of,
    part_of_result,
    refuse_stray_files,
    result_kinds,
    started_files,
    unfinished,
)
from merbench.kinds.no_result import unfinished_under
from merbench.leaderboard.collect import collect, reduced_setting
from merbench.leaderboard.labels import configuration_label, configuration_notes
from merbench.leaderboard.result_walk import held_results, outermost, walk_results
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import given_nowhere
from merbench.results.model import Results
from merbench.results.out_folders import SEED_RUN
from merbench.results.safe_files import entry_kind
from merbench.verification.validate import NOT_THERE


@dataclass(frozen=True)
class _Compared:
    """One result as a configuration to tell apart from the others compared."""

    key: str
    first: Results


class PageConfigurations:
    """The leaderboard's grouping and labels, which a comparison (a layer below the pages)
    uses to pool and name runs as a benchmark page does."""

    def grouped(self, folder: Path) -> Grouped:
        found = collect([folder], pins={})
        return Grouped(rejected=[(item.path, item.reason) for item in found.rejected],
                       groups=[[run.checked for run in group.runs] for group in found.groups])

    def labels(self, results: Sequence[Results | None]) -> list[str]:
        compared = [_Compared(str(n), first) for n, first in enumerate(results)
                    if first is not None]
        notes = configuration_notes(compared)
        by_key = {item.key: configuration_label(item, notes) for item in compared}
        return [by_key.get(str(n), "") for n in range(len(results))]

    def reduced(self, results: Results) -> str | None:
        return reduced_setting(results)


def _kind(path: Path) -> tuple[ResultKind | None, str]:
    """The kind of a result: its own, or that of every result under it (a folder of one
    configuration's seed runs, walked as ``validate`` and the build walk it), or None
    (nothing finished there). A folder holding results that are compared apart is refused:
    compare quietly left the others out. So is one holding several results other than a
    ``--seeds`` folder's ``seed-N`` runs (the committed OFF-ApexNet folder, its
    ``seeds.json`` never written), as ``show`` and ``audit`` refuse it: two runs a user keeps
    side by side were averaged as the seeds of one experiment, and two copies of one run
    read as one (pass 84w, W7). ``predict``'s output is named as every command
    names it: its file was read as a results file "whose version was edited" (pass 84u,
    U1). With the kind, what ``path`` is in words ("is a spotting run", "holds 2 spotting
    runs (...)"): a folder of seed runs whose summary is gone was called one run (pass 84y,
    Y7)."""
    kind = kind_of(path)
    if kind is not None:
        refuse_stray_files(path)  # as validate refuses it
        return kind, f"is {indefinite(kind.name)}"
    predicted = command_output_said(path)
    if not path.is_dir():
        if predicted:
            raise MerbenchError(f"{path} {predicted}")
        return None, ""
    said = unfinished(path)  # a run still training: as 'merbench status' says it
    if said is not None:
        raise MerbenchError(f"{path} {said}")
    tree = walk_results(path, given_as="", started=started_files())
    inside = tree.results
    if tree.started:  # pooled without them, or "no run directories", while status counts them
        mixed = ", beside its finished runs" if inside else ""
        raise MerbenchError(f"{path} holds {unfinished_under(path, tree.started)}{mixed}; "
                            "compare a folder of runs once every run in it has finished")
    found: dict[object, tuple[ResultKind, Path]] = {}  # by what it is compared by
    for result in inside:
        inner = kind_of(result)
        if inner is not None:
            found.setdefault(inner.comparison or inner.name, (inner, result))
    if len(found) > 1:
        held = "; ".join(f"{indefinite(kind.name)} ({where})"
                         for kind, where in found.values())
        raise MerbenchError(f"{path} holds results of {len(found)} kinds: {held}; compare "
                            "pairs runs of one kind: pass a folder of one configuration's "
                            "runs")
    outer = outermost(inside)  # a --seeds folder's seed runs are its own, compared with it
    if outer and not all(result.parent == path and SEED_RUN.match(result.name)
                         for result in outer):
        if len(outer) == 1:  # a sweep's out of one configuration: that configuration
            raise MerbenchError(f"{path} is no result but holds one; give it in {path}'s "
                                f"place: {outer[0]}")
        raise MerbenchError(f"{held_results(path, inside)}, not the seed-N runs of a --seeds "
                            "folder; give one of them, or a --seeds folder")
    if not found and predicted:
        raise MerbenchError(f"{path} {predicted}")
    if not found:
        return None, ""
    kind = next(iter(found.values()))[0]
    return kind, held_results(path, inside, kind.name).removeprefix(f"{path} ")


def _not_there(path: Path) -> bool:
    """Whether nothing is at ``path`` (a name too long is said by the command's own handler
    of the system's errors, as every command says it)."""
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _check_paths(runs: list[str]) -> None:
    """Two results or more, each given once, none a link and none inside another."""
    if len(runs) < 2:
        raise MerbenchError(f"compare takes two runs or more (the reference first); {runs[0]} "
                            "alone is compared with nothing: 'merbench validate' checks one run")
    nowhere = next(filter(None, (given_nowhere(Path(path)) for path in runs)), None)
    if nowhere is not None:  # said as status, validate and show say it
        raise MerbenchError(nowhere)
    missing = next((path for path in runs if _not_there(Path(path))), None)
    if missing is not None:  # the OS's words were said, no fix (pass 84w, W8)
        raise MerbenchError(f"{missing}: {NOT_THERE}")
    # a fifo, a socket, a device: said as no run, with compare's own fix ("give a regular
    # file" was a reader's, and compare takes folders, pass 84x X12)
    odd = next((path for path in map(Path, runs) if not path.is_symlink()
                and not path.is_dir() and not path.is_file()), None)
    if odd is not None:
        raise MerbenchError(f"{odd} is {entry_kind(odd)}, not a run; give a run directory or "
                            "a --seeds folder")
    for path in map(Path, runs):  # before any pairing: no result, its folder none either
        if kind_of(path) is None and (output := command_output_said(path)) is not None:
            raise MerbenchError(f"{path} {output}")
        if (part := part_of_result(path)) is not None:  # a run's run.json, its folds/
            raise MerbenchError(f"{path} {part}")  # as validate, show and status say it
    linked = next((path for path in map(Path, runs) if path.is_symlink()), None)
    if linked is not None:  # its folder is not the result's: the run would be read wrong
        raise MerbenchError(f"{linked} is {entry_kind(linked)}; give the result itself (its "
                            "folder, or a file in it)")
    # a run named by its folder or by a file of it is one run (a result file's folder)
    named = [(path.parent if path.is_file() else path).resolve() for path in map(Path, runs)]
    twice = next((path for number, path in enumerate(runs)
                  if named.index(named[number]) != number), None)
    if twice is not None:
        raise MerbenchError(f"{twice} is given twice: a run is never different from itself; "
                            "give each run once")
    inside = next(((run, summary) for run, one in zip(runs, named, strict=True)
                   for summary, other in zip(runs, named, strict=True)
                   if other in one.parents), None)
    if inside is not None:  # a summary over seeds and one of the seed runs it averages
        raise MerbenchError(f"{inside[0]} is inside {inside[1]} (a seed run its summary "
                            "averages): the two are not independent; compare results of "
                            "different configurations")


def comparison_of(runs: list[str]) -> Comparison[Any]:
    """The one comparison that pairs every result in ``runs``, by their kinds."""
    kinds = [(path, *_kind(Path(path))) for path in runs]
    for path, kind, said in kinds:
        if kind is not None and kind.comparison is None:
            raise MerbenchError(f"{path} {said}, which compare does not pair: "
                                f"{kind.not_compared}")
    found = [(path, kind, kind.comparison, said) for path, kind, said in kinds
             if kind is not None and kind.comparison is not None]
    if not found:
        return next(kind.comparison for kind in result_kinds() if kind.comparison is not None)
    first_path, first, shared, first_said = found[0]
    other = next(((path, said) for path, _, comparison, said in found
                  if comparison is not shared), None)
    if other is not None:
        alike = ", ".join(kind.name for kind in result_kinds() if kind.comparison is shared)
        raise MerbenchError(f"{other[0]} {other[1]} and {first_path} "
                            f"{first_said}: compare pairs {indefinite(first.name)} "
                            f"only with results compared as {shared.name} ({alike}); pass "
                            "those alone")
    return shared


def main(args: argparse.Namespace) -> int:
    _check_paths(args.runs)
    comparison = comparison_of(args.runs)
    request = CompareRequest(as_json=args.json, configurations=PageConfigurations())
    runs = [comparison.load(Path(path), request) for path in args.runs]
    # a copy of a run is that run under another path: refused as the path itself is
    refuse_copies([(path, comparison.pooled(run)) for path, run in zip(args.runs, runs,
                                                                        strict=True)])
    for line in comparison.lines(runs, request):
        # a table's line is one line, a newline in a run's label (an option's text value,
        # from a result file) escaped; a JSON document escapes its own
        say(line, one_line=not request.as_json)
    return 0
