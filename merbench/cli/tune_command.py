"""``merbench tune SPACE.toml --out DIR``: a hyper-parameter search, scored nested (or, to
measure what that is worth, on the test subjects), with progress and an estimate."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.cli.fold_bar import SweepProgress
from merbench.cli.literal import counted, say
from merbench.cli.out_places import TUNING, refuse_result_place
from merbench.cli.parser import EXIT_INTERRUPTED
from merbench.cli.run_options import given_options
from merbench.plugin_system.manager import Plugins
from merbench.results.out_folders import own_folder_problem
from merbench.results.run_archive import RUNS_ARCHIVE, archived_names
from merbench.results.tune_file import (
    NESTED,
    TEST_SCORED,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNING_SPEC_FILE,
    Mode,
    TuneResults,
)
from merbench.runner.spec import RunSettings
from merbench.tuning.run_tuning import Progress, check_claim, tune
from merbench.tuning.space import read_tune_file
from merbench.tuning.status import finished_runs


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def report(results: TuneResults) -> list[str]:
    """What the terminal is told of a finished tuning."""
    how = ("nested: chosen on inner folds of each outer fold's training subjects"
           if results.mode == NESTED else
           "TEST-SCORED: chosen on the test subjects (test-set selection, shown to measure "
           "what it is worth)")
    lines = [f"{results.model} on {results.dataset}/{results.protocol}, {results.sampler} "
             f"search of {', '.join(p.name for p in results.space)}: {how}"]
    interval = results.intervals.overall
    for metric in ("uf1", "uar"):
        bounds = getattr(interval, metric)
        shown = f" [{bounds[0]:.2f}, {bounds[1]:.2f}]" if bounds is not None else ""
        lines.append(f"  {metric.upper()} {getattr(results.overall, metric):.4f}{shown}")
    used = results.chosen_configurations()
    lines.append("  chosen: " + "; ".join(
        f"{text} ({n} outer fold{'s' * (n != 1)})" if results.mode == NESTED else text
        for text, n in sorted(used.items(), key=lambda item: -item[1])))
    pruned = sum(t.state == "pruned" for o in results.outer for t in o.trials)
    if pruned:
        lines.append(f"  {pruned} trials pruned ({results.pruner} pruner)")
    if not results.complete:
        lines.append("  stopped by --timeout-s before every trial ran; the same command "
                     "again goes on")
    return lines


TUNING_ENTRIES = {"trials", "final", RUNS_ARCHIVE, TUNE_FILE, TUNE_PREDICTIONS_FILE,
                  TUNING_SPEC_FILE}


def check_tuning_folder(out: Path) -> None:
    """Refuse the current folder, a system folder, a file, or a folder holding what no
    tuning writes (a tuning goes on in the folder of one that stopped)."""
    problem = own_folder_problem(out, TUNING_ENTRIES, "no tuning writes", "tunings/NAME")
    if problem:
        raise MerbenchError(problem)
    if os.path.lexists(out / RUNS_ARCHIVE):  # a search goes on from its packed runs
        try:
            archived_names(out)
        except MerbenchError as exc:
            why = str(exc).split("; ")[0]
            raise MerbenchError(f"{why}: the runs it holds cannot be read back to go on "
                                f"from; delete {out / RUNS_ARCHIVE} (its runs are trained "
                                "again) or give another --out") from None


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    progress = SweepProgress(enabled=not args.quiet)
    plugins = load(args, extra=[(f"{__name__}.progress", progress)])
    if args.timeout_s is not None and not (math.isfinite(args.timeout_s)
                                           and args.timeout_s > 0):
        raise MerbenchError(f"--timeout-s {args.timeout_s} is no time; give a number of "
                            "seconds above 0")
    spec = read_tune_file(args.space)
    out = Path(args.out)
    refuse_result_place(out, "--out", own=TUNING)
    check_tuning_folder(out)
    settings = RunSettings(**given_options(args))
    mode: Mode = NESTED if args.score == "nested" else TEST_SCORED
    check_claim(spec, mode, out)  # another search's folder: refused before the header
    registries = plugins.registries  # an unknown name too, before the header says it
    registries.models.get(spec.model)
    registries.datasets.get(spec.dataset)
    registries.protocols.get(spec.protocol)
    say(f"tune {args.space}: {spec.model} on {spec.dataset}/{spec.protocol}, "
        f"{counted(spec.trials, 'trial')} ({spec.sampler}) "
        f"{'per outer fold, ' if mode == NESTED else ''}{mode}, "
        f"into {out}")

    def on_progress(step: Progress) -> None:
        left = (f", about {_duration(step.remaining_s)} left" if step.remaining_s is not None
                else "")
        progress.print(f"round {step.round}/{step.rounds}: {counted(step.runs_done, 'run')} in "
                       f"{_duration(step.seconds)}{left}")

    try:
        results = tune(spec, mode, settings, out, plugins, timeout_s=args.timeout_s,
                       on_progress=on_progress)
    except KeyboardInterrupt:
        progress.stop()
        finished = finished_runs(out) if out.is_dir() else 0
        kept = (f"{counted(finished, 'finished run')} kept in {out}" if finished else
                f"no run had finished yet in {out}" if out.is_dir() else
                "nothing had been written yet")  # stopped before its folder was made
        say(f"merbench: interrupted — {kept}; run the same command again to go on",
            file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        progress.stop()
    for line in report(results):
        say(line)
    say(f"results: {out / 'tune.json'} (merbench validate {out})")
    return 0
