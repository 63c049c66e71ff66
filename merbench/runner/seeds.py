"""One configuration over several seeds: a run directory per seed and their summary.

Each seed is an ordinary, resumable run in ``<out>/seed-N``; ``seeds.json`` beside them
holds every seed's UF1 / UAR and their mean and standard deviation, per selection policy.
Repeating the same command continues the same folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from merbench.base.atomic import atomic_write_json, remove_leftovers
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import Plugins, default_plugins
from merbench.results.codec import to_json
from merbench.results.model import (
    SCHEMA_VERSION,
    DatasetNamed,
    Named,
    ProtocolNamed,
    SeedsSummary,
)
from merbench.results.out_folders import check_out_folder
from merbench.results.over_seeds import over_seeds
from merbench.results.schema import now_iso
from merbench.runner.execute import RunResult, run_many
from merbench.runner.given_values import parse_seed, shortened
from merbench.runner.identity import default_seeds_dir
from merbench.runner.plan import plan_run
from merbench.runner.spec import RunSettings, RunSpec
from merbench.runner.task_run import several_runs
from merbench.scores.selection import POLICIES
from merbench.stats.record import interval_record


@dataclass
class SeedsResult:
    """A run repeated over several seeds: one run directory per seed and their summary."""

    out: Path
    runs: list[RunResult]
    summary: SeedsSummary  # what seeds.json holds


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> [0, 1, 2]; duplicates, negatives and empty items (``0,,1``, a trailing
    comma: most likely a seed left out by mistake) are errors."""
    parts = text.split(",")
    if any(not part.strip() for part in parts):
        raise MerbenchError(f"--seeds has an empty item in '{shortened(text)}'; give whole "
                            "numbers separated by single commas, e.g. 0,1,2")
    if not all(re.fullmatch(r"\s*[+-]?\d+\s*", part) for part in parts):
        raise MerbenchError(f"--seeds takes whole numbers separated by commas, e.g. 0,1,2 "
                            f"(got '{shortened(text)}')")
    seeds = [parse_seed(part, "each of --seeds") for part in parts]
    if len(set(seeds)) != len(seeds):  # each is a non-negative integer in range already
        raise MerbenchError(f"--seeds needs distinct non-negative seeds, e.g. 0,1,2 "
                            f"(got '{shortened(text)}')")
    return seeds


def run_seeds(spec: RunSpec, settings: RunSettings, seeds: list[int],
              plugins: Plugins | None = None) -> SeedsResult:
    """Run ``spec`` once per seed into ``<out>/seed-N`` (each resumable) and summarise."""
    plugins = plugins or default_plugins()
    several_runs(spec.parsed_task())  # a task whose runs are not run together: refused now
    if settings.out is not None:
        base = Path(settings.out)
        if (base / "run.json").exists():
            raise MerbenchError(f"--out {base} holds a single-seed run; choose another --out "
                                "for --seeds")
        check_out_folder(base, "--out")
    else:  # named after the spec as planned: options at their defaults are left out
        base = default_seeds_dir(plan_run(spec, settings, plugins).spec, seeds)
    # a kill while seeds.json was written left its temporary here; each run folder tidies
    # its own, this folder is ours to tidy (a live writer's temporary stays)
    remove_leftovers(base)
    # one after another locally; on Ray, every seed's folds at once
    runs = run_many([(replace(spec, seed=seed), replace(settings, out=base / f"seed-{seed}"))
                     for seed in seeds], plugins)
    summary = summarise_seeds(runs, seeds)
    atomic_write_json(base / "seeds.json", to_json(summary))
    return SeedsResult(out=base, runs=runs, summary=summary)


def summarise_seeds(runs: list[RunResult], seeds: list[int]) -> SeedsSummary:
    """Per policy: every seed's UF1 / UAR (overall and per database), their mean and std;
    and the intervals of the reported policy's seed mean, from every seed's predictions."""
    first = runs[0].results
    policies = [p for p in first.selection.available
                if all(p in r.results.selection.available for r in runs)]
    return SeedsSummary(
        schema_version=SCHEMA_VERSION, kind="seeds", created=now_iso(),
        model=Named(name=first.model.name, version=first.model.version),
        dataset=DatasetNamed(name=first.dataset.name, version=first.dataset.version,
                             n_samples=first.dataset.n_samples),
        protocol=ProtocolNamed(name=first.protocol.name, version=first.protocol.version,
                               n_folds=first.protocol.n_folds),
        selection=first.selection.policy, seeds=list(seeds),
        runs={str(seed): r.run_dir.name for seed, r in zip(seeds, runs, strict=True)},
        std="sample standard deviation over seeds (ddof=1)",
        policies={policy: over_seeds(map(str, seeds),
                                     [r.results.metrics_by_policy[policy].metrics
                                      for r in runs],
                                     POLICIES[policy].test_set_selection)
                  for policy in policies},
        intervals=interval_record([r.predictions for r in runs],
                                  len(first.dataset.classes)))
