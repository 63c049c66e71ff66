"""The values a plugin takes for the options a run leaves out.

A run's identity leaves options at their defaults out (``Entry.without_defaults``), but
files written before that rule record them, and a configuration is what ran, not how it
was written down: ``crop=reference`` recorded by an old HTNet run is the same configuration
as a new run that leaves the crop out. Grouping (:func:`merbench.leaderboard.collect.group_key`),
the reduced-setting verdict and the labels all ask :class:`DeclaredDefaults`, so a row is
pooled, ranked and named the same whichever way its runs recorded their options.

The defaults come from the registry's metadata
(:meth:`merbench.plugin_system.entry.Entry.defaults`), which knows a factory's options
without importing its module in this process (:mod:`merbench.plugin_system.options_cache`):
labelling and grouping rows loads no model library. They are still asked only for options a run
did record, and once per (section, name, version).

It is the checking layer's, below the kinds of result (it was the leaderboard's): the
reduced-setting verdict is part of a finished emotion run's text, which its kind prints
(:mod:`merbench.kinds`), and the pages above ask it as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import default_plugins
from merbench.plugin_system.registry import Registries, Registry
from merbench.results.codec import same_when_recorded

#: (section, registered name, version, package the run recorded as providing it) -> the
#: options it takes when left out; None: not known here (no such plugin installed, another
#: version of it, or the name provided by another package)
Defaults = Callable[[str, str, int, str | None], Mapping[str, Any] | None]

#: the sections of a run whose options a plugin declares
OPTION_SECTIONS = ("model", "feature", "dataset", "protocol")

#: run settings recorded only when not these (older files may record them anyway)
RUN_DEFAULTS: dict[str, Any] = {"precision": "fp32", "fused_optimizer": False}


class DeclaredDefaults:
    """The options each registered model, feature, dataset and protocol takes when a run
    leaves them out: its factory's keyword defaults (those JSON can write: a recorded value
    never equals any other). Only the version a run recorded is asked, of the package the
    run recorded as its provider: another version may default otherwise (a change of
    default changes the numbers, so it bumps the version: ``tests/test_declared_defaults.py``
    holds merbench's own to it), and another package's plugin of the same name says nothing
    about this one."""

    def __init__(self, registries: Registries | None = None) -> None:
        self._registries = registries
        self._found: dict[tuple[str, str, int, str | None], Mapping[str, Any] | None] = {}

    def _registry(self, section: str) -> Registry[Any]:
        registries = self._registries or default_plugins().registries
        found: dict[str, Registry[Any]] = {
            "model": registries.models, "feature": registries.features,
            "dataset": registries.datasets, "protocol": registries.protocols}
        return found[section]

    def recipe(self, name: str, version: int) -> Any:
        """The training recipe the registered model ``name`` declares at ``version`` (None:
        not installed here, another version, or an estimator): what a results file written
        before it recorded its model's recipe was trained against."""
        try:
            entry = self._registry("model").get(name)
        except (MerbenchError, TypeError, ValueError):
            return None
        return entry.meta.recipe if entry.meta.version == version else None

    def __call__(self, section: str, name: str, version: int,
                 package: str | None = None) -> Mapping[str, Any] | None:
        asked = (section, name, version, package)
        if asked not in self._found:
            self._found[asked] = None
            try:
                entry = self._registry(section).get(name)
                if entry.meta.version == version and package in (None,
                                                                 entry.origin.package):
                    self._found[asked] = entry.defaults()
            except (MerbenchError, TypeError, ValueError):  # not installed here, or opaque
                return None
        return self._found[asked]


def set_otherwise(options: Mapping[str, Any] | None,
                  declared: Mapping[str, Any] | None) -> dict[str, Any]:
    """``options`` without those recorded at the value ``declared`` as their default
    (all of them kept when the defaults are not known here)."""
    found = dict(options or {})
    if declared is None:
        return found
    return {k: v for k, v in found.items()
            if k not in declared or not same_when_recorded(v, declared[k])}


def options_set(component: Any, section: str, defaults: Defaults) -> dict[str, Any]:
    """The options a run's ``section`` component (its model, feature, ...) records other
    than at their declared defaults; the plugin is asked only when some are recorded."""
    options = component.options or {}
    if not options:
        return {}
    return set_otherwise(options, declared_for(component, section, defaults))


def declared_for(component: Any, section: str,
                 defaults: Defaults) -> Mapping[str, Any] | None:
    """What ``defaults`` declares for a run's ``section`` component (its model, feature,
    ...): asked for the name, version and providing package the run recorded."""
    provider = getattr(component, "provider", None)
    return defaults(section, str(component.name), int(component.version),
                    None if provider is None else str(provider.package))


def hyperparameters_set(hyperparameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """A run's recorded training settings without those at :data:`RUN_DEFAULTS`."""
    return {k: v for k, v in (hyperparameters or {}).items()
            if not (k in RUN_DEFAULTS and same_when_recorded(v, RUN_DEFAULTS[k]))}
