"""Running a protocol: dataset -> feature -> folds -> training -> selection -> results.

:func:`run` is the one engine behind ``merbench run`` and the Python API; both take a
:class:`RunConfig`. Everything that can be checked cheaply (names, options, device) is
checked before any data is built or any fold is trained.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from merbench.dataset import Dataset
from merbench.errors import MerbenchError
from merbench.meta import TrainRecipe
from merbench.metrics import pooled_scores
from merbench.plugins import PluginRuntimeWarning, Plugins, default_plugins
from merbench.protocols import Fold, folds_fingerprint
from merbench.registry import Entry
from merbench.results.rundir import RunDirectory, atomic_write_bytes, atomic_write_json
from merbench.results.schema import SCHEMA_VERSION, environment, now_iso, predictions_frame
from merbench.runinfo import FoldOutcome, RunInfo
from merbench.selection import POLICIES, TEST_SET_POLICIES
from merbench.training.device import check_device_name
from merbench.training.seeding import fold_seed

DEFAULT_RUNS_DIR = Path("runs")


@dataclass
class RunConfig:
    """Everything ``merbench run`` accepts; ``None`` means "the model's declared value"."""

    model: str
    dataset: str
    protocol: str = "loso"
    out: Path | None = None
    seed: int = 0
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    device: str = "auto"
    selection: str = "fixed"
    shuffle_train_labels: bool = False
    model_options: dict[str, Any] = field(default_factory=dict)
    dataset_options: dict[str, Any] = field(default_factory=dict)
    feature_options: dict[str, Any] = field(default_factory=dict)
    protocol_options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["out"] = str(self.out) if self.out is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if known.get("out") is not None:
            known["out"] = Path(known["out"])
        return cls(**known)


@dataclass
class RunResult:
    """What a finished run gives back to Python callers."""

    run_dir: Path
    results: dict[str, Any]
    predictions: Any  # pandas.DataFrame

    @property
    def metrics(self) -> dict[str, Any]:
        return self.results["metrics"]


def check_options(config: RunConfig) -> None:
    """Reject impossible option values before anything is built."""
    if config.epochs is not None and config.epochs < 1:
        raise MerbenchError(f"--epochs must be at least 1 (got {config.epochs})")
    if config.batch_size is not None and config.batch_size < 1:
        raise MerbenchError(f"--batch-size must be at least 1 (got {config.batch_size})")
    if config.lr is not None and not (config.lr > 0 and math.isfinite(config.lr)):
        raise MerbenchError(f"--lr must be a positive number (got {config.lr})")
    if config.seed < 0:
        raise MerbenchError(f"--seed must be a non-negative integer (got {config.seed})")
    if config.selection not in POLICIES:
        raise MerbenchError(
            f"unknown selection policy '{config.selection}'; available: {', '.join(POLICIES)}"
        )
    check_device_name(config.device)


def effective_recipe(declared: TrainRecipe, config: RunConfig) -> TrainRecipe:
    """The model's declared recipe with the command line's overrides applied."""
    overrides = {k: v for k, v in (("epochs", config.epochs), ("batch_size", config.batch_size),
                                   ("lr", config.lr)) if v is not None}
    return replace(declared, **overrides)


def _short_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:8]


class _Plan:
    """A run, resolved: registry entries, hyper-parameters, data and folds."""

    def __init__(self, config: RunConfig, plugins: Plugins) -> None:
        check_options(config)
        registries = plugins.registries
        self.config = config
        self.plugins = plugins
        self.model: Entry[Any] = registries.models.get(config.model)
        self.dataset_entry: Entry[Any] = registries.datasets.get(config.dataset)
        self.protocol_entry: Entry[Any] = registries.protocols.get(config.protocol)
        feature_name = self.model.meta.feature
        if feature_name not in registries.features:
            raise MerbenchError(
                f"model '{config.model}' consumes feature '{feature_name}', which no installed "
                f"plugin provides; installed features: {', '.join(registries.features.names())}"
            )
        self.feature: Entry[Any] = registries.features.get(feature_name)
        lacking = [s for s in self.feature.meta.needs
                   if s not in self.dataset_entry.meta.provides]
        if lacking:
            raise MerbenchError(
                f"model '{config.model}' needs feature '{feature_name}', which needs "
                f"{', '.join(lacking)} from the dataset, and dataset '{config.dataset}' provides "
                f"only {', '.join(self.dataset_entry.meta.provides) or 'nothing'}"
            )
        self.is_torch = self.model.meta.kind == "torch"
        if self.is_torch:
            self.recipe: TrainRecipe | None = effective_recipe(self.model.meta.recipe, config)
        else:
            for option in ("epochs", "batch_size", "lr"):
                if getattr(config, option) is not None:
                    raise MerbenchError(
                        f"model '{config.model}' is a scikit-learn estimator and has no "
                        f"--{option.replace('_', '-')}; leave it out"
                    )
            self.recipe = None
        if "num_classes" in config.model_options:
            raise MerbenchError("the number of classes comes from the dataset; "
                                "do not set num_classes")
        self.model.check_options("model", config.model_options)
        self.dataset_entry.check_options("dataset", config.dataset_options)
        self.feature.check_options("feature", config.feature_options)
        self.protocol_entry.check_options("protocol", config.protocol_options)
        self.device = "cpu"
        if self.is_torch:
            from merbench.training.device import resolve_device

            self.device = resolve_device(config.device)
        self.dataset: Dataset = self.dataset_entry.create("dataset", **config.dataset_options)
        self.protocol = self.protocol_entry.create("protocol", **config.protocol_options)
        self.folds: list[Fold] = list(self.protocol.folds(self.dataset.samples))
        self.n_classes = len(self.dataset.classes)

    @property
    def epochs(self) -> int:
        return self.recipe.epochs if self.recipe is not None else 1

    def build_model(self) -> Any:
        """A fresh model; ``num_classes`` goes to factories that take it (estimators such as
        scikit-learn classes learn their classes from the labels instead)."""
        options = dict(self.config.model_options)
        if self.model.accepts("num_classes"):
            options["num_classes"] = self.n_classes
        return self.model.create("model", **options)

    def identity(self) -> dict[str, Any]:
        """What decides the numbers: two runs with equal identities give equal results."""
        meta = self.model.meta
        return {
            "model": {"name": meta.name, "version": meta.version,
                      "options": self.config.model_options},
            "feature": {"name": self.feature.meta.name, "version": self.feature.meta.version,
                        "options": self.config.feature_options},
            "dataset": {"name": self.dataset_entry.meta.name,
                        "version": self.dataset_entry.meta.version,
                        "options": self.config.dataset_options,
                        "fingerprint": self.dataset.fingerprint()},
            "protocol": {"name": self.protocol_entry.meta.name,
                         "version": self.protocol_entry.meta.version,
                         "options": self.config.protocol_options,
                         "folds_fingerprint": folds_fingerprint(self.folds)},
            "seed": self.config.seed,
            "shuffle_train_labels": self.config.shuffle_train_labels,
            "hyperparameters": asdict(self.recipe) if self.recipe is not None else {},
        }

    def default_out(self) -> Path:
        c = self.config
        name = f"{c.model}-{c.dataset}-{c.protocol}-seed{c.seed}-{_short_hash(self.identity())}"
        return DEFAULT_RUNS_DIR / name


def _plugin_versions(plugins: Plugins) -> dict[str, str]:
    return {r.origin.plugin: f"{r.origin.package} {r.origin.package_version}".strip()
            for r in plugins.records if r.loaded and r.source != "in-process"}


def run(config: RunConfig, plugins: Plugins | None = None) -> RunResult:
    """Run ``config`` to the end (resuming finished folds) and write its results."""
    started = time.perf_counter()
    plugins = plugins or default_plugins()
    plan = _Plan(config, plugins)
    identity = plan.identity()
    run_dir = RunDirectory(config.out if config.out is not None else plan.default_out())
    run_dir.open(identity, config.to_dict())

    features = _extract(plan)
    labels = plan.dataset.samples["label"].to_numpy()

    finished = {f.index: run_dir.load_fold(f.index) for f in plan.folds}
    from merbench.training.device import describe_device

    device_name = describe_device(plan.device) if plan.is_torch else "cpu"
    info = RunInfo(run_dir=run_dir.path, model=config.model, dataset=config.dataset,
                   protocol=config.protocol, n_folds=len(plan.folds),
                   folds_to_train=sum(v is None for v in finished.values()),
                   epochs=plan.epochs, device=device_name)
    notify = _Notifier(plugins)
    notify("merbench_run_start", run=info)

    outcomes: list[FoldOutcome] = []
    for fold in plan.folds:
        outcome = finished[fold.index]
        if outcome is not None:
            if list(outcome.test_index) != list(fold.test):
                raise MerbenchError(
                    f"{run_dir.fold_path(fold.index)} holds other samples than fold "
                    f"{fold.label}; delete it to retrain that fold"
                )
        else:
            outcome = _train_fold(plan, fold, features, labels, info, device_name, notify)
            run_dir.save_fold(outcome)
        outcomes.append(outcome)
        notify("merbench_fold_finished", run=info, fold=outcome)

    results, predictions = _summarise(plan, identity, outcomes, device_name,
                                      time.perf_counter() - started)
    atomic_write_bytes(run_dir.path / "predictions.csv",
                       predictions.to_csv(index=False).encode())
    atomic_write_json(run_dir.path / "results.json", results)
    notify("merbench_run_finished", run=info, results=results)
    return RunResult(run_dir=run_dir.path, results=results, predictions=predictions)


def _extract(plan: _Plan) -> np.ndarray:
    """The model's input for every sample, checked against the feature's declared shape."""
    meta = plan.feature.meta
    extract = plan.feature.create("feature", **plan.config.feature_options)
    features = np.ascontiguousarray(extract(plan.dataset), dtype=np.float32)
    n_samples = len(plan.dataset.samples)
    if len(features) != n_samples:
        raise MerbenchError(
            f"feature '{meta.name}' returned {len(features)} rows for {n_samples} samples"
        )
    if meta.shape and tuple(features.shape[1:]) != tuple(meta.shape):
        raise MerbenchError(
            f"feature '{meta.name}' declares per-sample shape {tuple(meta.shape)} but gave "
            f"{tuple(features.shape[1:])} on dataset '{plan.config.dataset}'"
        )
    return features


class _Notifier:
    """Calls a lifecycle hook; a failing reporter is reported once and the run goes on."""

    def __init__(self, plugins: Plugins) -> None:
        self.hook = plugins.hook
        self.reported: set[str] = set()

    def __call__(self, name: str, **kwargs: Any) -> None:
        try:
            getattr(self.hook, name)(**kwargs)
        except Exception as exc:
            if name not in self.reported:
                self.reported.add(name)
                warnings.warn(
                    f"a plugin failed in {name} ({type(exc).__name__}: {exc}); the run goes "
                    "on, and that plugin's later calls of this hook may be skipped",
                    PluginRuntimeWarning, stacklevel=2,
                )


def _train_fold(plan: _Plan, fold: Fold, features: np.ndarray, labels: np.ndarray,
                info: RunInfo, device_name: str, notify: _Notifier) -> FoldOutcome:
    seed = fold_seed(plan.config.seed, fold.key)
    started = time.perf_counter()
    x_train, y_train = features[fold.train], labels[fold.train]
    if plan.config.shuffle_train_labels:  # leakage control: nothing left to learn
        y_train = np.random.default_rng(seed).permutation(y_train)
    x_test = features[fold.test]
    if plan.is_torch:
        from merbench.training.torch_trainer import train_fold

        def on_epoch(epoch: int) -> None:
            notify("merbench_epoch_finished", run=info, fold_index=fold.index, epoch=epoch)

        predictions = train_fold(plan.build_model, plan.recipe, x_train, y_train, x_test,
                                 device=plan.device, seed=seed, on_epoch=on_epoch)
    else:
        from merbench.training.estimator import fit_predict

        predictions = fit_predict(plan.build_model, x_train, y_train, x_test, seed=seed)
        notify("merbench_epoch_finished", run=info, fold_index=fold.index, epoch=1)
    samples = plan.dataset.samples
    return FoldOutcome(
        index=fold.index, key=fold.key, test_index=np.asarray(fold.test),
        sample_ids=samples["sample_id"].to_numpy()[fold.test].astype(str),
        y_true=labels[fold.test], epoch_predictions=predictions,
        n_train=len(fold.train), seconds=time.perf_counter() - started, device=device_name,
    )


def _summarise(plan: _Plan, identity: dict[str, Any], outcomes: list[FoldOutcome],
               device_name: str, wall_time: float) -> tuple[dict[str, Any], Any]:
    config = plan.config
    policy = POLICIES[config.selection]
    samples = plan.dataset.samples
    rows = []
    fold_rows = []
    for outcome in outcomes:
        epoch = policy(outcome)
        chosen = outcome.epoch_predictions[epoch]
        for position, y_true, y_pred in zip(outcome.test_index, outcome.y_true, chosen,
                                            strict=True):
            sample = samples.iloc[int(position)]
            rows.append({"sample_id": sample["sample_id"], "database": sample["database"],
                         "subject": sample["subject"], "fold": outcome.index,
                         "y_true": int(y_true), "y_pred": int(y_pred), "epoch": epoch + 1})
        fold_rows.append({
            "index": outcome.index, "key": list(outcome.key), "n_train": outcome.n_train,
            "n_test": len(outcome.test_index), "epoch": epoch + 1,
            "accuracy": float(np.mean(chosen == outcome.y_true)),
            "seconds": round(outcome.seconds, 3), "device": outcome.device,
            "resumed": outcome.restored,
        })
    predictions = predictions_frame(rows)
    classes = plan.dataset.classes
    metrics = pooled_scores(predictions["y_true"], predictions["y_pred"],
                            predictions["database"], classes)
    model_meta = plan.model.meta
    per_db = samples.groupby("database")
    results = {
        "schema_version": SCHEMA_VERSION,
        "created": now_iso(),
        "model": {"name": model_meta.name, "version": model_meta.version,
                  "kind": model_meta.kind, "options": config.model_options,
                  "citation": model_meta.citation,
                  "extra_training_data": model_meta.extra_training_data,
                  "package": plan.model.origin.package},
        "feature": identity["feature"],
        "dataset": {"name": plan.dataset_entry.meta.name,
                    "version": plan.dataset_entry.meta.version,
                    "options": config.dataset_options,
                    "n_samples": len(samples), "n_subjects": plan.dataset.n_subjects,
                    "classes": list(classes),
                    "class_counts": np.bincount(samples["label"], minlength=len(classes)).tolist(),
                    "databases": {str(db): {"n_samples": len(group),
                                            "n_subjects": int(group["subject"].nunique())}
                                  for db, group in per_db},
                    "fingerprint": identity["dataset"]["fingerprint"]},
        "protocol": {"name": plan.protocol_entry.meta.name,
                     "version": plan.protocol_entry.meta.version,
                     "options": config.protocol_options, "n_folds": len(outcomes),
                     "folds_fingerprint": identity["protocol"]["folds_fingerprint"]},
        "selection": {"policy": config.selection,
                      "test_set_selection": config.selection in TEST_SET_POLICIES},
        "seed": config.seed,
        "shuffle_train_labels": config.shuffle_train_labels,
        "hyperparameters": identity["hyperparameters"],
        "metrics": metrics,
        "folds": fold_rows,
        "environment": environment(device_name, _plugin_versions(plan.plugins)),
        "wall_time_s": round(wall_time, 3),
        "train_time_s": round(sum(o.seconds for o in outcomes), 3),
        "folds_resumed": sum(o.restored for o in outcomes),
    }
    return results, predictions
