"""The AU task's :class:`~merbench.runner.task_run.TaskRun`: an AU run's folds (the coded
samples) and its end, its folds scored as AU detection and written as ``au-results.json``.

An AU run (``--task au``) plans, trains, resumes, stores and finishes its folds through the
same code as an emotion run (:func:`merbench.runner.task_run.finish_run`); only the samples
it learns from, their labels and what its folds are summarised into differ
(:mod:`merbench.au.record` says why the file is its own). Each fold reports its last
epoch (``fixed``: the AU task selects no epoch), the folds are pooled and scored by
:func:`merbench.au.scoring.score_au`, the function ``merbench validate`` recomputes with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from merbench.au.metrics import THRESHOLD, ignored_bits
from merbench.au.record import (
    AU_PREDICTIONS_FILE,
    AU_SCHEMA,
    AU_SEEDS_FILE,
    AUDatasetRecord,
    AUResults,
    AUSeedsSummary,
    read_au_results,
)
from merbench.au.record_checks import AU_RECORD
from merbench.au.scoring import score_au
from merbench.au.seed_pool import summarise_au_seeds
from merbench.base.errors import MerbenchError
from merbench.base.literal import joined
from merbench.data.au_labels import label_codes, present_bits
from merbench.data.dataset import Dataset
from merbench.data.task import AUTask
from merbench.plugin_system.manager import plugin_versions
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.protocols import Fold
from merbench.results.kind_names import AU_RUN, AU_SEEDS_SUMMARY
from merbench.results.model import EngineRecord, FoldRecord
from merbench.results.run_record import RunRecordFormat
from merbench.results.rundir import RunDirectory
from merbench.results.schema import environment, now_iso
from merbench.runner.data import RunData
from merbench.runner.finished_files import read_finished
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


def summarise_au(task: AUTask, data: RunData, identity: RunIdentity,
                 outcomes: list[FoldOutcome],
                 device_name: str, wall_time: float, feature_report: dict[str, Any] | None,
                 engine: EngineRecord | None) -> tuple[AUResults, pd.DataFrame]:
    """The record and the predictions table of an AU run whose folds all finished."""
    plan, spec = data.plan, data.plan.spec
    au_set = task.au_set
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
    #: the folds this process went on training from a state an earlier command saved
    went_on: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class AURun:
    """The end of a run of ``task``; the other steps are every task's."""

    task: AUTask
    record: ClassVar[RunRecordFormat[Any]] = AU_RECORD
    predictions_file: ClassVar[str] = AU_PREDICTIONS_FILE
    seeds_file: ClassVar[str] = AU_SEEDS_FILE
    kind: ClassVar[str] = AU_RUN
    seeds_kind: ClassVar[str] = AU_SEEDS_SUMMARY

    def check_several(self) -> None:
        """Refused before any folder is taken: a sweep's and a tuning's summaries are of
        emotion runs (UF1, UAR), so an AU configuration is not swept or tuned yet."""
        raise MerbenchError("--task au is not swept or tuned yet (their summaries are of "
                            "emotion runs): run each AU configuration with 'merbench run "
                            "--task au --seeds 0,1,2'")

    def summarise_seeds(self, base: Path, runs: list[AURunResult],
                        seeds: list[int]) -> AUSeedsSummary:
        """``au-seeds.json`` of the seed runs in ``base`` (``runs``, in ``seeds``' order),
        computed from their files as ``merbench validate`` recomputes it."""
        return summarise_au_seeds(base, [(Path(r.run_dir).name, r.results) for r in runs],
                                  now_iso())

    def check_recognises_emotions(self, run_dir: Path) -> None:
        """``merbench predict`` recognises emotions; an AU run's model learnt AUs."""
        raise MerbenchError(f"{run_dir} is a run of the au task; merbench predict "
                            "recognises emotions: give an emotion run")

    def folds_and_labels(self, dataset: Dataset,
                         folds: list[Fold]) -> tuple[list[Fold], np.ndarray]:
        """The protocol's folds restricted to the samples whose sheet codes AUs, and every
        sample's AU label code (0 for a sample without coding: it is in no fold).

        A sample without AU coding (SMIC's, a cell that names no AU) has no truth to learn
        or score, so it leaves both the training and the test sets; a fold left with no test
        sample (a SMIC subject of the composite) is no fold of the AU run. The folds keep
        their keys and are numbered anew in the protocol's order."""
        au_set = self.task.au_set
        coded = dataset.action_units()
        has_au = np.asarray([label is not None for label in coded], dtype=bool)
        if not has_au.any():
            raise MerbenchError(f"dataset '{dataset.name}' codes no action units for any of "
                                f"its {len(coded)} samples; --task au needs a dataset whose "
                                "coding sheet codes AUs (casme2, samm, casme3, the "
                                "composite's CASME II and SAMM samples)")
        codes = np.zeros(len(coded), dtype=np.int64)
        codes[has_au] = label_codes([label for label in coded if label is not None], au_set)
        kept: list[Fold] = []
        for fold in folds:
            test = fold.test[has_au[fold.test]]
            if len(test):
                kept.append(Fold(index=len(kept), key=fold.key,
                                 train=fold.train[has_au[fold.train]], test=test))
        if not kept:
            raise MerbenchError(f"no fold of this protocol tests a sample of dataset "
                                f"'{dataset.name}' with AU coding (its {int(has_au.sum())} "
                                "coded samples are in no test set: SMIC codes no AUs); choose "
                                "a protocol that tests CASME II or SAMM samples")
        used = np.unique(np.concatenate([np.concatenate([f.train, f.test]) for f in kept]))
        bits = present_bits(codes[used], len(au_set))
        present = [bool(bits[:, i].any()) for i in range(len(au_set))]
        if not all(present):  # AU99: no sample to learn it from, none to score it on
            raise MerbenchError(_never_present(au_set, present, len(used), dataset.name))
        return kept, codes

    def summarise(self, run: StartedRun, outcomes: list[FoldOutcome], wall_time: float
                  ) -> tuple[AUResults, pd.DataFrame]:
        return summarise_au(self.task, run.data, run.identity, outcomes,
                            run.trainer.device_name, wall_time, run.feature_report, run.engine)

    def result(self, run_dir: Path, record: AUResults, predictions: pd.DataFrame,
               went_on: tuple[str, ...] = ()) -> AURunResult:
        return AURunResult(run_dir=run_dir, results=record, predictions=predictions,
                           went_on=went_on)

    def finished_before(self, data: RunData, run_dir: RunDirectory) -> AURunResult | None:
        """The stored result of an AU run that finished before, as it was written; None when
        any of its files is missing, damaged or not the one its results name (then the run
        goes on, and is summarised again)."""
        found = read_finished(data, run_dir, self.record.result_file, AU_PREDICTIONS_FILE,
                              read_au_results, keep_default_na=False)
        if found is None:
            return None
        results, predictions = found
        return AURunResult(run_dir=run_dir.path, results=results, predictions=predictions,
                           reported=True)


def _never_present(au_set: tuple[int, ...], present: list[bool], used: int,
                   dataset: str) -> str:
    """Why AUs of the set cannot be a run's, and the set to give instead: "leave it out of
    --au-set" was said to a run that gave no --au-set (the default set), and of ten AUs."""
    never = [f"AU{au}" for au, seen in zip(au_set, present, strict=True) if not seen]
    kept = [str(au) for au, seen in zip(au_set, present, strict=True) if seen]
    one = len(never) == 1
    named = joined(never)
    fix = (f"run the {'AU' if len(kept) == 1 else 'AUs'} coded present: --au-set "
           f"{','.join(kept)}" if kept else "give --au-set with AUs that its samples show")
    return (f"{named} {'is' if one else 'are'} coded present in none of the {used} coded "
            f"samples this protocol uses (dataset '{dataset}'): no classifier can learn or be "
            f"scored on {'it' if one else 'them'}; {fix}")
