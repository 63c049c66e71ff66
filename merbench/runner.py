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
from typing import TYPE_CHECKING, Any

import numpy as np

from merbench.dataset import Dataset
from merbench.errors import MerbenchError
from merbench.extraction import checked_values, extract_feature
from merbench.meta import DatasetMeta, FeatureMeta, TrainRecipe
from merbench.metrics import pooled_scores
from merbench.plugins import PluginRuntimeWarning, Plugins, default_plugins
from merbench.protocols import Fold, folds_fingerprint
from merbench.registry import Entry
from merbench.results.rundir import (
    DifferentRun,
    RunDirectory,
    atomic_write_bytes,
    atomic_write_json,
)
from merbench.results.schema import SCHEMA_VERSION, environment, now_iso, predictions_frame
from merbench.results.seeds import over_seeds
from merbench.runinfo import FoldOutcome, RunInfo
from merbench.selection import POLICIES, available_policies
from merbench.training.device import check_device_name, is_out_of_memory
from merbench.training.seeding import fold_seed

if TYPE_CHECKING:
    from merbench.training.fold_checkpoint import FoldCheckpoint

DEFAULT_RUNS_DIR = Path("runs")
# bf16: torch.autocast around the forward pass and the loss; tf32: float32 tensors whose CUDA
# matrix products and convolutions use TensorFloat-32 (Ampere and newer GPUs)
PRECISIONS = ("fp32", "bf16", "tf32")


@dataclass
class RunConfig:
    """Everything ``merbench run`` accepts; ``None`` means "the model's declared value"."""

    model: str
    dataset: str
    protocol: str = "loso"
    feature: str | None = None  # None: the feature the model declares
    out: Path | None = None
    seed: int = 0
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    device: str = "auto"
    selection: str = "fixed"
    inner_val_subjects: int = 3
    shuffle_train_labels: bool = False
    data_root: str | None = None
    skip_missing: bool = False
    weights: str | None = None
    parallel_folds: int | None = None
    precision: str = "fp32"
    fused_optimizer: bool = False  # the fused Adam / AdamW step on a CPU (always on CUDA)
    checkpoint_every: float = 5.0  # minutes between saves of an unfinished fold; 0: never
    model_options: dict[str, Any] = field(default_factory=dict)
    dataset_options: dict[str, Any] = field(default_factory=dict)
    feature_options: dict[str, Any] = field(default_factory=dict)
    protocol_options: dict[str, Any] = field(default_factory=dict)
    workers: int | None = None  # processes for per-sample features; None: one per core
    features: str | None = None  # a file from 'merbench extract --save'; None: extract here

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
    if config.parallel_folds is not None and config.parallel_folds < 1:
        raise MerbenchError(f"--parallel-folds must be at least 1 (got {config.parallel_folds})"
                            "; 1 trains one fold at a time")
    if config.workers is not None and config.workers < 1:
        raise MerbenchError(f"--workers must be at least 1 (got {config.workers})")
    if not (config.checkpoint_every >= 0 and math.isfinite(config.checkpoint_every)):
        raise MerbenchError(f"--checkpoint-every must be a number of minutes >= 0 (got "
                            f"{config.checkpoint_every}); 0 saves no unfinished fold")
    if config.inner_val_subjects < 1:
        raise MerbenchError(
            f"--inner-val-subjects must be at least 1 (got {config.inner_val_subjects})"
        )
    if config.precision not in PRECISIONS:
        raise MerbenchError(f"unknown --precision '{config.precision}'; use "
                            f"{' or '.join(PRECISIONS)}")
    check_device_name(config.device)


def effective_recipe(declared: TrainRecipe, config: RunConfig) -> TrainRecipe:
    """The model's declared recipe with the command line's overrides applied."""
    overrides = {k: v for k, v in (("epochs", config.epochs), ("batch_size", config.batch_size),
                                   ("lr", config.lr)) if v is not None}
    return replace(declared, **overrides)


