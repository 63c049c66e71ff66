"""What ``status`` and ``validate`` check of an action-unit run's ``au-results.json`` on its
own, and the record's format as the run-folder code every run shares takes it
(:data:`AU_RECORD`, handed down by the AU task's strategy in the runner,
:class:`merbench.runner.au_run.AURun`): the shared layers read a run's record without
importing this kind's code or naming its files (issue 82)."""

from __future__ import annotations

from typing import Any

from merbench.au.record import AU_RESULTS_FILE, AUResults, read_au_results
from merbench.data.task import AUTask
from merbench.results.codec import to_json
from merbench.results.recorded_values import (
    check_count,
    check_created,
    check_duration,
    check_entries,
    check_interval,
    check_run_counts,
)
from merbench.results.run_record import RunRecordFormat
from merbench.results.rundir import RUN_FILE


def au_values(results: AUResults) -> None:
    """An action-unit run's ``au-results.json``: its dates, times and sample counts, each
    per-AU list one entry for each AU of its ``au_set`` and each interval a pair."""
    check_created(results.created)
    for field, seconds in (("wall_time_s", results.wall_time_s),
                           ("train_time_s", results.train_time_s)):
        check_duration(field, seconds)
    check_count("dataset.n_samples", results.dataset.n_samples)
    check_count("protocol.n_samples", results.protocol.n_samples)
    check_run_counts(results.protocol.n_folds, results.seed, results.folds)
    n_aus, of = len(results.au_set), "AUs of au_set"
    for scope, scores in (("overall", results.overall),
                          *((f"per_database.{db}", s) for db, s in results.per_database.items())):
        for name in ("f1", "f1_defined", "precision", "recall", "positives", "predicted",
                     "scored"):
            check_entries(f"{scope}.{name}", getattr(scores, name), n_aus, of)
    intervals = {"overall": results.intervals.overall,
                 **{f"per_database.{db}": i for db, i in results.intervals.per_database.items()}}
    for scope, scoped in intervals.items():
        check_interval(f"intervals.{scope}.mean_f1", scoped.mean_f1)
        check_entries(f"intervals.{scope}.f1", scoped.f1, n_aus, of)
        for position, pair in enumerate(scoped.f1):
            check_interval(f"intervals.{scope}.f1[{position}]", pair)


def au_identity_disagreement(results: AUResults, identity: dict[str, Any]) -> str | None:
    """Which part of ``results`` says another run than ``identity`` (what ``run.json``
    records and every fold file's digest names): a page shows a run under its model,
    options, feature, data, folds, recipe and seed, so none may be edited apart from the
    predictions."""
    stated = {
        "model": {"name": results.model.name, "version": results.model.version,
                  "options": results.model.options,
                  **({"built_from": results.model.built_from} if results.model.built_from
                     else {})},
        "feature": {"name": results.feature.name, "version": results.feature.version,
                    "options": results.feature.options},
        "dataset": {"name": results.dataset.name, "version": results.dataset.version,
                    "options": results.dataset.options,
                    "fingerprint": results.dataset.fingerprint},
        "protocol": {"name": results.protocol.name, "version": results.protocol.version,
                     "options": results.protocol.options,
                     "folds_fingerprint": results.protocol.folds_fingerprint},
        "seed": results.seed, "shuffle_train_labels": results.shuffle_train_labels,
        "hyperparameters": results.hyperparameters.recorded(),
    }
    for name, value in stated.items():
        if to_json(value) != identity.get(name):
            return name.replace("_", " ")
    # what the run's task records, as the task itself records it (merbench.data.task)
    stated_task = AUTask(tuple(results.au_set)).identity(lambda: results.dataset.labels_sha256)
    if to_json(stated_task) != identity.get("task"):
        return "AU set or label hash"
    if results.precision != (results.hyperparameters.precision or "fp32"):
        return "precision"
    return None


def au_identity_problem(results: AUResults, identity: dict[str, Any]) -> str | None:
    """Why ``results`` is not the run ``identity`` (its ``run.json``'s) records, in
    ``validate``'s words naming the file, or None."""
    part = au_identity_disagreement(results, identity)
    return None if part is None else (
        f"{AU_RESULTS_FILE}'s {part} is not the one {RUN_FILE}'s identity records (the "
        "identity the fold files were trained for)")


#: an AU run's record; its predictions are AU codes, which its kind's validation checks
AU_RECORD: RunRecordFormat[AUResults] = RunRecordFormat(
    AU_RESULTS_FILE, read_au_results, au_values, au_identity_problem, lambda results: None)
