"""A planned configuration found in the sweep's ``out`` under another folder name.

A configuration's folder is named by a hash of the plan's words (what runs, as planned), not
by the run identity its runs record: a plan that spells out a value its recipe already gives
(``lr = 5e-05`` where the recipe's is 5e-05) names another folder for the same runs.
Trained there, the same runs would be trained twice, into two folders ``merbench compare``
refuses as copies of one another. Renaming the folders by identity would move every
existing sweep's configurations, so the sweep looks instead: a configuration whose own folder
holds no seed run goes on in the folder of ``out`` whose seed runs record its run identity
(finished runs skipped, unfinished ones resumed), and says so. Its identity needs the run's
data, read once more only where a folder of the same model, dataset and protocol is there
to compare it with, as ``run --seeds`` does for the runs it keeps.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins
from merbench.results.folder_walk import natural_order
from merbench.results.out_folders import SEED_RUN
from merbench.results.rundir import RunDirectory
from merbench.runner.identity import run_identity
from merbench.runner.plan import Plan, plan_run
from merbench.runner.task_run import load_data
from merbench.sweep.configuration import Configuration

#: the parts of an identity told apart before any data is read: a folder that differs in
#: them is of another configuration whatever its data
_NAMED = ("model", "dataset", "protocol")


def found_in_out(path: Path, out: Path, configurations: list[Configuration],
                 plugins: Plugins) -> list[Configuration]:
    """``configurations`` with each whose own folder holds no seed run moved to the folder
    of ``out`` holding runs of its run identity, where there is one (the first in natural
    order); two configurations of one identity are refused in one line naming both
    entries, as two entries asking for one configuration are."""
    kept = _kept_runs(out)
    if not kept:
        return configurations
    settled: list[Configuration] = []
    taken: dict[str, Configuration] = {c.out.name: c for c in configurations}
    for configuration in configurations:
        found = None if _seed_runs(configuration.out) else _same_identity(configuration,
                                                                          kept, plugins)
        if found is None:
            settled.append(configuration)
            continue
        earlier = taken.get(found.name)
        if earlier is not None and earlier is not configuration:
            spec = configuration.spec
            raise MerbenchError(
                f"{path}: {configuration.entry} asks for {spec.model} on "
                f"{spec.dataset}/{spec.protocol} with the run identity of {earlier.entry} "
                f"(the runs in {found} are of both: their options differ only in spelling, "
                "such as a default written out); remove one")
        moved = dataclasses.replace(configuration, out=found,
                                    planned_name=configuration.name)
        taken[found.name] = moved
        settled.append(moved)
    return settled


def _kept_runs(out: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Each configuration folder of ``out`` holding a seed run, in natural order, with the
    identity (less its seed) its first readable seed run records; a folder the plan names
    too, as another entry's runs may be of the same identity. A folder whose records cannot
    be read is left to the commands that say why (validate, status)."""
    if not out.is_dir() or out.is_symlink():
        return []
    kept = []
    for folder in sorted(out.iterdir(), key=natural_order):
        if not folder.is_dir() or folder.is_symlink():
            continue
        for run in _seed_runs(folder):
            try:
                stored = RunDirectory(run).read_run_file().identity
            except MerbenchError:
                continue
            kept.append((folder, _less_seed(stored)))
            break
    return kept


def _same_identity(configuration: Configuration, kept: list[tuple[Path, dict[str, Any]]],
                   plugins: Plugins) -> Path | None:
    """The first folder of ``kept`` whose runs record ``configuration``'s run identity, or
    None. Its data is read only where a kept folder is of its model, dataset and protocol;
    where it cannot be read, the run itself says why, as it would without the folder."""
    spec = dataclasses.replace(configuration.spec, seed=configuration.seeds[0])
    try:
        with building_what_is_planned():  # its model is trained by this sweep
            plan = plan_run(spec, configuration.settings, plugins)
            names = _names(plan)
            near = [(folder, stored) for folder, stored in kept
                    if {part: _name(stored.get(part)) for part in _NAMED} == names]
            if not near:
                return None
            ours = _less_seed(run_identity(load_data(plan)).to_dict())
    except MerbenchError:
        return None
    return next((folder for folder, stored in near if stored == ours), None)


def _names(plan: Plan) -> dict[str, str | None]:
    """The model, dataset and protocol of ``plan`` by the names its identity records."""
    return {"model": plan.model.meta.name, "dataset": plan.inputs.dataset.meta.name,
            "protocol": plan.protocol.meta.name}


def _name(part: Any) -> str | None:
    return part.get("name") if isinstance(part, dict) else None


def _less_seed(identity: dict[str, Any]) -> dict[str, Any]:
    """A run identity as one configuration's seed runs all record it."""
    return {key: value for key, value in identity.items() if key != "seed"}


def seed_runs(folder: Path) -> list[Path]:
    """The ``seed-N`` run folders in ``folder`` (a configuration's), begun or not, in
    natural order; none through a link."""
    try:
        entries = sorted(folder.iterdir(), key=natural_order)
    except OSError:
        return []
    return [entry for entry in entries if SEED_RUN.match(entry.name) and entry.is_dir()
            and not entry.is_symlink()]


def _seed_runs(folder: Path) -> list[Path]:
    """The ``seed-N`` run folders of ``folder`` that hold a ``run.json``, in natural order."""
    return [run for run in seed_runs(folder) if (run / "run.json").is_file()]
