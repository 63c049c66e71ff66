"""Executing a run: plan, data, identity, then every unfinished fold, then the results.

:func:`run` is the one engine behind ``merbench run`` and the Python API. Finished folds are
restored from the run directory and never trained again; the rest train in the groups the
engine chose, each group's folds saved as soon as they finish. When a group runs out of
memory, the same folds train fewer at a time; a single fold that does is an error that
keeps every finished fold.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from merbench.atomic import atomic_write_bytes, atomic_write_json
from merbench.errors import MerbenchError
from merbench.plugins import Plugins, default_plugins
from merbench.protocols import Fold
from merbench.results.codec import to_json
from merbench.results.model import EngineRecord
from merbench.results.rundir import DifferentRun, RunDirectory
from merbench.run.data import RunData, load_data
from merbench.run.engine import choose_engine, fold_groups, lowered, run_threads
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
from merbench.threads import apply_threads


@dataclass
class RunResult:
    """What a finished run gives back to Python callers."""

    run_dir: Path
    results: dict[str, Any]  # results.json (merbench.results.model.Results as JSON)
    predictions: Any  # pandas.DataFrame
    reported: bool = False  # finished before: read back from the run directory, not trained

    @property
    def metrics(self) -> dict[str, Any]:
        return self.results["metrics"]


def run(spec: RunSpec, plugins: Plugins | None = None) -> RunResult:
    """Run ``spec`` to the end (resuming finished folds) and write its results."""
    started = time.perf_counter()
    plugins = plugins or default_plugins()
    data = load_data(plan_run(spec, plugins))
    spec = data.plan.spec
    if data.weight_files is not None:
        check_weight_files(data)
    identity = run_identity(data)
    run_dir = RunDirectory(spec.out if spec.out is not None else default_run_dir(spec, identity))
    with run_dir.held():
        try:
            run_dir.open(identity.to_dict(), spec.to_dict(), n_folds=len(data.folds))
        except DifferentRun as refused:
            _explain_optimizer_step(data, run_dir, identity, refused.stored)
            _explain_new_weights(run_dir, identity, refused.stored)
            raise
        finished = _already_finished(data, run_dir)
        if finished is not None:
            return finished
        return _execute(data, identity, run_dir, started)


def _already_finished(data: RunData, run_dir: RunDirectory) -> RunResult | None:
    """The stored result of a run that finished before, reported as it was written.

    Running the same command again must not rewrite a finished run: its ``created``, wall
    time, engine and environment describe the process that trained it (the leaderboard shows
    that wall time), not the one that looked again. A run whose results file is missing or
    unreadable, or one of whose fold files is gone (deleted to train that fold again) or
    damaged, is not finished: the run goes on as any resumed run (and names a damaged
    file)."""
    import pandas as pd

    from merbench.results.schema import load_results

    results_file = run_dir.path / "results.json"
    predictions_file = run_dir.path / "predictions.csv"
    if not (results_file.is_file() and predictions_file.is_file()):
        return None
    try:
        if any(run_dir.load_fold(fold.index) is None for fold in data.folds):
            return None
        results = load_results(results_file)
        predictions = pd.read_csv(predictions_file, dtype={"sample_id": str, "database": str,
                                                           "subject": str})
    except (MerbenchError, ValueError, OSError):
        return None
    if results["selection"]["policy"] != data.plan.spec.selection:
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


def _execute(data: RunData, identity: RunIdentity, run_dir: RunDirectory,
             started: float) -> RunResult:
    """The run, once its directory is this process's: features, folds, results."""
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
    threads = run_threads(data, pending)
    previous = None
    if threads is not None:
        engine = replace(engine, threads=threads)
        previous = apply_threads(threads.count)
    states = SavedStates(data, identity, run_dir)
    trainer = Trainer(data, features, labels, info, device_name, notify, states)
    try:
        engine = _train_pending(trainer, run_dir, pending, engine, done)
    finally:
        if previous is not None:  # a Python caller's own setting, as it was
            apply_threads(previous)
    outcomes = [done[fold.index] for fold in data.folds]
    record, predictions = summarise(data, identity, outcomes, device_name,
                                    time.perf_counter() - started, feature_report, engine)
    results = to_json(record)
    atomic_write_bytes(run_dir.path / "predictions.csv",
                       predictions.to_csv(index=False).encode())
    atomic_write_json(run_dir.path / "results.json", results)
    run_dir.discard_partial()  # states of folds another engine trained, if any
    notify("merbench_run_finished", run=info, results=results)
    return RunResult(run_dir=run_dir.path, results=results, predictions=predictions)


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


def _train_pending(trainer: Trainer, run_dir: RunDirectory, pending: list[Fold],
                   engine: EngineRecord, done: dict[int, FoldOutcome]) -> EngineRecord:
    """Train every pending fold into ``done``, saving each group as it finishes; returns the
    engine as it ended (lowered after running out of memory)."""
    from merbench.training.device import is_out_of_memory

    data, notify = trainer.data, trainer.notify
    plan = data.plan
    groups = fold_groups(data, pending, engine.folds_at_once)
    trainer.states.warn_if_not_continued(groups)
    while groups:
        group = groups.pop(0)
        try:
            trained = trainer.train(group)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            if len(group) == 1:
                fix = ("free the device or use a smaller --batch-size"
                       if plan.trains_in_epochs else "free memory on this machine")
                raise MerbenchError(
                    f"{plan.device} ran out of memory training fold {group[0].label} of "
                    f"model '{plan.spec.model}' ({_first_line(exc)}); {fix}; every finished "
                    f"fold is kept in {run_dir.path}"
                ) from None
        else:
            for outcome in trained:
                run_dir.save_fold(outcome)
                done[outcome.index] = outcome
                notify("merbench_fold_finished", run=trainer.info, fold=outcome)
            run_dir.discard_partial([fold.index for fold in group])
            continue
        # Too many folds at once for the device's memory: the same folds, fewer at a time
        # (the same training; in fp32 without dropout the same numbers, otherwise other
        # dropout masks or roundings, as engine.same_numbers_as_sequential says).
        k = (len(group) + 1) // 2
        _release_memory(plan.device)
        warnings.warn(f"{plan.device} ran out of memory training {len(group)} folds at once; "
                      f"training the remaining folds {k} at a time", RuntimeWarning,
                      stacklevel=1)
        engine = lowered(engine, k)
        groups = fold_groups(data, [f for g in [group, *groups] for f in g], k)
    return engine


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _release_memory(device: str) -> None:
    """Give back what a failed attempt left allocated, before trying with fewer folds."""
    import gc

    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
