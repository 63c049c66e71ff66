"""Running a tuning: trials in rounds, every run an ordinary resumable run folder.

Round ``n`` asks every outer fold's study for its trial ``n``, then trains inner fold 0 of
all of them, reports each trial's score to its study's pruner, trains inner fold 1 of those
not pruned, and so on (:func:`tune`). The runs of one step go to
:func:`~merbench.runner.execute.run_many` together: one after another locally, all at once
as Ray tasks with ``--executor ray``. A study sees its own trials in the same order either
way, so the two executors give the same trials, choices and scores.

A nested tuning then retrains each outer fold's best trial on all of its training subjects
and scores it once on its test subjects; the pooled predictions of those retrainings are
the tuning's result. A test-scored tuning's trials are whole outer runs, scored on the test
subjects, and its result is the best of them: the number the field reports.

Nothing here keeps state but the run folders: a killed tuning, started again, reads every
finished run back (run_many trains nothing twice) and rebuilds the same studies. A finished
tuning packs its run folders into ``runs.tar.xz`` (:mod:`merbench.tuning.archive`);
the same command on it unpacks them first, so it goes on exactly as from the folders.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from merbench.base.atomic import atomic_write_bytes, atomic_write_json, remove_leftovers
from merbench.base.errors import MerbenchError
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins
from merbench.plugin_system.option_values import OptionRefused
from merbench.results.codec import to_json
from merbench.results.kind_names import TUNING
from merbench.results.protocol_names import SUBJECT_SPLIT
from merbench.results.run_files import read_predictions
from merbench.results.rundir import held_folder
from merbench.results.schema import now_iso
from merbench.runner.data import canonical_options
from merbench.runner.execute import RunResult, run_many
from merbench.runner.executor_kinds import side_by_side
from merbench.runner.keywords import toml_spelling
from merbench.runner.notify import Notifier
from merbench.runner.plan import plan_run
from merbench.runner.ray_connection import connected
from merbench.runner.spec import RunSettings, RunSpec
from merbench.runner.task_run import load_data, trial_runs
from merbench.scores.interval_records import interval_record
from merbench.scores.metrics import pooled_scores
from merbench.tuning import search
from merbench.tuning.archive import (
    PACKED_FOLDERS,
    RUNS_ARCHIVE,
    archived_digests,
    pack_runs,
    packed_not_folder,
    remove_packed,
    unpack_runs,
)
from merbench.tuning.folds import OuterFold, outer_folds
from merbench.tuning.record import (
    NESTED,
    PREDICTION_COLUMNS,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNE_SCHEMA,
    Mode,
    OuterRecord,
    ParameterRecord,
    ScoresRecord,
    TrialRecord,
    TuneResults,
    final_folder,
)
from merbench.tuning.search_checks import check_corners, claim_folder, first_value
from merbench.tuning.space import TuneSpec


@dataclass(frozen=True)
class Progress:
    """Where a tuning is, for the terminal: the round, its runs and an estimate."""

    round: int  # trials asked so far, per outer fold
    rounds: int
    runs_done: int
    seconds: float
    remaining_s: float | None  # the estimate: seconds per trained run so far x runs left


@dataclass
class _Unit:
    """One study: an outer fold (nested) or the whole protocol (test-scored)."""

    index: int
    fold: OuterFold | None
    study: Any
    # one a round, so trial n is trials[n]
    trials: list[TrialRecord] = dataclasses.field(default_factory=list)


def trial_folder(unit: str, number: int, step: int | None) -> str:
    """A trial's run folder, relative to the tuning's folder."""
    inner = "" if step is None else f"/inner-{step}"
    return f"trials/{unit}/trial-{number:03d}{inner}"


def run_spec(spec: TuneSpec, mode: Mode, fold: OuterFold | None, params: dict[str, Any],
             step: int | None) -> RunSpec:
    """The spec of one run of a tuning: an inner fold (``step``), a retraining on the whole
    outer training set (``step`` None), or, test-scored, a whole outer run."""
    if mode != NESTED:
        return spec.trial_spec(params, spec.protocol, {})
    assert fold is not None
    split = fold.outer_split() if step is None else fold.inner_split(step)
    return spec.trial_spec(params, SUBJECT_SPLIT, split)


def objective(frames: list[pd.DataFrame], classes: list[str], metric: str) -> float:
    """``metric`` of the predictions of ``frames`` pooled, as the outer scores pool them."""
    table = pd.concat(frames, ignore_index=True)
    value = pooled_scores(table["y_true"], table["y_pred"], table["database"],
                          classes)["overall"][metric]
    return float(value) if value is not None else 0.0


@dataclass(frozen=True)
class Checked:
    """What the command says of a search's checks: ``where``, the tuning file, starts a
    refusal of its values (a searched value the model refuses, more inner folds than the
    subjects fill), as every other refusal of the file starts; ``then`` is called once they
    have passed, before anything is written (the command says what it runs there, so a
    refusal is the one line said)."""

    where: str = ""
    then: Callable[[], None] | None = None

    def refused(self, exc: MerbenchError) -> MerbenchError:
        return MerbenchError(f"{self.where}: {exc}" if self.where else str(exc))

    def options_refused(self, exc: OptionRefused) -> MerbenchError:
        """A plugin's refusal of the options the file gave it, said by the file's key for
        them where it has one (``FILE: dataset_options: synthetic: subjects must be ...``):
        said without the file, it read as the command line's (pass 84ad)."""
        if exc.kind != "dataset":  # a model's or a feature's: the file's, by their names
            return self.refused(exc)
        return self.refused(MerbenchError(f"dataset_options: {toml_spelling(str(exc))}"))


