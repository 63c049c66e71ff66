"""What a registered entry declares about itself: complete metadata, and a feature whose
needs some dataset meets.

These checks import nothing heavy and run in milliseconds; they catch what would otherwise
surface only when a user picks the entry: a feature no installed dataset can feed, a lazy
factory whose ``"module:function"`` has a typo, a storage option the factory does not take
(so it would silently enter the run's identity), metadata the results cannot record.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from merbench.features import SampleExtractor
from merbench.meta import DatasetMeta, FeatureMeta, Meta, ModelMeta, TrainRecipe
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import Plugins
from merbench.testing.lookup import Kind, describe, failing_step, find_entry, registry_of


def check_metadata(kind: Kind, name: str, plugins: Plugins | None = None) -> None:
    """The entry's metadata is complete and consistent: the type its registry takes, the
    name it is registered under, an integer version >= 1, a one-line description, a
    citation, a license, JSON for the results' provenance, and what its kind adds (a
    dataset's sources, a feature's needs, shape and storage options, a model's recipe)."""
    plugins, entry = find_entry(plugins, kind, name)
    where, meta = describe(kind, entry), entry.meta
    registry = registry_of(plugins, kind)
    if not isinstance(meta, registry.meta_type):
        raise AssertionError(f"{where}: its metadata is a {type(meta).__name__}; "
                             f"use {registry.meta_type.__name__}")
    if meta.name != name:
        raise AssertionError(f"{where}: registered as '{name}' but its metadata says "
                             f"'{meta.name}'")
    # meta.py's own rules (name, version, description, citation ...), run again: a frozen
    # dataclass can still be changed behind its back
    with failing_step(where, "re-validating its metadata"):
        dataclasses.replace(meta)
    for attribute in ("description", "citation", "license"):
        value = getattr(meta, attribute)
        if not isinstance(value, str) or not value.strip():
            raise AssertionError(f"{where}: metadata field '{attribute}' is empty; give "
                                 f"the {attribute}")
    with failing_step(where, "writing its metadata as JSON (results record it)"):
        json.dumps(meta.to_dict())
    _check_kind_metadata(where, meta, entry)


def _check_kind_metadata(where: str, meta: Meta, entry: Entry[Any]) -> None:
    if isinstance(meta, DatasetMeta) and not _names(meta.provides):
        raise AssertionError(f"{where}: 'provides' must name the sources the dataset gives "
                             f"(e.g. ('flow_uvos',)), got {meta.provides!r}")
    if isinstance(meta, FeatureMeta):
        if not isinstance(meta.needs, tuple) or not all(isinstance(n, str) for n in meta.needs):
            raise AssertionError(f"{where}: 'needs' must be a tuple of source names, got "
                                 f"{meta.needs!r}")
        if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1
                   for d in meta.shape):
            raise AssertionError(f"{where}: 'shape' must be positive whole numbers (the "
                                 f"per-sample shape) or (), got {meta.shape!r}")
        unknown = [o for o in meta.storage_options if not entry.accepts(o)]
        if unknown:
            raise AssertionError(f"{where}: storage option(s) {', '.join(unknown)} are not "
                                 f"options of its factory (it takes: "
                                 f"{', '.join(entry.options()) or 'none'})")
    if isinstance(meta, ModelMeta):
        if meta.kind == "torch" and not isinstance(meta.recipe, TrainRecipe):
            raise AssertionError(f"{where}: a torch model needs recipe=TrainRecipe(...)")
        if meta.kind == "sklearn" and meta.recipe is not None:
            raise AssertionError(f"{where}: a scikit-learn estimator is fitted once, so its "
                                 "TrainRecipe would never be used; leave recipe out")
        if meta.reduced is not None:
            _check_reduced(where, meta, entry)


def _check_reduced(where: str, meta: ModelMeta, entry: Entry[Any]) -> None:
    """A declared reduced setting sets options the factory takes, and departs from the model
    as declared (else its runs would not be labelled reduced, and would be ranked)."""
    reduced = meta.reduced
    assert reduced is not None
    unknown = [o for o in reduced.model_options if not entry.accepts(o)]
    if unknown:
        raise AssertionError(f"{where}: its reduced setting sets {', '.join(unknown)}, not "
                             f"options of its factory (it takes: "
                             f"{', '.join(entry.options()) or 'none'})")
    recipe = meta.recipe.to_dict() if meta.recipe is not None else {}
    changed = [k for k in ("epochs", "lr", "batch_size")
               if getattr(reduced, k) is not None and getattr(reduced, k) != recipe.get(k)]
    if not entry.without_defaults(reduced.model_options) and not changed:
        raise AssertionError(f"{where}: its reduced setting is the model's own setting (its "
                             "options are the factory's defaults, its recipe the declared "
                             "one); reduce something, or leave reduced out")


def _names(values: object) -> bool:
    return isinstance(values, tuple) and bool(values) and all(
        isinstance(v, str) and v.strip() for v in values)


def check_feature(name: str, plugins: Plugins | None = None) -> None:
    """Some registered dataset provides everything the feature needs, and its factory
    builds with its defaults into what the core can extract with (a callable on the
    dataset, or a :class:`~merbench.features.SampleExtractor`)."""
    plugins, entry = find_entry(plugins, "feature", name)
    where, meta = describe("feature", entry), entry.meta
    datasets = list(plugins.registries.datasets)
    if not any(not meta.unmet_needs(tuple(d.meta.provides)) for d in datasets):
        offered = "; ".join(f"{d.meta.name} gives {', '.join(d.meta.provides)}"
                            for d in datasets) or "no dataset is registered"
        raise AssertionError(f"{where}: no registered dataset provides what it needs "
                             f"({', '.join(meta.needs)}): {offered}")
    with failing_step(where, "building it with its default options"):
        extractor = entry.create("feature")
    if not (isinstance(extractor, SampleExtractor) or callable(extractor)):
        raise AssertionError(f"{where}: its factory returned a {type(extractor).__name__}; "
                             "return a function of the dataset or a SampleExtractor")
