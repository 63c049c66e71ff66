"""What one group of folds computes, as a value that can travel to another process.

A run's driver (the process that plans, reads the data and writes the run directory) turns
each group of folds into a :class:`GroupWork`: the model to build, the recipe, the device and
each fold's rows as indices into the feature array. :func:`compute` turns that and the
features into each fold's per-epoch predictions. The local executor calls it in the driver;
the Ray executor (:mod:`merbench.runner.ray_executor`) calls it in a worker, with the features
from Ray's object store. Both go through this one function, so a fold's numbers do not
depend on where it ran.

A worker rebuilds the model from the plugins installed where it runs, by name; the model's
plugin, package, version and ``built_from`` (e.g. a pretrained file's digest) travel with the
work and must match, so a cluster never mixes two releases of a model, or two weight files,
under one run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from merbench.base.errors import MerbenchError, PluginError, message_of
from merbench.base.literal import counted
from merbench.data.task import EMOTION_TASK, Task
from merbench.meta import TrainRecipe
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import BUILTIN_PLUGINS, load_plugins
from merbench.plugin_system.plugin_fault import advice
from merbench.plugin_system.plugin_import import PluginExit, plugin_code
from merbench.training.device import describe_device, is_out_of_memory
from merbench.training.estimator import fit_predict
from merbench.training.model_output import NotFiniteAtTest, PluginCodeFailed

WorkKind = Literal["train", "evaluate", "fit"]


@dataclass(frozen=True)
class ModelSource:
    """How to build a fresh model: a registered name, its options and the class count.

    ``entry`` is the driver's registry entry (in-process plugins included); it does not
    travel, so a worker looks the name up among its own installed plugins (the model's
    plugin loaded even where autoloading is off) and checks that the same package and
    version provide it and that it is built from the same things (``built_from``)."""

    name: str
    options: dict[str, Any]
    n_classes: int
    package: str
    package_version: str
    plugin: str = ""
    built_from: dict[str, str] = field(default_factory=dict)
    entry: Entry[Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, entry: Entry[Any], options: dict[str, Any], n_classes: int) -> ModelSource:
        return cls(entry.meta.name, dict(options), n_classes, entry.origin.package,
                   entry.origin.package_version, entry.origin.plugin,
                   entry.built_from_for(options), entry)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "entry": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _entry(self) -> Entry[Any]:
        if self.entry is not None:
            return self.entry
        enable = () if self.plugin in BUILTIN_PLUGINS or not self.plugin else (self.plugin,)
        try:
            models = load_plugins(enable=enable).registries.models
        except PluginError:
            models = load_plugins().registries.models
        if self.name not in models:
            raise MerbenchError(f"model '{self.name}' is not installed where this fold ran; "
                                f"install {self.package} {self.package_version} in every "
                                "Ray node's Python environment")
        entry = models.get(self.name)
        found = (entry.origin.package, entry.origin.package_version)
        if found != (self.package, self.package_version):
            raise MerbenchError(
                f"model '{self.name}' comes from {found[0]} {found[1]} where this fold ran "
                f"and from {self.package} {self.package_version} where the run was started; "
                "install the same release on every Ray node")
        here = entry.built_from_for(self.options)
        if here != self.built_from:
            raise MerbenchError(
                f"model '{self.name}' is built from {here} where this fold ran and from "
                f"{self.built_from} where the run was started; give every Ray node the same "
                "files (an absolute path to the same pretrained file) and releases")
        object.__setattr__(self, "entry", entry)
        return entry

    def __call__(self) -> Any:
        """A fresh model (``num_classes`` for factories that name it)."""
        entry = self._entry()
        return entry.create("model", **entry.sized(self.options, self.n_classes))


@dataclass(frozen=True)
class FoldRows:
    """One fold's rows as indices into the features: training rows with their (possibly
    shuffled) labels, and the rows it is evaluated on (test, then any inner-val)."""

    index: int
    seed: int
    train: np.ndarray
    y_train: np.ndarray
    evaluate: np.ndarray
    groups: np.ndarray  # each training row's database/subject, for estimators' inner CV
    weights: Path | None = None  # --weights: this fold's saved state dict


@dataclass(frozen=True)
class GroupWork:
    """Folds that train together (one, or several with the fold-parallel engine)."""

    kind: WorkKind
    model: ModelSource
    recipe: TrainRecipe | None
    device: str
    precision: str
    fused_optimizer: bool
    folds: tuple[FoldRows, ...]
    # folds trained together replay their epochs as CUDA graphs (training.captured_step)
    captured: bool = False
    threads: int | None = None  # intra-op threads where the work runs (None: as set there)
    gpu_share: float | None = None  # Ray: the share of one GPU this task may use
    task: Task = EMOTION_TASK  # what the loss and the predictions are


@dataclass(frozen=True)
class Computed:
    """One fold's predictions after every epoch (test rows, then inner-val rows), the time
    it took, an estimator's fit report, and the device it ran on."""

    predictions: np.ndarray
    seconds: float
    report: dict[str, Any] | None
    device_name: str


