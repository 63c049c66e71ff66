"""A finished run's results: every policy's pooled metrics, the folds, and provenance.

Every fold keeps its test predictions after every epoch, so each selection policy the run
can support is applied here and recorded, next to the one the run was asked to report.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from merbench.metrics import pooled_scores
from merbench.plugins import plugin_versions
from merbench.results.schema import SCHEMA_VERSION, environment, now_iso, predictions_frame
from merbench.run.data import RunData
from merbench.run.engine import Engine
from merbench.run.identity import RunIdentity
from merbench.runinfo import FoldOutcome
from merbench.selection import POLICIES, available_policies


def summarise(data: RunData, identity: RunIdentity, outcomes: list[FoldOutcome],
              device_name: str, wall_time: float, feature_report: dict[str, Any] | None,
              engine: Engine | None) -> tuple[dict[str, Any], Any]:
    """``results.json`` and the predictions table of a run whose folds all finished."""
    plan, spec = data.plan, data.plan.spec
    samples = data.dataset.samples
    classes = data.dataset.classes
    policies = available_policies(outcomes, trained_once=not plan.trains_in_epochs)
    epochs = {name: [POLICIES[name].choose(o, len(classes)) for o in outcomes]
              for name in policies}
    y_true = np.concatenate([o.y_true for o in outcomes])
    databases = samples["database"].to_numpy()[np.concatenate([o.test_index for o in outcomes])]
    by_policy = {}
    for name in policies:
        y_pred = np.concatenate([o.epoch_predictions[e] for o, e in zip(outcomes, epochs[name],
                                                                         strict=True)])
        by_policy[name] = {"test_set_selection": POLICIES[name].test_set_selection,
                           "description": POLICIES[name].description,
                           "metrics": pooled_scores(y_true, y_pred, databases, classes)}
    rows = []
    fold_rows = []
    for position, outcome in enumerate(outcomes):
        epoch = epochs[spec.selection][position]
        chosen = outcome.epoch_predictions[epoch]
        for row, y_true, y_pred in zip(outcome.test_index, outcome.y_true, chosen, strict=True):
            sample = samples.iloc[int(row)]
            rows.append({"sample_id": sample["sample_id"], "database": sample["database"],
                         "subject": sample["subject"], "fold": outcome.index,
                         "y_true": int(y_true), "y_pred": int(y_pred), "epoch": epoch + 1})
        fold_rows.append({
            "index": outcome.index, "key": list(outcome.key), "n_train": outcome.n_train,
            "n_test": len(outcome.test_index), "epoch": epoch + 1,
            "epoch_by_policy": {name: epochs[name][position] + 1 for name in policies},
            "n_inner_val": 0 if outcome.val_index is None else len(outcome.val_index),
            "accuracy": float(np.mean(chosen == outcome.y_true)),
            "seconds": round(outcome.seconds, 3), "device": outcome.device,
            "folds_at_once": outcome.folds_at_once, "resumed": outcome.restored,
            **({"fit_report": outcome.fit_report} if outcome.fit_report is not None else {}),
        })
    predictions = predictions_frame(rows)
    metrics = by_policy[spec.selection]["metrics"]
    model_meta = plan.model.meta
    per_db = samples.groupby("database")
    ident = identity.to_dict()
    results = {
        "schema_version": SCHEMA_VERSION,
        "created": now_iso(),
        "model": {"name": model_meta.name, "version": model_meta.version,
                  "kind": model_meta.kind, "options": spec.model_options,
                  "description": model_meta.description, "citation": model_meta.citation,
                  "recipe": model_meta.recipe.to_dict() if model_meta.recipe else None,
                  "extra_training_data": model_meta.extra_training_data,
                  "package": plan.model.origin.package},
        "feature": {**ident["feature"], **(feature_report or {})},
        "dataset": {"name": plan.inputs.dataset.meta.name,
                    "version": plan.inputs.dataset.meta.version,
                    "options": plan.inputs.dataset_options,
                    "n_samples": len(samples),
                    "n_subjects": data.dataset.n_subjects,
                    "skipped": data.dataset.skipped_samples(),
                    "classes": list(classes),
                    "class_counts": np.bincount(samples["label"], minlength=len(classes)).tolist(),
                    "databases": {str(db): {"n_samples": len(group),
                                            "n_subjects": int(group["subject"].nunique())}
                                  for db, group in per_db},
                    "fingerprint": ident["dataset"]["fingerprint"]},
        "protocol": {"name": plan.protocol.meta.name,
                     "version": plan.protocol.meta.version,
                     "options": spec.protocol_options, "n_folds": len(outcomes),
                     "n_samples": len(predictions),
                     "folds_fingerprint": ident["protocol"]["folds_fingerprint"]},
        "selection": {"policy": spec.selection,
                      "test_set_selection": POLICIES[spec.selection].test_set_selection,
                      "inner_val_subjects": (spec.inner_val_subjects
                                             if spec.selection == "inner-val" else None),
                      "available": policies},
        "seed": spec.seed,
        "shuffle_train_labels": spec.shuffle_train_labels,
        "hyperparameters": ident["hyperparameters"],
        "precision": spec.precision,
        "trained": plan.trains,
        "weights": (None if plan.trains else {"dir": str(spec.weights),
                                              "sha256": ident["weights"]}),
        "metrics": metrics,
        "metrics_by_policy": by_policy,
        "folds": fold_rows,
        "environment": environment(device_name, plugin_versions(plan.plugins)),
        "engine": engine.to_dict() if engine is not None else None,
        "wall_time_s": round(wall_time, 3),
        "train_time_s": round(sum(o.seconds for o in outcomes), 3),
        "folds_resumed": sum(o.restored for o in outcomes),
    }
    return results, predictions
