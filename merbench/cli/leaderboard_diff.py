"""``merbench leaderboard diff OLD NEW``: every published row a change adds, removes or
moves, of every kind the site publishes (emotion benchmarks, AU pages, tuning searches,
spotting and spot-then-recognise runs), and a failure (exit status 1) where a score moved
without a new run, or where a result OLD accepted is rejected in NEW (a file of it edited in
place: its rows said as rejected, never as removed or moved by a change of runs).

OLD and NEW are results folders, or ``REV:PATH``, a git revision's folder (``origin/main:
leaderboards/results``), taken out of git into a temporary folder (``git archive``) and read
there, so a pull request's CI compares its results with the branch it merges into without a
second checkout. Both sides are validated as ``leaderboard build`` validates them (a result
unchanged since an accepted check is read back from its record)."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from merbench.base.terminal import counted, say
from merbench.cli.revision_folder import results_at
from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.leaderboard.score_diff import (
    PublishedRow,
    RowChange,
    published_rows,
    rejected_since,
    score_changes,
)
from merbench.verification.validation_record import Mode, checking

EXIT_MOVED = 1


def _shown(row: PublishedRow | None) -> str:
    return "—" if row is None or row.score is None else _score(row.score)


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.4f}"


#: the other columns named where a row's first one did not move, at most
COLUMNS_NAMED = 3


def _scores(change: RowChange) -> str:
    """The row's first score, old -> new; where only other columns moved (a
    spot-then-recognise run's STRS), those."""
    if change.old is None or change.new is None:
        return _shown(change.new if change.old is None else change.old)
    said = f"{_shown(change.old)} -> {_shown(change.new)}"
    moved = change.columns_moved()
    if moved and _shown(change.old) == _shown(change.new):
        named = [f"{name} {_score(old)} -> {_score(new)}"
                 for name, old, new in moved[:COLUMNS_NAMED]]
        more = len(moved) - COLUMNS_NAMED
        said += f"; {', '.join(named)}" + (f" and {more} more" if more > 0 else "")
    return said


def main(args: argparse.Namespace) -> int:
    load_benchmarks(args.benchmarks)  # a bad definition is refused before any result
    mode: Mode = "revalidate" if args.revalidate else "recorded"
    with results_at(args.old) as old_side, results_at(args.new) as new_side, \
            checking(mode):
        old, old_rejected = published_rows([old_side.folder], args.benchmarks)
        new, new_rejected = published_rows([new_side.folder], args.benchmarks)
        # while both folders are there: a git revision's is gone after the block
        since = rejected_since(old_side.folder, old_rejected, new_side.folder, new_rejected)
    # every line names a revision's result as REV:PATH/..., never its temporary copy
    since = {path: dataclasses.replace(item, reason=new_side.named(item.reason))
             for path, item in since.items()}
    for name, side, rejected in (("OLD", old_side, old_rejected),
                                 ("NEW", new_side, new_rejected)):
        for item in rejected:
            say(f"merbench: rejected ({name}): {side.named(str(item.path))}: "
                f"{side.named(item.reason)}", file=sys.stderr)
    changes = score_changes(old, new, since)
    marks = {"added": "+", "removed": "-", "moved": "~", "moved without a new run": "!",
             "rejected": "!"}
    for change in changes:
        row = change.row
        # one line each, a newline in a row's label (an option's text value, from a result
        # file) escaped: printed, it began a line of its own a reviewer reads as merbench's
        say(f"{marks[change.change]} {row.benchmark}: {row.label} [{row.section}]: "
            f"{_scores(change)} "
            f"({change.change}; {change.reason()})", one_line=True)
    counts = {kind: sum(c.change == kind for c in changes) for kind in marks}
    by_rejected = f", {counts['rejected']} changed by a rejected run" if counts["rejected"] else ""
    say(f"{counted(counts['added'], 'row')} added, {counts['removed']} removed, "
        f"{counts['moved'] + counts['moved without a new run']} moved "
        f"({counts['moved without a new run']} without a new run){by_rejected}")
    failed = 0
    if since:
        first = next(iter(since.values()))
        more = f" and {len(since) - 1} more" if len(since) > 1 else ""
        are = "is" if len(since) == 1 else "are"
        said = new_side.named(str(first.path))
        say(f"merbench: error: {counted(len(since), 'result')} accepted in OLD {are} rejected "
            f"in NEW ({said}: {first.reason}{more}); a published score changes only with a new "
            "run, never by a file edited in place: restore its files from OLD, or move the "
            "rejected run out of the results folder (new numbers go in a new run folder)",
            file=sys.stderr)
        failed = EXIT_MOVED
    if counts["moved without a new run"]:
        say(f"merbench: error: {counts['moved without a new run']} published score(s) moved "
            "with the same runs; a score changes only with a new run (a new run folder)",
            file=sys.stderr)
        failed = EXIT_MOVED
    return failed
