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

from merbench.base.errors import MerbenchError
from merbench.base.terminal import counted, say
from merbench.cli.finished_work import finished_work
from merbench.cli.out_places import SPOTTING, STR_SUMMARY, refuse_result_place, refuse_strays_in_out
from merbench.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE
from merbench.kinds import finished_text
from merbench.plugin_system.manager import Plugins
from merbench.results.out_folders import (
    own_folder_problem,
    read_places,
    refuse_read_place,
    seed_folder,
)
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
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    VIDEOS_FOLDER,
    SpottingResults,
)
from merbench.spotting.str_record import STR_FILE, StrResults
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE
from merbench.spotting_kind.str_check import validate_str

#: what a spotting run's folder holds: what spot writes, and the audits of it (a spot
#: command run again over an audited run, to recognise it, goes on beside them)
SPOT_ENTRIES = {SPOTTING_FILE, SPOTTING_RUN_FILE, VIDEOS_FOLDER, STR_FILE, AUDIT_FILE}
#: the folder every refusal of ``--out`` gives as the kind of place to give instead
SPOT_EXAMPLE = "spots/NAME"


def out_problem(out: Path, *, in_summary: bool = False) -> str | None:
    """Why ``out`` cannot take a spotting run (None: it can); ``in_summary``: it is a seed's
    folder of ``--seeds``, inside the folder of their summary."""
    try:
        refuse_strays_in_out(out, example=SPOT_EXAMPLE)
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
    refuse_read_place(args.out, "--out", read_places(
        {"data_root": args.data_root, "dataset_options": spec.dataset_options}).items())
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
         held: contextlib.ExitStack, *, said: bool = True, whole: bool = True) -> Spotted:
    """The spotting run (and its recognition) into ``args.out`` that :func:`main` checked
    the options of (``said``: its spotting scores printed; a seed after the first of
    ``--seeds`` spots nothing of its own; ``whole``: the command's whole work, not a seed's,
    so a stop once its result is written ends only the printing)."""
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
    if recogniser is None and whole:  # spotting.json is the command's whole result
        with finished_work(args.out, "the spotting"):
            _say_spotted(args.out, run, said)
        return Spotted(0, results)
    try:
        _say_spotted(args.out, run, said)
    except KeyboardInterrupt:
        if not whole:
            raise
        say(f"merbench: interrupted — {args.out / SPOTTING_FILE} is kept; run the same "
            "command to recognise", file=sys.stderr)
        return Spotted(EXIT_INTERRUPTED, results)
    if recogniser is None:
        return Spotted(0, results)
    earlier = recognised_before(args.out, results)
    if earlier is not None:  # the same command again: nothing is trained again
        with (finished_work(args.out / STR_FILE, "the recognition") if whole
              else contextlib.nullcontext()):
            say(f"{args.out / STR_FILE}: this recogniser's emotions, read back (recognised "
                "by an earlier command)")
            finished_text(args.out / STR_FILE).scores()  # the line above named its file
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
    with finished_work(path, "the recognition") if whole else contextlib.nullcontext():
        finished_text(path).show()
    return Spotted(0, results, found)


def _say_spotted(out: Path, run: SpottingRun, said: bool) -> None:
    """The spotting's scores (``said``) or only its files (a seed's spotting, shared with
    the first seed's, which said its scores); its text is its kind's, the lines on how this
    command made it are its own."""
    spotted = finished_text(out / SPOTTING_FILE)
    if not said:
        spotted.files()
        return
    if run.restored:
        say(f"{counted(run.restored, 'video')} read back from {out}, spotted by an earlier "
            "command")
    spotted.show()


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
        refuse_strays_in_out(args.out, example=SPOT_EXAMPLE)  # the summary's, too
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
            found = spot(own, lambda *_: plugins, spec, held, said=not made, whole=False)
        if found.code != 0:
            return found.code
        made.append(found)
    try:
        write_str_seeds(args.out, seeds, made[0].results,  # type: ignore[arg-type]
                        [m.recognised for m in made], plugins)  # type: ignore[misc]
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with finished_work(args.out, "the recognition over seeds"):
        finished_text(args.out).show()
    return 0


