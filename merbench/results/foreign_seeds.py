"""A ``seed-N`` folder of a ``--seeds`` folder holding a finished run that is no seed of it:
one of another kind, or of another configuration, said in one set of words wherever it is
found.

The summary's checks (``validate``, ``status``, ``show`` and the build, every kind of summary
alike) and the ``--seeds`` command that would train beside it both meet such a folder. They
once said it in ways that sent the user round: the summary called an emotion run put in an
action-unit seed's place a run "that stopped before it finished", to be fixed by the same
``--seeds`` command, and that command refused the whole folder "of another configuration",
asking to delete it, the seeds that belong with it (pass 84af, AF8). Here the folder is
named for what it is, and the one fix is the same in every message: move that folder out,
and the ``--seeds`` command trains its seed again beside the seeds that belong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite, joined
from merbench.results.result_files import result_files_called
from merbench.results.rundir import RUN_FILE, RunDirectory


def briefly(identity: dict[str, Any]) -> str:
    """A run's identity in a few words: its model, dataset and protocol ("ststnet on
    synthetic/loso"), what tells the runs of one folder apart at a glance."""
    def name(part: str) -> str:
        value = identity.get(part)
        return str(value.get("name")) if isinstance(value, dict) else "?"
    return f"{name('model')} on {name('dataset')}/{name('protocol')}"


def other_kind(folder: Path, own_file: str) -> str | None:
    """What ``folder`` holds where it is a finished result of another kind than the one whose
    result file is ``own_file`` ("an emotion run (ststnet on synthetic/loso)"), or None
    (``own_file`` there, or no other kind's result file either)."""
    if os.path.lexists(folder / own_file):
        return None
    return finished_result(folder)


def finished_result(folder: Path) -> str | None:
    """The finished result ``folder`` holds, in a few words, or None (no result file)."""
    called = next((called for file, called in result_files_called()
                   if os.path.lexists(folder / file)), None)
    if called is None:
        return None
    try:
        said = f" ({briefly(RunDirectory(folder).read_run_file().identity)})"
    except (MerbenchError, OSError, ValueError, AttributeError):
        said = ""  # a tuning or spotting run keeps no run.json: its kind says enough
    return f"{indefinite(called)}{said}"


def runs_among_seeds(folder: Path) -> str | None:
    """Where ``folder``, a ``--seeds`` folder of a kind that keeps no ``run.json`` (a tuning's,
    a spotting run's), holds seed folders of its own beside others that hold a run
    (``run.json``), what those others are and the fix, in words after the folder's name;
    None where no seed folder is its own (the folder is no seeds folder of this command's:
    its refusal says whose it is)."""
    return foreign_among_seeds(folder, lambda entry: os.path.lexists(entry / RUN_FILE))


def foreign_among_seeds(folder: Path, foreign: Callable[[Path], bool]) -> str | None:
    """Where some of ``folder``'s ``seed-N`` folders are ``foreign`` (of another kind than the
    command's seeds) and others are not, the first foreign one, what it is, and the fix
    that moves out only the foreign ones, in words after the folder's name; None where none
    is, or all are (the folder is another command's: its refusal says whose)."""
    seeds = sorted((entry for entry in folder.iterdir() if entry.is_dir()
                    and re.fullmatch(r"seed-[0-9]+", entry.name)),
                   key=lambda entry: int(entry.name.removeprefix("seed-")))
    runs = [entry for entry in seeds if foreign(entry)]
    if not runs or len(runs) == len(seeds):
        return None
    what = finished_result(runs[0]) or f"a run not finished ({RUN_FILE} written)"
    more = f" (and {len(runs) - 1} more such seed folders)" if len(runs) > 1 else ""
    return (f"holds {runs[0].name}, {what}, of another kind than this command's seeds{more}; "
            + move_out([entry.name for entry in runs], folder, "command",
                       [entry.name.removeprefix("seed-") for entry in runs]))


def move_out(names: Sequence[str], base: Path, command: str, seeds: Sequence[object]) -> str:
    """The fix for the folders ``names`` of ``base`` that are no seed runs of it (their
    ``seeds``): moved out, ``command`` (the ``--seeds`` command, in words) trains those
    seeds in their place and keeps the seeds that belong."""
    return (f"move {joined(names)} out of {base.name or base} and run the same {command}, which "
            f"trains seed{'s' if len(seeds) > 1 else ''} {joined(list(map(str, seeds)))}")