def _json_hash(payload: Any) -> str:
    """SHA-256 of ``payload`` as key-sorted JSON: equal payloads, equal hashes."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _short_hash(payload: Any) -> str:
    return _json_hash(payload)[:8]


# RunConfig fields added after --seeds folders were first named by a hash of the config:
# left out of that hash at their defaults, so a repeated command finds its folder again.
_LATER_FIELDS = {"fused_optimizer": False}
# ... and fields left out of it whatever their value: how often a state is saved is not what
# runs, so another --checkpoint-every continues the same folder
_NOT_IN_FOLDER_NAME = ("seed", "out", "checkpoint_every")


def _seeds_dir(config: RunConfig, seeds: list[int]) -> Path:
    """The default folder of a ``--seeds`` run: named after every option but seed and out."""
    fields = {k: v for k, v in config.to_dict().items() if k not in _NOT_IN_FOLDER_NAME
              and not (k in _LATER_FIELDS and v == _LATER_FIELDS[k])}
    tag = "-".join(map(str, seeds))
    return DEFAULT_RUNS_DIR / (f"{config.model}-{config.dataset}-{config.protocol}-"
                               f"seeds{tag}-{_short_hash(fields)}")


def _existing_or_first(candidates: list[Path]) -> Path:
    """The first candidate folder that exists, else the first (where a new run goes)."""
    return next((path for path in candidates if path.exists()), candidates[0])


def without_default_options(config: RunConfig, plugins: Plugins) -> RunConfig:
    """``config`` with every model, dataset, feature and protocol option that is set to its
    factory's default left out (:meth:`Entry.without_defaults`): ``--feature-opt
    crop=reference`` is HTNet's default crop, and a run that names it is the same run as one
    that does not. Unknown names pass through unchanged, for the checks that report them."""
    registries = plugins.registries

    def drop(registry: Any, name: str | None, options: dict[str, Any]) -> dict[str, Any]:
        return registry.get(name).without_defaults(options) if name in registry else options

    feature = config.feature
    if feature is None and config.model in registries.models:
        feature = registries.models.get(config.model).meta.feature
    return replace(
        config,
        model_options=drop(registries.models, config.model, config.model_options),
        dataset_options=drop(registries.datasets, config.dataset, config.dataset_options),
        feature_options=drop(registries.features, feature, config.feature_options),
        protocol_options=drop(registries.protocols, config.protocol, config.protocol_options),
    )


class _Plan:
    """A run, resolved: registry entries, hyper-parameters, data and folds."""

    def __init__(self, config: RunConfig, plugins: Plugins) -> None:
        check_options(config)
        registries = plugins.registries
        self.given = config  # as the caller set it, explicit defaults included
        config = without_default_options(config, plugins)
        self.config = config
        self.plugins = plugins
        self.model: Entry[Any] = registries.models.get(config.model)
        self.dataset_entry: Entry[Any] = registries.datasets.get(config.dataset)
        self.protocol_entry: Entry[Any] = registries.protocols.get(config.protocol)
        feature_name = self.model.meta.feature
        if config.feature is None and feature_name not in registries.features:
            raise MerbenchError(
                f"model '{config.model}' consumes feature '{feature_name}', which no installed "
                f"plugin provides; installed features: {', '.join(registries.features.names())}"
            )
        if config.feature is not None and config.feature != feature_name:
            self.feature: Entry[Any] = registries.features.get(config.feature)
            _check_substitute(config, self.feature.meta.shape,
                              registries.features.get(feature_name).meta.shape
                              if feature_name in registries.features else ())
            feature_name = config.feature
        else:
            self.feature = registries.features.get(feature_name)
        lacking = self.feature.meta.unmet_needs(self.dataset_entry.meta.provides)
        if lacking:
            wanted = ", ".join(need if "|" not in need
                               else "one of " + " or ".join(need.split("|"))
                               for need in lacking)
            raise MerbenchError(
                f"model '{config.model}' needs feature '{feature_name}', which needs "
                f"{wanted} from the dataset, and dataset '{config.dataset}' provides "
                f"only {', '.join(self.dataset_entry.meta.provides) or 'nothing'}"
            )
        self.is_torch = self.model.meta.kind == "torch"
        if config.weights is not None:
            _check_evaluation(config, self.is_torch)
        if self.is_torch:
            self.recipe: TrainRecipe | None = effective_recipe(self.model.meta.recipe, config)
            from merbench.training.torch_trainer import FUSABLE_OPTIMIZERS, fused_step_on_cpu

            if config.fused_optimizer and self.recipe.optimizer not in FUSABLE_OPTIMIZERS:
                raise MerbenchError(
                    f"--fused-optimizer is a step of {' and '.join(FUSABLE_OPTIMIZERS)}, and "
                    f"model '{config.model}' trains with {self.recipe.optimizer}; leave it out")
            if config.fused_optimizer and not fused_step_on_cpu():
                import torch

                raise MerbenchError(f"--fused-optimizer needs torch 2.4 or newer on a CPU (this "
                                    f"is torch {torch.__version__}); upgrade torch or leave "
                                    "it out")
        else:
            for option in ("epochs", "batch_size", "lr"):
                if getattr(config, option) is not None:
                    raise MerbenchError(
                        f"model '{config.model}' is a scikit-learn estimator and has no "
                        f"--{option.replace('_', '-')}; leave it out"
                    )
            self.recipe = None
            if config.precision != "fp32":
                raise MerbenchError(
                    f"model '{config.model}' is a scikit-learn estimator and computes in its "
                    f"own precision; leave out --precision {config.precision}"
                )
            if config.selection != "fixed":
                raise MerbenchError(
                    f"model '{config.model}' is fitted once, so it has one prediction per "
                    f"sample and no epoch to select; leave out --selection {config.selection}"
                )
            if config.fused_optimizer:
                raise MerbenchError(f"model '{config.model}' is a scikit-learn estimator and "
                                    "has no optimiser step; leave out --fused-optimizer")
        if "num_classes" in self.given.model_options:  # even at its default
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
            if config.precision == "tf32" and not self.device.startswith("cuda"):
                raise MerbenchError(f"--precision tf32 is a CUDA matrix-product mode and the "
                                    f"run is on {self.device}; use fp32 or bf16 there")
        # as given: skip_missing=false names the default, and contradicts --skip-missing
        dataset_options = with_skip_missing(self.dataset_entry, self.given.dataset_options,
                                            config.skip_missing)
        self.dataset: Dataset = open_dataset(self.dataset_entry, dataset_options,
                                             config.data_root)
        self.protocol = self.protocol_entry.create("protocol", **config.protocol_options)
        self.folds: list[Fold] = list(self.protocol.folds(self.dataset.samples))
        self.n_classes = len(self.dataset.classes)
        self.weight_files = (_locate_weights(Path(config.weights), self.folds)
                             if config.weights is not None else None)

    @property
    def trains(self) -> bool:
        """False when the run evaluates saved weights (``--weights``) instead of training."""
        return self.weight_files is None

    @property
    def epochs(self) -> int:
        return self.recipe.epochs if self.recipe is not None and self.trains else 1

    def build_model(self) -> Any:
        """A fresh model; ``num_classes`` goes to factories that take it (estimators such as
        scikit-learn classes learn their classes from the labels instead)."""
        options = dict(self.config.model_options)
        if self.model.accepts("num_classes"):
            options["num_classes"] = self.n_classes
        return self.model.create("model", **options)

    def identity(self) -> dict[str, Any]:
        """What decides the numbers: two runs with equal identities give equal results."""
        return self._identity(self.config)

    def identity_as_given(self) -> dict[str, Any]:
        """The identity with the options as the caller set them, explicit defaults included:
        what merbench recorded before it left defaults out, so a run directory such a
        version started is still recognised as this run."""
        return self._identity(self.given)

    def _identity(self, config: RunConfig) -> dict[str, Any]:
        meta = self.model.meta
        return {
            "model": {"name": meta.name, "version": meta.version,
                      "options": config.model_options},
            "feature": feature_identity(self.feature.meta, config.feature_options),
            "dataset": dataset_identity(self.dataset_entry.meta,
                                        self.dataset_identity_options(config), self.dataset),
            "protocol": {"name": self.protocol_entry.meta.name,
                         "version": self.protocol_entry.meta.version,
                         "options": config.protocol_options,
                         "folds_fingerprint": folds_fingerprint(self.folds)},
            "seed": self.config.seed,
            "shuffle_train_labels": self.config.shuffle_train_labels,
            **({"inner_val": {"subjects": self.config.inner_val_subjects}}
               if self.config.selection == "inner-val" else {}),
            "hyperparameters": self.hyperparameters(),
            **({"weights": {f.label: _file_digest(self.weight_files[f.index])
                            for f in self.folds}} if self.weight_files is not None else {}),
        }

    def hyperparameters(self) -> dict[str, Any]:
        """The recipe used, the precision when it is not fp32, and ``fused_optimizer`` when
        the fused step trains (always on CUDA; on a CPU with ``--fused-optimizer``): it
        rounds differently from the default step, so a run never mixes the two. Runs without
        them keep the identity they had before they could be chosen."""
        if self.recipe is None or not self.trains:
            return {"precision": self.config.precision} if self.config.precision != "fp32" \
                else {}
        data = self.recipe.to_dict()
        if self.config.precision != "fp32":
            data["precision"] = self.config.precision
        if _fused(self):
            data["fused_optimizer"] = True
        return data

    def dataset_identity_options(self, config: RunConfig | None = None) -> dict[str, Any]:
        """The dataset options that decide the samples: ``--skip-missing`` counts as the
        option it sets, so a run that skipped samples is never mistaken for one that did not
        (runs without it keep the identity they always had)."""
        config = config or self.config
        options = dict(config.dataset_options)
        if config.skip_missing:
            options["skip_missing"] = True
        return options

    def default_out(self) -> Path:
        """``runs/<model>-<dataset>-<protocol>-seed<N>-<identity hash>``; where an earlier
        merbench named the folder after the options as given (defaults included) and that
        folder exists, that one, so the run continues there."""
        c = self.config
        return _existing_or_first([
            DEFAULT_RUNS_DIR / f"{c.model}-{c.dataset}-{c.protocol}-seed{c.seed}-"
                               f"{_short_hash(identity)}"
            for identity in (self.identity(), self.identity_as_given())])


def feature_identity(meta: FeatureMeta, options: dict[str, Any]) -> dict[str, Any]:
    """The part of a run's identity that says which feature values it trained on."""
    return {"name": meta.name, "version": meta.version,
            "options": meta.identity_options(options)}