def tune(spec: TuneSpec, mode: Mode, settings: RunSettings, out: Path, plugins: Plugins, *,
         timeout_s: float | None = None,
         on_progress: Callable[[Progress], None] | None = None,
         checked: Checked = Checked()) -> TuneResults:
    """Run the search of ``spec`` into ``out``, retrain what it chose, write ``tune.json``
    and tell the plugins of it (and of each run it trained, an emotion run, before);
    ``checked`` names the tuning file in a refusal of its values and tells the command when
    the checks have passed. On Ray, one connection serves every step (a new local instance
    per step would cost its start-up each time)."""
    with ExitStack() as held:
        if side_by_side(settings.executor):
            held.enter_context(connected(settings.ray_address))
        return _tune(spec, mode, settings, out, plugins, timeout_s, on_progress, held,
                     checked)


def _tune(spec: TuneSpec, mode: Mode, settings: RunSettings, out: Path, plugins: Plugins,
          timeout_s: float | None, on_progress: Callable[[Progress], None] | None,
          held: ExitStack, checked: Checked) -> TuneResults:
    started = time.perf_counter()
    first = {p.name: first_value(p) for p in spec.space}
    with building_what_is_planned():  # its trials are trained here
        try:
            planned = plan_run(spec.trial_spec(first, spec.protocol, {}), settings, plugins)
        except OptionRefused as exc:  # only the file gives a plugin its options
            raise checked.options_refused(exc) from None
        data = load_data(planned)
    # tune.json records the dataset options as its runs do (one selection, one run): the
    # check of each run against tune.json compared subjects=1,2 with 'sub01,sub02'
    spec = dataclasses.replace(spec, dataset_options=canonical_options(
        data.plan.inputs.dataset, dict(spec.dataset_options), data.dataset))
    samples = data.dataset.samples
    classes = list(data.dataset.classes)
    nested = mode == NESTED
    steps = spec.inner_folds if nested else 1
    try:
        check_corners(spec, settings, plugins, data)
        # before the folder is claimed: inner folds the subjects cannot fill are refused
        # with nothing written, so the corrected file goes into the same --out
        folds = outer_folds(data.folds, samples, spec.inner_folds if nested else None,
                            spec.seed)
    except MerbenchError as exc:
        raise checked.refused(exc) from None
    if checked.then is not None:
        checked.then()
    # the folder is this command's until it ends: a second search into it is refused, and
    # validate, status and the build can tell a tuning under way from a stopped one
    stray = packed_not_folder(out)
    if stray is not None:  # its run folders could not be made: said before any is tried
        raise MerbenchError(f"{out}: {stray}")
    held.enter_context(held_folder(out, "it keeps every run it trains"))
    # a kill while the runs were packed left its temporary archive: the folder is ours now
    remove_leftovers(out, all_writers=True)
    claim_folder(spec, mode, out, len(folds) if nested else None)
    _unpack_finished(out)
    units = ([_Unit(i, f, search.new_study(spec, steps)) for i, f in enumerate(folds)]
             if nested else [_Unit(0, None, search.new_study(spec, steps))])
    counts = {"runs": 0, "trained": 0}
    trained_seconds = [0.0]

    def run_all(specs: list[tuple[RunSpec, RunSettings]]) -> list[RunResult]:
        begun = time.perf_counter()
        trained: list[bool] = []
        results = run_many(specs, plugins, trial_runs,
                           on_result=lambda _i, _r, fresh: trained.append(fresh))
        counts["runs"] += len(specs)
        counts["trained"] += sum(trained)
        if any(trained):
            trained_seconds[0] += time.perf_counter() - begun
        return results

    runs_per_round = len(units) * steps
    complete = True
    for number in range(spec.trials):
        if number and timeout_s is not None and time.perf_counter() - started > timeout_s:
            complete = False
            break
        _round(spec, mode, units, number, steps, settings, out, classes, run_all)
        if on_progress is not None:
            left = (spec.trials - number - 1) * runs_per_round + (len(units) if nested else 0)
            per_run = trained_seconds[0] / counts["trained"] if counts["trained"] else None
            on_progress(Progress(number + 1, spec.trials, counts["runs"],
                                 time.perf_counter() - started,
                                 None if per_run is None else per_run * left))
    chosen = [best_trial(unit.trials) for unit in units]
    if nested:
        final_runs = [final_folder(unit.fold.folder, c)
                      for unit, c in zip(units, chosen, strict=True) if unit.fold is not None]
        finals = [(run_spec(spec, mode, unit.fold, unit.trials[c].params, None),
                   dataclasses.replace(settings, out=out / folder))
                  for unit, c, folder in zip(units, chosen, final_runs, strict=True)
                  if unit.fold is not None]
        frames = []
        for unit, result in zip(units, run_all(finals), strict=True):
            frame = result.predictions[[c for c in PREDICTION_COLUMNS if c != "fold"]].copy()
            frame["fold"] = unit.index
            frames.append(frame)
        predictions = pd.concat(frames, ignore_index=True)
    else:
        best = units[0].trials[chosen[0]]
        final_runs = [best.runs[0]]
        predictions = read_predictions(out / best.runs[0])[PREDICTION_COLUMNS]
    atomic_write_bytes(out / TUNE_PREDICTIONS_FILE,
                       predictions[PREDICTION_COLUMNS].to_csv(index=False).encode())
    pack_runs(out)  # before tune.json, which names a finished tuning, is written
    results = _record(spec, mode, units, chosen, final_runs, predictions, classes, complete,
                      time.perf_counter() - started, archived_digests(out))
    written = to_json(results)
    atomic_write_json(out / TUNE_FILE, written, compact=True)
    remove_packed(out)
    # told once the folder is as the tuning leaves it: its runs in the archive alone
    Notifier(plugins).result_finished(TUNING, out, TUNE_FILE, written)
    return results