def compute(work: GroupWork, features: np.ndarray, *,
            on_epoch: Callable[[int, int], None] | None = None,
            checkpoint: Any = None, seconds_before: float = 0.0) -> list[Computed]:
    """Every fold of ``work``'s predictions. ``on_epoch(position, epoch)`` reports progress;
    ``checkpoint`` (local runs) saves and continues an unfinished group's training state,
    whose earlier seconds are ``seconds_before``.

    What a plugin's model raises in its own code, of any class, is a
    :class:`~merbench.training.model_output.PluginCodeFailed` saying what it raised, here
    where both executors (and spotting's recogniser) compute, so each says it in one line
    naming the plugin; running out of memory is left to the executor, which tries fewer
    folds at a time. Its ``sys.exit`` or a KeyboardInterrupt of its own (no stop signal
    received) is such a fault too: it ended a run silently with the plugin's status, killed
    a Ray worker, or read as the user's Ctrl-C (pass 84m, M1 and M2)."""
    try:
        with plugin_code():
            return _compute(work, features, on_epoch=on_epoch, checkpoint=checkpoint,
                            seconds_before=seconds_before)
    except NotFiniteAtTest as exc:  # its position among the folds here, as the fold's index
        raise NotFiniteAtTest(exc.what, exc.count, work.folds[exc.fold].index) from None
    except MerbenchError:
        raise  # said in one line already (a ModelFault among them)
    except PluginExit as exc:
        entry = work.model.entry
        if entry is None or entry.raised_here(exc.raised) is None:
            raise exc.raised from None  # merbench's own, as it was
        raise PluginCodeFailed(message_of(exc)) from exc.raised
    except Exception as exc:
        entry = work.model.entry
        said = None if entry is None or _out_of_memory(work, exc) else entry.raised_here(exc)
        if said is None:
            raise
        raise PluginCodeFailed(said) from exc


def not_scored(model: Entry[Any] | None, folds: Iterable[Any], exc: BaseException,
               weights: dict[int, Path] | None = None) -> str | None:
    """The line, but for what a run keeps, for a model's NaN or infinite logits on a fold's
    test samples (``exc``; None for any other fault): the fold named by its label among
    ``folds`` (each with ``index`` and ``label``), its plugin blamed. Where the fold was
    evaluated with saved weights (``weights``, by fold index), that file is named as the
    likelier cause: weights can overflow a network that computes finite logits from any
    trained ones, and only the user can give others."""
    if not isinstance(exc, NotFiniteAtTest) or model is None:
        return None
    label = next((f" ({f.label})" for f in folds if f.index == exc.fold), "")
    what = (f"gave {exc.what} logits for {counted(exc.count, 'test sample')} of fold "
            f"{exc.fold}{label} in eval mode")
    checkpoint = None if weights is None else weights.get(exc.fold)
    if checkpoint is None:
        return str(model.fault("model", f"{what}, so none of them is scored", sep=" "))
    return (f"model '{model.meta.name}' of {model.origin} {what} with checkpoint {checkpoint}, "
            "so none of them is scored; that checkpoint is the likelier cause (values too "
            "large for this network, or a training that diverged): give weights that trained, "
            f"or, where they score in the network they came from, {advice(model.origin)}")


