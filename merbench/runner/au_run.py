"""An AU run's end: its folds scored as AU detection and written as ``au-results.json``.

An AU run (``--task au``) plans, trains, resumes and stores its folds through the same code
as an emotion run; only what its folds are summarised into differs
(:mod:`merbench.results.au_file` says why the file is its own). Each fold reports its last
epoch (``fixed``: the AU task selects no epoch), the folds are pooled and scored by
:func:`merbench.au_scoring.score_au`, the function ``merbench validate`` recomputes with.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from merbench.action_units import present_bits
from merbench.atomic import atomic_write_bytes, atomic_write_json
from merbench.au_metrics import THRESHOLD, ignored_bits
from merbench.au_scoring import score_au
from merbench.errors import MerbenchError
from merbench.plugins import plugin_versions
from merbench.results.au_file import (
    AU_PREDICTIONS_FILE,
    AU_RESULTS_FILE,
    AU_SCHEMA,
    AUDatasetRecord,
    AUResults,
    read_au_results,
)
from merbench.results.codec import to_json
from merbench.results.manifest import first_mismatch, run_manifest
from merbench.results.model import (
    EngineRecord,
    FoldRecord,
)
from merbench.results.rundir import RunDirectory
from merbench.results.schema import environment, now_iso
from merbench.runinfo import FoldOutcome
from merbench.runner.data import RunData
from merbench.runner.identity import RunIdentity
from merbench.runner.started_run import StartedRun
from merbench.runner.summary import feature_record, model_record, protocol_record, provider

#: au-predictions.csv: the codes validate rescores, then the same AUs in words
AU_PREDICTION_COLUMNS = ("sample_id", "database", "subject", "fold", "y_true", "y_pred",
                         "epoch", "true_aus", "uncertain_aus", "predicted_aus")


def _aus(bits: np.ndarray, au_set: tuple[int, ...]) -> str:
    return "+".join(str(au) for au, on in zip(au_set, bits, strict=True) if on)


def predictions_table(outcomes: list[FoldOutcome], au_set: tuple[int, ...],
                      where: Callable[[int], tuple[str, str]]) -> pd.DataFrame:
    """Every test sample's label code and last-epoch prediction, with both in words;
    ``where(row)``: the database and subject of the sample in sample-table row ``row``.
    ``merbench validate`` builds the table again from the fold files with this function."""
    n = len(au_set)
    rows = []
    for outcome in outcomes:
        chosen = outcome.epoch_predictions[-1]
        present, unsure = present_bits(outcome.y_true, n), ignored_bits(outcome.y_true, n)
        predicted = present_bits(chosen, n)
        for i, row in enumerate(outcome.test_index):
            database, subject = where(int(row))
            rows.append({"sample_id": str(outcome.sample_ids[i]), "database": database,
                         "subject": subject, "fold": outcome.index,
                         "y_true": int(outcome.y_true[i]), "y_pred": int(chosen[i]),
                         "epoch": len(outcome.epoch_predictions),
                         "true_aus": _aus(present[i], au_set),
                         "uncertain_aus": _aus(unsure[i], au_set),
                         "predicted_aus": _aus(predicted[i], au_set)})
    return pd.DataFrame(rows, columns=list(AU_PREDICTION_COLUMNS))


def entry_accuracy(outcome: FoldOutcome, n_aus: int) -> float:
    """A fold's share of scored (sample, AU) entries predicted right at its last epoch."""
    truth, unsure = present_bits(outcome.y_true, n_aus), ignored_bits(outcome.y_true, n_aus)
    right = (present_bits(outcome.epoch_predictions[-1], n_aus) == truth) & ~unsure
    scored = int((~unsure).sum())
    return float(right.sum() / scored) if scored else 0.0