def _unpack_finished(out: Path) -> None:
    """Make a finished tuning's run folders folders again, so the search goes on from them
    (a longer ``trials``, a ``--timeout-s`` stop). A stop can leave both: before
    ``tune.json`` is written (right after the archive) the folders are whole and are the
    runs; after it, while they are removed, they may be half gone and the archive is the one
    whole copy, so they are dropped and unpacked from it again (trusting the folders there
    deleted the archive, then failed on a half-removed run)."""
    if not (out / RUNS_ARCHIVE).is_file():
        return
    if (out / TUNE_FILE).is_file():  # finished: the archive is whole, the folders may not be
        remove_packed(out)
    if not any((out / name).exists() for name in PACKED_FOLDERS):
        unpack_runs(out, out)
    (out / RUNS_ARCHIVE).unlink()


def _round(spec: TuneSpec, mode: Mode, units: list[_Unit], number: int, steps: int,
           settings: RunSettings, out: Path, classes: list[str],
           run_all: Callable[[list[tuple[RunSpec, RunSettings]]], list[RunResult]]) -> None:
    """Trial ``number`` of every unit, step by step, pruning between steps."""
    asked = {u.index: search.ask(u.study, spec, u.index, number) for u in units}
    params = {i: search.decoded(spec.space, t.params) for i, t in asked.items()}
    frames: dict[int, list[pd.DataFrame]] = {u.index: [] for u in units}
    values: dict[int, list[float]] = {u.index: [] for u in units}
    folders: dict[int, list[str]] = {u.index: [] for u in units}
    alive = list(units)
    for step in range(steps):
        specs = []
        for unit in alive:
            name = unit.fold.folder if unit.fold is not None else "all"
            folder = trial_folder(name, number, step if unit.fold is not None else None)
            folders[unit.index].append(folder)
            specs.append((run_spec(spec, mode, unit.fold, params[unit.index],
                                   step if unit.fold is not None else None),
                          dataclasses.replace(settings, out=out / folder)))
        still = []
        for unit, result in zip(alive, run_all(specs), strict=True):
            frames[unit.index].append(result.predictions)
            value = objective(frames[unit.index], classes, spec.objective)
            values[unit.index].append(value)
            trial = asked[unit.index]
            trial.report(value, step)
            if step < steps - 1 and trial.should_prune():
                search.tell(unit.study, trial, None)
                unit.trials.append(TrialRecord(number, params[unit.index], "pruned",
                                               values[unit.index], None,
                                               folders[unit.index]))
            else:
                still.append(unit)
        alive = still
    for unit in alive:
        score = values[unit.index][-1]
        search.tell(unit.study, asked[unit.index], score)
        unit.trials.append(TrialRecord(number, params[unit.index], "complete",
                                       values[unit.index], score, folders[unit.index]))


