"""The emotion task's :class:`~merbench.runner.task_run.TaskRun`: an emotion run learns
every sample's class in the protocol's folds, and ends with its folds scored by every
selection policy, written as ``results.json`` and ``predictions.csv``.

What every run shares at its end (the manifest, the order the files are written in, the
partial states discarded) is :func:`merbench.runner.task_run.finish_run`'s; this module says
only what an emotion run records (:func:`merbench.runner.summary.summarise`), what a
finished one is read back as, and the kind of result it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.data.dataset import Dataset, refuse_one_class
from merbench.data.task import EmotionTask
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.protocols import Fold
from merbench.results.kind_names import EMOTION_RUN, SEEDS_SUMMARY
from merbench.results.manifest import PREDICTIONS_FILE
from merbench.results.model import SCHEMA_VERSION, Metrics, Results
from merbench.results.over_seeds import STD_OVER_SEEDS, over_seeds, summary_identity
from merbench.results.result_files import SEEDS_FILE
from merbench.results.run_record import RunRecordFormat
from merbench.results.rundir import RunDirectory
from merbench.results.schema import now_iso, read_results
from merbench.results.seeds_model import SeedsSummary
from merbench.results.written import EMOTION_RECORD
from merbench.runner.data import RunData
from merbench.runner.finished_files import read_finished
from merbench.runner.started_run import StartedRun
from merbench.runner.summary import summarise
from merbench.scores.interval_records import interval_record
from merbench.scores.selection import POLICIES


@dataclass
class RunResult:
    """What a finished run gives back to Python callers."""

    run_dir: Path
    results: Results  # what results.json holds
    predictions: Any  # pandas.DataFrame
    reported: bool = False  # finished before: read back from the run directory, not trained
    #: the folds this process went on training from a state an earlier command saved
    went_on: tuple[str, ...] = ()

    @property
    def metrics(self) -> Metrics:
        return self.results.metrics


@dataclass(frozen=True)
class EmotionRun:
    """The end of a run of ``task``; the other steps are every task's."""

    task: EmotionTask
    #: whether its results keep intervals over subjects: not a tuning's trial runs
    #: (:func:`~merbench.runner.task_run.trial_runs`)
    intervals: bool = True
    record: ClassVar[RunRecordFormat[Any]] = EMOTION_RECORD
    predictions_file: ClassVar[str] = PREDICTIONS_FILE
    seeds_file: ClassVar[str] = SEEDS_FILE
    kind: ClassVar[str] = EMOTION_RUN
    seeds_kind: ClassVar[str] = SEEDS_SUMMARY

    def check_several(self) -> None:
        """Emotion runs are swept and tuned together: nothing to refuse."""

    def summarise_seeds(self, base: Path, runs: list[RunResult],
                        seeds: list[int]) -> SeedsSummary:
        return summarise_seeds(runs, seeds)

    def check_recognises_emotions(self, run_dir: Path) -> None:
        """An emotion run's model is what ``merbench predict`` recognises with."""

    def folds_and_labels(self, dataset: Dataset,
                         folds: list[Fold]) -> tuple[list[Fold], np.ndarray]:
        """The protocol's folds as they are, and every sample's emotion class, refused when
        every sample is of one class: a model that always answers it is right every time,
        so its score measures nothing, yet such a run was written and ranked as any other
        (pass 84h). Refused rather than warned of, since no reader of its results.json or
        of a leaderboard would see a warning."""
        return folds, refuse_one_class(dataset, "an emotion run")

    def summarise(self, run: StartedRun, outcomes: list[FoldOutcome], wall_time: float
                  ) -> tuple[Results, pd.DataFrame]:
        return summarise(run.data, run.identity, outcomes, run.trainer.device_name, wall_time,
                         run.feature_report, run.engine, self.intervals)

    def result(self, run_dir: Path, record: Results, predictions: pd.DataFrame,
               went_on: tuple[str, ...] = ()) -> RunResult:
        return RunResult(run_dir=run_dir, results=record, predictions=predictions,
                         went_on=went_on)

    def finished_before(self, data: RunData, run_dir: RunDirectory) -> RunResult | None:
        """The stored result of a run that finished before, reported as it was written
        (:func:`~merbench.runner.finished_files.read_finished` says when it is one)."""
        found = read_finished(data, run_dir, self.record.result_file, PREDICTIONS_FILE,
                              read_results)
        if found is None:
            return None
        results, predictions = found
        if results.selection.policy != data.plan.spec.selection:
            # a finished run's reported policy never changes in place: copied into a results
            # folder, a silently rewritten fixed run would be an oracle row
            recorded = ", ".join(sorted(results.metrics_by_policy))
            raise MerbenchError(
                f"--out {run_dir.path} holds this run finished and reported with --selection "
                f"{results.selection.policy}; it is not rewritten as --selection "
                f"{data.plan.spec.selection}. Its results.json already records the UF1/UAR of "
                f"every policy its folds give ({recorded}: metrics_by_policy); for a "
                f"results.json of --selection {data.plan.spec.selection}, copy the folder "
                "without results.json, predictions.csv and audit.json (an audit is of the "
                "result it checked) and give the copy as --out (its folds are restored, "
                "nothing trains)")
        return RunResult(run_dir=run_dir.path, results=results, predictions=predictions,
                         reported=True)


def summarise_seeds(runs: list[RunResult], seeds: list[int]) -> SeedsSummary:
    """Per policy: every seed's UF1 / UAR (overall and per database), their mean and std;
    and the intervals of the reported policy's seed mean, from every seed's predictions."""
    first = runs[0].results
    policies = [p for p in first.selection.available
                if all(p in r.results.selection.available for r in runs)]
    return SeedsSummary(
        schema_version=SCHEMA_VERSION, kind="seeds", created=now_iso(),
        **summary_identity(first), seeds=list(seeds),
        runs={str(seed): r.run_dir.name for seed, r in zip(seeds, runs, strict=True)},
        std=STD_OVER_SEEDS,
        policies={policy: over_seeds(map(str, seeds),
                                     [r.results.metrics_by_policy[policy].metrics
                                      for r in runs],
                                     POLICIES[policy].test_set_selection)
                  for policy in policies},
        intervals=interval_record([r.predictions for r in runs],
                                  len(first.dataset.classes)))
