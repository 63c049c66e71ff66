"""A tuning's searches recomputed from its record and its runs, for
:mod:`merbench.tuning.check`: each outer fold's study replayed (every trial's
values what the sampler proposes there, every trial ended where the pruner stops it), the
outer folds testing every subject once and training on none they test, and every trial's
runs shown to be the runs the record says (their ``run.json`` specs, with options at their
defaults left out as a run plans them), none testing its outer fold's test subjects, scoring
each recorded step.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import default_plugins
from merbench.results.run_files import ResultRejected, read_predictions
from merbench.results.rundir import RunDirectory
from merbench.runner.spec import RunSpec, from_config
from merbench.tuning import search
from merbench.tuning.archive import RUNS_ARCHIVE
from merbench.tuning.folds import OuterFold
from merbench.tuning.record import (
    NESTED,
    OuterRecord,
    TrialRecord,
    TuneResults,
    outer_folds_problem,
)
from merbench.tuning.run_tuning import objective
from merbench.tuning.run_tuning import run_spec as expected_spec
from merbench.tuning.space import TuneSpec
from merbench.verification.validate import validate_run

#: stored scores went through JSON; anything further apart is another number
TOLERANCE = 1e-9


def inside_runs(folder: Path, relative: str) -> Path:
    """A run folder the record names, refused unless it lies inside the unpacked runs."""
    path = (folder / relative)
    if Path(relative).is_absolute() or ".." in Path(relative).parts or not path.is_dir() \
            or path.is_symlink():
        raise ResultRejected(folder, f"tune.json names run folder '{relative}', which is not "
                                     f"a folder inside the tuning's {RUNS_ARCHIVE}")
    return path


def run_predictions(folder: Path, relative: str, expected: RunSpec, deep: bool,
         counts: dict[str, int] | None = None, classes: list[str] | None = None
         ) -> pd.DataFrame:
    """The predictions of the run at ``relative``, once it is shown to be ``expected``;
    ``counts`` (deep only) gets the dataset's samples per database, as the run records them;
    ``classes`` (deep only): tune.json's, which must be the run's."""
    path = inside_runs(folder, relative)
    record = None
    if deep:
        checked = validate_run(path)
        predictions, record = checked.predictions, checked.record
        if counts is not None:
            counts.update({db: info.n_samples
                           for db, info in checked.results.dataset.databases.items()})
        if classes is not None and checked.results.dataset.classes != classes:
            raise ResultRejected(folder, f"tune.json's classes {classes} are not those of "
                                         f"its run {relative} "
                                         f"({checked.results.dataset.classes})")
    else:
        if not (path / "results.json").is_file():
            raise ResultRejected(path, "has no results.json: the run did not finish")
        predictions = read_predictions(path)
    if record is None:  # not read by a full check of the run
        record = RunDirectory(path).read_run_file()
    spec, _ = from_config(record.config)
    spec, expected = as_planned(spec), as_planned(expected)
    if spec != expected:
        found = {k: v for k, v in spec.to_dict().items() if expected.to_dict()[k] != v}
        name = sorted(found)[0]
        raise ResultRejected(path, f"is not the run tune.json says: its {name} is "
                                   f"{found[name]!r}, the record's {expected.to_dict()[name]!r}")
    return predictions


def as_planned(spec: RunSpec) -> RunSpec:
    """``spec`` with the options set to their factory's default left out, as a run plans
    them: a tuning file that gives ``databases = 3`` (the synthetic dataset's default)
    records it in tune.json, while each run it made records the same setting left out."""
    registries = default_plugins().registries
    try:
        entries: dict[str, Entry[Any]] = {
                   "dataset_options": registries.datasets.get(spec.dataset),
                   "model_options": registries.models.get(spec.model),
                   "protocol_options": registries.protocols.get(spec.protocol)}
        if spec.feature is not None:
            entries["feature_options"] = registries.features.get(spec.feature)
    except MerbenchError:  # a name no plugin gives: compared as recorded
        return spec
    planned: dict[str, Any] = {field: entry.without_defaults(dict(getattr(spec, field)))
                               for field, entry in entries.items()
                               if getattr(spec, field) is not None}
    return dataclasses.replace(spec, **planned)


def close(a: float, b: float) -> bool:
    """Two scores equal but for JSON's rounding (:data:`TOLERANCE`)."""
    return math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE)


def check_outer(folder: Path, outer: OuterRecord, nested: bool) -> OuterFold | None:
    """A nested search's outer fold as the record gives it, once it is shown to train on no
    test subject and its inner folds to split its training subjects (None: test-scored)."""
    if not nested:
        return None
    train, test = set(outer.train_subjects), set(outer.test_subjects)
    if train & test:
        raise ResultRejected(folder, f"outer fold {outer.label} trains on its test subject "
                                     f"{sorted(train & test)[0]}")
    parts = [s for part in outer.inner_validation for s in part]
    if sorted(parts) != sorted(outer.train_subjects):
        raise ResultRejected(folder, f"outer fold {outer.label}: the inner folds do not "
                                     "split its training subjects, each once")
    return OuterFold(index=outer.index, label=outer.label, train=outer.train_subjects,
                     test=outer.test_subjects, inner=outer.inner_validation)


