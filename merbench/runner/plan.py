"""Planning a run: every name, option and combination checked before any data is read.

:func:`plan_run` resolves a :class:`~merbench.runner.spec.RunSpec` and its
:class:`~merbench.runner.spec.RunSettings` against the installed plugins (registry entries, the
model's recipe with the command line's overrides, the device) and refuses what cannot work,
with one line that names the fix (the checks of the options themselves are
:mod:`merbench.runner.checks`). It reads no data and trains nothing; :mod:`merbench.runner.data`
then opens the dataset and builds the folds.

``merbench extract`` plans its dataset and feature with the same :func:`plan_inputs`, so the
two commands accept the same options and say the same things about them.

Planning loads no model library: the factories' options come from the registry's metadata
(:meth:`merbench.plugin_system.entry.Entry.factory_options`, read for a plan's four
factories at once), and ``--device auto`` is resolved when :attr:`Plan.device` is first asked;
an accelerator named outright (``cuda``, ``mps``), ``--precision tf32`` or
``--fused-optimizer`` still ask torch while planning, so that what cannot work is refused
before any data is read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.data.task import Task
from merbench.meta import TrainRecipe
from merbench.plugin_system.entry import Entry, read_options
from merbench.plugin_system.manager import Plugins
from merbench.plugin_system.option_values import OptionRefused
from merbench.plugin_system.registry import Registries, Registry
from merbench.runner.checks import (
    check_eager,
    check_fused_step,
    check_model_options,
    check_paths,
    check_precision,
    check_training,
    check_values,
)
from merbench.runner.feature_fit import feature_to_feed
from merbench.runner.ray_address import joins_a_cluster
from merbench.runner.spec import RunSettings, RunSpec
from merbench.scores.selection import authors_policy
from merbench.training import device as devices  # by module: tests stand in a device


@dataclass(frozen=True)
class InputsPlan:
    """Which dataset and which feature, with their options (defaults left out)."""

    dataset: Entry[Any]
    feature: Entry[Any]
    dataset_options: dict[str, Any]  # with --skip-missing as the option it sets: the
    # options that decide the samples, so a run that skipped some is never taken for one
    # that did not
    feature_options: dict[str, Any]
    data_root: str | None


def plan_inputs(registries: Registries, *, dataset: str, feature: str,
                dataset_options: dict[str, Any], feature_options: dict[str, Any],
                skip_missing: bool, data_root: str | None,
                needed_by: str | None = None) -> InputsPlan:
    """Check that ``feature`` can be computed from ``dataset`` with these options.

    ``needed_by`` names the model that consumes the feature, for the message when the
    dataset lacks what the feature needs. Options set to their defaults are left out, so a
    run or a saved feature file that names a default is the same as one that does not."""
    dataset_entry = registries.datasets.get(dataset)
    feature_entry = registries.features.get(feature)
    read_options([dataset_entry, feature_entry])  # one child process when not known yet
    lacking = feature_entry.meta.unmet_needs(dataset_entry.meta.provides)
    if lacking:
        wanted = ", ".join(need if "|" not in need
                           else "one of " + " or ".join(need.split("|")) for need in lacking)
        who = (f"model '{needed_by}' needs feature '{feature}', which needs" if needed_by
               else f"feature '{feature}' needs")
        provides = dataset_entry.meta.provides
        fix = ""
        if needed_by:
            instead = computable_instead(registries, feature, provides)
            if instead:
                fix = (f"; {' or '.join(f'--feature {name}' for name in instead)} computes "
                       f"the model's input from what '{dataset}' provides")
        raise MerbenchError(f"{who} {wanted} from the dataset, and dataset '{dataset}' "
                            f"provides only {', '.join(provides) or 'nothing'}{fix}")
    return InputsPlan(
        dataset=dataset_entry, feature=feature_entry,
        dataset_options=dataset_entry.without_defaults(
            with_skip_missing(dataset_entry, dataset_options, skip_missing)),
        feature_options=feature_entry.without_defaults(feature_options),
        data_root=data_root)


def computable_instead(registries: Registries, feature: str,
                        provides: tuple[str, ...] | list[str]) -> list[str]:
    """Registered features a model could take in place of ``feature``, whose needs
    ``provides`` meets: only where ``feature`` reads one dataset source as it is (so another
    feature of its declared shape computes the same input another way, as ``tvl1-uvos``
    computes ``flow-uvos`` from raw frames); a feature that combines several sources, such
    as HTNet's regions, has no stand-in of merely the same shape."""
    declared = registries.features.get(feature).meta
    shape = tuple(declared.shape or ())
    if len(declared.needs) != 1:
        return []
    return [entry.meta.name for entry in registries.features
            if entry.meta.name != feature and shape
            and tuple(entry.meta.shape or ()) == shape
            and not entry.meta.unmet_needs(tuple(provides))]


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