def best_trial(trials: list[TrialRecord]) -> int:
    """The number of the best complete trial; ties go to the earliest."""
    complete = [t for t in trials if t.state == "complete" and t.score is not None]
    if not complete:
        raise MerbenchError("no trial of an outer fold completed (every one was pruned or "
                            "the time budget ran out first); give more time or trials")
    return max(complete, key=lambda t: (t.score, -t.number)).number


def outer_scores(predictions: pd.DataFrame, classes: list[str]
                 ) -> tuple[ScoresRecord, dict[str, ScoresRecord]]:
    pooled = pooled_scores(predictions["y_true"], predictions["y_pred"],
                           predictions["database"], classes)

    def record(found: dict[str, Any]) -> ScoresRecord:
        return ScoresRecord(uf1=float(found["uf1"] or 0.0), uar=float(found["uar"] or 0.0))

    return (record(pooled["overall"]),
            {db: record(s) for db, s in pooled["per_database"].items()})


def _record(spec: TuneSpec, mode: Mode, units: list[_Unit], chosen: list[int],
            final_runs: list[str], predictions: pd.DataFrame, classes: list[str],
            complete: bool, seconds: float, archived: dict[str, str]) -> TuneResults:
    overall, per_database = outer_scores(predictions, classes)
    outer = []
    for unit, number, final in zip(units, chosen, final_runs, strict=True):
        fold = unit.fold
        outer.append(OuterRecord(
            index=fold.index if fold is not None else 0,
            label=fold.label if fold is not None else "all",
            train_subjects=fold.train if fold is not None else [],
            test_subjects=(fold.test if fold is not None
                           else sorted(set((predictions["database"].astype(str) + "/"
                                            + predictions["subject"].astype(str)).tolist()))),
            inner_validation=fold.inner if fold is not None else [],
            trials=unit.trials, chosen=number, final_run=final))
    return TuneResults(
        schema_version=TUNE_SCHEMA, kind="tune", created=now_iso(), mode=mode,
        model=spec.model, dataset=spec.dataset, protocol=spec.protocol, seed=spec.seed,
        objective=spec.objective, inner_folds=spec.inner_folds if mode == NESTED else None,
        options=spec.options, dataset_options=spec.dataset_options,
        space=[ParameterRecord(**dataclasses.asdict(p)) for p in spec.space],
        sampler=spec.sampler, sampler_seed=spec.sampler_seed, pruner=spec.pruner,
        trials=spec.trials, complete=complete,
        library={"optuna": search.optuna_version()}, outer=outer, classes=classes,
        n_samples=len(predictions), overall=overall, per_database=per_database,
        intervals=interval_record([predictions], len(classes)),
        wall_time_s=round(seconds, 3), archived=archived)


__all__ = [
    "Checked",
    "Progress",
    "best_trial",
    "objective",
    "outer_scores",
    "run_spec",
    "trial_folder",
    "tune",
]