def _out_of_memory(work: GroupWork, exc: BaseException) -> bool:
    """Whether ``exc`` is running out of memory; torch is asked only where it trained."""
    if isinstance(exc, MemoryError):
        return True
    return work.kind != "fit" and is_out_of_memory(exc)


def _compute(work: GroupWork, features: np.ndarray, *,
             on_epoch: Callable[[int, int], None] | None,
             checkpoint: Any, seconds_before: float) -> list[Computed]:
    """:func:`compute` itself."""
    started = time.perf_counter()
    device_name = _device_name(work)
    if work.kind == "evaluate":
        return [_evaluate(work, rows, features, device_name, on_epoch, position)
                for position, rows in enumerate(work.folds)]
    if work.kind == "fit":
        return [_fit(work, rows, features, device_name, on_epoch, position)
                for position, rows in enumerate(work.folds)]
    assert work.recipe is not None
    if len(work.folds) == 1:
        # deferred: torch (through training.torch_trainer), which estimators' fold work never loads
        from merbench.training.torch_trainer import train_fold

        rows = work.folds[0]
        predictions = train_fold(work.model, work.recipe, features[rows.train], rows.y_train,
                                 features[rows.evaluate], device=work.device, seed=rows.seed,
                                 on_epoch=None if on_epoch is None
                                 else lambda epoch: on_epoch(0, epoch),
                                 precision=work.precision,
                                 fused_optimizer=work.fused_optimizer, checkpoint=checkpoint,
                                 task=work.task)
        seconds = seconds_before + time.perf_counter() - started
        return [Computed(predictions, seconds, None, device_name)]
    # deferred: torch (through training.fold_parallel), as train_fold above
    from merbench.training.fold_parallel import FoldsStep, FoldTask, train_folds

    step_kind = FoldsStep
    if work.captured:
        # deferred: torch (through training.captured_step), as train_fold above
        from merbench.training.captured_step import CapturedFoldsStep

        step_kind = CapturedFoldsStep
    tasks = [FoldTask(features[r.train], r.y_train, features[r.evaluate], r.seed)
             for r in work.folds]
    together = train_folds(work.model, work.recipe, tasks, device=work.device,
                           on_epoch=on_epoch, precision=work.precision,
                           fused_optimizer=work.fused_optimizer, checkpoint=checkpoint,
                           step_kind=step_kind, task=work.task)
    # time is shared equally among the folds trained together
    seconds = (seconds_before + time.perf_counter() - started) / len(work.folds)
    return [Computed(p, seconds, None, device_name) for p in together]


def _device_name(work: GroupWork) -> str:
    if work.kind == "fit":
        return "cpu"
    return describe_device(work.device)


def _evaluate(work: GroupWork, rows: FoldRows, features: np.ndarray, device_name: str,
              on_epoch: Callable[[int, int], None] | None, position: int) -> Computed:
    # deferred: torch (through training.torch_trainer), as train_fold in compute
    from merbench.training.torch_trainer import evaluate_weights

    assert work.recipe is not None and rows.weights is not None
    started = time.perf_counter()
    predictions = evaluate_weights(work.model, rows.weights, features[rows.evaluate],
                                   device=work.device, batch_size=work.recipe.batch_size,
                                   model_name=work.model.name, precision=work.precision)
    if on_epoch is not None:
        on_epoch(position, 1)
    return Computed(predictions, time.perf_counter() - started, None, device_name)


def _fit(work: GroupWork, rows: FoldRows, features: np.ndarray, device_name: str,
         on_epoch: Callable[[int, int], None] | None, position: int) -> Computed:
    started = time.perf_counter()
    fitted = fit_predict(work.model, features[rows.train], rows.y_train,
                         features[rows.evaluate], seed=rows.seed, groups=rows.groups)
    if on_epoch is not None:
        on_epoch(position, 1)
    return Computed(fitted.predictions, time.perf_counter() - started, fitted.report,
                    device_name)
