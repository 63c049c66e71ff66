"""What is said of a folder given to a command that checks results (``validate``,
``leaderboard build``) where a walk of it found nothing: one text for every command that
takes results, below the commands, so no command module borrows another's."""

from __future__ import annotations

from pathlib import Path

from merbench.kinds import markers, part_of_result, unfinished
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import RESULTS_BELOW

#: what ``validate`` is to be given instead of a path that holds no result
GIVE = "give a run directory, a result file or a folder of results"


def no_result_said(given: Path, give: str = GIVE) -> str:
    """What is said of the folder ``given``, with its name, where a walk of it found
    nothing to check (no result, no link, nothing rejected): another command's output, a
    run still training (as ``status`` says it), a folder of a result's own (its
    ``folds/``), or a folder holding none, with ``give`` (what to give instead). One text
    for ``validate`` and for ``leaderboard build``, whose ``--strict`` publishing gate
    passed such a folder as a site of no run."""
    if (predicted := command_output_said(given)) is not None:
        return f"{given} {predicted}"
    if (said := unfinished(given)) is not None:
        return f"{given} {said}"
    if (part := part_of_result(given)) is not None:
        return f"{given} {part}"
    return (f"{given} holds no merbench result (no {' or '.join(markers())} in it or up to "
            f"{RESULTS_BELOW} levels below); {give}")
