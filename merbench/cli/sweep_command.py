"""``merbench sweep PLAN.toml``: every run of a plan, with progress across the sweep and a
summary table at the end."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from merbench.base.literal import pasted_command
from merbench.base.terminal import counted, path_shown, say
from merbench.cli.confirm import confirm_runs
from merbench.cli.finished_work import finished_work
from merbench.cli.fold_bar import SweepProgress
from merbench.cli.out_places import refuse_cache_in_out, refuse_result_place
from merbench.cli.parser import EXIT_INTERRUPTED
from merbench.cli.run_options import given_options
from merbench.kinds import kind_of, started_kind
from merbench.kinds.no_result import unfinished_under
from merbench.leaderboard.collect import reduced_setting
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins
from merbench.results.folder_walk import natural_order
from merbench.scores.interval_records import lone_notes, lone_subject_scopes
from merbench.sweep.configuration import SweepPlan
from merbench.sweep.plan_file import read_plan
from merbench.sweep.run_plan import run_sweep
from merbench.sweep.same_identity import seed_runs


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    overrides = given_options(args)
    progress = SweepProgress(enabled=not args.quiet)
    plugins = load(args, extra=[(__name__, progress)])
    # a sweep builds every model it plans, and opening a torch model's run loads torch (its
    # identity names the optimiser step), on Ray too: a miss read in a child loaded the same
    # libraries twice
    with building_what_is_planned():
        plan = read_plan(Path(args.plan), plugins, **overrides)
    refuse_result_place(plan.out, f"{args.plan}'s out")
    for configuration in plan.configurations:  # the out holds results; each of them is one
        refuse_cache_in_out(configuration.out, f"{args.plan}'s run")
    say(f"sweep {args.plan}: {counted(len(plan.configurations), 'configuration')}, "
        f"{counted(plan.n_runs, 'run')}, into {plan.out} "
        f"({overrides.get('executor', 'local')} executor)")
    others = _not_asked_for(plan)
    if others is not None:
        say(f"sweep {args.plan}: {others}", one_line=True)
    for configuration in plan.configurations:
        if configuration.planned_name is not None:
            say(f"{configuration.entry} {configuration.planned_name}: its runs are those of "
                f"{configuration.name} in {path_shown(plan.out)} (the same run identity, its "
                "options spelled another way), so its runs go on there, a finished one "
                "skipped, not trained again", one_line=True)
        if configuration.skipped_defaults:
            say(f"{configuration.entry} {configuration.name}: [defaults] "
                f"{', '.join(configuration.skipped_defaults)} not applied (model "
                f"'{configuration.spec.model}' is a scikit-learn estimator, which has none)")
    confirm_runs(plan.n_runs, f"sweep {args.plan}", args.yes)
    done = 0

    def on_run(result: Any, seed: int, run: Any) -> None:
        nonlocal done
        done += 1
        how = "trained" if seed in result.trained else "finished before, skipped"
        metrics = run.results.metrics.overall
        progress.print(f"[{done}/{plan.n_runs}] {result.configuration.name} seed {seed}: "
                       f"UF1 {metrics.uf1:.4f}, UAR {metrics.uar:.4f} ({how})")

    try:
        swept = run_sweep(plan, plugins, on_run=on_run)
    except KeyboardInterrupt:
        progress.stop()
        say(f"merbench: interrupted — every finished fold and run is kept in {plan.out}; "
            "run the same command again to go on", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        progress.stop()
    with finished_work(plan.out, "the sweep", shown=False):
        _print_summary(swept)
        build = pasted_command("merbench leaderboard build --results {} --out SITE",
                               plan.out)
        say(f"results: {path_shown(plan.out)} ({build})")
    return 0


def _not_asked_for(plan: SweepPlan) -> str | None:
    """What is said of the configuration folders in the plan's ``out`` that the plan does
    not ask for (a plan whose options changed names new folders), or None: kept as they
    are, and the runs in them not finished yet named, with where to read how far they got
    and the command that finishes one, since this sweep never goes on with them. Its runs
    "went on" by the same command, status said, and nothing else said them at all."""
    if not plan.out.is_dir() or plan.out.is_symlink():
        return None
    asked = {configuration.out.name for configuration in plan.configurations}
    others = sorted((entry for entry in plan.out.iterdir() if entry.name not in asked
                     and entry.is_dir() and not entry.is_symlink() and seed_runs(entry)),
                    key=natural_order)
    if not others:
        return None
    more = ", ..." if len(others) > 3 else ""
    said = (f"{path_shown(plan.out)} holds {counted(len(others), 'configuration')} this plan "
            f"does not ask for ({', '.join(entry.name for entry in others[:3])}{more}), left "
            "as " + ("it is" if len(others) == 1 else "they are"))
    begun = [run for entry in others for run in seed_runs(entry)
             if kind_of(run) is None and started_kind(run) is not None]
    if not begun:
        return said
    one = len(begun) == 1
    return (f"{said}; in {'it' if len(others) == 1 else 'them'}, "
            f"{unfinished_under(plan.out, begun)}; this sweep does not go on with "
            f"{'it' if one else 'them'}: "
            f"{pasted_command('merbench run --resume {}', begun[0])} finishes "
            f"{'it' if one else 'one'}")


def _print_summary(swept: Any) -> None:
    """A few lines a configuration: its name whole (it is the folder to open), the seed mean
    of UF1 and UAR with their 95 % interval over subjects (none, said in ``show``'s line, where
    each database has one test subject), and whether it is the model as declared or a
    reduced setting that must not be compared with published numbers. Lines,
    not a table: a table at 80 columns broke the names mid-hash."""
    say("sweep summary (selection as each run reports; mean over seeds, [95% interval over "
        "subjects])")
    for result in swept.configurations:
        runs = [result.runs[s] for s in result.configuration.seeds]
        overall = [r.results.metrics.overall for r in runs]
        bounds = (result.summary.intervals if result.summary is not None
                  else None) or runs[0].results.intervals
        reduced = reduced_setting(runs[0].results)
        seeds = ", ".join(map(str, result.configuration.seeds))
        # a point recorded where each database has one test subject is no interval, as
        # show says of the same folder (its seeds test the same subjects)
        lone = lone_subject_scopes(runs[0].predictions).get("overall", "")
        if lone:
            bounds = None
        uf1 = _with_interval(sum(m.uf1 for m in overall) / len(overall),
                             bounds.overall.uf1 if bounds else None)
        uar = _with_interval(sum(m.uar for m in overall) / len(overall),
                             bounds.overall.uar if bounds else None)
        say(result.configuration.name)
        say(f"  seed{'s' if len(runs) > 1 else ''} {seeds} · "
            f"{runs[0].results.selection.policy} · UF1 {uf1} · UAR {uar}")
        for line in lone_notes({"overall": lone} if lone else {}, ["overall"]):
            say(f"  {line}")
        say(f"  trained now: {len(result.trained)} of {len(runs)} · "
            + ("REDUCED setting" if reduced else "the model as declared"))
        if reduced:  # its options' text values are a result file's: one line, escaped
            say(f"  ({reduced}: not comparable with published numbers)", one_line=True)


def _with_interval(value: float, interval: list[float] | None) -> str:
    if interval is None:
        return f"{value:.4f}"
    return f"{value:.4f} [{interval[0]:.2f}, {interval[1]:.2f}]"