def check_search(folder: Path, spec: TuneSpec, results: TuneResults, outer: OuterRecord,
                  position: int) -> None:
    """Replay the outer fold's study from the record: each trial's values must be those the
    sampler proposes after the trials before it, and each trial must end where the pruner
    stops it (or run every inner fold where it does not). The search is a function of the
    tuning file and the scores (:mod:`merbench.tuning.search`), so this needs no training."""
    steps = (results.inner_folds or 1) if results.mode == NESTED else 1
    limit = results.trials
    if [t.number for t in outer.trials] != list(range(len(outer.trials))) or \
            len(outer.trials) > limit or (results.complete and len(outer.trials) != limit):
        raise ResultRejected(folder, f"outer fold {outer.label} records trials "
                                     f"{[t.number for t in outer.trials]}, not 0 to "
                                     f"{limit - 1}{'' if results.complete else ' or fewer'}")
    study = search.new_study(spec, steps)
    for trial in outer.trials:
        where = f"outer fold {outer.label}, trial {trial.number}"
        asked = search.ask(study, spec, position, trial.number)
        proposed = search.decoded(spec.space, asked.params)
        if json.dumps(proposed, sort_keys=True) != json.dumps(trial.params, sort_keys=True):
            raise ResultRejected(folder, f"{where}: its values {trial.params} are not what "
                                         f"the {results.sampler} sampler proposes there "
                                         f"({proposed})")
        for step, value in enumerate(trial.steps):
            asked.report(value, step)
            stops = step < steps - 1 and asked.should_prune()
            last = step == len(trial.steps) - 1
            if stops != (trial.state == "pruned" and last):
                raise ResultRejected(folder, f"{where}: the {results.pruner} pruner "
                                             f"{'stops' if stops else 'does not stop'} it "
                                             f"after inner fold {step}, but tune.json says "
                                             f"{trial.state} after {len(trial.steps)}")
        search.tell(study, asked, trial.score if trial.state == "complete" else None)


def check_universe(folder: Path, results: TuneResults) -> None:
    """Every outer fold sees the same subjects, and the outer test sets split them, each
    subject tested once: no outer fold (and so no subject's score) left out; and as many
    outer folds as tuning.json recorded when the search began, where it did."""
    if results.mode != NESTED:
        return
    universe = [sorted(set(o.train_subjects) | set(o.test_subjects)) for o in results.outer]
    tested = sorted(s for o in results.outer for s in o.test_subjects)
    if any(u != universe[0] for u in universe) or tested != universe[0]:
        raise ResultRejected(folder, "the outer folds do not test every subject of the "
                                     "protocol once (an outer fold is missing, or tests a "
                                     "subject another tests)")
    problem = outer_folds_problem(folder, results)  # what status gives its total from
    if problem is not None:
        raise ResultRejected(folder, problem)


def check_trial(folder: Path, runs: Path, spec: TuneSpec, results: TuneResults,
                 outer: OuterRecord, fold: OuterFold | None, trial: TrialRecord,
                 deep: bool) -> None:
    """A trial's runs: as many as its state says, each the run the record says (deep: valid
    whole), none testing the outer test subjects, and each step's score and the trial's
    recomputed from their predictions."""
    where = f"outer fold {outer.label}, trial {trial.number}"
    steps = (results.inner_folds or 1) if fold is not None else 1
    expected_runs = steps if trial.state == "complete" else len(trial.steps)
    if len(trial.runs) != expected_runs or len(trial.steps) != expected_runs or \
            (trial.state == "pruned" and not 1 <= expected_runs < steps):
        raise ResultRejected(folder, f"{where}: {len(trial.runs)} runs and "
                                     f"{len(trial.steps)} steps for a {trial.state} trial of "
                                     f"{steps} inner folds")
    if sorted(trial.params) != sorted(p.name for p in spec.space):
        raise ResultRejected(folder, f"{where}: its values {sorted(trial.params)} are not "
                                     "the searched options")
    frames = []
    for step, relative in enumerate(trial.runs):
        expected = expected_spec(spec, results.mode, fold, trial.params,
                                 step if fold is not None else None)
        frame = run_predictions(runs, relative, expected, deep)
        if fold is not None:
            seen = set((frame["database"].astype(str) + "/"
                        + frame["subject"].astype(str)).tolist())
            if seen & set(outer.test_subjects):
                raise ResultRejected(folder, f"{where}: run {relative} tests the outer test "
                                             "subject (leakage)")
        frames.append(frame)
        value = objective(frames, results.classes, results.objective)
        if not close(value, trial.steps[step]):
            raise ResultRejected(folder, f"{where}: step {step} scores {value:.6f} from its "
                                         f"runs but tune.json says {trial.steps[step]:.6f}")
    if trial.state == "complete" and (trial.score is None
                                      or not close(trial.score, trial.steps[-1])):
        raise ResultRejected(folder, f"{where}: its score {trial.score} is not its last "
                                     f"step's {trial.steps[-1]}")