def summarise_au(data: RunData, identity: RunIdentity, outcomes: list[FoldOutcome],
                 device_name: str, wall_time: float, feature_report: dict[str, Any] | None,
                 engine: EngineRecord | None) -> tuple[AUResults, pd.DataFrame]:
    """The record and the predictions table of an AU run whose folds all finished."""
    plan, spec = data.plan, data.plan.spec
    au_set = plan.task.au_set
    samples = data.dataset.samples

    def where(row: int) -> tuple[str, str]:
        return str(samples["database"].iloc[row]), str(samples["subject"].iloc[row])

    predictions = predictions_table(outcomes, au_set, where)
    scored = score_au(predictions["y_true"].to_numpy(), predictions["y_pred"].to_numpy(),
                      predictions, au_set)
    folds = [FoldRecord(
        index=o.index, key=list(o.key), n_train=o.n_train, n_test=len(o.test_index),
        epoch=len(o.epoch_predictions), epoch_by_policy={"fixed": len(o.epoch_predictions)},
        n_inner_val=0, accuracy=entry_accuracy(o, len(au_set)), seconds=round(o.seconds, 3),
        device=o.device, folds_at_once=o.folds_at_once, resumed=o.restored,
        fit_report=o.fit_report, finished=o.finished) for o in outcomes]
    dataset_meta = plan.inputs.dataset.meta
    assert identity.task is not None
    record = AUResults(
        schema_version=AU_SCHEMA, kind="au", created=now_iso(), au_set=list(au_set),
        threshold=THRESHOLD,
        model=model_record(data, identity),
        feature=feature_record(data, identity, feature_report),
        dataset=AUDatasetRecord(
            name=dataset_meta.name, version=dataset_meta.version,
            options=plan.inputs.dataset_options, n_samples=len(data.dataset.samples),
            n_scored=len(predictions), n_subjects=int(
                predictions[["database", "subject"]].drop_duplicates().shape[0]),
            fingerprint=identity.dataset.fingerprint["fingerprint"],
            labels_sha256=identity.task["labels"],
            provider=provider(plan.inputs.dataset.origin)),
        protocol=protocol_record(data, identity, n_folds=len(outcomes),
                                 n_samples=len(predictions)),
        selection="fixed", seed=spec.seed, shuffle_train_labels=spec.shuffle_train_labels,
        hyperparameters=identity.hyperparameters, precision=spec.precision,
        overall=scored.overall, per_database=scored.per_database, intervals=scored.intervals,
        folds=folds, environment=environment(device_name, plugin_versions(plan.plugins)),
        engine=engine, wall_time_s=round(wall_time, 3),
        train_time_s=round(sum(o.seconds for o in outcomes), 3),
        folds_resumed=sum(o.restored for o in outcomes))
    return record, predictions


@dataclasses.dataclass(frozen=True)
class AURunResult:
    """What a finished AU run gives back to Python callers."""

    run_dir: Any  # pathlib.Path
    results: AUResults
    predictions: pd.DataFrame
    reported: bool = False  # finished before: read back, not trained


def finish_au_run(run: StartedRun) -> AURunResult:
    """Summarise an AU run whose every fold is done and write ``au-predictions.csv``, then
    ``au-results.json`` naming every file's digest (a kill between them leaves a run that
    is not finished, which the next run summarises again)."""
    data = run.data
    outcomes = [run.done[fold.index] for fold in data.folds]
    record, predictions = summarise_au(data, run.identity, outcomes, run.trainer.device_name,
                                       time.perf_counter() - run.started, run.feature_report,
                                       run.engine)
    table = predictions.to_csv(index=False).encode()
    record = dataclasses.replace(record, files=run_manifest(
        run.run_dir.path, len(outcomes), table, predictions_name=AU_PREDICTIONS_FILE))
    atomic_write_bytes(run.run_dir.path / AU_PREDICTIONS_FILE, table)
    atomic_write_json(run.run_dir.path / AU_RESULTS_FILE, to_json(record))
    run.run_dir.discard_partial()
    return AURunResult(run_dir=run.run_dir.path, results=record, predictions=predictions)


def au_finished_before(data: RunData, run_dir: RunDirectory) -> AURunResult | None:
    """The stored result of an AU run that finished before, as it was written; None when
    any of its files is missing, damaged or not the one its results name (then the run goes
    on, and is summarised again)."""
    results_file = run_dir.path / AU_RESULTS_FILE
    predictions_file = run_dir.path / AU_PREDICTIONS_FILE
    if not (results_file.is_file() and predictions_file.is_file()):
        return None
    try:
        if any(run_dir.load_fold(fold.index) is None for fold in data.folds):
            return None
        results = read_au_results(results_file)
        predictions = pd.read_csv(predictions_file, keep_default_na=False,
                                  dtype={"sample_id": str, "database": str, "subject": str})
    except (MerbenchError, ValueError, OSError):
        return None
    if results.files is not None and first_mismatch(run_dir.path, results.files):
        return None
    return AURunResult(run_dir=run_dir.path, results=results, predictions=predictions,
                       reported=True)
