"""``merbench tune SPACE.toml --out DIR``: a hyper-parameter search, scored nested (or, to
measure what that is worth, on the test subjects), with progress and an estimate."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.terminal import counted, say
from merbench.cli.finished_work import finished_work
from merbench.cli.fold_bar import SweepProgress
from merbench.cli.out_places import (
    TUNING,
    refuse_cache_in_out,
    refuse_result_place,
    refuse_strays_in_out,
)
from merbench.cli.parser import EXIT_INTERRUPTED
from merbench.cli.run_options import given_options
from merbench.kinds import finished_text
from merbench.plugin_system.manager import Plugins
from merbench.results.out_folders import (
    own_folder_problem,
    read_places,
    refuse_read_place,
    seed_folder,
)
from merbench.results.result_files import AUDIT_FILE
from merbench.runner.checks import run_owned
from merbench.runner.seeds import parse_seeds
from merbench.runner.spec import RunSettings
from merbench.tuning.archive import RUNS_ARCHIVE, archived_names, loose_stranger
from merbench.tuning.model_space import typed_model_space
from merbench.tuning.record import (
    NESTED,
    TEST_SCORED,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNING_SPEC_FILE,
    Mode,
)
from merbench.tuning.run_tuning import Checked, Progress, tune
from merbench.tuning.search_checks import check_claim
from merbench.tuning.seeds import check_seeds_folder, tune_seeds
from merbench.tuning.seeds_record import TUNE_SEEDS_FILE
from merbench.tuning.space import TuneSpec, read_tune_file
from merbench.tuning.status import finished_runs


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


TUNING_ENTRIES = {"trials", "final", RUNS_ARCHIVE, TUNE_FILE, TUNE_PREDICTIONS_FILE,
                  TUNING_SPEC_FILE}


def check_tuning_folder(out: Path, named: str | None = None) -> None:
    """Refuse the current folder, a system folder, a file, or a folder holding what no
    tuning writes (a tuning goes on in the folder of one that stopped); ``named``: how the
    folder is said (a seed's tuning under the ``--out`` given)."""
    said = named or f"--out {out}"
    if os.path.lexists(out / AUDIT_FILE):  # before the general refusal, which says no more
        raise MerbenchError(f"{said} holds {AUDIT_FILE}: audits of the finished tuning "
                            "there, which going on would change under them (a new "
                            "tune.json, other runs); give another --out, or move "
                            f"{AUDIT_FILE} out of the folder first")
    if named is None and out.is_dir() and not out.is_symlink():
        # tune --seeds writes seed-N and tune-seeds.json: said as what they are, not as
        # something no tuning writes
        seeded = sorted(entry.name for entry in out.iterdir()
                        if entry.name == TUNE_SEEDS_FILE
                        or re.fullmatch(r"seed-\d+", entry.name))
        if seeded:
            raise MerbenchError(f"{said} holds tunings over seeds ({seeded[0]}, written by "
                                "merbench tune --seeds); give another --out for a single "
                                "tuning, or the same --seeds to go on with them")
    problem = own_folder_problem(out, TUNING_ENTRIES, "no tuning writes", "tunings/NAME",
                                 said)
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
        stranger = loose_stranger(out)  # finishing a stop removes the loose runs
        if stranger is not None:
            raise MerbenchError(f"{said}: {stranger}")


def _settable(plugins: Plugins, name: str) -> list[str] | None:
    """The options of model ``name`` a tuning file may search (not those the run sets), or
    None where there is no such model (refused after, with the file's name)."""
    try:
        model = plugins.registries.models.get(name)
    except MerbenchError:
        return None
    return [o for o in model.options() if run_owned(o, model.meta.kind == "torch") is None]


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    progress = SweepProgress(enabled=not args.quiet, command="tune")
    refuse_cache_in_out(Path(args.out), "--out")  # before loading writes plugins' options there
    plugins = load(args, extra=[(f"{__name__}.progress", progress)])
    spec = read_tune_file(args.space, partial(_settable, plugins))
    out = Path(args.out)
    seeds = parse_seeds(args.seeds) if args.seeds is not None else None
    for folder in [out, *(out / seed_folder(seed) for seed in seeds or [])]:
        refuse_strays_in_out(folder)  # a result file under another kind's name
    refuse_result_place(out, "--out", own=TUNING)
    if seeds is not None:
        if args.timeout_s is not None:
            raise MerbenchError("--timeout-s stops a search before every trial ran, and a "
                                "summary over seeds compares finished searches; tune with "
                                "--seeds without it (each seed's tuning resumes if stopped)")
        check_seeds_folder(out, seeds)
        for seed in seeds:  # said of the --out given, and of the seed's tuning
            folder = out / seed_folder(seed)
            check_tuning_folder(folder, f"--out {out}: seed {seed}'s tuning ({folder})")
    else:
        check_tuning_folder(out)
    settings = RunSettings(**given_options(args))
    refuse_read_place(out, "--out", read_places({"data_root": settings.data_root,
                                                "dataset_options": spec.dataset_options}).items())
    registries = plugins.registries  # an unknown name too, before the header says it
    try:
        model = registries.models.get(spec.model)
        registries.datasets.get(spec.dataset)
        registries.protocols.get(spec.protocol)
    except MerbenchError as exc:  # the file's key, said with the file as its others are
        raise MerbenchError(f"{args.space}: {exc}") from None
    # the model's options type their ranges before tuning.json records the space: a
    # whole-number option's 1.0..3.0 is searched as 1, 2, 3, never as 2.07
    spec = typed_model_space(spec, model, str(args.space), registries.features)
    mode: Mode = NESTED if args.score == "nested" else TEST_SCORED
    folders = [(spec, out)] if seeds is None else [
        (dataclasses.replace(spec, seed=seed), out / seed_folder(seed)) for seed in seeds]
    for searched, folder in folders:  # another search's folder: refused before the header
        check_claim(searched, mode, folder)
    # the header (and, over seeds, the line a seed starts with) waits for the checks that
    # need the data, the searched values' and the inner folds': a refusal is the one line
    held = [f"tune {args.space}: {spec.model} on {spec.dataset}/{spec.protocol}, "
            f"{counted(spec.trials, 'trial')} ({spec.sampler}) "
            f"{'per outer fold, ' if mode == NESTED else ''}{mode}, "
            + (f"seeds {', '.join(map(str, seeds))}, " if seeds else "") + f"into {out}"]

    def say_held() -> None:
        for line in held:
            say(line)
        held.clear()

    checked = Checked(str(args.space), say_held)

    def on_progress(step: Progress) -> None:
        left = (f", about {_duration(step.remaining_s)} left" if step.remaining_s is not None
                else "")
        progress.print(f"round {step.round}/{step.rounds}: {counted(step.runs_done, 'run')} in "
                       f"{_duration(step.seconds)}{left}")

    try:
        if seeds is not None:
            return _tune_seeds(spec, mode, settings, out, seeds, plugins, on_progress,
                               checked, held)
        tune(spec, mode, settings, out, plugins, timeout_s=args.timeout_s,
             on_progress=on_progress, checked=checked)
    except KeyboardInterrupt:
        progress.stop()
        finished = sum(finished_runs(folder) for _, folder in folders if folder.is_dir())
        kept = (f"{counted(finished, 'finished run')} kept in {out}" if finished else
                f"no run had finished yet in {out}" if out.is_dir() else
                "nothing had been written yet")  # stopped before its folder was made
        say(f"merbench: interrupted — {kept}; run the same command again to go on",
            file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        progress.stop()
    with finished_work(out, "the tuning"):
        finished_text(out).show()
    return 0


def _tune_seeds(spec: TuneSpec, mode: Mode, settings: RunSettings, out: Path,
                seeds: list[int], plugins: Plugins,
                on_progress: Callable[[Progress], None], checked: Checked,
                held: list[str]) -> int:
    """``--seeds``: a tuning per seed, each reported as it finishes, then their summary; a
    seed's line waits, as the header does, for its tuning's checks (``held``, said by
    ``checked``)."""
    def on_seed(seed: int) -> None:
        held.append(f"seed {seed}: {out / seed_folder(seed)}")

    tune_seeds(spec, mode, settings, out, seeds, plugins, on_seed=on_seed,
               on_progress=on_progress, checked=checked)
    with finished_work(out, "the tuning over seeds"):
        finished_text(out).show()  # the summary's kind prints it, as for 'merbench show'
    return 0
