"""What is said of a folder given to a command that checks results (``validate``,
``leaderboard build``, ``compare``) where a walk of it found nothing finished, or only seed
runs whose summary over seeds is not there: one text for every command that takes results,
below the commands, so no command module borrows another's."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from merbench.base.literal import counted, pasted_command
from merbench.kinds import kind_of, markers, part_of_result, result_kinds, unfinished
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import RESULTS_BELOW
from merbench.results.go_on import SAME_SWEEP
from merbench.results.out_folders import SEED_RUN
from merbench.runner.configuration_name import in_sweep_configuration

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


def summary_gone(folder: Path, inside: list[Path]) -> str | None:
    """What ``folder`` is, after its name, where the results ``inside`` it are all its own
    ``seed-N`` runs of one kind that has a summary over seeds and that summary's file is
    not there (a ``--seeds`` folder whose ``seeds.json`` was removed, or seed runs trained
    one by one, as the committed OFF-ApexNet runs were), with what takes them; None
    otherwise. ``compare`` pools such runs as the seeds of one configuration, recomputing
    from their files, while ``show``, which prints a stored summary, called the folder two
    results and nothing more (pass 84z, Z9)."""
    if len(inside) < 2 or not all(path.parent == folder and SEED_RUN.match(path.name)
                                  for path in inside):
        return None
    runs = {kind.name for path in inside if (kind := kind_of(path)) is not None}
    summary = next((kind for kind in result_kinds() if kind.over_seeds is not None
                    and kind.over_seeds.runs.name in runs), None)
    if len(runs) != 1 or summary is None or os.path.lexists(folder / summary.markers[0]):
        return None  # a summary that is there, damaged or not, is its own check's to say
    more = ", ..." if len(inside) > 3 else ""
    named = ", ".join(path.name for path in inside[:3])
    pooled = summary.over_seeds is not None and summary.over_seeds.runs.comparison is not None
    pool = " merbench compare pools them as one configuration's seeds," if pooled else ""
    # a sweep's configuration: the user ran no --seeds command to run again
    again = SAME_SWEEP if in_sweep_configuration(inside[0]) else \
        f"the same {summary.command} command"
    return (f"holds {len(inside)} seed runs ({named}{more}) and no {summary.markers[0]}, "
            f"their summary over seeds; show one of them ("
            f"{pasted_command('merbench show {}', inside[0])}),"
            f"{pool} or run {again} again, which writes "
            f"{summary.markers[0]} (their finished seeds kept)")
