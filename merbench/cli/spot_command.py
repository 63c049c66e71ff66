"""``merbench spot``: a spotter over a long-video dataset, the settings chosen on training
subjects, and MEGC's scores (:mod:`merbench.runner.spot`, :mod:`merbench.spotting.choice`)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.terminal import counted, path_shown, say
from merbench.cli.out_places import SPOTTING, STR_SUMMARY, refuse_result_place
from merbench.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE
from merbench.plugin_system.manager import Plugins
from merbench.results.codec import to_json
from merbench.results.out_folders import own_folder_problem, seed_folder
from merbench.results.result_files import AUDIT_FILE
from merbench.results.run_files import ResultRejected
from merbench.runner.seeds import parse_seeds
from merbench.runner.spot import SpotSpec, SpottingRun
from merbench.runner.spot_recognise import (
    RecogniseSpec,
    recognise,
    recogniser_of,
    refuse_other_recogniser,
    write_str,
)
from merbench.runner.spot_seeds import (
    check_str_seeds_folder,
    share_spotting,
    write_str_seeds,
)
from merbench.spotting.choice import ORACLE, TRAINING_SUBJECTS
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    VIDEOS_FOLDER,
    SpotCountsRecord,
    SpottingPolicy,
    SpottingResults,
)
from merbench.spotting.scores import SCOPES
from merbench.spotting.str_record import STR_FILE, StrResults
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE, StrSeedsSummary
from merbench.spotting_kind.str_check import validate_str
from merbench.spotting_kind.view import recogniser_reduced
from merbench.verification.declared_defaults import DeclaredDefaults


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
             f"{counted(len(results.variants), 'setting')} "
             + (f"of {', '.join(results.spotter.tuned)}" if results.spotter.tuned
                else "(no option tuned)")]
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
#: the folder every refusal of ``--out`` gives as the kind of place to give instead
SPOT_EXAMPLE = "spots/NAME"


def out_problem(out: Path, *, in_summary: bool = False) -> str | None:
    """Why ``out`` cannot take a spotting run (None: it can); ``in_summary``: it is a seed's
    folder of ``--seeds``, inside the folder of their summary."""
    try:
        # spot's own example folder in every refusal of --out, as run's is runs/NAME: a link
        # loop or an overlong name suggested "such as runs/NAME" (walk 85m)
        refuse_result_place(out, "--out", own=SPOTTING,
                            in_summary=(STR_SEEDS_FILE,) if in_summary else (),
                            example=SPOT_EXAMPLE)
    except MerbenchError as exc:
        return str(exc)
    return own_folder_problem(out, SPOT_ENTRIES, "spot does not write", SPOT_EXAMPLE)


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    without = [flag for flag, given in (("--recognise-feature", args.recognise_feature),
                                        ("--epochs", args.epochs is not None),
                                        ("--model-opt", args.model_options),
                                        ("--seed", args.seed is not None),
                                        ("--seeds", args.seeds is not None),
                                        ("--device", args.device != "cpu")) if given]
    if args.recognise is None and without:  # options of a recogniser that is not asked for
        spotting = " (spotting is deterministic: only the recogniser has a seed)" \
            if without[0] in ("--seed", "--seeds") else ""
        say(f"merbench: error: {without[0]} is an option of --recognise MODEL, which is not "
            f"given{spotting}; add --recognise MODEL or leave it out", file=sys.stderr)
        return EXIT_USAGE
    if args.seed is not None and args.seeds is not None:
        say("merbench: error: give either --seed or --seeds, not both", file=sys.stderr)
        return EXIT_USAGE
    spec = SpotSpec(dataset=args.dataset, spotter=args.spotter,
                    dataset_options=dict(args.dataset_options or []),
                    spotter_options=dict(args.spotter_opt), tune=dict(args.tune),
                    data_root=args.data_root)
    if args.seeds is not None:
        return spot_seeds(args, load, spec)
    refused = out_problem(args.out)
    if refused:
        say(f"merbench: error: {refused}", file=sys.stderr)
        return EXIT_USAGE
    with contextlib.ExitStack() as held:  # the folder's lock, from its claim to the end
        return spot(args, load, spec, held).code


@dataclass(frozen=True)
class Spotted:
    """How one spotting run (and its recognition) ended: the exit status, and what it
    made where it finished (``recognised``: None where it recognised nothing)."""

    code: int
    results: SpottingResults | None = None
    recognised: StrResults | None = None


def spot(args: argparse.Namespace, load: Callable[..., Plugins], spec: SpotSpec,
         held: contextlib.ExitStack, *, said: bool = True) -> Spotted:
    """The spotting run (and its recognition) into ``args.out`` that :func:`main` checked
    the options of (``said``: its spotting scores printed; a seed after the first of
    ``--seeds`` spots nothing of its own)."""
    done = [0, 0]

    def progress(finished: int, total: int, video: str) -> None:
        done[:] = [finished, total]
        if not args.quiet:
            say(f"spotted {finished}/{total}: {video}", flush=True)

    try:
        plugins = load(args)
        recogniser = None
        if args.recognise is not None:  # a bad recogniser is refused before the spotting
            recogniser = recogniser_spec(args)
            refuse_other_recogniser(args.out, recogniser_of(plugins.registries, recogniser))
        run = SpottingRun(spec, plugins, args.out, held)
        results = run.execute(progress)
    except KeyboardInterrupt:
        kept = (f"{done[0]} of {done[1]} videos are kept in {args.out}" if done[1]
                else "no video was finished")
        say(f"merbench: interrupted — {kept}; run the same command to go on",
            file=sys.stderr)
        return Spotted(EXIT_INTERRUPTED)
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return Spotted(EXIT_USAGE)
    if said:
        if run.restored:
            say(f"{counted(run.restored, 'video')} read back from {args.out}, spotted by an "
                "earlier command")
        for line in report(results):
            say(line)
        if run.fitted:  # a learned spotter: what each subject's fit chose, on the others
            chosen = "; ".join(f"{subject} {', '.join(_setting(f) for f in fits)}"
                               for subject, fits in run.fitted.items())
            say(f"  fitted on the other subjects: {chosen}")
    say(f"results: {path_shown(args.out / SPOTTING_FILE)}")
    if recogniser is None:
        return Spotted(0, results)
    earlier = recognised_before(args.out, results)
    if earlier is not None:  # the same command again: nothing is trained again
        say(f"{args.out / STR_FILE}: this recogniser's emotions, read back (recognised by an "
            "earlier command)")
        for line in str_report(earlier):
            say(line)
        return Spotted(0, results, earlier)
    if not args.quiet:
        say(f"recognising the chosen intervals with {args.recognise}, subject by subject",
            flush=True)
    try:
        dataset = run.open_dataset()
        found = recognise(results, dataset.videos, dataset.classes, run.plugins, recogniser)
        path = write_str(args.out, found, run.plugins)
    except KeyboardInterrupt:
        say(f"merbench: interrupted — {args.out / SPOTTING_FILE} is kept; run the same "
            "command to recognise", file=sys.stderr)
        return Spotted(EXIT_INTERRUPTED, results)
    except MerbenchError as exc:
        say(f"merbench: error: {exc} ({args.out / SPOTTING_FILE} is kept)", file=sys.stderr)
        return Spotted(EXIT_USAGE, results)
    for line in str_report(found):
        say(line)
    say(f"spot-then-recognise: {path}")
    return Spotted(0, results, found)


def recognised_before(out: Path, results: SpottingResults) -> StrResults | None:
    """The ``str.json`` in ``out`` where it validates against the run's ``results`` (a
    recogniser other than the one asked for was refused before the spotting), else None:
    a finished recognition is kept, as a finished run's folds are, and one that does not
    validate is made again."""
    if not (out / STR_FILE).is_file():
        return None
    try:
        return validate_str(out / STR_FILE, results)
    except ResultRejected:
        return None


def recogniser_spec(args: argparse.Namespace) -> RecogniseSpec:
    """The recogniser the command line asks for (``--seed`` 0 where it is not given)."""
    return RecogniseSpec(model=args.recognise, feature=args.recognise_feature,
                         model_options=dict(args.model_options),
                         seed=0 if args.seed is None else args.seed, epochs=args.epochs,
                         device=args.device)


def spot_seeds(args: argparse.Namespace, load: Callable[..., Plugins], spec: SpotSpec) -> int:
    """``--seeds``: the videos spotted once (the first seed's folder), recognised once per
    seed, each seed's folder a spotting run of its own; then their summary."""
    try:
        seeds = parse_seeds(args.seeds)
        refuse_result_place(args.out, "--out", own=STR_SUMMARY, example=SPOT_EXAMPLE)
        check_str_seeds_folder(args.out, seeds)
        folders = [args.out / seed_folder(seed) for seed in seeds]
        refused = next(filter(None, (out_problem(folder, in_summary=True)
                                     for folder in folders)), None)
        if refused:
            raise MerbenchError(refused)
        plugins = load(args)
        recogniser = recogniser_spec(args)
        for seed, folder in zip(seeds, folders, strict=True):  # before anything is spotted
            refuse_other_recogniser(folder, recogniser_of(
                plugins.registries, dataclasses.replace(recogniser, seed=seed)))
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    made: list[Spotted] = []
    for seed, folder in zip(seeds, folders, strict=True):
        say(f"seed {seed}: {folder}")
        try:
            shared = bool(made) and share_spotting(folders[0], folder)
        except KeyboardInterrupt:
            say(f"merbench: interrupted — seeds {', '.join(map(str, seeds[:len(made)]))} are "
                f"kept in {args.out}; run the same command to go on", file=sys.stderr)
            return EXIT_INTERRUPTED
        except MerbenchError as exc:
            say(f"merbench: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if shared:
            say(f"  the videos spotted for seed {seeds[0]} are read back, not spotted again")
        own = argparse.Namespace(**{**vars(args), "out": folder, "seed": seed, "seeds": None})
        with contextlib.ExitStack() as held:
            found = spot(own, lambda *_: plugins, spec, held, said=not made)
        if found.code != 0:
            return found.code
        made.append(found)
    try:
        summary = write_str_seeds(args.out, seeds, made[0].results,  # type: ignore[arg-type]
                                  [m.recognised for m in made], plugins)  # type: ignore[misc]
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for line in str_seeds_report(summary):
        say(line)
    say(f"summary: {path_shown(args.out / STR_SEEDS_FILE)} (merbench validate "
        f"{path_shown(args.out)})")
    return 0


def str_seeds_report(summary: StrSeedsSummary) -> list[str]:
    """Each scope's STRS over the seeds, with the interval of their mean and each seed's."""
    n = len(summary.seeds)
    lines = [f"spot-then-recognise over {counted(n, 'seed')} ({summary.recogniser['model']} "
             f"on {summary.recogniser['feature']}; micro is MEGC 2025's ME-STR):"]
    for scope, entry in summary.scores.items():
        mean, std = entry.mean, entry.std
        spread = "" if std.strs is None or n < 2 else f" ± {std.strs:.4f}"
        bounds = "" if entry.interval.low is None or entry.interval.high is None else \
            f" [{entry.interval.low:.2f}, {entry.interval.high:.2f}]"
        seeds = ", ".join(f"{seed} {_ratio(scores.strs).strip()}"
                          for seed, scores in entry.per_seed.items())
        lines.append(f"  {scope:<6} STRS {_ratio(mean.strs)}{spread}{bounds} "
                     f"(spotting F1 {_ratio(mean.spotting_f1)}, recognition F1 "
                     f"{_ratio(mean.recognition_f1)}; seeds {seeds})")
    lines.append("± : sample standard deviation over seeds; [low, high]: 95% interval of the "
                 "seeds' mean STRS, percentile bootstrap over subjects")
    return lines + _reduced_line(summary.recogniser)


def _reduced_line(recogniser: dict[str, Any]) -> list[str]:
    """The line a recogniser trained otherwise than its model declares gets, in the words
    and by the rule of the spotting page (which shows it apart, unranked), as ``merbench
    run`` says REDUCED of a run."""
    why = recogniser_reduced(recogniser, DeclaredDefaults())
    return [] if why is None else [f"a REDUCED setting ({why}): a check that the pipeline "
                                   "runs, not comparable with published numbers"]


def str_report(found: StrResults) -> list[str]:
    """STRS of each scope, with the recognition F1 and the spotting F1 it multiplies."""
    lines = [f"spot-then-recognise ({found.recogniser.model} on {found.recogniser.feature}, "
             "trained on the other subjects; micro is MEGC 2025's ME-STR):"]
    for scope, entry in found.scores.items():
        lines.append(f"  {scope:<6} STRS {_ratio(entry.strs)} = spotting F1 "
                     f"{_ratio(entry.spotting.f1)} x recognition F1 "
                     f"{_ratio(entry.recognition.f1)} ({entry.recognition.n} true positives; "
                     f"UF1 {_ratio(entry.recognition.uf1)}, UAR {_ratio(entry.recognition.uar)})")
    return lines + _reduced_line(to_json(found.recogniser))
