"""A finished run's results: every policy's pooled metrics, the folds, and provenance.

Every fold keeps its test predictions after every epoch, so each selection policy the run
can support is scored here (:func:`merbench.scores.scoring.score`, the function
``merbench validate`` recomputes with) and recorded, next to the one the run was asked to
report. The record is the typed :class:`~merbench.results.model.Results`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from merbench.plugin_system.entry import Origin
from merbench.plugin_system.manager import plugin_versions
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.collapse import collapse_notes
from merbench.results.model import (
    SCHEMA_VERSION,
    DatabaseCount,
    DatasetRecord,
    EngineRecord,
    FeatureRecord,
    FoldRecord,
    ModelRecord,
    ProtocolRecord,
    ProviderRecord,
    Results,
    SelectionRecord,
    SkippedSample,
    WeightsRecord,
)
from merbench.results.schema import environment, now_iso, predictions_frame
from merbench.runner.data import RunData
from merbench.runner.identity import RunIdentity
from merbench.scores.interval_records import interval_record
from merbench.scores.scoring import score
from merbench.scores.selection import POLICIES, available_policies


def provider(origin: Origin) -> ProviderRecord:
    """What results record of who registered a name the run used."""
    return ProviderRecord(plugin=origin.plugin, package=origin.package,
                          version=origin.package_version or None)


def model_record(data: RunData, identity: RunIdentity) -> ModelRecord:
    """What results files record of the model a run trained (emotion and AU runs alike)."""
    plan, meta = data.plan, data.plan.model.meta
    return ModelRecord(name=meta.name, version=meta.version, kind=meta.kind,
                       options=plan.spec.model_options, description=meta.description,
                       citation=meta.citation, recipe=meta.recipe,
                       extra_training_data=meta.extra_training_data,
                       provider=provider(plan.model.origin),
                       built_from=identity.model.fingerprint.get("built_from", {}))


def feature_record(data: RunData, identity: RunIdentity,
                   feature_report: dict[str, Any] | None) -> FeatureRecord:
    """What results files record of the feature a run trained on."""
    return FeatureRecord(**identity.feature.to_dict(), **(feature_report or {}),
                         provider=provider(data.plan.inputs.feature.origin))


def protocol_record(data: RunData, identity: RunIdentity, *, n_folds: int,
                    n_samples: int) -> ProtocolRecord:
    """What results files record of the protocol: its folds and the samples they test."""
    plan = data.plan
    return ProtocolRecord(
        name=plan.protocol.meta.name, version=plan.protocol.meta.version,
        options=plan.spec.protocol_options, n_folds=n_folds, n_samples=n_samples,
        folds_fingerprint=identity.protocol.fingerprint["folds_fingerprint"],
        provider=provider(plan.protocol.origin))


def summarise(data: RunData, identity: RunIdentity, outcomes: list[FoldOutcome],
              device_name: str, wall_time: float, feature_report: dict[str, Any] | None,
              engine: EngineRecord | None, intervals: bool = True) -> tuple[Results, Any]:
    """The results and the predictions table of a run whose folds all finished; without
    ``intervals`` (a tuning's trial run), no interval over subjects is computed or kept."""
    plan, spec = data.plan, data.plan.spec
    samples = data.dataset.samples
    classes = list(data.dataset.classes)
    policies = available_policies(outcomes, trained_once=not plan.trains_in_epochs,
                                  also=(plan.model.meta.authors_selection, spec.selection))
    tested = np.concatenate([o.test_index for o in outcomes])
    scored = score(outcomes, samples["database"].to_numpy()[tested], classes, policies)
    reported = scored[spec.selection]
    accuracy = reported.fold_accuracy(outcomes)
    rows = []
    folds = []
    for position, outcome in enumerate(outcomes):
        epoch = reported.epochs[position]
        chosen = outcome.epoch_predictions[epoch]
        for row, y_true, y_pred in zip(outcome.test_index, outcome.y_true, chosen, strict=True):
            sample = samples.iloc[int(row)]
            rows.append({"sample_id": sample["sample_id"], "database": sample["database"],
                         "subject": sample["subject"], "fold": outcome.index,
                         "y_true": int(y_true), "y_pred": int(y_pred), "epoch": epoch + 1})
        folds.append(FoldRecord(
            index=outcome.index, key=list(outcome.key), n_train=outcome.n_train,
            n_test=len(outcome.test_index), epoch=epoch + 1,
            epoch_by_policy={name: scored[name].epochs[position] + 1 for name in policies},
            n_inner_val=0 if outcome.val_index is None else len(outcome.val_index),
            accuracy=accuracy[position], seconds=round(outcome.seconds, 3),
            device=outcome.device, folds_at_once=outcome.folds_at_once,
            resumed=outcome.restored, fit_report=outcome.fit_report,
            finished=outcome.finished))
    predictions = predictions_frame(rows)
    dataset_meta = plan.inputs.dataset.meta
    results = Results(
        schema_version=SCHEMA_VERSION,
        created=now_iso(),
        model=model_record(data, identity),
        feature=feature_record(data, identity, feature_report),
        dataset=DatasetRecord(
            name=dataset_meta.name, version=dataset_meta.version,
            options=plan.inputs.dataset_options, n_samples=len(samples),
            n_subjects=data.dataset.n_subjects,
            skipped=[SkippedSample(**entry) for entry in data.dataset.skipped_samples()],
            classes=classes,
            class_counts=np.bincount(samples["label"], minlength=len(classes)).tolist(),
            databases={str(db): DatabaseCount(n_samples=len(group),
                                              n_subjects=int(group["subject"].nunique()))
                       for db, group in samples.groupby("database")},
            fingerprint=identity.dataset.fingerprint["fingerprint"],
            provider=provider(plan.inputs.dataset.origin)),
        protocol=protocol_record(data, identity, n_folds=len(outcomes),
                                 n_samples=len(predictions)),
        selection=SelectionRecord(
            policy=spec.selection, test_set_selection=POLICIES[spec.selection].test_set_selection,
            inner_val_subjects=identity.inner_val_subjects, available=list(policies)),
        seed=spec.seed,
        shuffle_train_labels=spec.shuffle_train_labels,
        hyperparameters=identity.hyperparameters,
        precision=spec.precision,
        trained=plan.trains,
        weights=None if identity.weights is None else WeightsRecord(
            dir=str(spec.weights), sha256=identity.weights),
        metrics=reported.metrics.metrics,
        intervals=interval_record([predictions], len(classes)) if intervals else None,
        metrics_by_policy={name: s.metrics for name, s in scored.items()},
        folds=folds,
        environment=environment(device_name, plugin_versions(plan.plugins)),
        engine=engine,
        wall_time_s=round(wall_time, 3),
        train_time_s=round(sum(o.seconds for o in outcomes), 3),
        folds_resumed=sum(o.restored for o in outcomes),
        notes=collapse_notes(predictions["y_true"].to_numpy(), predictions["y_pred"].to_numpy(),
                             classes, reported.metrics.metrics.overall.uar),
    )
    return results, predictions
