"""A run's identity: what decides its numbers, and the folder names derived from it.

Two runs with equal identities give equal predictions (on the same device and step), so a
run directory continues only the run whose identity it recorded, and a saved fold state is
continued only by that run. Where a run goes and how fast it gets there (device, folds at
once, workers, save interval) is not part of it; the one speed choice that rounds
differently, the fused optimiser step, enters through the hyperparameters.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from merbench.data.dataset import Dataset
from merbench.meta import DatasetMeta, FeatureMeta
from merbench.protocols import folds_fingerprint
from merbench.results.model import Hyperparameters
from merbench.runner.data import RunData
from merbench.runner.spec import RunSpec, what_runs
from merbench.runner.weights import file_digest

DEFAULT_RUNS_DIR = Path("runs")


@dataclass(frozen=True)
class Component:
    """A registered dataset, feature, model or protocol as a run used it."""

    name: str
    version: int
    options: dict[str, Any]
    fingerprint: dict[str, Any] = field(default_factory=dict)  # e.g. the samples' hash

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "options": self.options,
                **self.fingerprint}


def model_identity(name: str, version: int, options: dict[str, Any],
                   built_from: dict[str, str]) -> Component:
    """Which model a run trained: ``built_from`` (what its plugin says decides its numbers
    beyond its options, e.g. timm's version) is recorded only when there is some, so the
    identities of every other model stay as they were."""
    return Component(name, version, options, {"built_from": built_from} if built_from else {})


@dataclass(frozen=True)
class RunIdentity:
    """What decides a run's numbers; ``to_dict`` is what ``run.json`` records."""

    model: Component
    feature: Component
    dataset: Component
    protocol: Component
    seed: int
    shuffle_train_labels: bool
    inner_val_subjects: int | None  # only with --selection inner-val: it changes training
    hyperparameters: Hyperparameters
    weights: dict[str, str] | None  # fold label -> checkpoint digest, with --weights
    # what the task records (merbench.data.task.Task.identity): an AU run's AU set and a hash of
    # the samples' AU label codes; None (and not recorded) for the emotion task
    task: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.to_dict(), "feature": self.feature.to_dict(),
            "dataset": self.dataset.to_dict(), "protocol": self.protocol.to_dict(),
            "seed": self.seed, "shuffle_train_labels": self.shuffle_train_labels,
            **({"inner_val": {"subjects": self.inner_val_subjects}}
               if self.inner_val_subjects is not None else {}),
            "hyperparameters": self.hyperparameters.recorded(),
            **({"weights": self.weights} if self.weights is not None else {}),
            **({"task": self.task} if self.task is not None else {}),
        }

    def digest(self) -> str:
        """SHA-256 of the identity: what a saved fold state is marked with."""
        return json_hash(self.to_dict())


def feature_identity(meta: FeatureMeta, options: dict[str, Any]) -> Component:
    """Which feature values a run trained on (storage options do not change them)."""
    return Component(meta.name, meta.version, meta.identity_options(options))


def dataset_identity(meta: DatasetMeta, options: dict[str, Any], dataset: Dataset) -> Component:
    """Which samples a run used."""
    return Component(meta.name, meta.version, options, {"fingerprint": dataset.fingerprint()})


def run_identity(data: RunData) -> RunIdentity:
    """The identity of the planned run ``data``."""
    plan, spec = data.plan, data.plan.spec
    model, protocol = plan.model.meta, plan.protocol.meta
    return RunIdentity(
        model=model_identity(model.name, model.version, spec.model_options,
                             plan.model.built_from_for(spec.model_options)),
        feature=feature_identity(plan.inputs.feature.meta, spec.feature_options),
        dataset=dataset_identity(plan.inputs.dataset.meta, plan.inputs.dataset_options,
                                 data.dataset),
        protocol=Component(protocol.name, protocol.version, spec.protocol_options,
                           {"folds_fingerprint": folds_fingerprint(data.folds)}),
        seed=spec.seed, shuffle_train_labels=spec.shuffle_train_labels,
        inner_val_subjects=spec.inner_val_subjects if spec.selection == "inner-val" else None,
        hyperparameters=hyperparameters(data),
        weights=None if data.weight_files is None else {
            f.label: file_digest(data.weight_files[f.index]) for f in data.folds},
        task=data.plan.task.identity(lambda: tested_labels_sha256(data)),
    )


def tested_labels_sha256(data: RunData) -> str:
    """The hash of the label of every sample a fold tests, in sample-table order (0 for the
    others), which an AU run's identity records (:meth:`merbench.data.task.AUTask.identity`;
    merbench.au_kind.check computes it from the fold files the same way). Under LOSO
    and LODO every sample a fold trains on is another fold's test sample, so the hash binds
    every label the run learnt from."""
    rows = np.concatenate([fold.test for fold in data.folds]).astype(np.int64)
    return labels_sha256(len(data.labels), rows, np.asarray(data.labels)[rows])


def labels_sha256(n_samples: int, rows: np.ndarray, codes: np.ndarray) -> str:
    """The hash of ``codes`` at sample-table ``rows`` of ``n_samples`` samples, 0 elsewhere:
    what an AU run's identity records, and what validate rebuilds from its fold files."""
    table = np.zeros(n_samples, dtype=np.int64)
    table[rows] = np.asarray(codes, dtype=np.int64)
    return hashlib.sha256(table.tobytes()).hexdigest()[:16]


def hyperparameters(data: RunData) -> Hyperparameters:
    """The recipe used, the precision when it is not fp32, and ``fused_optimizer`` when the
    fused step trains (always on CUDA; on a CPU with ``--fused-optimizer``): it rounds
    differently from the default step, so a run never mixes the two."""
    plan = data.plan
    precision = None if plan.spec.precision == "fp32" else plan.spec.precision
    if plan.recipe is None or not plan.trains:
        return Hyperparameters(precision=precision)
    return Hyperparameters(recipe=plan.recipe, precision=precision,
                           fused_optimizer=True if plan.fused_optimizer() else None)


def json_hash(payload: Any) -> str:
    """SHA-256 of ``payload`` as key-sorted JSON: equal payloads, equal hashes."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def default_run_dir(spec: RunSpec, identity: RunIdentity) -> Path:
    """``runs/<model>-<dataset>-<protocol>-seed<N>-<identity hash>``."""
    return DEFAULT_RUNS_DIR / (f"{spec.model}-{spec.dataset}-{spec.protocol}-seed{spec.seed}-"
                               f"{json_hash(identity.to_dict())[:8]}")


def default_seeds_dir(spec: RunSpec, seeds: list[int]) -> Path:
    """The folder of a ``--seeds`` run: named after what runs, less the seed; where and how
    fast it runs (its :class:`~merbench.runner.spec.RunSettings`) does not rename it."""
    tag = "-".join(map(str, seeds))
    return DEFAULT_RUNS_DIR / (f"{spec.model}-{spec.dataset}-{spec.protocol}-seeds{tag}-"
                               f"{json_hash(what_runs(spec, leave_out=('seed',)))[:8]}")
