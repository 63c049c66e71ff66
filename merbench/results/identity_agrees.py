"""Whether a run's results file describes the run its ``run.json`` identity records: the
comparison ``merbench validate`` makes, shared with ``merbench status``.

A results file's model, feature, data, folds, recipe and seed are what a page shows a run
under; ``run.json``'s identity is what its fold files were trained for. ``validate`` refused
a file whose two disagreed (an AU run's record with ``model.version`` -7), while
``status`` called the run complete: the comparison needs no fold, so both make it here.
"""

from __future__ import annotations

from typing import Any

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


def identity_problem(results: Results, identity: dict[str, Any]) -> str | None:
    """Why ``results`` (an emotion run's ``results.json``) is not the run ``identity`` (its
    ``run.json``'s) records, in ``validate``'s words naming the file, or None. Another
    task's record is compared by its own code (its
    :class:`~merbench.results.run_record.RunRecordFormat`)."""
    found = differences(implied_identity(results), identity)
    return None if not found else (
        f"results.json and {RUN_FILE} describe different runs ({'; '.join(found[:2])}, 'here' "
        "being results.json); one of them was edited, publish the run as it was written")
