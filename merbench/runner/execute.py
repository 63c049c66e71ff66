"""Executing a run: plan, data, identity, then every unfinished fold, then the results.

:func:`run` runs one spec for ``merbench run`` and the Python API; :func:`run_many` runs
several (a ``--seeds`` run's seeds, a sweep's runs) through the same steps:
:func:`open_run` takes the run directory and restores finished folds, :func:`execute`
trains the rest with the executor the settings name (:func:`choose_executor`: this process or
Ray tasks, :mod:`merbench.runner.executor`), saving each group of folds as the executor
reports it and recording the engine each run ended with, and
:func:`~merbench.runner.task_run.finish_run` writes the results. Every step is the same for
every task; where a task's run differs (reading a finished run back, its record), the step
calls the task's strategy (:mod:`merbench.runner.task_run`). The executor decides where folds
train, never what they compute or how they are recorded, so a run started on one can be
resumed on the other.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError, plugin_words
from merbench.base.literal import options_written
from merbench.data.task import Task
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins, default_plugins
from merbench.plugin_system.plugin_import import plugin_code
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.protocols import Fold
from merbench.results.audit_file import refuse_voiding_audits
from merbench.results.fold_file import write_fold_file
from merbench.results.fold_names import misplaced_line, refuse_written_entry
from merbench.results.model import EngineRecord
from merbench.results.rundir import DifferentRun, RunDirectory
from merbench.runner.au_run import AURunResult
from merbench.runner.data import RunData
from merbench.runner.dry_step import output_fault
from merbench.runner.emotion_run import RunResult
from merbench.runner.engine import choose_engine
from merbench.runner.executor import Executor
from merbench.runner.executor_kinds import EXECUTOR_KINDS, side_by_side
from merbench.runner.fold_work import not_scored
from merbench.runner.identity import RunIdentity, default_run_dir, run_identity
from merbench.runner.model_input import file_as_cause, model_input
from merbench.runner.notify import Notifier
from merbench.runner.plan import plan_run
from merbench.runner.spec import RunSettings, RunSpec, run_config
from merbench.runner.started_run import StartedRun
from merbench.runner.task_run import (
    Finished,
    TaskRun,
    finish_run,
    load_data,
    task_run,
)
from merbench.runner.trainer_setup import set_up_trainer
from merbench.runner.values import check_feature_values, sample_digests, values_sha256
from merbench.runner.weights import changed_checkpoints, check_weight_files
from merbench.training.model_output import ModelFault, PluginCodeFailed, UntrainedNotFinite
from merbench.training.sklearn_options import refused_option


def run(spec: RunSpec, settings: RunSettings,
        plugins: Plugins | None = None) -> RunResult | AURunResult:
    """Run ``spec`` to the end (resuming finished folds) and write its results."""
    plugins = plugins or default_plugins()
    strategy = task_run(spec.parsed_task())
    with ExitStack() as held:
        opened = open_run(spec, settings, plugins, held, strategy)
        if not isinstance(opened, StartedRun):
            finished: RunResult | AURunResult = opened
            return finished
        execute([opened], choose_executor(opened.data.plan.settings))
        return finish_run(opened, strategy)


def run_many(specs: list[tuple[RunSpec, RunSettings]], plugins: Plugins,
             strategy_of: Callable[[Task], TaskRun[Any, Finished]],
             on_result: Callable[[int, Finished, bool], None] | None = None
             ) -> list[Finished]:
    """Several runs (a ``--seeds`` run's seeds, a sweep's runs, all on one executor), each
    resumable: one after another, each as :func:`run` runs it, or, on an executor that
    trains side by side (Ray), all opened first and all their folds trained at once, each
    run's results written as its last fold returns. ``strategy_of`` gives each run's task
    strategy, asked for every run before any run folder is taken (a sweep's,
    :func:`~merbench.runner.task_run.several_runs`, refuses a task it cannot summarise).
    ``on_result(position, result, trained)`` as each run ends (``trained`` False: it had
    finished before and is reported as it is)."""
    strategies = [strategy_of(spec.parsed_task()) for spec, _ in specs]
    results: dict[int, Finished] = {}

    def ended(position: int, result: Finished, trained: bool) -> None:
        results[position] = result
        if on_result is not None:
            on_result(position, result, trained)

    if not specs or not side_by_side(specs[0][1].executor):
        for position, (spec, settings) in enumerate(specs):
            with ExitStack() as held:
                # checks the executor too
                opened = open_run(spec, settings, plugins, held, strategies[position])
                if not isinstance(opened, StartedRun):
                    ended(position, opened, False)
                    continue
                execute([opened], choose_executor(opened.data.plan.settings))
                ended(position, finish_run(opened, strategies[position]), True)
        return [results[i] for i in range(len(specs))]
    with ExitStack() as held:
        started: dict[int, tuple[int, StartedRun]] = {}
        for position, (spec, settings) in enumerate(specs):
            opened = open_run(spec, settings, plugins, held, strategies[position])
            if not isinstance(opened, StartedRun):
                ended(position, opened, False)
            else:
                started[id(opened)] = (position, opened)
        if started:
            runs = [opened for _, opened in started.values()]

            def finished(run: StartedRun) -> None:
                position = started[id(run)][0]
                ended(position, finish_run(run, strategies[position]), True)

            execute(runs, choose_executor(runs[0].data.plan.settings), on_finished=finished)
    return [results[i] for i in range(len(specs))]


def open_run(spec: RunSpec, settings: RunSettings, plugins: Plugins, held: ExitStack,
             strategy: TaskRun[Any, Finished]) -> StartedRun | Finished:
    """Plan ``spec``, read its data, take its run directory for as long as ``held`` lasts
    and restore its finished folds; a run that finished before is reported as it is, as
    ``strategy`` (its task's, :func:`~merbench.runner.task_run.task_run`) reads it back."""
    started = time.perf_counter()
    with building_what_is_planned():  # its model is trained here
        data = load_data(plan_run(spec, settings, plugins))
    spec = data.plan.spec
    if data.weight_files is not None:
        check_weight_files(data)
    identity = run_identity(data)
    run_dir = RunDirectory(settings.out or default_run_dir(spec, identity))  # a Path is truthy
    fresh = not (run_dir.path / "run.json").exists()
    held.enter_context(run_dir.held())
    try:
        run_dir.open(identity.to_dict(), run_config(spec, settings), n_folds=len(data.folds))
    except DifferentRun as refused:
        explain_optimizer_step(data, run_dir, identity, refused.stored)
        explain_new_weights(run_dir, identity, refused.stored)
        raise
    finished = strategy.finished_before(data, run_dir)
    if finished is not None:
        return finished
    refuse_written_entry(run_dir.path, strategy.predictions_file)  # as validate (Z11)
    refuse_voiding_audits(run_dir.path)  # before anything is trained or written again
    try:
        return start_run(data, identity, run_dir, started)
    except MerbenchError:  # a model its options cannot build: no run.json of it is left
        if fresh:
            forget_untrained(run_dir.path)
        raise


def choose_executor(settings: RunSettings) -> Executor:
    """The executor ``settings.executor`` names (the plan has checked that one does), its
    module imported now: a run loads only the executor it uses."""
    executor: Executor = EXECUTOR_KINDS[settings.executor].build(settings)
    return executor


def execute(runs: list[StartedRun], executor: Executor,
            on_finished: Callable[[StartedRun], None] | None = None) -> None:
    """Train every pending fold of ``runs`` with ``executor``, saving each group of folds
    as it reports one and recording the engine each run ended with. ``on_finished`` is
    called as each run's last fold is saved."""

    def run_trained(run: StartedRun, engine: EngineRecord) -> None:
        run.engine = engine
        if on_finished is not None:
            on_finished(run)

    before = [len(run.done) for run in runs]
    try:
        executor.train(runs, on_group=StartedRun.save, on_run=run_trained)
    except (MerbenchError, RuntimeError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, ZeroDivisionError) as exc:
        trained = any(len(run.done) > n for run, n in zip(runs, before, strict=True))
        if not trained:
            for run, restored in zip(runs, before, strict=True):
                if restored == 0:  # a folder this command started, with no fold in it
                    forget_untrained(run.run_dir.path)
        if isinstance(exc, PluginCodeFailed) and not trained:  # options may be its cause
            raise _first_step_failed(runs, exc) from None
        if isinstance(exc, ModelFault):  # what the plugin's code returned or raised: its fault
            raise _model_fault(runs, exc, trained) from None
        if trained or isinstance(exc, MerbenchError):
            raise  # folds trained, then one failed; or said in one line already
        raise _first_step_failed(runs, exc) from exc


def forget_untrained(folder: Path) -> None:
    """Remove what a run that never trained left: its run.json and empty folders, only where
    no fold file and no saved state of an unfinished fold is (a folder with any other file
    keeps it). A saved state is training done: without its run.json the folder was refused
    both by ``--resume`` (no run.json) and by the first command (not empty, no run)."""
    if any((folder / "folds").glob("fold-*.npz")) or any((folder / "partial").glob("*")):
        return
    (folder / "run.json").unlink(missing_ok=True)
    for leftover in (folder / "folds", folder / "partial", folder):
        with contextlib.suppress(OSError):  # only where nothing else is in it
            leftover.rmdir()


def _model_fault(runs: list[StartedRun], exc: ModelFault, trained: bool) -> MerbenchError:
    """:meth:`~merbench.plugin_system.entry.Entry.fault`'s one line for what a model's own
    code returned that no run can use (:mod:`merbench.training.model_output`), refused
    before the fold it was computing is written, or raised (of any class, at any fold: it
    was a traceback after the first); what finished before it is said as kept. Logits not
    finite before any step are the options' likely fault where options were given (a scale
    no network survives), as a first step's failure is (:func:`_first_step_failed`)."""
    plan, data = runs[0].data.plan, runs[0].data
    when = " failed its first training step, before any fold finished" if not trained else \
        " failed in the middle of the run"
    kept = "This run kept no fold" if not trained else \
        "The folds it finished before are kept, and no results file is written"
    if (scored := not_scored(plan.model, data.folds, exc, data.weight_files)) is not None:
        return MerbenchError(f"{scored}. {kept}")
    options = plan.spec.model_options
    in_file = file_as_cause(plan, options_written(dict(sorted(options.items()))))
    if isinstance(exc, UntrainedNotFinite) and in_file:  # a user's file, not the model (AE2)
        return MerbenchError(f"model '{plan.spec.model}'{when}: {exc}; {in_file}. {kept}")
    if isinstance(exc, UntrainedNotFinite) and options:  # the options may be its cause
        return MerbenchError(
            f"model '{plan.spec.model}'{when}: {exc}; its options "
            f"({options_written(dict(sorted(options.items())))}) are the likely cause: check "
            f"them against 'merbench list models' and the model's docs. {kept}")
    return MerbenchError(f"{plan.model.fault('model', str(exc), sep=when + ': ')}. {kept}")


def _first_step_failed(runs: list[StartedRun], exc: BaseException) -> MerbenchError:
    """One line for a model that fails before any fold trains (``--model-opt padding=-5``
    raised torch's RuntimeError): the options are the likely cause."""
    spec = runs[0].data.plan.spec
    given = options_written(dict(sorted(spec.model_options.items()))) or "none"
    # the library's own message (torch's "Padding size should be less than ...") is not
    # quoted: it names internals, and the options are what the user can change. What was
    # kept is said as it is: this run's folder is removed, while a tuning keeps the runs
    # and the record it finished before (it once said "Nothing was kept" over them)
    if not spec.model_options:  # no option to blame: the plugin's code is at fault
        plan = runs[0].data.plan
        shape = tuple(plan.inputs.feature.meta.shape or ())
        fault = output_fault(plan.model, {}, shape, runs[0].data.n_outputs) \
            if plan.is_torch and shape else None
        # with no option given, what the plugin's code raised is all an author can act on
        # (it was dropped: "failed its first training step" and nothing more)
        said = plan.model.fault(
            "model", fault or plugin_words(exc),
            sep=" failed its first training step, before any fold finished, with no "
                "options given: ")
        return MerbenchError(f"{said}. This run kept no fold")
    refused = _refused_option(runs[0])
    if refused is not None:  # the estimator says which option, and what it takes
        name, takes = refused
        return MerbenchError(
            f"model '{spec.model}' failed its first training step, before any fold finished: "
            f"{options_written({name: spec.model_options[name]})} is not a value it takes "
            f"({name} takes {takes}); change the option. This run kept no fold")
    return MerbenchError(f"model '{spec.model}' failed its first training step, before any "
                         f"fold finished; its options ({given}) are the likely cause: check "
                         "them against 'merbench list models' and the model's docs. This "
                         "run kept no fold")


def _refused_option(run: StartedRun) -> tuple[str, str] | None:
    """The option of a scikit-learn model's that the estimator, built with the user's
    options, declares it refuses, with what the option takes
    (:func:`~merbench.training.sklearn_options.refused_option`); None for a torch model, and
    where it cannot be built or says nothing."""
    plan = run.data.plan
    if plan.is_torch or not plan.spec.model_options:
        return None
    try:
        with plugin_code():  # its factory ran once already: it fails here only as it did
            model = plan.model.create("model", **plan.spec.model_options)
    except Exception:
        return None
    return refused_option(model, plan.spec.model_options)


def explain_new_weights(run_dir: RunDirectory, identity: RunIdentity,
                        stored_identity: Any) -> None:
    """A directory that evaluated other checkpoints (a damaged file replaced, say): its
    predictions are those of the old files, so it is not continued; say how to go on."""
    changed = changed_checkpoints(identity.to_dict(), stored_identity)
    if changed:
        shown = ", ".join(changed[:3]) + (", ..." if len(changed) > 3 else "")
        raise MerbenchError(
            f"--out {run_dir.path} evaluated other checkpoints than --weights holds now "
            f"({len(changed)} changed: {shown}); evaluating trains nothing, so delete that "
            "directory and run again, or give another --out")


def explain_optimizer_step(data: RunData, run_dir: RunDirectory, identity: RunIdentity,
                           stored_identity: Any) -> None:
    """A run's folds all take one optimiser step; where the run in ``run_dir`` differs from
    this one only in that step, say how to continue it (CUDA always takes the fused step, a
    CPU the default unless --fused-optimizer)."""
    stored = (stored_identity if isinstance(stored_identity, dict) else {}).get(
        "hyperparameters") or {}
    ours = identity.hyperparameters.recorded()
    if {**stored, "fused_optimizer": None} != {**ours, "fused_optimizer": None} or \
            bool(stored.get("fused_optimizer")) == bool(ours.get("fused_optimizer")):
        return
    device = data.plan.device
    if ours.get("fused_optimizer") and device.startswith("cuda"):
        raise MerbenchError(f"{run_dir.path} was trained with Adam's default step, and on "
                            f"{device} merbench takes the fused step; continue it where "
                            "it started, with --device cpu, or start a new --out")
    if ours.get("fused_optimizer"):
        raise MerbenchError(f"{run_dir.path} was trained with Adam's default step; leave out "
                            "--fused-optimizer to continue it")
    raise MerbenchError(f"{run_dir.path} was trained with the fused optimiser step; add "
                        "--fused-optimizer to continue it on this CPU")


def start_run(data: RunData, identity: RunIdentity, run_dir: RunDirectory,
              started: float) -> StartedRun:
    """Features, finished folds and the engine chosen for the pending folds of a run whose
    directory is this process's."""
    plan, spec = data.plan, data.plan.spec
    notify = Notifier(plan.plugins)

    def extraction_progress(done: int, total: int) -> None:
        notify("merbench_extraction_progress", feature=plan.inputs.feature.meta.name,
               dataset=spec.dataset, done=done, total=total)

    features, feature_report = model_input(data, identity, extraction_progress)
    digests = sample_digests(features, data.dataset.samples["sample_id"].astype(str).tolist())
    check_feature_values(run_dir, digests)
    feature_report = {**feature_report, "values_sha256": values_sha256(digests)}
    finished = {f.index: run_dir.load_fold(f.index) for f in data.folds}
    trainer = set_up_trainer(data, identity, run_dir, features, notify,
                             folds_to_train=sum(v is None for v in finished.values()))
    info = trainer.info
    notify("merbench_run_start", run=info)
    done = _restored(data, run_dir, finished)
    for restored in done.values():
        notify("merbench_fold_finished", run=info, fold=restored)
    pending = [fold for fold in data.folds if fold.index not in done]
    engine = choose_engine(data, pending)
    return StartedRun(data, identity, run_dir, trainer, engine, pending, done, started,
                      feature_report)


def _restored(data: RunData, run_dir: RunDirectory,
              finished: dict[int, FoldOutcome | None]) -> dict[int, FoldOutcome]:
    """The folds finished earlier, each checked to hold this fold's test samples."""
    done: dict[int, FoldOutcome] = {}
    this_run = run_dir.identity_sha256()
    for fold in data.folds:
        outcome = finished[fold.index]
        if outcome is None:
            continue
        path = run_dir.fold_path(fold.index)
        if outcome.run_sha256 is not None and outcome.run_sha256 != this_run:
            raise MerbenchError(
                f"{path} belongs to another run (its run identity digest is "
                f"{outcome.run_sha256[:12]}, this run's {str(this_run)[:12]}); delete it to "
                "retrain that fold")
        if outcome.index != fold.index:  # a copy of another fold's file (pass 84w, W13)
            raise MerbenchError(misplaced_line(str(path), outcome.index, fold.index))
        samples = data.dataset.samples.iloc[fold.test]
        if list(outcome.test_index) != list(fold.test) or \
                list(outcome.sample_ids.astype(str)) != samples["sample_id"].astype(str).tolist():
            raise MerbenchError(
                f"{path} holds other samples than fold "
                f"{fold.label}; delete it to retrain that fold"
            )
        check_restored_labels(path, fold, outcome, data.labels[fold.test])
        if outcome.run_sha256 is None:
            # written before fold files named their run, and shown above to be this run's
            # fold: it is named now, or the results this resume writes would bind a fold
            # that names no run, and validate would reject a genuine run
            outcome = write_fold_file(path, outcome, this_run)
        done[fold.index] = outcome
    return done


def check_restored_labels(path: Path, fold: Fold, outcome: FoldOutcome,
                          labels: np.ndarray) -> None:
    """A fold file's stored labels are the data's (``labels``: the fold's test samples'
    classes, or AU label codes): one edited (or trained on other labels) would make the
    pooled scores those of other data."""
    if list(outcome.y_true.astype(np.int64)) != list(np.asarray(labels, dtype=np.int64)):
        raise MerbenchError(
            f"{path} holds labels that are not the data's for fold {fold.label} (it was "
            "edited, or trained on other labels); delete it to retrain that fold")
