"""``merbench run``: one run (or one per ``--seeds`` seed) to the end, with a progress bar,
its results printed; an interrupted run says what it leaves to go on from."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import pasted_command
from merbench.base.terminal import say
from merbench.cli.confirm import confirm_runs
from merbench.cli.finished_work import finished_work
from merbench.cli.out_places import (
    RUNS,
    SEED_RUNS,
    SUMMARIES,
    refuse_result_place,
    refuse_strays_in_out,
)
from merbench.cli.parser import EXIT_INTERRUPTED
from merbench.cli.progress import ProgressReporter
from merbench.cli.reduced_command import RunAsGiven
from merbench.cli.run_options import spec_from_args
from merbench.kinds import finished_text
from merbench.meta import ReducedSetting
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins
from merbench.results.out_folders import names_current_folder
from merbench.results.run_differences import another_copy, data_copies
from merbench.results.rundir import RUN_KEPT, DifferentRun, folder_is_held, running_there
from merbench.runner.execute import run
from merbench.runner.plan import plan_run
from merbench.runner.recorded_plugins import (
    check_recorded_plugins,
    check_started_plugins,
    finished_record,
)
from merbench.runner.seeds import parse_seeds, run_seeds
from merbench.runner.spec import RunSpec
from merbench.runner.status import run_status
from merbench.training.epoch_end_stop import folds_begun


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    seeds = parse_seeds(args.seeds) if hasattr(args, "seeds") else None
    if seeds is not None and hasattr(args, "seed"):
        raise MerbenchError("give either --seed or --seeds, not both")
    if seeds is not None and hasattr(args, "resume"):
        raise MerbenchError("--resume continues one seed's run directory; to continue a "
                            "--seeds run, repeat the same command")
    spec, settings = spec_from_args(args)
    if settings.out is not None and names_current_folder(settings.out):
        raise MerbenchError("--out names the current folder; give a folder for the run, such "
                            "as runs/NAME")
    out = None if settings.out is None else Path(settings.out)
    if seeds is None and out is not None:
        refuse_strays_in_out(out, "--resume" if hasattr(args, "resume") else "--out")
    if settings.out is not None:  # a run goes on in its own folder; --seeds in a summary's
        refuse_result_place(settings.out, "--resume" if hasattr(args, "resume") else "--out",
                            own=(*SUMMARIES, SEED_RUNS) if seeds is not None else RUNS,
                            seed=spec.seed if seeds is None else None)
    if seeds is None and out is not None and out.is_dir() and folder_is_held(out):
        # at once, as the lock taken later would: plugins, data and folds are read first
        raise MerbenchError(running_there(out, RUN_KEPT))
    if seeds is not None:
        confirm_runs(len(seeds), f"run --seeds ({spec.model} on {spec.dataset})", args.yes,
                     fewer="give fewer seeds")
    reporter = ProgressReporter(enabled=not args.quiet)
    folds_before = folds_begun()
    try:  # a stop from here on says what it kept, however early it comes
        plugins = load(args, extra=[("merbench.cli.progress", reporter)])
        if seeds is None and settings.out is not None:  # a run of its own to go on with
            _check_plugins(Path(settings.out), spec, plugins,
                           "resume" if hasattr(args, "resume") else "go on with")
        # every check that reads no data (names, values, their combinations, the paths
        # given) refuses before a line says the data is being read, so a refusal is the one
        # line said; the run plans again as it starts (a tenth of a millisecond once read)
        with building_what_is_planned():  # its model is trained next
            plan_run(spec, settings, plugins)
        reporter.preparing(f"{spec.model} on {spec.dataset}: reading the data, the features "
                           "and any finished folds")
        reporter.given = RunAsGiven(spec, settings, seeds,
                                    _declared_reduced(plugins, spec.model))
        if seeds is not None:
            many = run_seeds(spec, settings, seeds, plugins=plugins)
            reporter.stop()
            with finished_work(many.out, "the run"):
                # the summary's kind prints it, as it prints it for 'merbench show'
                finished_text(many.out).show()
                for seed_run in many.runs:  # a seed's fold half trained by an earlier command
                    for line in seed_run.went_on:
                        say(f"note: {Path(seed_run.run_dir).name}: {line}")
            return 0
        result = run(spec, settings, plugins=plugins)
    except MerbenchError as exc:
        if hasattr(args, "resume"):
            _refuse_edited_run_file(exc, args.resume, spec.dataset)
        raise
    except KeyboardInterrupt:
        reporter.stop()
        run_dir = reporter.run_dir or settings.out
        # a --seeds command is finished by its summary, not by a seed run's results (a stop
        # just after the first seed ended 0, the other seeds and the summary never written)
        if seeds is None and _finished(run_dir):
            say(f"merbench: interrupted after the run finished — its results are in "
                f"{run_dir}; `{pasted_command('merbench status {}', run_dir)}` shows them",
                file=sys.stderr)
            return 0
        kept = _what_is_kept(run_dir, began=reporter.trained_an_epoch
                             or folds_begun() > folds_before)
        if seeds is not None:
            kept += ("; the summary over seeds is written once every seed has finished: run "
                     "the same command again to go on")
        say(f"merbench: interrupted — {kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        reporter.stop()
    with finished_work(result.run_dir, "the run"):
        if result.reported:
            say(f"merbench: {result.run_dir} finished before (results written "
                f"{result.results.created}); reporting them as they are, nothing trained "
                "or rewritten", file=sys.stderr)
        finished_text(result.run_dir).show(result.went_on)
    return 0


def _check_plugins(run_dir: Path, spec: RunSpec, plugins: Plugins, purpose: str) -> None:
    """Refuse going on with the run in ``run_dir`` whose plugin is not installed here, by
    what its finished record, or else its ``run.json``, says of it. A run of another model
    (dataset, protocol) than ``spec`` asks for is left to the refusal of another run in
    ``--out``: the command does not go on with it."""
    record = finished_record(run_dir, spec)
    if record is not None:
        if (record.model.name, record.dataset.name, record.protocol.name) == \
                (spec.model, spec.dataset, spec.protocol):
            check_recorded_plugins(run_dir, record, plugins, purpose)
        return
    check_started_plugins(run_dir, plugins, purpose,
                          {"model": spec.model, "dataset": spec.dataset,
                           "protocol": spec.protocol})


def _refuse_edited_run_file(exc: MerbenchError, resume: str, dataset: str) -> None:
    """A run ``--resume`` goes on with that is another than its run.json records: the
    options there were edited, since ``--resume`` takes every option from the file. Said
    so, not "choose another --out" (the user gave no --out). Where only the dataset's
    fingerprint differs, no option does: the data read is another copy than the run
    trained on (another --data-root), said as predict --from-run says it, since restoring
    run.json or starting again would not help."""
    copies = data_copies(exc.identity, exc.stored) if isinstance(exc, DifferentRun) else None
    if copies is not None:
        raise MerbenchError(another_copy(dataset, resume, *copies)) from None
    if isinstance(exc, DifferentRun):
        raise MerbenchError(
            f"--resume {resume}: its run.json disagrees with itself ({exc.differences}; "
            "here: the run its recorded options make, there: the run it says the folder "
            "holds): the options it records no longer make the run it holds; restore "
            "run.json from a copy of the run, or start the run again with another --out"
        ) from None


def _finished(run_dir: Path | None) -> bool:
    """Whether the run in ``run_dir`` had written its results when the stop came."""
    if run_dir is None or not (run_dir / "run.json").is_file():
        return False
    try:
        return run_status(run_dir).complete
    except MerbenchError:
        return False


def _declared_reduced(plugins: Plugins, model: str) -> ReducedSetting | None:
    """The reduced setting ``model`` declares, for the reduced command a GPU-work estimate
    offers (None: none, or no such model, which the run itself then reports)."""
    try:
        return plugins.registries.models.get(model).meta.reduced
    except MerbenchError:
        return None


BEFORE_TRAINING = "it stopped before training began: nothing was trained yet"


def _what_is_kept(run_dir: Path | None, began: bool = True) -> str:
    """What an interrupted run leaves to go on from, as it is on disk: finished folds, the
    saved state of a fold in progress, or nothing. ``began``: whether this command had
    begun training a fold: a stop while the data is read, or one that waited out an
    import until the run had started, finds ``run.json`` written and nothing else, and is a
    stop before training, said as one."""
    if run_dir is None or not (run_dir / "run.json").is_file():
        return BEFORE_TRAINING
    try:
        status = run_status(run_dir)
    except MerbenchError:
        return f"see {run_dir}"
    total = f" of {status.n_folds}" if status.n_folds is not None else ""
    are = "is" if status.finished == 1 else "are"
    folds = (f"{status.finished}{total} folds {are} finished and kept in {run_dir}"
             if status.finished else f"no fold had finished yet in {run_dir}")
    saved = "; the fold in progress is kept as of its last saved state" if status.saved else ""
    if not status.finished and not saved:
        if not began:
            return BEFORE_TRAINING
        return f"{folds}, and no fold had saved its state; a new run starts from the beginning"
    return f"{folds}{saved}; run the same command again to resume"
