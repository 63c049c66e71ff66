"""Which package may provide each name a leaderboard shows.

A result records the package that provided its model, feature, dataset and protocol
(``provider``). A page shows a run under a name only when that package is the name's pinned
provider: every name merbench's own plugins register is pinned to merbench, and a benchmark
definition may pin others (``"providers": {"model": {"mymodel": "merbench-mymodel"}}``). So
a package that registers its own ``htnet`` on some machine, or a result edited to say
``htnet``, never ranks as HTNet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from merbench.plugin_system.entry import FIRST_PARTY, is_first_party
from merbench.plugin_system.manager import default_plugins
from merbench.plugin_system.registry import Registry
from merbench.results.model import ProviderRecord, Results
from merbench.verification.provenance import recorded_providers

SECTIONS = ("model", "feature", "dataset", "protocol")
Pins = Mapping[str, Mapping[str, str]]  # section -> name -> package


def first_party_pins() -> dict[str, dict[str, str]]:
    """Every name merbench's own plugins register, pinned to merbench."""
    registries = default_plugins().registries
    found: dict[str, dict[str, str]] = {}
    kinds: tuple[Registry[Any], ...] = (registries.models, registries.features,
                                        registries.datasets, registries.protocols)
    for section, registry in zip(SECTIONS, kinds, strict=True):
        found[section] = {entry.meta.name: FIRST_PARTY for entry in registry
                          if is_first_party(entry.origin)}
        found[section].update({f"{family.meta.name}-*": FIRST_PARTY  # every timm-<arch>
                               for family in registry.families()
                               if is_first_party(family.origin)})
    return found


def pinned_package(pins: Mapping[str, str], name: str) -> str | None:
    """The package pinned for ``name``: its own pin, else that of the longest family
    pattern (``timm-*``) its name matches, else None."""
    if name in pins:
        return pins[name]
    families = [key[:-2] for key in pins if key.endswith("-*") and name.startswith(key[:-1])]
    return pins[max(families, key=len) + "-*"] if families else None


def provider_mismatch(results: Results, pins: Pins) -> str | None:
    """Why ``results`` may not be shown under its names, or None when every pinned name
    came from its pinned package."""
    return providers_mismatch(recorded_providers(results), pins)


def providers_mismatch(recorded: Sequence[tuple[str, str, ProviderRecord | None]],
                       pins: Pins) -> str | None:
    """:func:`provider_mismatch` of ``(section, name, provider)`` triples, as any result
    file records them (an AU run's ``au-results.json`` as a ``results.json``)."""
    for section, name, provider in recorded:
        pinned = pinned_package(pins.get(section, {}), name)
        if pinned is None:
            continue
        if provider is None:
            return (f"{section} '{name}' is provided by {pinned}, and this run "
                    "does not record who provided it; run it again with this merbench")
        if provider.package != pinned:
            return (f"{section} '{name}' is {pinned}'s, but this run's came from "
                    f"package {provider.package} {provider.version or ''}".rstrip()
                    + "; it is not shown under that name")
    return None