def dataset_identity(meta: DatasetMeta, options: dict[str, Any],
                     dataset: Dataset) -> dict[str, Any]:
    """The part of a run's identity that says which samples it used."""
    return {"name": meta.name, "version": meta.version, "options": options,
            "fingerprint": dataset.fingerprint()}


def _check_substitute(config: RunConfig, shape: tuple[int, ...],
                      declared: tuple[int, ...]) -> None:
    """``--feature`` may replace the model's feature only by one of the same per-sample
    shape (e.g. ``tvl1-uvos`` for ``flow-uvos``), so the model's input layer fits."""
    if not shape or not declared or tuple(shape) != tuple(declared):
        show = "x".join(map(str, shape)) or "undeclared"
        want = "x".join(map(str, declared)) or "undeclared"
        raise MerbenchError(f"--feature {config.feature} gives per-sample shape {show}, and "
                            f"model '{config.model}' takes {want}; choose a feature of the "
                            "same shape (see 'merbench list features')")


def with_skip_missing(entry: Entry[Any], options: dict[str, Any],
                      skip_missing: bool) -> dict[str, Any]:
    """The dataset options with ``--skip-missing`` turned into the option it sets."""
    options = dict(options)
    if skip_missing:
        if not entry.accepts("skip_missing"):
            raise MerbenchError(f"dataset '{entry.meta.name}' has no samples to skip; "
                                "leave out --skip-missing")
        if options.get("skip_missing", True) is not True:
            raise MerbenchError("--skip-missing contradicts --dataset-opt "
                                "skip_missing=false; give one of them")
        options["skip_missing"] = True
    return options


def open_dataset(entry: Entry[Any], options: dict[str, Any],
                 data_root: str | None = None) -> Dataset:
    """Build a registered dataset with its options (and ``--data-root`` for datasets that
    read files), with ``provides`` filled in from its metadata when it does not say."""
    options = dict(options)
    if data_root is not None:
        if not entry.accepts("data_root"):
            raise MerbenchError(f"dataset '{entry.meta.name}' reads no files; "
                                "leave out --data-root")
        options["data_root"] = data_root
    dataset: Dataset = entry.create("dataset", **options)
    if getattr(dataset, "provides", None) is None:
        dataset.provides = tuple(entry.meta.provides)
    return dataset


