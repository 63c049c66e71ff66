"""Runs compared told apart by what they are, not by where they lie.

``merbench compare`` refuses a run given twice by its path, and a seed run given beside the
summary that averages it. A copy of a run (``cp -r``, or the same command's run kept as a
``--seeds`` folder's seed) is the same run under another path: compared, it printed a paired
test of the run against itself (a difference of 0, p 1) and took a share of Holm's
correction from the real comparisons (pass 84af, AF5). So every result compared is read as
the runs it is made of, each by its run identity and predictions
(:mod:`merbench.results.run_copies`, as the leaderboard counts copies once), and two
results sharing a run are refused in one line, whatever their kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench.base.errors import MerbenchError
from merbench.compare.contract import Pooled

COPY = "the same run identity and predictions"
NOT_INDEPENDENT = "the two are not independent; compare results of different configurations"


def refuse_copies(given: Sequence[tuple[str, Pooled]]) -> None:
    """``MerbenchError`` (one line) at the first two results of ``given`` (each path as
    given, with the runs it pools) that share a run: one a copy of the other, or a run
    (or a seed run) that is a copy of one a summary over seeds averages."""
    for later, (path, pooled) in enumerate(given):
        for earlier, earlier_pooled in given[:later]:
            said = _shared(earlier, earlier_pooled, path, pooled)
            if said is not None:
                raise MerbenchError(said)


def _shared(first: str, a: Pooled, second: str, b: Pooled) -> str | None:
    """Why ``second`` is not compared with ``first``, or None where they share no run."""
    mine = {what: folder for folder, what in b.runs}
    theirs = {what: folder for folder, what in a.runs}
    if not mine.keys() & theirs.keys():
        return None
    if mine.keys() == theirs.keys() and a.over_seeds == b.over_seeds:
        return f"{second} is a copy of {first} ({COPY}): give each run once"
    what = next(iter(sorted(mine.keys() & theirs.keys())))
    if not b.over_seeds:  # the run given alone is the copy of a seed run
        return (f"{second} is a copy of {theirs[what]} ({COPY}), a seed run {first} "
                f"averages: {NOT_INDEPENDENT}")
    if not a.over_seeds:
        return (f"{first} is a copy of {mine[what]} ({COPY}), a seed run {second} "
                f"averages: {NOT_INDEPENDENT}")
    return (f"{second} and {first} average the same run ({mine[what]} is a copy of "
            f"{theirs[what]}: {COPY}): {NOT_INDEPENDENT}")
