"""The folder a sweep names for one configuration, and telling a seed run's folder to be one.

A sweep runs each configuration into ``<out>/<model>-<dataset>-<protocol>-<hash>/seed-N``,
the layout ``run --seeds`` writes, and nothing in the folder records which command made it.
The name does: the hash is of the run as planned, which each seed run's ``run.json`` records
(its ``config``), so a folder whose name is the one its runs' record gives is a sweep's.
Going on with a stopped run there is the sweep's to do, which writes the configuration's
``seeds.json``; ``run --resume`` goes on with the one run and writes none, and "the same
``run --seeds`` command" names a command the user never ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.results.out_folders import SEED_RUN
from merbench.results.rundir import RunDirectory
from merbench.runner.identity import json_hash
from merbench.runner.spec import RunSpec, what_runs


def configuration_name(spec: RunSpec) -> str:
    """The folder name a sweep gives the configuration that runs ``spec`` (as planned),
    over its seeds."""
    return (f"{spec.model}-{spec.dataset}-{spec.protocol}-"
            f"{json_hash(what_runs(spec, leave_out=('seed',)))[:8]}")


def made_by_sweep(run_dir: Path, config: Mapping[str, Any]) -> bool:
    """Whether ``run_dir``, a run whose ``run.json`` records ``config``, is a seed run of a
    sweep's configuration: a ``seed-N`` folder in a folder named as a sweep names the
    configuration its record runs. A record that does not read as a run's says no."""
    if not SEED_RUN.match(run_dir.name):
        return False
    try:
        return configuration_name(RunSpec.from_dict(dict(config))) == run_dir.parent.name
    except (TypeError, ValueError, AttributeError):  # a record edited out of shape: its
        # own readers say what is wrong with it
        return False


def in_sweep_configuration(run_dir: Path) -> bool:
    """:func:`made_by_sweep` of the run in ``run_dir`` by its own ``run.json`` (no for a
    record that cannot be read: the command's own checks say that)."""
    try:
        config = RunDirectory(run_dir).read_run_file().config
    except MerbenchError:
        return False
    return made_by_sweep(run_dir, config)
