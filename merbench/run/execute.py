"""Executing a run: plan, data, identity, then every unfinished fold, then the results.

:func:`run` is the one engine behind ``merbench run`` and the Python API, and ``merbench
sweep`` runs many through the same steps: :func:`open_run` takes the run directory and
restores finished folds, :func:`execute` trains the rest with the executor the spec names
(:mod:`merbench.run.local_executor` in this process, :mod:`merbench.run.ray_executor` on a
Ray cluster), saving each fold as it finishes, and :func:`finish_run` writes the results.
The executor decides where folds train, never what they compute or how they are recorded,
so a run started on one can be resumed on the other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.atomic import atomic_write_bytes, atomic_write_json
from merbench.errors import MerbenchError
from merbench.plugins import Plugins, default_plugins
from merbench.protocols import Fold
from merbench.results.codec import to_json
from merbench.results.model import EngineRecord, Metrics, Results
from merbench.results.rundir import DifferentRun, RunDirectory
from merbench.run.data import RunData, load_data
from merbench.run.engine import choose_engine
from merbench.run.identity import RunIdentity, default_run_dir, run_identity
from merbench.run.model_input import model_input
from merbench.run.notify import Notifier
from merbench.run.plan import plan_run
from merbench.run.saved_states import SavedStates
from merbench.run.spec import RunSpec
from merbench.run.summary import summarise
from merbench.run.train import Trainer
from merbench.run.values import check_feature_values, sample_digests, values_sha256
from merbench.run.weights import changed_checkpoints, check_weight_files
from merbench.runinfo import FoldOutcome, RunInfo


@dataclass
class RunResult:
    """What a finished run gives back to Python callers."""

    run_dir: Path
    results: Results  # what results.json holds
    predictions: Any  # pandas.DataFrame
    reported: bool = False  # finished before: read back from the run directory, not trained

    @property
    def metrics(self) -> Metrics:
        return self.results.metrics


def run(spec: RunSpec, plugins: Plugins | None = None) -> RunResult:
    """Run ``spec`` to the end (resuming finished folds) and write its results."""
    plugins = plugins or default_plugins()
    with ExitStack() as held:
        opened = open_run(spec, plugins, held)
        if isinstance(opened, RunResult):
            return opened
        execute([opened], opened.data.plan.spec)
        return finish_run(opened)


def run_many(specs: list[RunSpec], plugins: Plugins,
             on_result: Callable[[int, RunResult, bool], None] | None = None
             ) -> list[RunResult]:
    """Several runs (a ``--seeds`` run's seeds, a sweep's runs), each resumable: locally one
    after another, each as :func:`run` runs it; on Ray (the specs' executor) all opened
    first and all their folds trained at once, each run's results written as its last fold
    returns. ``on_result(position, result, trained)`` as each run ends (``trained`` False:
    it had finished before and is reported as it is)."""
    results: dict[int, RunResult] = {}

    def ended(position: int, result: RunResult, trained: bool) -> None:
        results[position] = result
        if on_result is not None:
            on_result(position, result, trained)

    if not specs or specs[0].executor != "ray":
        for position, spec in enumerate(specs):
            with ExitStack() as held:
                opened = open_run(spec, plugins, held)
                if isinstance(opened, RunResult):
                    ended(position, opened, False)
                    continue
                execute([opened], opened.data.plan.spec)
                ended(position, finish_run(opened), True)
        return [results[i] for i in range(len(specs))]
    with ExitStack() as held:
        started: dict[int, tuple[int, StartedRun]] = {}
        for position, spec in enumerate(specs):
            opened = open_run(spec, plugins, held)
            if isinstance(opened, RunResult):
                ended(position, opened, False)
            else:
                started[id(opened)] = (position, opened)
        if started:
            runs = [opened for _, opened in started.values()]

            def finished(run: StartedRun) -> None:
                ended(started[id(run)][0], finish_run(run), True)

            execute(runs, runs[0].data.plan.spec, on_finished=finished)
    return [results[i] for i in range(len(specs))]


def open_run(spec: RunSpec, plugins: Plugins, held: ExitStack) -> StartedRun | RunResult:
    """Plan ``spec``, read its data, take its run directory for as long as ``held`` lasts
    and restore its finished folds; a run that finished before is reported as it is."""
    started = time.perf_counter()
    data = load_data(plan_run(spec, plugins))
    spec = data.plan.spec
    if data.weight_files is not None:
        check_weight_files(data)
    identity = run_identity(data)
    run_dir = RunDirectory(spec.out if spec.out is not None else default_run_dir(spec, identity))
    held.enter_context(run_dir.held())
    try:
        run_dir.open(identity.to_dict(), spec.to_dict(), n_folds=len(data.folds))
    except DifferentRun as refused:
        _explain_optimizer_step(data, run_dir, identity, refused.stored)
        _explain_new_weights(run_dir, identity, refused.stored)
        raise
    finished = _already_finished(data, run_dir)
    if finished is not None:
        return finished
    return start_run(data, identity, run_dir, started)


def execute(runs: list[StartedRun], spec: RunSpec,
            on_finished: Callable[[StartedRun], None] | None = None) -> None:
    """Train every pending fold of ``runs`` with the executor ``spec`` names: here, one run
    after another, or all at once on Ray. ``on_finished`` is called as each run's last
    fold is saved."""
    if spec.executor == "ray":
        from merbench.run.ray_executor import train_on_ray

        train_on_ray(runs, spec.ray_address, on_finished)
        return
    from merbench.run.local_executor import train_locally

    for started_run in runs:
        train_locally(started_run)
        if on_finished is not None:
            on_finished(started_run)


def _already_finished(data: RunData, run_dir: RunDirectory) -> RunResult | None:
    """The stored result of a run that finished before, reported as it was written.

    Running the same command again must not rewrite a finished run: its ``created``, wall
    time, engine and environment describe the process that trained it (the leaderboard shows
    that wall time), not the one that looked again. A run whose results file is missing or
    unreadable, or one of whose fold files is gone (deleted to train that fold again) or
    damaged, is not finished: the run goes on as any resumed run (and names a damaged
    file)."""
    import pandas as pd

    from merbench.results.schema import read_results

    results_file = run_dir.path / "results.json"
    predictions_file = run_dir.path / "predictions.csv"
    if not (results_file.is_file() and predictions_file.is_file()):
        return None
    try:
        if any(run_dir.load_fold(fold.index) is None for fold in data.folds):
            return None
        results = read_results(results_file)
        predictions = pd.read_csv(predictions_file, dtype={"sample_id": str, "database": str,
                                                           "subject": str})
    except (MerbenchError, ValueError, OSError):
        return None
    if results.selection.policy != data.plan.spec.selection:
        return None  # the same folds, reported under another selection policy
    return RunResult(run_dir=run_dir.path, results=results, predictions=predictions,
                     reported=True)


def _explain_new_weights(run_dir: RunDirectory, identity: RunIdentity,
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


def _explain_optimizer_step(data: RunData, run_dir: RunDirectory, identity: RunIdentity,
                            stored_identity: Any) -> None:
    """A run's folds all take one optimiser step; where the run in ``run_dir`` differs from
    this one only in that step, say how to continue it (CUDA always takes the fused step, a
    CPU the default unless --fused-optimizer)."""
    stored = (stored_identity if isinstance(stored_identity, dict) else {}).get(
        "hyperparameters") or {}
    ours = identity.hyperparameters
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


@dataclass
class StartedRun:
    """A run whose directory this process holds, with its features read and its finished
    folds restored: what an executor needs to train the rest, and :func:`finish_run` to
    write the results."""

    data: RunData
    identity: RunIdentity
    run_dir: RunDirectory
    trainer: Trainer
    engine: EngineRecord
    pending: list[Fold]
    done: dict[int, FoldOutcome]
    started: float
    feature_report: dict[str, Any]

    def save(self, trained: list[FoldOutcome]) -> None:
        """Keep folds as they finish: their files, then the progress hooks."""
        for fold_outcome in trained:
            self.run_dir.save_fold(fold_outcome)
            self.done[fold_outcome.index] = fold_outcome
            self.trainer.notify("merbench_fold_finished", run=self.trainer.info,
                                fold=fold_outcome)


def start_run(data: RunData, identity: RunIdentity, run_dir: RunDirectory,
              started: float) -> StartedRun:
    """Features, finished folds and the engine of a run whose directory is this process's."""
    plan, spec = data.plan, data.plan.spec
    notify = Notifier(plan.plugins)

    def extraction_progress(done: int, total: int) -> None:
        notify("merbench_extraction_progress", feature=plan.inputs.feature.meta.name,
               dataset=spec.dataset, done=done, total=total)

    features, feature_report = model_input(data, identity, extraction_progress)
    digests = sample_digests(features, data.dataset.samples["sample_id"].astype(str).tolist())
    check_feature_values(run_dir, digests)
    feature_report = {**feature_report, "values_sha256": values_sha256(digests)}
    labels = data.dataset.samples["label"].to_numpy()
    from merbench.training.device import describe_device

    device_name = describe_device(plan.device) if plan.is_torch else "cpu"
    finished = {f.index: run_dir.load_fold(f.index) for f in data.folds}
    info = RunInfo(run_dir=run_dir.path, model=spec.model, dataset=spec.dataset,
                   protocol=spec.protocol, n_folds=len(data.folds),
                   folds_to_train=sum(v is None for v in finished.values()),
                   epochs=plan.epochs, device=device_name)
    notify("merbench_run_start", run=info)
    done = _restored(data, run_dir, finished)
    for restored in done.values():
        notify("merbench_fold_finished", run=info, fold=restored)
    pending = [fold for fold in data.folds if fold.index not in done]
    engine = choose_engine(data, pending)
    states = SavedStates(data, identity, run_dir)
    trainer = Trainer(data, features, labels, info, device_name, notify, states)
    return StartedRun(data, identity, run_dir, trainer, engine, pending, done, started,
                      feature_report)


def finish_run(run: StartedRun) -> RunResult:
    """Summarise a run whose every fold is done and write its results."""
    data = run.data
    outcomes = [run.done[fold.index] for fold in data.folds]
    record, predictions = summarise(data, run.identity, outcomes, run.trainer.device_name,
                                    time.perf_counter() - run.started, run.feature_report,
                                    run.engine)
    results = to_json(record)  # the file's and the plugin hook's JSON object
    atomic_write_bytes(run.run_dir.path / "predictions.csv",
                       predictions.to_csv(index=False).encode())
    atomic_write_json(run.run_dir.path / "results.json", results)
    run.run_dir.discard_partial()  # states of folds another engine trained, if any
    run.trainer.notify("merbench_run_finished", run=run.trainer.info, results=results)
    return RunResult(run_dir=run.run_dir.path, results=record, predictions=predictions)


def _restored(data: RunData, run_dir: RunDirectory,
              finished: dict[int, FoldOutcome | None]) -> dict[int, FoldOutcome]:
    """The folds finished earlier, each checked to hold this fold's test samples."""
    done: dict[int, FoldOutcome] = {}
    for fold in data.folds:
        outcome = finished[fold.index]
        if outcome is None:
            continue
        if list(outcome.test_index) != list(fold.test):
            raise MerbenchError(
                f"{run_dir.fold_path(fold.index)} holds other samples than fold "
                f"{fold.label}; delete it to retrain that fold"
            )
        done[fold.index] = outcome
    return done
