"""The folder a sweep names for one configuration, and telling a seed run's folder to be one.

A sweep runs each configuration into ``<out>/<model>-<dataset>-<protocol>-<hash>/seed-N``,
the layout ``run --seeds`` writes, and nothing in the folder records which command made it.
The name does: the hash is of the run as planned, which each seed run's ``run.json`` records
(its ``config``), so a folder whose name is the one its runs' record gives is a sweep's.
A sweep that finds a configuration's runs in a folder named for another spelling of the
same run identity goes on there, and the seed runs it adds record its own spelling; the
folder is still the sweep's, named by the record of the runs it held first, so the name
is matched against the record of any seed run in it.
Going on with a stopped run there is the sweep's to do, which writes the configuration's
``seeds.json``; ``run --resume`` goes on with the one run and writes none, and "the same
``run --seeds`` command" names a command the user never ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.results.folder_walk import natural_order
from merbench.results.out_folders import SEED_RUN
from merbench.results.rundir import RunDirectory
from merbench.runner.identity import json_hash
from merbench.runner.spec import RunSpec, what_runs

#: how every name :func:`configuration_name` gives ends: a folder that does not is no
#: sweep's, told before any seed run's record is read (status asks of every seed run)
_HASHED = re.compile(r"-[0-9a-f]{8}$")


def configuration_name(spec: RunSpec) -> str:
    """The folder name a sweep gives the configuration that runs ``spec`` (as planned),
    over its seeds."""
    return (f"{spec.model}-{spec.dataset}-{spec.protocol}-"
            f"{json_hash(what_runs(spec, leave_out=('seed',)))[:8]}")


def made_by_sweep(run_dir: Path, config: Mapping[str, Any]) -> bool:
    """Whether ``run_dir``, a run whose ``run.json`` records ``config``, is a seed run of a
    sweep's configuration: a ``seed-N`` folder in a folder named as a sweep names the
    configuration its record runs, or the one a sibling seed run's record runs (module
    doc). A record that does not read as a run's says no."""
    if not SEED_RUN.match(run_dir.name) or not _HASHED.search(run_dir.parent.name):
        return False
    if _names_folder(run_dir.parent, config):
        return True
    return any(_names_folder(run_dir.parent, sibling)
               for sibling in _sibling_configs(run_dir))


def _names_folder(folder: Path, config: Mapping[str, Any]) -> bool:
    """Whether ``folder`` is named as a sweep names the configuration ``config`` runs."""
    try:
        return configuration_name(RunSpec.from_dict(dict(config))) == folder.name
    except (TypeError, ValueError, AttributeError):  # a record edited out of shape: its
        # own readers say what is wrong with it
        return False


def _sibling_configs(run_dir: Path) -> Iterator[Mapping[str, Any]]:
    """The recorded ``config`` of each other readable seed run beside ``run_dir``, in
    natural order (read only as far as the caller asks)."""
    try:
        entries = sorted(run_dir.parent.iterdir(), key=natural_order)
    except OSError:
        return
    for sibling in entries:
        if sibling.name == run_dir.name or not SEED_RUN.match(sibling.name) or \
                sibling.is_symlink() or not sibling.is_dir():
            continue
        try:
            yield RunDirectory(sibling).read_run_file().config
        except MerbenchError:
            continue


def in_sweep_configuration(run_dir: Path) -> bool:
    """:func:`made_by_sweep` of the run in ``run_dir`` by its own ``run.json`` (no for a
    record that cannot be read: the command's own checks say that)."""
    try:
        config = RunDirectory(run_dir).read_run_file().config
    except MerbenchError:
        return False
    return made_by_sweep(run_dir, config)
