"""What a run does differently for its task: one :class:`TaskRun` a task, asked for the
folds and labels a run learns from (:func:`load_data`) and for its record at the one end
every run has (:func:`finish_run`).

A run plans, trains, saves and resumes its folds the same way whatever it learns. What its
task changes while planning is the task's own to say (:class:`merbench.data.task.Task`: its
model's outputs, the options it refuses, what its identity records), and what it changes
in training is its objective's (:mod:`merbench.training.objective`). What it changes here
needs the runner's data and records, which sit above the task record, so it cannot be a
method of the task: each task's :class:`TaskRun` says it
(:class:`~merbench.runner.emotion_run.EmotionRun`, :class:`~merbench.runner.au_run.AURun`),
and :data:`TASK_RUNS` is the runner's one table of them, keyed by the task's class. No
other code of the runner asks which task a run has: it asks :func:`task_run` for the run's
strategy and calls it.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np
import pandas as pd

from merbench.au.record import AUResults, AUSeedsSummary
from merbench.base.atomic import atomic_write_bytes, atomic_write_json
from merbench.base.errors import MerbenchError, plugin_words, ran_out_of_memory
from merbench.data.dataset import Dataset
from merbench.data.task import AUTask, EmotionTask, Task
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.protocols import Fold
from merbench.protocols.fold_checks import checked_folds, fold_problem
from merbench.results.codec import to_json
from merbench.results.manifest import run_manifest
from merbench.results.model import Results
from merbench.results.run_record import RunRecordFormat
from merbench.results.rundir import RunDirectory
from merbench.results.seeds_model import SeedsSummary
from merbench.runner.au_run import AURun, AURunResult
from merbench.runner.data import RunData, locate_weights, open_selection
from merbench.runner.emotion_run import EmotionRun, RunResult
from merbench.runner.plan import Plan
from merbench.runner.started_run import StartedRun

Record = TypeVar("Record", Results, AUResults)
Finished = TypeVar("Finished", RunResult, AURunResult)
#: a summary of one configuration's seed runs, as each task writes it
SeedsRecord = SeedsSummary | AUSeedsSummary


class TaskRun(Protocol[Record, Finished]):
    """What differs at the end of a run of one task: the record its folds are summarised
    into (``Record``), the files that record is written beside, and what a Python caller
    gets back (``Finished``)."""

    #: the record's format: its file, how ``status`` reads and checks it
    record: ClassVar[RunRecordFormat[Any]]
    #: the predictions table written beside the record
    predictions_file: ClassVar[str]
    #: the summary a ``--seeds`` run writes beside its seed runs (``seeds.json``)
    seeds_file: ClassVar[str]

    def __init__(self, task: Any) -> None:
        """Made from its task (an AU run's needs its AU set): :data:`TASK_RUNS`."""
    #: the kind of result a run of this task is, and its summary over seeds, by the names
    #: of :mod:`merbench.results.kind_names`: the plugins are told them as each is written
    kind: ClassVar[str]
    seeds_kind: ClassVar[str]

    def folds_and_labels(self, dataset: Dataset,
                         folds: list[Fold]) -> tuple[list[Fold], np.ndarray]:
        """The protocol's ``folds`` as this task trains and tests them, and what every
        sample is trained and scored against, in sample-table order."""

    def check_several(self) -> None:
        """Refuse (:class:`~merbench.base.errors.MerbenchError`) sweeping or tuning runs of
        this task, whose summaries (``seeds.json``, ``tune.json``) are of emotion runs, when
        its runs cannot be summarised so."""

    def summarise_seeds(self, base: Path, runs: list[Finished],
                        seeds: list[int]) -> SeedsRecord:
        """The summary (:attr:`seeds_file`) of one configuration's seed runs ``runs``, each a
        folder in ``base``, in the order of ``seeds``."""

    def check_recognises_emotions(self, run_dir: Path) -> None:
        """Refuse ``merbench predict`` with the model of ``run_dir`` when this task's
        models do not recognise emotions."""

    def summarise(self, run: StartedRun, outcomes: list[FoldOutcome], wall_time: float
                  ) -> tuple[Record, pd.DataFrame]:
        """The record of a run whose folds all finished (``outcomes``, in fold order), and
        its predictions table."""

    def result(self, run_dir: Path, record: Record, predictions: pd.DataFrame,
               went_on: tuple[str, ...] = ()) -> Finished:
        """A freshly finished run as Python callers get it; ``went_on``: the folds it went
        on training from a state an earlier command saved, in words."""

    def finished_before(self, data: RunData, run_dir: RunDirectory) -> Finished | None:
        """The run stored in ``run_dir`` when it finished before and its files are those its
        record names (a run is never rewritten once finished), else None (it goes on)."""


#: each task's strategy, made from the task (an AU run's needs its AU set); tests check it
#: covers :data:`merbench.data.task.TASKS`
TASK_RUNS: dict[type[Task], type[TaskRun[Any, Any]]] = {EmotionTask: EmotionRun,
                                                        AUTask: AURun}


def task_run(task: Task) -> TaskRun[Any, Any]:
    """The end of a run of ``task``."""
    return TASK_RUNS[type(task)](task)


def folder_record(task: Task, folder: Path) -> RunRecordFormat[Any]:
    """The record format of the run in ``folder`` whose ``run.json`` records ``task``: that
    task's, unless its result file is not there and another task's is, whose then. The
    result file written tells what the run was, whatever its ``run.json`` says now: an
    action-unit run whose ``run.json`` lost its task was read as an emotion run not yet
    finished, and status advised deleting its finished folds (pass 84af, AF2)."""
    record = task_run(task).record
    present = [run.record for run in TASK_RUNS.values()
               if (Path(folder) / run.record.result_file).exists()]
    return present[0] if len(present) == 1 and not \
        (Path(folder) / record.result_file).exists() else record


def _checked_folds(plan: Plan, protocol: Any, dataset: Dataset) -> list[Fold]:
    """The protocol's folds, refused in one line naming its plugin when they are no folds of
    the samples or train on what they test (:func:`fold_problem`), before any file is
    written: a leaking protocol's run validated and audited as any other. Valid folds come
    back as the trainer reads them (:func:`checked_folds`): a numpy integer index failed
    writing the fold file, tuple positions failed indexing the labels, both blamed on the
    model (pass 84i P2)."""
    entry = plan.protocol
    who = f"protocol '{entry.meta.name}' of {entry.origin}"
    if entry.meta.subject_independent:
        _check_subjects_left(dataset, entry.meta.name)
    try:
        given = protocol.folds(dataset.samples)
        folds = list(given) if given is not None else []
    except MerbenchError:
        raise
    except Exception as exc:  # the plugin's own failure, said in words
        if ran_out_of_memory(exc):  # the process's limit, not the plugin (pass 84ag, AG4)
            raise
        raise MerbenchError(f"{who} failed to make its folds ({plugin_words(exc)}); report "
                            "it to the plugin's authors") from None
    problem = fold_problem(folds, dataset.samples, entry.meta.subject_independent)
    if problem is not None:
        raise MerbenchError(f"{who} cannot be run: {problem}; report it to the plugin's "
                            "authors")
    return checked_folds(folds)


def _check_subjects_left(dataset: Dataset, protocol: str) -> None:
    """Refuse a dataset whose skipped samples (``--skip-missing``) took every subject but
    one, naming the one left, those taken and why: a subject-independent protocol said only
    "leave-one-subject-out needs at least two subjects", after the dataset's own refusal
    had offered --skip-missing as the fix (pass 84aa, AA6)."""
    gone = tuple(getattr(dataset, "skipped_subjects", ()) or ())
    left = sorted({str(subject) for subject in dataset.samples["subject"]})
    if not gone or len(left) > 1:
        return
    skipped = dataset.skipped_samples()
    example = f"; e.g. {skipped[0]['sample_id']}: {skipped[0]['reason']}" if skipped else ""
    raise MerbenchError(
        f"{dataset.name}: with --skip-missing only subject {', '.join(left)} is left "
        f"({', '.join(map(str, gone))} {'has' if len(gone) == 1 else 'have'} no usable "
        f"sample{example}); protocol '{protocol}' needs two subjects: restore their "
        "frames, or choose subjects whose frames are there")


def load_data(plan: Plan) -> RunData:
    """Open the dataset, build the protocol's folds, find any saved weights (a checkpoint a
    protocol fold), and give the folds and labels the run's task learns from."""
    plan, dataset = open_selection(plan)  # its options as the dataset spells them
    spec = plan.spec
    protocol = plan.protocol.create("protocol", **spec.protocol_options)
    folds = _checked_folds(plan, protocol, dataset)
    weight_files = None
    if spec.weights is not None:
        weight_files = locate_weights(Path(spec.weights), folds)
    folds, labels = task_run(plan.task).folds_and_labels(dataset, folds)
    return RunData(plan=plan, dataset=dataset, folds=folds, weight_files=weight_files,
                   labels=labels)


def several_runs(task: Task) -> TaskRun[Results, RunResult]:
    """The strategy of ``task`` for a sweep's or a tuning's runs, whose results are
    summarised together as emotion runs' are; a task whose runs cannot be is refused
    (:meth:`TaskRun.check_several`) before any run folder is taken. A ``--seeds`` run asks
    its task's own strategy (:func:`task_run`) for its summary instead."""
    strategy = task_run(task)
    strategy.check_several()
    return strategy


def trial_runs(task: Task) -> EmotionRun:
    """The strategy of ``task`` for a tuning's trial runs: :func:`several_runs`', whose
    results keep no interval over subjects. Nothing shows a trial's interval (a tuning's
    page shows its pooled outer predictions' own), and recomputing it was most of the time
    validating a search of a thousand runs took."""
    strategy = several_runs(task)
    assert isinstance(strategy, EmotionRun)  # check_several refuses every other task
    return dataclasses.replace(strategy, intervals=False)


def finish_run(run: StartedRun, strategy: TaskRun[Record, Finished]) -> Finished:
    """Summarise a run whose every fold is done and write its results, as ``strategy`` (its
    task's) records them: the predictions table, then the task's results file naming every
    file's digest (its manifest), last, so a kill between them leaves a run that is not
    finished, which the next run or ``--resume`` summarises again; then the partial states
    of folds another engine trained are discarded, and the plugins told the result is
    finished (``merbench_result_finished``, in the task's kind's name)."""
    outcomes = [run.done[fold.index] for fold in run.data.folds]
    record, predictions = strategy.summarise(run, outcomes, time.perf_counter() - run.started)
    table = predictions.to_csv(index=False).encode()
    record = dataclasses.replace(record, files=run_manifest(
        run.run_dir.path, len(outcomes), table, predictions_name=strategy.predictions_file))
    written = to_json(record)  # the file's JSON object, and the hook's
    atomic_write_bytes(run.run_dir.path / strategy.predictions_file, table)
    results_file = strategy.record.result_file
    atomic_write_json(run.run_dir.path / results_file, written)
    run.run_dir.discard_partial()
    run.trainer.notify.result_finished(strategy.kind, run.run_dir.path, results_file, written,
                                       run.trainer.info)
    return strategy.result(run.run_dir.path, record, predictions,
                           run.trainer.states.went_on())
