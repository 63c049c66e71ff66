"""What is said of a folder given to a command that checks results (``validate``,
``leaderboard build``, ``compare``) where a walk of it found nothing finished: one text for
every command that takes results, below the commands, so no command module borrows
another's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from merbench.base.literal import counted, pasted_command
from merbench.kinds import markers, part_of_result, unfinished
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import RESULTS_BELOW

#: what ``validate`` is to be given instead of a path that holds no result
GIVE = "give a run directory, a result file or a folder of results"


def no_result_said(given: Path, give: str = GIVE, begun: Sequence[Path] = ()) -> str:
    """What is said of the folder ``given``, with its name, where a walk of it found
    nothing to check (no result, no link, nothing rejected): another command's output, a
    run still training (as ``status`` says it), a folder holding only runs not finished
    yet (``begun``, as the walk found them: named, with where to read how far they are),
    a folder of a result's own (its ``folds/``), or a folder holding none, with ``give``
    (what to give instead). One text for ``validate`` and for ``leaderboard build``, whose
    ``--strict`` publishing gate passed such a folder as a site of no run."""
    if (predicted := command_output_said(given)) is not None:
        return f"{given} {predicted}"
    if (said := unfinished(given)) is not None:
        return f"{given} {said}"
    if begun:  # a folder of stopped runs "held no merbench result" while status counted them
        return f"{given} holds no finished merbench result, only {unfinished_under(given, begun)}"
    if (part := part_of_result(given)) is not None:
        return f"{given} {part}"
    return (f"{given} holds no merbench result (no {' or '.join(markers())} in it or up to "
            f"{RESULTS_BELOW} levels below); {give}")


def unfinished_under(given: Path, begun: Sequence[Path]) -> str:
    """``1 run not finished yet (A): merbench status GIVEN says how far it has got``: the
    results under way or stopped that a walk of the folder ``given`` found (``begun``, the
    first three named), which the commands that take finished results pass over, said
    alike by each, pointing to the command that reads them."""
    more = ", ..." if len(begun) > 3 else ""
    named = ", ".join(str(path) for path in begun[:3])
    return (f"{counted(len(begun), 'run')} not finished yet ({named}{more}): "
            f"{pasted_command('merbench status {}', given)} says how far "
            f"{'it has' if len(begun) == 1 else 'each has'} got")
