"""What ``results.json`` says its model's plugin declared, checked against that plugin.

A run copies its model's description, citation, kind, recipe and ``extra_training_data``
from the plugin's metadata (:class:`~merbench.meta.ModelMeta`) into ``results.json``, and no
other file of the run repeats them: a copy with a padded description or another paper's
citation still recomputes. The plugin itself is the second source. When the plugin that
provided the model is installed here, at the package and package version the run records,
with the model at the run's version and built from the same things (``built_from``: a
timm member's description names timm's version), every fact it declares must be the one
recorded, or the run is refused with one line naming the field.

When that plugin is not installed here, or is another package, package version or model
version than the run's, nothing can say what it declared: the run passes (a leaderboard
must still build runs of plugins it does not install, and of older merbench releases whose
wording has since changed), and :func:`check_declared` returns one note saying which model
went unchecked, which ``merbench validate`` prints. The licence is not checked: results
record none (``merbench list`` and the plugin show it).
"""

from __future__ import annotations

from typing import Any

from merbench.base.errors import MerbenchError
from merbench.meta import ModelMeta
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import Plugins, default_plugins
from merbench.results.model import ModelRecord, Results
from merbench.verification.provenance import ProvenanceError


def check_declared(results: Results, plugins: Plugins | None = None) -> list[str]:
    """Raise :class:`ProvenanceError` at the first fact ``results.json`` records of its
    model that the installed plugin (``plugins``; the default set when None) declares
    otherwise; return one note for each model that could not be checked here."""
    model = results.model
    entry, unchecked = _installed(model, plugins or default_plugins())
    if entry is None:
        return [f"model '{model.name}' v{model.version}: {unchecked}; its description, "
                "citation and recipe were not compared with the plugin's"]
    meta = entry.meta
    declared: list[tuple[str, Any, Any]] = [
        ("kind", model.kind, meta.kind),
        ("description", model.description, meta.description),
        ("citation", model.citation, meta.citation),
        ("recipe", model.recipe.to_dict() if model.recipe else None,
         meta.recipe.to_dict() if meta.recipe else None),
        ("extra_training_data", model.extra_training_data, meta.extra_training_data),
    ]
    for field, recorded, says in declared:
        if recorded is None and field in ("description", "recipe"):
            continue  # not recorded (files written before it was)
        if recorded != says:
            raise ProvenanceError(
                f"model.{field} differs from what plugin '{entry.origin.plugin}' "
                f"({entry.origin.package} {entry.origin.package_version}) declares for "
                f"'{model.name}' v{model.version} ({_shown(says)}); publish the run as "
                "it was written")
    return []


def _installed(model: ModelRecord, plugins: Plugins) -> tuple[Entry[ModelMeta] | None, str]:
    """The installed entry that provided the run's model, or None and why it is not."""
    provider = model.provider
    if provider is None or provider.version is None:
        return None, "the run does not record the package that provided it"
    models = plugins.registries.models
    try:
        if model.name not in models:
            return None, "no installed plugin registers it"
        entry = models.get(model.name)
    except MerbenchError as exc:  # a family that cannot make the member here (no timm)
        return None, f"the installed plugin cannot describe it ({exc})"
    origin = entry.origin
    if (origin.package, origin.package_version) != (provider.package, provider.version) or \
            (provider.plugin is not None and provider.plugin != origin.plugin):
        return None, (f"it was provided by {provider.package} {provider.version}, and "
                      f"{origin} is installed here")
    if entry.meta.version != model.version:
        return None, f"the installed plugin declares it at version {entry.meta.version}"
    try:
        built_from = entry.built_from_for(model.options)
    except Exception as exc:  # a plugin's own code, run on options from a file
        return None, f"the installed plugin cannot say what it is built from ({exc})"
    if built_from != model.built_from:
        return None, (f"it was built from {model.built_from}, the installed plugin builds "
                      f"it from {built_from}")
    return entry, ""


def _shown(value: Any) -> str:
    """A declared value, short enough for one line."""
    text = repr(value)
    return text if len(text) <= 120 else f"{text[:117]}..."


__all__ = ["check_declared"]