def plan_extraction(spec: RunSpec, settings: RunSettings, plugins: Plugins) -> InputsPlan:
    """The inputs of ``spec`` alone, its dataset and its ``feature`` (no model): what
    ``merbench extract`` computes. They are checked as :func:`plan_run` checks a run's, so
    the two commands accept the same options, say the same things about them, and a file
    saved from an extraction serves the run as it is."""
    check_values(spec, settings)
    inputs = plan_inputs(plugins.registries, dataset=spec.dataset, feature=str(spec.feature),
                         dataset_options=spec.dataset_options,
                         feature_options=spec.feature_options,
                         skip_missing=spec.skip_missing, data_root=settings.data_root)
    inputs.dataset.check_options("dataset", inputs.dataset_options)
    inputs.feature.check_options("feature", inputs.feature_options)
    return inputs


@dataclass(frozen=True)
class Plan:
    """A run resolved against the plugins: what to build and where, before any data."""

    spec: RunSpec  # model and protocol options with their defaults left out
    settings: RunSettings
    plugins: Plugins
    model: Entry[Any]
    protocol: Entry[Any]
    inputs: InputsPlan
    recipe: TrainRecipe | None  # None for a scikit-learn estimator
    task: Task  # what the run predicts (--task, --au-set), checked while planning
    planned_device: str  # "cpu" for estimators; for a torch model --device as planned
    device_resolved: bool = True  # False: planned_device is resolved when first asked

    @cached_property
    def device(self) -> str:
        """Where a torch model runs ("cpu" for estimators). ``--device auto`` (and ``cpu``)
        is resolved here, when first asked (by the run's identity), not while planning:
        whether CUDA is present is torch's to say, and planning alone (a sweep's plans,
        ``--seeds``' folder, ``merbench run`` before its data) loads no torch."""
        if self.device_resolved:
            return self.planned_device
        return devices.resolve_device(self.planned_device)

    @property
    def is_torch(self) -> bool:
        return self.model.meta.kind == "torch"

    @property
    def trains(self) -> bool:
        """False when the run evaluates saved weights (``--weights``) instead of training."""
        return self.spec.weights is None

    @property
    def trains_in_epochs(self) -> bool:
        return self.is_torch and self.trains

    @property
    def epochs(self) -> int:
        return self.recipe.epochs if self.recipe is not None and self.trains else 1

    def captures(self) -> bool:
        """Whether folds trained together replay their epochs as captured CUDA graphs
        (``captured_step``): on CUDA, for Adam and AdamW (whose fused step is capturable),
        unless ``--eager``. A fold trained alone (the sequential trainer) stays eager."""
        if self.recipe is None or self.settings.eager or not self.trains_in_epochs:
            return False
        # deferred: torch (through training.torch_trainer), as in fused_optimizer
        from merbench.training.torch_trainer import FUSABLE_OPTIMIZERS

        return self.device.startswith("cuda") and self.recipe.optimizer in FUSABLE_OPTIMIZERS

    def fused_optimizer(self) -> bool:
        """Whether training takes the fused Adam / AdamW step (always on CUDA)."""
        if self.recipe is None:
            return False
        # deferred: torch (through training.torch_trainer), which only a torch model's plan needs
        from merbench.training.torch_trainer import uses_fused_optimizer

        return uses_fused_optimizer(self.recipe, self.device, self.spec.fused_optimizer)


def effective_recipe(declared: TrainRecipe, spec: RunSpec) -> TrainRecipe:
    """The model's declared recipe with the command line's overrides applied."""
    return replace(declared,
                   epochs=declared.epochs if spec.epochs is None else spec.epochs,
                   batch_size=declared.batch_size if spec.batch_size is None
                   else spec.batch_size,
                   lr=declared.lr if spec.lr is None else spec.lr,
                   data_order=declared.data_order if spec.data_order is None
                   else spec.data_order)


