"""Whether a run's results file describes the run its ``run.json`` identity records: the
comparison ``merbench validate`` makes, shared with ``merbench status``.

A results file's model, feature, data, folds, recipe and seed are what a page shows a run
under; ``run.json``'s identity is what its fold files were trained for. ``validate`` refused
a file whose two disagreed (an ``au-results.json`` with ``model.version`` -7), while
``status`` called the run complete: the comparison needs no fold, so both make it here.
"""

from __future__ import annotations

import functools
from typing import Any

from merbench.data.task import AUTask
from merbench.results.au_file import AU_RESULTS_FILE, AUResults
from merbench.results.codec import to_json
from merbench.results.model import Results
from merbench.results.run_differences import differences
from merbench.results.rundir import RUN_FILE


def implied_identity(results: Results) -> dict[str, Any]:
    """The ``run.json`` identity that the run ``results`` describes must have recorded (the
    identity is JSON in ``run.json``, so this builds the JSON object it is compared with)."""
    def component(name: str, version: int, options: dict[str, Any],
                  **extra: Any) -> dict[str, Any]:
        return {"name": name, "version": version, "options": options, **extra}

    model, feature, dataset, protocol = (results.model, results.feature, results.dataset,
                                         results.protocol)
    inner_val = results.selection.inner_val_subjects
    weights = results.weights
    built_from = model.built_from
    return {
        "model": {**component(model.name, model.version, model.options),
                  **({"built_from": built_from} if built_from else {})},
        "feature": component(feature.name, feature.version, feature.options),
        "dataset": component(dataset.name, dataset.version, dataset.options,
                             fingerprint=dataset.fingerprint),
        "protocol": component(protocol.name, protocol.version, protocol.options,
                              folds_fingerprint=protocol.folds_fingerprint),
        "seed": results.seed, "shuffle_train_labels": results.shuffle_train_labels,
        **({"inner_val": {"subjects": inner_val}} if inner_val is not None else {}),
        "hyperparameters": results.hyperparameters.recorded(),
        **({"weights": weights.sha256} if weights is not None else {}),
    }


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


@functools.singledispatch
def identity_problem(results: Results | AUResults, identity: dict[str, Any]) -> str | None:
    """Why ``results`` (a run's ``results.json`` or ``au-results.json``) is not the run
    ``identity`` (its ``run.json``'s) records, in ``validate``'s words naming the file,
    or None: one function a record's class, dispatched on it."""
    raise TypeError(f"no identity check for a {type(results).__name__}")


@identity_problem.register
def _emotion_identity_problem(results: Results, identity: dict[str, Any]) -> str | None:
    found = differences(implied_identity(results), identity)
    return None if not found else (
        f"results.json and {RUN_FILE} describe different runs ({'; '.join(found[:2])}, 'here' "
        "being results.json); one of them was edited, publish the run as it was written")


@identity_problem.register
def _au_identity_problem(results: AUResults, identity: dict[str, Any]) -> str | None:
    part = au_identity_disagreement(results, identity)
    return None if part is None else (
        f"{AU_RESULTS_FILE}'s {part} is not the one {RUN_FILE}'s identity records (the "
        "identity the fold files were trained for)")
