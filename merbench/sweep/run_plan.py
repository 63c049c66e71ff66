"""Running a sweep: every run of the plan, resumable, one after another or (on Ray) all at
once, then each configuration's ``seeds.json``.

The runs go through :func:`merbench.runner.execute.run_many`, as a ``--seeds`` run's do: a run
that finished before is reported as it is and trains nothing, so an interrupted sweep goes
on where it stopped when started again; on Ray every run is opened first (this process holds
all their directories) and all their folds are tasks at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from merbench.base.atomic import atomic_write_json, remove_leftovers
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import Plugins
from merbench.results.codec import to_json
from merbench.results.kind_names import SEEDS_SUMMARY
from merbench.results.result_files import SEEDS_FILE
from merbench.results.seeds_model import SeedsSummary
from merbench.runner.emotion_run import summarise_seeds
from merbench.runner.execute import RunResult, run_many
from merbench.runner.executor_kinds import side_by_side
from merbench.runner.notify import Notifier
from merbench.runner.task_run import several_runs
from merbench.sweep.configuration import Configuration, SweepPlan


@dataclass
class ConfigurationResult:
    configuration: Configuration
    runs: dict[int, RunResult] = field(default_factory=dict)  # seed -> result
    trained: set[int] = field(default_factory=set)  # seeds that trained in this sweep
    summary: SeedsSummary | None = None  # what seeds.json holds


@dataclass
class SweepResult:
    plan: SweepPlan
    configurations: list[ConfigurationResult]


Report = Callable[[ConfigurationResult, int, RunResult], None]


def run_sweep(plan: SweepPlan, plugins: Plugins, on_run: Report | None = None) -> SweepResult:
    """Run every run of ``plan``; ``on_run(configuration, seed, result)`` as each ends."""
    results = [ConfigurationResult(c) for c in plan.configurations]
    # a kill while a seeds.json was written left its temporary in the configuration's folder;
    # run folders tidy their own, these are the sweep's to tidy (a live writer's stays)
    for folder in {plan.out, *(c.out for c in plan.configurations)}:
        remove_leftovers(folder)
    runs = [(result, seed) for result in results for seed in result.configuration.seeds]

    ended_runs: set[int] = set()

    def ended(position: int, run: RunResult, trained: bool) -> None:
        ended_runs.add(position)
        result, seed = runs[position]
        result.runs[seed] = run
        if trained:
            result.trained.add(seed)
        if on_run is not None:
            on_run(result, seed, run)

    specs = [result.configuration.seed_run(seed) for result, seed in runs]
    try:
        run_many(specs, plugins, several_runs, on_result=ended)
    except MerbenchError as exc:
        failed = min(set(range(len(runs))) - ended_runs, default=None)
        if failed is None or side_by_side(specs[0][1].executor):
            raise  # runs trained side by side (Ray): the message names the run
        result, seed = runs[failed]  # one after another: the first not ended
        raise MerbenchError(f"{plan.path}: {result.configuration.entry} "
                            f"({result.configuration.name}, seed {seed}): {exc}") from None
    for result in results:
        _summarise(result, plugins)
    return SweepResult(plan, results)


def _summarise(result: ConfigurationResult, plugins: Plugins) -> None:
    """``seeds.json`` of a configuration, written as ``--seeds`` writes it (again, as a
    repeated ``--seeds`` command does), so its folder validates as one; the plugins are told
    of it as ``--seeds`` tells them."""
    seeds = list(result.configuration.seeds)
    summary = summarise_seeds([result.runs[s] for s in seeds], seeds)
    written = to_json(summary)
    atomic_write_json(result.configuration.out / SEEDS_FILE, written)
    Notifier(plugins).result_finished(SEEDS_SUMMARY, result.configuration.out, SEEDS_FILE,
                                      written)
    result.summary = summary
