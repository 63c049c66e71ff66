"""One configuration over several seeds: a run directory per seed and their summary.

Each seed is an ordinary, resumable run in ``<out>/seed-N``; beside them, the summary its
task writes (:attr:`~merbench.runner.task_run.TaskRun.seeds_file`): ``seeds.json`` for
emotion runs (every seed's UF1 / UAR, their mean and standard deviation, per selection
policy), ``au-seeds.json`` for AU runs (every seed's mean F1 and per-AU F1, their mean and
standard deviation). Repeating the same command continues the same folder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from merbench.base.atomic import atomic_write_json, remove_leftovers
from merbench.base.errors import MerbenchError
from merbench.base.whole_numbers import is_whole, too_long
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins, default_plugins
from merbench.results.codec import to_json
from merbench.results.foreign_seeds import (
    briefly,
    foreign_among_seeds,
    move_out,
    other_kind,
)
from merbench.results.out_folders import check_out_folder, seed_folder
from merbench.results.run_differences import differences_said
from merbench.results.rundir import RunDirectory
from merbench.results.user_files import read_user_json
from merbench.runner.au_run import AURunResult
from merbench.runner.execute import (
    RunResult,
    explain_new_weights,
    explain_optimizer_step,
    run_many,
)
from merbench.runner.given_values import check_distinct_seeds, parse_seed, shortened
from merbench.runner.identity import default_seeds_dir, run_identity
from merbench.runner.notify import Notifier
from merbench.runner.plan import plan_run
from merbench.runner.spec import RunSettings, RunSpec
from merbench.runner.task_run import SeedsRecord, TaskRun, load_data, task_run


@dataclass
class SeedsResult:
    """A run repeated over several seeds: one run directory per seed and their summary."""

    out: Path
    runs: list[RunResult] | list[AURunResult]
    summary: SeedsRecord  # what seeds.json (au-seeds.json) holds


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> [0, 1, 2]; duplicates, negatives and empty items (``0,,1``, a trailing
    comma: most likely a seed left out by mistake) are errors."""
    parts = text.split(",")
    if any(not part.strip() for part in parts):
        raise MerbenchError(f"--seeds has an empty item in '{shortened(text)}'; give whole "
                            "numbers separated by single commas, e.g. 0,1,2")
    if not all(is_whole(part) or too_long(part) for part in parts):
        raise MerbenchError(f"--seeds takes whole numbers separated by commas, e.g. 0,1,2 "
                            f"(got '{shortened(text)}')")
    seeds = [parse_seed(part, "each of --seeds") for part in parts]
    # each is a non-negative integer in range already
    check_distinct_seeds(seeds, "--seeds", f"'{shortened(text)}'")
    return seeds


def check_other_seeds(base: Path, seeds: Sequence[int], what: str = "runs") -> None:
    """Refuse a folder holding runs of seeds this command does not ask for: its summary
    would leave them out (and be rejected for it), or replace a summary of other seeds (a
    second --seeds list overwrote the first's summary)."""
    others = seeds_left_out(base, seeds)
    if others:
        held = ",".join(map(str, _seeds_there(base)))
        raise MerbenchError(f"--out {base} holds {what} of seeds {held}, not all of which this "
                            f"command asks for (seed {others[0]}); repeat --seeds with every "
                            f"seed there ({held} and any more), or give a new --out")


def seeds_left_out(base: Path, seeds: Sequence[int]) -> list[int]:
    """The seeds whose ``seed-N`` folders ``base`` holds and ``seeds`` does not list: a
    summary written for ``seeds`` alone would leave their runs out, and validate would
    reject it for them (a sweep refuses them as ``--seeds`` does)."""
    return [seed for seed in _seeds_there(base) if seed not in seeds]


def _seeds_there(base: Path) -> list[int]:
    """The seeds whose ``seed-N`` folders ``base`` holds, in order."""
    if not base.is_dir():
        return []
    return sorted(int(match.group(1)) for entry in base.iterdir()
                  if entry.is_dir() and (match := re.fullmatch(r"seed-(\d+)", entry.name)))


#: the parts of a run's identity a summary over seeds records (by name and version)
_SUMMARISED = ("model", "dataset", "protocol")


def _summary_named(file: Path) -> dict[str, Any] | None:
    """What the summary ``file`` says it summarises (:data:`_SUMMARISED`), or None where
    there is none or it cannot be read (validate says why; the run writes it anew)."""
    if not file.exists():
        return None
    try:
        data = read_user_json(file, "seeds summary")
    except MerbenchError:
        return None
    if not isinstance(data, dict):
        return None
    return {part: {key: data[part].get(key) for key in ("name", "version")}
            for part in _SUMMARISED if isinstance(data.get(part), dict)}