def plan_run(spec: RunSpec, settings: RunSettings, plugins: Plugins) -> Plan:
    """Resolve ``spec``; every impossible request is refused here, before any data."""
    check_values(spec, settings)
    registries = plugins.registries
    model = registries.models.get(spec.model)
    protocol = registries.protocols.get(spec.protocol)
    splits = protocol.meta.datasets
    if splits and spec.dataset not in splits:  # before its options are asked for
        raise MerbenchError(f"--protocol {spec.protocol} is for --dataset "
                            f"{' or '.join(splits)} only, not {spec.dataset}; give --dataset "
                            f"{splits[0]}, or another protocol for {spec.dataset}")
    feature = feature_to_feed(spec, registries, model)
    # the four factories' options, read together (one child process when not known yet)
    read_options([model, protocol, *_named(registries.datasets, spec.dataset),
                  *_named(registries.features, feature)])
    inputs = plan_inputs(registries, dataset=spec.dataset, feature=feature,
                         dataset_options=spec.dataset_options,
                         feature_options=spec.feature_options,
                         skip_missing=spec.skip_missing, data_root=settings.data_root,
                         needed_by=spec.model)
    check_paths(settings, spec.dataset_options)  # said before reading
    is_torch = model.meta.kind == "torch"
    check_model_options(spec, is_torch)
    selection = (authors_policy(spec.model, model.meta.authors_selection)
                 if spec.selection == "authors" else spec.selection)
    resolved = replace(spec, model_options=model.without_defaults(spec.model_options),
                       selection=selection,
                       dataset_options=inputs.dataset.without_defaults(spec.dataset_options),
                       feature_options=inputs.feature_options,
                       protocol_options=protocol.without_defaults(spec.protocol_options))
    check_training(resolved, settings, is_torch)
    task = resolved.parsed_task()  # what the run predicts: each layer asks it, not its name
    task.refuse_options(model=spec.model,
                        learns_outputs=is_torch and "num_classes" in model.options(),
                        evaluates_weights=resolved.weights is not None,
                        selection=resolved.selection, data_order=resolved.data_order)
    declared = model.meta.recipe  # a torch model's, never an estimator's
    recipe = effective_recipe(declared, resolved) if is_torch and declared is not None else None
    if recipe is not None:
        check_fused_step(resolved, recipe)
    model.check_options("model", resolved.model_options)
    model.built_from_for(resolved.model_options)  # e.g. a missing weights file, said now
    inputs.dataset.check_options("dataset", resolved.dataset_options)
    inputs.feature.check_options("feature", resolved.feature_options)
    protocol.check_options("protocol", resolved.protocol_options)
    # built once here, for its own checks of its values (a list that is empty, a subject
    # in train and test): they read no data, and said only when the run opened its data,
    # a sweep plan's later entry was refused after the earlier ones trained (pass 84ad)
    _build_protocol(protocol, resolved.protocol_options)
    device, resolved_now = "cpu", True
    if is_torch:
        device = settings.device
        resolved_now = device not in ("auto", "cpu") or spec.precision == "tf32" or \
            (settings.eager and settings.executor == "local")
        if resolved_now:
            device = devices.resolve_device(device)  # an accelerator named: checked now
            check_precision(spec, device)
    if settings.eager and (resolved_now or device == "cpu"):
        check_eager(device)  # a Ray task's auto device is its worker's, not known here
    elif settings.eager and device == "auto" and not joins_a_cluster(settings.ray_address):
        # unless Ray starts on this machine, whose device is known as a local run's: a
        # local Ray run took --eager off CUDA and recorded it (pass 84v, V1)
        check_eager(devices.resolve_device(device))
    return Plan(spec=resolved, settings=settings, plugins=plugins, model=model,
                protocol=protocol, inputs=inputs, recipe=recipe, task=task, planned_device=device,
                device_resolved=resolved_now)


def _build_protocol(protocol: Entry[Any], options: dict[str, Any]) -> None:
    """The protocol built with ``options`` and left: what its factory refuses is said as a
    refusal of the protocol's options (:class:`OptionRefused`, its words as they were), so a
    file that gave them names its key (a sweep plan's ``protocol_options``)."""
    try:
        protocol.create("protocol", **options)
    except OptionRefused:
        raise
    except MerbenchError as exc:
        raise OptionRefused(f"protocol '{protocol.meta.name}'", str(exc), str(exc),
                            kind="protocol") from None


def _named(registry: Registry[Any], name: str) -> list[Entry[Any]]:
    """The entry called ``name``, if there is one (planning names a missing one later)."""
    return [registry.get(name)] if name in registry else []
