"""``merbench spot``: a spotter over a long-video dataset, the settings chosen on training
subjects, and MEGC's scores (:mod:`merbench.runner.spot`, :mod:`merbench.spotting.choice`)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.cli.literal import counted, say
from merbench.cli.out_places import SPOTTING, refuse_result_place
from merbench.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE
from merbench.plugin_system.manager import Plugins
from merbench.results.out_folders import own_folder_problem
from merbench.results.result_files import AUDIT_FILE
from merbench.results.spotting_file import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    VIDEOS_FOLDER,
    SpotCountsRecord,
    SpottingPolicy,
    SpottingResults,
)
from merbench.results.str_file import STR_FILE, StrResults
from merbench.runner.spot import SpotSpec, SpottingRun
from merbench.runner.spot_recognise import (
    RecogniseSpec,
    recognise,
    recogniser_of,
    refuse_other_recogniser,
    write_str,
)
from merbench.spotting.choice import ORACLE, TRAINING_SUBJECTS
from merbench.spotting.scores import SCOPES


def _ratio(value: float | None) -> str:
    return "  n/a " if value is None else f"{value:.4f}"


def _line(scope: str, counts: SpotCountsRecord, interval: str) -> str:
    return (f"  {scope:<6} TP {counts.tp:>4}  FP {counts.fp:>4}  FN {counts.fn:>4}  "
            f"precision {_ratio(counts.precision)}  recall {_ratio(counts.recall)}  "
            f"F1 {_ratio(counts.f1)}{interval}")


def _interval(policy: SpottingPolicy, scope: str) -> str:
    found = policy.intervals[scope]
    if found.low is None or found.high is None:
        return ""
    return f" [{found.low:.2f}, {found.high:.2f}]"


def report(results: SpottingResults) -> list[str]:
    """What the terminal is told of a finished run: each policy's pooled scores, then how
    often each setting was chosen."""
    lines = [f"{results.spotter.name} v{results.spotter.version} on {results.dataset.name}: "
             f"{counted(results.dataset.n_videos, 'video')} of "
             f"{counted(results.dataset.n_subjects, 'subject')}, "
             f"{counted(len(results.variants), 'setting')} of "
             f"{', '.join(results.spotter.tuned) or 'no tuned option'}"]
    for name in (TRAINING_SUBJECTS, ORACLE):
        policy = results.policies[name]
        lines.append(f"{name}: {policy.description}")
        for scope in SCOPES:
            lines.append(_line(scope, getattr(policy.scores, scope), _interval(policy, scope)))
        used: dict[int, int] = {}
        for index in policy.chosen.values():
            used[index] = used.get(index, 0) + 1
        lines.append("  settings chosen: " + "; ".join(
            f"{_setting(results.variants[i])} for {n} subject{'s' * (n != 1)}"
            for i, n in sorted(used.items())))
    lines.append("[low, high]: 95% interval of the pooled F1, percentile bootstrap over "
                 "subjects; the oracle row is TEST-SET SELECTION, shown for comparison only")
    return lines


def _setting(variant: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in variant.items()) or "the spotter's defaults"


#: what a spotting run's folder holds: what spot writes, and the audits of it (a spot
#: command run again over an audited run, to recognise it, goes on beside them)
SPOT_ENTRIES = {SPOTTING_FILE, SPOTTING_RUN_FILE, VIDEOS_FOLDER, STR_FILE, AUDIT_FILE}


def _out_problem(out: Path) -> str | None:
    try:
        refuse_result_place(out, "--out", own=SPOTTING)
    except MerbenchError as exc:
        return str(exc)
    return own_folder_problem(out, SPOT_ENTRIES, "spot does not write", "spots/NAME")


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    without = [flag for flag, given in (("--recognise-feature", args.recognise_feature),
                                        ("--epochs", args.epochs is not None),
                                        ("--model-opt", args.model_options),
                                        ("--device", args.device != "cpu")) if given]
    if args.recognise is None and without:  # options of a recogniser that is not asked for
        say(f"merbench: error: {without[0]} is an option of --recognise MODEL, which is not "
            "given; add --recognise MODEL or leave it out", file=sys.stderr)
        return EXIT_USAGE
    refused = _out_problem(args.out)
    if refused:
        say(f"merbench: error: {refused}", file=sys.stderr)
        return EXIT_USAGE
    named = [name for name, _ in args.tune]
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        say(f"merbench: error: --tune {twice[0]}=... is given twice; give its values once, "
            "separated by commas", file=sys.stderr)
        return EXIT_USAGE
    spec = SpotSpec(dataset=args.dataset, spotter=args.spotter,
                    dataset_options=dict(args.dataset_options or []),
                    spotter_options=dict(args.spotter_opt), tune=dict(args.tune),
                    data_root=args.data_root)
    with contextlib.ExitStack() as held:  # the folder's lock, from its claim to the end
        return _spot(args, load, spec, held)


def _spot(args: argparse.Namespace, load: Callable[..., Plugins], spec: SpotSpec,
          held: contextlib.ExitStack) -> int:
    """The spotting run (and its recognition) that :func:`main` checked the options of."""
    done = [0, 0]

    def progress(finished: int, total: int, video: str) -> None:
        done[:] = [finished, total]
        if not args.quiet:
            say(f"spotted {finished}/{total}: {video}", flush=True)

    try:
        plugins = load(args)
        recogniser = None
        if args.recognise is not None:  # a bad recogniser is refused before the spotting
            recogniser = RecogniseSpec(model=args.recognise, feature=args.recognise_feature,
                                       model_options=dict(args.model_options),
                                       seed=args.seed, epochs=args.epochs, device=args.device)
            refuse_other_recogniser(args.out, recogniser_of(plugins.registries, recogniser))
        run = SpottingRun(spec, plugins, args.out, held)
        results = run.execute(progress)
    except KeyboardInterrupt:
        kept = (f"{done[0]} of {done[1]} videos are kept in {args.out}" if done[1]
                else "no video was finished")
        say(f"merbench: interrupted — {kept}; run the same command to go on",
            file=sys.stderr)
        return EXIT_INTERRUPTED
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if run.restored:
        say(f"{counted(run.restored, 'video')} read back from {args.out}, spotted by an "
            "earlier command")
    for line in report(results):
        say(line)
    if run.fitted:  # a learned spotter: what each subject's fit chose, on the others
        chosen = "; ".join(f"{subject} {', '.join(_setting(f) for f in fits)}"
                           for subject, fits in run.fitted.items())
        say(f"  fitted on the other subjects: {chosen}")
    say(f"results: {args.out / SPOTTING_FILE}")
    if recogniser is None:
        return 0
    if not args.quiet:
        say(f"recognising the chosen intervals with {args.recognise}, subject by subject",
            flush=True)
    try:
        dataset = run.open_dataset()
        found = recognise(results, dataset.videos, dataset.classes, run.plugins, recogniser)
        path = write_str(args.out, found)
    except KeyboardInterrupt:
        say(f"merbench: interrupted — {args.out / SPOTTING_FILE} is kept; run the same "
            "command to recognise", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MerbenchError as exc:
        say(f"merbench: error: {exc} ({args.out / SPOTTING_FILE} is kept)", file=sys.stderr)
        return EXIT_USAGE
    for line in str_report(found):
        say(line)
    say(f"spot-then-recognise: {path}")
    return 0


def str_report(found: StrResults) -> list[str]:
    """STRS of each scope, with the recognition F1 and the spotting F1 it multiplies."""
    lines = [f"spot-then-recognise ({found.recogniser.model} on {found.recogniser.feature}, "
             "trained on the other subjects; micro is MEGC 2025's ME-STR):"]
    for scope, entry in found.scores.items():
        lines.append(f"  {scope:<6} STRS {_ratio(entry.strs)} = spotting F1 "
                     f"{_ratio(entry.spotting.f1)} x recognition F1 "
                     f"{_ratio(entry.recognition.f1)} ({entry.recognition.n} true positives; "
                     f"UF1 {_ratio(entry.recognition.uf1)}, UAR {_ratio(entry.recognition.uar)})")
    return lines