def check_seed_configurations(base: Path, spec: RunSpec, settings: RunSettings,
                              plugins: Plugins, summary_file: str, seeds: list[int],
                              result_file: str) -> None:
    """Refuse the folder ``base`` where a seed run kept in it, or its summary, is of another
    configuration than this command's, before any seed trains. Each seed's own folder
    refused it only as that seed came up: deleting the refused folder as told trained that
    seed anew and refused the next, leaving seeds of two configurations beside one
    summary (pass 84ab, AB12). Where a seed run kept is this command's (the folder is), only
    the seed folders of another configuration or kind (``result_file``: this task's) are named,
    to be moved out: deleting the whole folder, as once asked, lost the seeds that belong
    (pass 84af, AF8). A seed folder with nothing computed in it is taken over by its run,
    as a run folder is; one whose record cannot be read is left to its run's own refusal.
    The run is planned and its data read once more for its identity, only where something
    is kept here to compare it with."""
    where = f"--out {base}" if settings.out is not None else str(base)
    if base.is_dir() and (among := foreign_among_seeds(base, lambda folder: not (
            folder / "run.json").exists() and other_kind(folder, result_file) is not None)):
        raise MerbenchError(f"{where} {among}")  # a tuning, a spotting run: no run.json
    kept = []
    for seed in _seeds_there(base):
        folder = RunDirectory(base / seed_folder(seed))
        if (folder.path / "run.json").is_file() and folder.has_results():
            try:
                kept.append((seed, folder, folder.read_run_file().identity))
            except MerbenchError:
                continue
    named = _summary_named(base / summary_file)
    if not kept and not named:
        return
    with building_what_is_planned():  # its seeds are trained here
        data = load_data(plan_run(replace(spec, seed=seeds[0]), settings, plugins))
    identity = run_identity(data)
    ours = {key: value for key, value in identity.to_dict().items() if key != "seed"}
    foreign = []
    for seed, folder, stored in kept:
        theirs = {key: value for key, value in stored.items() if key != "seed"}
        if theirs != ours:
            explain_optimizer_step(data, folder, identity, stored)
            explain_new_weights(folder, identity, stored)
            foreign.append((seed, folder.path, stored, differences_said(ours, theirs)))
    summary_other = None
    if named:
        ours_named = {part: {key: ours[part].get(key) for key in ("name", "version")}
                      for part in named}
        if named != ours_named:
            summary_other = differences_said(ours_named, named)
    if foreign and summary_other is None and len(foreign) < len(kept):
        _refuse_foreign(where, base, foreign, result_file)
    if foreign or summary_other:
        _refuse_other(where, base, foreign[0][3] if foreign else str(summary_other))


def _refuse_other(where: str, base: Path, differences: str) -> None:
    raise MerbenchError(f"{where} holds seed runs of another configuration ({differences}); "
                        f"choose another --out, or delete {base} to start over")


def _refuse_foreign(where: str, base: Path, foreign: list[tuple[int, Path, dict[str, Any], str]],
                    result_file: str) -> None:
    """Refuse the seed folders ``foreign`` (seed, folder, identity, differences) of a folder
    whose other seeds and summary are this command's, naming only them."""
    _, folder, stored, differences = foreign[0]
    what = other_kind(folder, result_file) or f"a run of {briefly(stored)}"
    more = f" (and {len(foreign) - 1} more such seed folders)" if len(foreign) > 1 else ""
    raise MerbenchError(f"{where} holds {folder.name}, {what} of another configuration than "
                        f"this command's ({differences}){more}; "
                        + move_out([f.name for _, f, _, _ in foreign], base, "command",
                                   [s for s, _, _, _ in foreign]))


def run_seeds(spec: RunSpec, settings: RunSettings, seeds: list[int],
              plugins: Plugins | None = None) -> SeedsResult:
    """Run ``spec`` once per seed into ``<out>/seed-N`` (each resumable) and summarise (the
    plugins told of each seed's run, then of the summary, as each is written)."""
    plugins = plugins or default_plugins()
    strategy: TaskRun[Any, Any] = task_run(spec.parsed_task())
    if settings.out is not None:
        base = Path(settings.out)
        if (base / "run.json").exists():
            raise MerbenchError(f"--out {base} holds a single-seed run; choose another --out "
                                "for --seeds")
        check_out_folder(base, "--out")
    else:  # named after the spec as planned: options at their defaults are left out
        with building_what_is_planned():  # its seeds are trained here
            base = default_seeds_dir(plan_run(spec, settings, plugins).spec, seeds)
    check_other_seeds(base, seeds)
    check_seed_configurations(base, spec, settings, plugins, strategy.seeds_file, seeds,
                              strategy.record.result_file)
    # a kill while seeds.json was written left its temporary here; each run folder tidies
    # its own, this folder is ours to tidy (a live writer's temporary stays)
    remove_leftovers(base)
    # one after another locally; on Ray, every seed's folds at once
    runs = run_many([(replace(spec, seed=seed), replace(settings, out=base / seed_folder(seed)))
                     for seed in seeds], plugins, lambda _task: strategy)
    summary = strategy.summarise_seeds(base, runs, seeds)
    written = to_json(summary)
    atomic_write_json(base / strategy.seeds_file, written)
    Notifier(plugins).result_finished(strategy.seeds_kind, base, strategy.seeds_file, written)
    return SeedsResult(out=base, runs=runs, summary=summary)
