"""A sweep plan as read: its configurations, each one model, dataset, protocol and options
over its seeds, in the folder its runs go to."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from merbench.results.out_folders import seed_folder
from merbench.runner.spec import RunSettings, RunSpec


@dataclass(frozen=True)
class Configuration:
    """One model, dataset, protocol and options, over the plan's seeds."""

    entry: str  # where the plan asks for it, e.g. "runs[2]"
    spec: RunSpec  # as planned (options at their defaults left out), seed 0
    settings: RunSettings  # out unset
    seeds: tuple[int, ...]
    out: Path  # the --seeds folder: one run directory per seed
    # [defaults] options left out because they do not apply to this model (an estimator
    # has no epochs); the sweep says so
    skipped_defaults: tuple[str, ...] = ()
    # the folder name the plan's words give, where ``out`` is instead a folder of the
    # sweep's out whose runs record this configuration's run identity; the sweep says so
    planned_name: str | None = None

    def seed_run(self, seed: int) -> tuple[RunSpec, RunSettings]:
        """The spec and settings of the run with ``seed``, in its own folder."""
        return (dataclasses.replace(self.spec, seed=seed),
                dataclasses.replace(self.settings, out=self.out / seed_folder(seed)))

    @property
    def name(self) -> str:
        return self.out.name


@dataclass(frozen=True)
class SweepPlan:
    path: Path
    out: Path
    configurations: tuple[Configuration, ...]

    @property
    def n_runs(self) -> int:
        return sum(len(c.seeds) for c in self.configurations)