def _check_evaluation(config: RunConfig, is_torch: bool) -> None:
    """``--weights`` evaluates saved models: nothing is trained, so nothing about training
    may be asked for."""
    if not is_torch:
        raise MerbenchError(f"--weights loads torch checkpoints, and model '{config.model}' is "
                            "a scikit-learn estimator; leave out --weights")
    for option in ("epochs", "lr"):
        if getattr(config, option) is not None:
            raise MerbenchError(f"--weights evaluates saved models without training; leave "
                                f"out --{option}")
    for flag in ("shuffle_train_labels", "fused_optimizer"):
        if getattr(config, flag):
            raise MerbenchError("--weights evaluates saved models without training; leave out "
                                f"--{flag.replace('_', '-')}")
    if config.selection != "fixed":
        raise MerbenchError(f"--weights gives one prediction per sample and no epoch to "
                            f"select; leave out --selection {config.selection}")
    if not Path(config.weights).is_dir():
        raise MerbenchError(f"--weights {config.weights} is not a folder; give the folder that "
                            "holds one <subject>.pth checkpoint per LOSO subject")


def _locate_weights(directory: Path, folds: list[Fold]) -> dict[int, Path]:
    """Each fold's checkpoint; every missing one is named before anything runs."""
    from collections import Counter

    from merbench.training.checkpoints import fold_checkpoint

    subjects = Counter(f.key[-1] for f in folds)
    found = {f.index: fold_checkpoint(directory, f.key, subjects[f.key[-1]] > 1) for f in folds}
    missing = [f for f in folds if found[f.index] is None]
    if missing:
        names = ", ".join(
            "/".join((*f.key[:-1], f"{f.key[-1]}.pth")) if subjects[f.key[-1]] > 1
            else f"{f.key[-1]}.pth" for f in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise MerbenchError(
            f"--weights {directory} lacks the checkpoint of {len(missing)} of {len(folds)} "
            f"folds: {names}{more}; each test subject needs its own <subject>.pth "
            "(<database>/<subject>.pth where two databases share a subject id)"
        )
    return {index: path for index, path in found.items() if path is not None}


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def plugin_versions(plugins: Plugins) -> dict[str, str]:
    """Each installed plugin's package and version, as results record them."""
    return {r.origin.plugin: f"{r.origin.package} {r.origin.package_version}".strip()
            for r in plugins.records if r.loaded and r.source != "in-process"}


def run(config: RunConfig, plugins: Plugins | None = None) -> RunResult:
    """Run ``config`` to the end (resuming finished folds) and write its results."""
    started = time.perf_counter()
    plugins = plugins or default_plugins()
    plan = _Plan(config, plugins)
    config = plan.config
    identity = plan.identity()
    run_dir = RunDirectory(config.out if config.out is not None else plan.default_out())
    with run_dir.held():
        try:
            run_dir.open(identity, config.to_dict(), recorded_as=plan.identity_as_given(),
                         n_folds=len(plan.folds))
        except DifferentRun as refused:
            _explain_optimizer_step(plan, run_dir, identity, refused.stored)
            raise
        return _run_held(plan, identity, run_dir, started)


def _explain_optimizer_step(plan: _Plan, run_dir: RunDirectory, identity: dict[str, Any],
                            stored_identity: Any) -> None:
    """A run's folds all take one optimiser step; where the run in ``run_dir`` differs from
    this one only in that step, say how to continue it (CUDA always takes the fused step, a
    CPU the default unless --fused-optimizer)."""
    stored = (stored_identity if isinstance(stored_identity, dict) else {}).get(
        "hyperparameters") or {}
    ours = identity.get("hyperparameters") or {}
    if {**stored, "fused_optimizer": None} != {**ours, "fused_optimizer": None} or \
            bool(stored.get("fused_optimizer")) == bool(ours.get("fused_optimizer")):
        return
    if ours.get("fused_optimizer") and plan.device.startswith("cuda"):
        raise MerbenchError(f"{run_dir.path} was trained with Adam's default step, and on "
                            f"{plan.device} merbench takes the fused step; continue it where "
                            "it started, with --device cpu, or start a new --out")
    if ours.get("fused_optimizer"):
        raise MerbenchError(f"{run_dir.path} was trained with Adam's default step; leave out "
                            "--fused-optimizer to continue it")
    raise MerbenchError(f"{run_dir.path} was trained with the fused optimiser step; add "
                        "--fused-optimizer to continue it on this CPU")


def _run_held(plan: _Plan, identity: dict[str, Any], run_dir: RunDirectory,
              started: float) -> RunResult:
    """The run, once its directory is this process's: features, folds, results."""
    config, plugins = plan.config, plan.plugins
    notify = _Notifier(plugins)
    features, feature_report = _extract(plan, identity, notify)
    labels = plan.dataset.samples["label"].to_numpy()

    finished = {f.index: run_dir.load_fold(f.index) for f in plan.folds}
    from merbench.training.device import describe_device

    device_name = describe_device(plan.device) if plan.is_torch else "cpu"
    info = RunInfo(run_dir=run_dir.path, model=config.model, dataset=config.dataset,
                   protocol=config.protocol, n_folds=len(plan.folds),
                   folds_to_train=sum(v is None for v in finished.values()),
                   epochs=plan.epochs, device=device_name)
    notify("merbench_run_start", run=info)

    done: dict[int, FoldOutcome] = {}
    for fold in plan.folds:
        outcome = finished[fold.index]
        if outcome is None:
            continue
        if list(outcome.test_index) != list(fold.test):
            raise MerbenchError(
                f"{run_dir.fold_path(fold.index)} holds other samples than fold "
                f"{fold.label}; delete it to retrain that fold"
            )
        done[fold.index] = outcome
        notify("merbench_fold_finished", run=info, fold=outcome)
    pending = [fold for fold in plan.folds if fold.index not in done]
    engine = _choose_engine(plan, pending)
    groups = _fold_groups(plan, pending, engine["folds_at_once"])
    states = _SavedStates(plan, identity, run_dir)
    states.warn_if_not_continued(groups)
    while groups:
        group = groups.pop(0)
        try:
            if len(group) == 1:
                trained = [_train_fold(plan, group[0], features, labels, info, device_name,
                                       notify, states)]
            else:
                trained = _train_together(plan, group, features, labels, info, device_name,
                                          notify, states)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            if len(group) == 1:
                fix = ("free the device or use a smaller --batch-size"
                       if plan.is_torch and plan.trains else "free memory on this machine")
                raise MerbenchError(
                    f"{plan.device} ran out of memory training fold {group[0].label} of "
                    f"model '{config.model}' ({_first_line(exc)}); {fix}; every finished "
                    f"fold is kept in {run_dir.path}"
                ) from None
            k = (len(group) + 1) // 2
        else:
            for outcome in trained:
                run_dir.save_fold(outcome)
                done[outcome.index] = outcome
                notify("merbench_fold_finished", run=info, fold=outcome)
            run_dir.discard_partial([fold.index for fold in group])
            continue
        # Too many folds at once for the device's memory: the same folds, fewer at a time
        # (the same training; in fp32 without dropout the same numbers, otherwise other
        # dropout masks or roundings, as engine.same_numbers_as_sequential says).
        _release_memory(plan.device)
        warnings.warn(f"{plan.device} ran out of memory training {len(group)} folds at once; "
                      f"training the remaining folds {k} at a time", RuntimeWarning,
                      stacklevel=1)
        engine = _lowered(engine, k)
        groups = _fold_groups(plan, [f for g in [group, *groups] for f in g], k)
    outcomes = [done[fold.index] for fold in plan.folds]

    results, predictions = _summarise(plan, identity, outcomes, device_name,
                                      time.perf_counter() - started, feature_report, engine)
    atomic_write_bytes(run_dir.path / "predictions.csv",
                       predictions.to_csv(index=False).encode())
    atomic_write_json(run_dir.path / "results.json", results)
    run_dir.discard_partial()  # states of folds another engine trained, if any
    notify("merbench_run_finished", run=info, results=results)
    return RunResult(run_dir=run_dir.path, results=results, predictions=predictions)


def _fold_groups(plan: _Plan, pending: list[Fold], k: int) -> list[list[Fold]]:
    """Folds to train together: at most ``k``, with equal batches per epoch."""
    if k <= 1:
        return [[fold] for fold in pending]
    from merbench.training.fold_parallel import plan_groups

    n_train = [len(fold.train) for fold in pending]
    if plan.config.selection == "inner-val":  # held-out subjects shrink each training set
        n_train = [len(_hold_out_subjects(plan, f, fold_seed(plan.config.seed, f.key))[0])
                   for f in pending]
    return [[pending[i] for i in group]
            for group in plan_groups(n_train, plan.recipe.batch_size, k)]


def _extract(plan: _Plan, identity: dict[str, Any],
             notify: _Notifier | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """The model's input for every sample and what the feature reported about it: extracted
    here (``merbench.extraction.extract_feature``), or read from ``--features`` after checking
    that the file holds this run's feature of this run's samples (``identity``: the run's)."""
    meta = plan.feature.meta
    if plan.config.features is not None:
        return _saved_features(plan, identity)
    extract = plan.feature.create("feature", **plan.config.feature_options)

    def progress(done: int, total: int) -> None:
        if notify is not None:
            notify("merbench_extraction_progress", feature=meta.name,
                   dataset=plan.config.dataset, done=done, total=total)

    return extract_feature(meta, extract, plan.dataset, dataset_name=plan.config.dataset,
                           workers=plan.config.workers, on_progress=progress)


def _saved_features(plan: _Plan,
                    identity: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
    from merbench.features_file import check_matches, load_features

    path = plan.config.features
    saved = load_features(path)
    for what, entry in (("feature", plan.feature), ("dataset", plan.dataset_entry)):
        part = saved.header.get(what)  # files saved before merbench left defaults out
        if isinstance(part, dict) and part.get("name") == entry.meta.name \
                and isinstance(part.get("options"), dict):
            part["options"] = entry.without_defaults(part["options"])
    check_matches(saved, path, feature=identity["feature"], dataset=identity["dataset"],
                  sample_ids=plan.dataset.samples["sample_id"].astype(str).tolist())
    values = checked_values(plan.feature.meta, saved.values, len(plan.dataset.samples),
                            plan.config.dataset)
    report = {**saved.report, "loaded_from": {
        "file": Path(path).name, "created": saved.header.get("created"),
        "environment": saved.header.get("environment")}}
    extra: dict[str, Any] = {"report": report}
    if saved.summary:
        extra["summary"] = saved.summary
    return values, extra


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


@dataclass
class _FoldInputs:
    """A fold's training rows, evaluation rows (test, then any inner-val) and seed."""

    fold: Fold
    seed: int
    train: np.ndarray
    val: np.ndarray | None
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    groups: np.ndarray


def _fold_inputs(plan: _Plan, fold: Fold, features: np.ndarray,
                 labels: np.ndarray) -> _FoldInputs:
    seed = fold_seed(plan.config.seed, fold.key)
    train, val = fold.train, None
    if plan.config.selection == "inner-val":
        train, val = _hold_out_subjects(plan, fold, seed)
    y_train = labels[train]
    if plan.config.shuffle_train_labels:  # leakage control: nothing left to learn
        y_train = np.random.default_rng(seed).permutation(y_train)
    evaluate = fold.test if val is None else np.concatenate([fold.test, val])
    samples = plan.dataset.samples
    groups = (samples["database"].astype(str).to_numpy()[train] + "/"
              + samples["subject"].astype(str).to_numpy()[train])
    return _FoldInputs(fold, seed, train, val, features[train], y_train, features[evaluate],
                       groups)


def _outcome(plan: _Plan, inputs: _FoldInputs, labels: np.ndarray, predictions: np.ndarray,
             seconds: float, device_name: str, fit_report: dict[str, Any] | None = None,
             folds_at_once: int = 1) -> FoldOutcome:
    fold, val = inputs.fold, inputs.val
    n_test = len(fold.test)
    return FoldOutcome(
        index=fold.index, key=fold.key, test_index=np.asarray(fold.test),
        sample_ids=plan.dataset.samples["sample_id"].to_numpy()[fold.test].astype(str),
        y_true=labels[fold.test], epoch_predictions=predictions[:, :n_test],
        n_train=len(inputs.train), seconds=seconds, device=device_name,
        val_index=None if val is None else val,
        val_y_true=None if val is None else labels[val],
        val_predictions=None if val is None else predictions[:, n_test:],
        fit_report=fit_report, folds_at_once=folds_at_once,
    )


def _train_fold(plan: _Plan, fold: Fold, features: np.ndarray, labels: np.ndarray,
                info: RunInfo, device_name: str, notify: _Notifier,
                states: _SavedStates) -> FoldOutcome:
    started = time.perf_counter()
    inputs = _fold_inputs(plan, fold, features, labels)
    report, checkpoint = None, None
    if not plan.trains:
        from merbench.training.torch_trainer import evaluate_weights

        predictions = evaluate_weights(plan.build_model, plan.weight_files[fold.index],
                                       inputs.x_test, device=plan.device,
                                       batch_size=plan.recipe.batch_size,
                                       model_name=plan.model.meta.name,
                                       precision=plan.config.precision)
        notify("merbench_epoch_finished", run=info, fold_index=fold.index, epoch=1)
    elif plan.is_torch:
        from merbench.training.torch_trainer import train_fold

        def on_epoch(epoch: int) -> None:
            notify("merbench_epoch_finished", run=info, fold_index=fold.index, epoch=epoch)

        checkpoint = states.checkpoint([fold], [inputs.seed])
        predictions = train_fold(plan.build_model, plan.recipe, inputs.x_train, inputs.y_train,
                                 inputs.x_test, device=plan.device, seed=inputs.seed,
                                 on_epoch=on_epoch, precision=plan.config.precision,
                                 fused_optimizer=plan.config.fused_optimizer,
                                 checkpoint=checkpoint)
    else:
        from merbench.training.estimator import fit_predict

        fitted = fit_predict(plan.build_model, inputs.x_train, inputs.y_train,
                             inputs.x_test, seed=inputs.seed, groups=inputs.groups)
        predictions, report = fitted.predictions, fitted.report
        notify("merbench_epoch_finished", run=info, fold_index=fold.index, epoch=1)
    before = checkpoint.seconds_before if checkpoint is not None else 0.0
    return _outcome(plan, inputs, labels, predictions, before + time.perf_counter() - started,
                    device_name, report)


class _SavedStates:
    """Where a run saves its unfinished folds' training states (``partial/`` in its
    directory), marked with a hash of the run's identity so that no other run continues
    them, and spaced by what saving cost so far in the run."""

    def __init__(self, plan: _Plan, identity: dict[str, Any], run_dir: RunDirectory) -> None:
        self.plan, self.run_dir = plan, run_dir
        self.run = _json_hash(identity)
        self.cost: Any = None  # a SaveCost, made with the first checkpoint (it needs torch)

    def warn_if_not_continued(self, groups: list[list[Fold]]) -> None:
        """Say which saved states this run will not continue: those of folds now trained
        in other groups (another --parallel-folds, --device or memory), which start over.
        The file stays until the run completes, so the earlier grouping can still use it."""
        planned = {frozenset(fold.index for fold in group) for group in groups}
        pending = set().union(*planned)
        labels = {fold.index: fold.label for fold in self.plan.folds}
        for path, indices in self.run_dir.partial_states():
            if frozenset(indices) in planned or not indices & pending:
                continue
            how = "together" if len(indices) > 1 else "alone"
            # a fold of the group may have finished since; a hand-made name, not in the plan
            names = ", ".join(labels.get(i, f"#{i}") for i in sorted(indices))
            warnings.warn(
                f"the saved state {path} (of {names}, trained {how}) is not continued: this "
                f"run groups those folds otherwise, so they start over; rerun with the "
                f"earlier --parallel-folds and --device to go on from it", RuntimeWarning,
                stacklevel=1)

    def checkpoint(self, folds: list[Fold], seeds: list[int]) -> FoldCheckpoint | None:
        """The checkpoint of ``folds`` (one, or several trained together), or None when
        states are not saved (``--checkpoint-every 0``)."""
        config = self.plan.config
        if config.checkpoint_every <= 0:
            return None
        import torch

        from merbench.training.fold_checkpoint import FoldCheckpoint, SaveCost

        self.cost = self.cost or SaveCost()
        belongs_to = {"run": self.run,
                      "tests": [[int(i) for i in fold.test] for fold in folds],
                      "seeds": seeds, "epochs": self.plan.recipe.epochs,
                      "device": torch.device(self.plan.device).type}
        label = ("folds " if len(folds) > 1 else "fold ") + ", ".join(f.label for f in folds)
        return FoldCheckpoint(self.run_dir.partial_path([fold.index for fold in folds]),
                              config.checkpoint_every * 60, belongs_to, label, self.cost)


def _train_together(plan: _Plan, folds: list[Fold], features: np.ndarray, labels: np.ndarray,
                    info: RunInfo, device_name: str, notify: _Notifier,
                    states: _SavedStates) -> list[FoldOutcome]:
    """Train ``folds`` at once with the fold-parallel engine; each fold's outcome is what
    the sequential path would give. Time is shared equally among the folds."""
    from merbench.training.fold_parallel import FoldTask, train_folds

    started = time.perf_counter()
    inputs = [_fold_inputs(plan, fold, features, labels) for fold in folds]
    tasks = [FoldTask(i.x_train, i.y_train, i.x_test, i.seed) for i in inputs]

    def on_epoch(position: int, epoch: int) -> None:
        notify("merbench_epoch_finished", run=info, fold_index=folds[position].index,
               epoch=epoch)

    checkpoint = states.checkpoint(folds, [i.seed for i in inputs])
    predictions = train_folds(plan.build_model, plan.recipe, tasks, device=plan.device,
                              on_epoch=on_epoch, precision=plan.config.precision,
                              fused_optimizer=plan.config.fused_optimizer,
                              checkpoint=checkpoint)
    before = checkpoint.seconds_before if checkpoint is not None else 0.0
    seconds = (before + time.perf_counter() - started) / len(folds)
    return [_outcome(plan, i, labels, p, seconds, device_name, folds_at_once=len(folds))
            for i, p in zip(inputs, predictions, strict=True)]


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _release_memory(device: str) -> None:
    """Give back what a failed attempt left allocated, before trying with fewer folds."""
    import gc

    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()


def _lowered(engine: dict[str, Any], k: int) -> dict[str, Any]:
    """The engine record after running out of memory: ``k`` folds at once from now on."""
    return {**engine, "folds_at_once": k,
            "lowered_after_out_of_memory_from": engine.get(
                "lowered_after_out_of_memory_from", engine["folds_at_once"])}


def _fused(plan: _Plan) -> bool:
    from merbench.training.torch_trainer import uses_fused_optimizer

    return uses_fused_optimizer(plan.recipe, plan.device, plan.config.fused_optimizer)


def _default_parallel(plan: _Plan) -> bool:
    """Whether folds train together unless asked otherwise: on CUDA, where one fold leaves
    the device idle; not on a CPU, where vmap measured slower than one fold at a time."""
    return plan.device.startswith("cuda")


def _choose_engine(plan: _Plan, pending: list[Fold]) -> dict[str, Any]:
    """Sequential or fold-parallel, how many folds at once, and why: recorded in the
    results and printed, since it decides the run time (never the numbers)."""
    asked = plan.config.parallel_folds
    if not pending:
        return {"mode": "none", "folds_at_once": 0, "reason": "every fold was restored"}
    if not (plan.is_torch and plan.trains):
        return {"mode": "sequential", "folds_at_once": 1,
                "reason": "nothing to train in epochs" if plan.is_torch
                else "a scikit-learn estimator is fitted once per fold"}
    if asked == 1:
        return {"mode": "sequential", "folds_at_once": 1, "reason": "--parallel-folds 1"}
    if asked is None and not _default_parallel(plan):
        return {"mode": "sequential", "folds_at_once": 1,
                "reason": "on a CPU one fold at a time is faster (benchmarks/train_speed.py); "
                          "--parallel-folds K trains K at once"}
    from merbench.training.fold_parallel import folds_that_fit, has_dropout, why_not_batchable

    model = plan.build_model()
    reason = why_not_batchable(model)
    if reason is not None:
        return {"mode": "sequential", "folds_at_once": 1,
                "reason": f"model '{plan.config.model}' cannot train folds together: {reason}"}
    dropout = has_dropout(model)
    exact = not dropout and plan.config.precision == "fp32"
    if dropout and asked is None:
        return {"mode": "sequential", "folds_at_once": 1,
                "reason": f"model '{plan.config.model}' has dropout, and folds trained "
                          "together draw other dropout masks than one at a time; "
                          "--parallel-folds K trains it fold-parallel anyway"}
    k = asked if asked is not None else folds_that_fit(model, plan.device)
    k = max(1, min(k, len(pending)))
    if k == 1:
        return {"mode": "sequential", "folds_at_once": 1,
                "reason": "one fold left" if len(pending) <= 1 else "one fold fits in memory"}
    how = "--parallel-folds" if asked is not None else "free memory"
    return {"mode": "fold-parallel", "folds_at_once": k, "reason": f"set by {how}",
            "same_numbers_as_sequential": exact}


def _hold_out_subjects(plan: _Plan, fold: Fold, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split a fold's training rows into (train, inner-val) by whole subjects, never the
    test subject; which subjects are held out depends only on the fold's seed."""
    samples = plan.dataset.samples
    keys = samples["database"].to_numpy()[fold.train] + "/" + \
        samples["subject"].to_numpy()[fold.train]
    subjects = np.unique(keys)
    wanted = plan.config.inner_val_subjects
    if wanted >= len(subjects):
        raise MerbenchError(
            f"--inner-val-subjects {wanted} leaves no training subject in fold {fold.label} "
            f"({len(subjects)} training subjects); choose fewer"
        )
    held = np.random.default_rng([seed, 1]).choice(subjects, size=wanted, replace=False)
    mask = np.isin(keys, held)
    return fold.train[~mask], fold.train[mask]


def _summarise(plan: _Plan, identity: dict[str, Any], outcomes: list[FoldOutcome],
               device_name: str, wall_time: float,
               feature_report: dict[str, Any] | None = None,
               engine: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
    config = plan.config
    samples = plan.dataset.samples
    classes = plan.dataset.classes
    policies = available_policies(outcomes, trained_once=not (plan.is_torch and plan.trains))
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
        epoch = epochs[config.selection][position]
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
    metrics = by_policy[config.selection]["metrics"]
    model_meta = plan.model.meta
    per_db = samples.groupby("database")
    results = {
        "schema_version": SCHEMA_VERSION,
        "created": now_iso(),
        "model": {"name": model_meta.name, "version": model_meta.version,
                  "kind": model_meta.kind, "options": config.model_options,
                  "description": model_meta.description, "citation": model_meta.citation,
                  "recipe": model_meta.recipe.to_dict() if model_meta.recipe else None,
                  "extra_training_data": model_meta.extra_training_data,
                  "package": plan.model.origin.package},
        "feature": {**identity["feature"], **(feature_report or {})},
        "dataset": {"name": plan.dataset_entry.meta.name,
                    "version": plan.dataset_entry.meta.version,
                    "options": plan.dataset_identity_options(),
                    "n_samples": len(samples),
                    "n_subjects": plan.dataset.n_subjects,
                    "skipped": plan.dataset.skipped_samples(),
                    "classes": list(classes),
                    "class_counts": np.bincount(samples["label"], minlength=len(classes)).tolist(),
                    "databases": {str(db): {"n_samples": len(group),
                                            "n_subjects": int(group["subject"].nunique())}
                                  for db, group in per_db},
                    "fingerprint": identity["dataset"]["fingerprint"]},
        "protocol": {"name": plan.protocol_entry.meta.name,
                     "version": plan.protocol_entry.meta.version,
                     "options": config.protocol_options, "n_folds": len(outcomes),
                     "n_samples": len(predictions),
                     "folds_fingerprint": identity["protocol"]["folds_fingerprint"]},
        "selection": {"policy": config.selection,
                      "test_set_selection": POLICIES[config.selection].test_set_selection,
                      "inner_val_subjects": (config.inner_val_subjects
                                             if config.selection == "inner-val" else None),
                      "available": policies},
        "seed": config.seed,
        "shuffle_train_labels": config.shuffle_train_labels,
        "hyperparameters": identity["hyperparameters"],
        "precision": config.precision,
        "trained": plan.trains,
        "weights": (None if plan.trains else {"dir": str(config.weights),
                                              "sha256": identity["weights"]}),
        "metrics": metrics,
        "metrics_by_policy": by_policy,
        "folds": fold_rows,
        "environment": environment(device_name, plugin_versions(plan.plugins)),
        "engine": engine if engine is None or not (plan.is_torch and plan.trains) else {
            **engine, "fused_optimizer": _fused(plan)},
        "wall_time_s": round(wall_time, 3),
        "train_time_s": round(sum(o.seconds for o in outcomes), 3),
        "folds_resumed": sum(o.restored for o in outcomes),
    }
    return results, predictions


@dataclass
class SeedsResult:
    """A run repeated over several seeds: one run directory per seed and their summary."""

    out: Path
    runs: list[RunResult]
    summary: dict[str, Any]


def summarise_seeds(runs: list[RunResult], seeds: list[int]) -> dict[str, Any]:
    """Per policy: every seed's UF1 / UAR (overall and per database), their mean and std."""
    first = runs[0].results
    policies = [p for p in first["selection"]["available"]
                if all(p in r.results["selection"]["available"] for r in runs)]
    summary: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "kind": "seeds", "created": now_iso(),
        "model": {k: first["model"][k] for k in ("name", "version")},
        "dataset": {k: first["dataset"][k] for k in ("name", "version", "n_samples")},
        "protocol": {k: first["protocol"][k] for k in ("name", "version", "n_folds")},
        "selection": first["selection"]["policy"], "seeds": seeds,
        "runs": {str(seed): r.run_dir.name for seed, r in zip(seeds, runs, strict=True)},
        "std": "sample standard deviation over seeds (ddof=1)",
        "policies": {},
    }
    for policy in policies:
        summary["policies"][policy] = {
            "test_set_selection": POLICIES[policy].test_set_selection,
            **over_seeds(map(str, seeds),
                         [r.results["metrics_by_policy"][policy]["metrics"] for r in runs]),
        }
    return summary


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> [0, 1, 2]; duplicates and negatives are errors."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise MerbenchError(f"--seeds takes whole numbers separated by commas, e.g. 0,1,2 "
                            f"(got '{text}')") from None
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise MerbenchError(f"--seeds needs distinct non-negative seeds, e.g. 0,1,2 "
                            f"(got '{text}')")
    return seeds


def run_seeds(config: RunConfig, seeds: list[int],
              plugins: Plugins | None = None) -> SeedsResult:
    """Run ``config`` once per seed into ``<out>/seed-N`` (each resumable) and summarise."""
    plugins = plugins or default_plugins()
    if config.out is not None:
        base = Path(config.out)
        if (base / "run.json").exists():
            raise MerbenchError(f"--out {base} holds a single-seed run; choose another --out "
                                "for --seeds")
    else:
        base = _existing_or_first([_seeds_dir(c, seeds) for c in (
            without_default_options(config, plugins), config)])
    # each run gets the options as given: run() leaves out defaults itself, and knows a
    # seed directory an earlier merbench recorded with them
    runs = [run(replace(config, seed=seed, out=base / f"seed-{seed}"), plugins=plugins)
            for seed in seeds]
    summary = summarise_seeds(runs, seeds)
    atomic_write_json(base / "seeds.json", summary)
    return SeedsResult(out=base, runs=runs, summary=summary)
