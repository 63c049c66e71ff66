"""Every check of every registered entry, as cases for ``pytest.mark.parametrize``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from merbench.plugin_system.entry import Origin
from merbench.plugin_system.manager import Plugins, default_plugins
from merbench.testing.lookup import KINDS, Kind, registry_of
from merbench.testing.model_checks import check_model
from merbench.testing.protocol_checks import check_protocol
from merbench.testing.registered import check_feature, check_metadata
from merbench.testing.spotter_checks import check_spotter

if TYPE_CHECKING:
    import pandas as pd


CheckName = Literal["metadata", "feature", "model", "protocol", "spotter"]
#: the check of each kind beyond its metadata (datasets read files: metadata only)
KIND_CHECKS: dict[Kind, CheckName] = {"feature": "feature", "model": "model",
                                      "protocol": "protocol", "spotter": "spotter"}


@dataclass(frozen=True)
class ContractCase:
    """One check of one registered entry, for ``pytest.mark.parametrize(..., ids=str)``."""

    check_name: CheckName
    kind: Kind
    name: str
    plugins: Plugins = field(repr=False, compare=False)
    options: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def check(self) -> None:
        """Run the check; AssertionError says what is wrong."""
        if self.check_name == "metadata":
            check_metadata(self.kind, self.name, self.plugins)
        elif self.check_name == "feature":
            check_feature(self.name, self.plugins)
        elif self.check_name == "model":
            check_model(self.name, self.plugins, **self.options)
        elif self.check_name == "spotter":
            check_spotter(self.name, self.plugins)
        else:
            check_protocol(self.name, self.plugins, **self.options)

    def __str__(self) -> str:
        if self.check_name == "metadata":
            return f"metadata-{self.kind}-{self.name}"
        return f"{self.check_name}-{self.name}"


def contract_cases(plugins: Plugins | None = None, *, package: str | None = None,
                   plugin: str | None = None,
                   input_shapes: Mapping[str, Sequence[int]] | None = None,
                   samples: pd.DataFrame | None = None,
                   family_members: Mapping[str, Sequence[str]] | None = None,
                   protocol_options: Mapping[str, Mapping[str, Any]] | None = None
                   ) -> list[ContractCase]:
    """Every check of every entry registered by ``package`` (the installed distribution's
    name) or ``plugin`` (the entry-point name), or of every entry when neither is given.

    ``plugins`` defaults to the plugin set runs use. ``input_shapes`` maps a feature name
    to the per-sample input shape its models are trained on, for features that declare no
    shape; ``samples`` is the sample table protocols are checked on. A family
    (``timm-<arch>``) has no list of its members, so ``family_members`` names the ones to
    check ({"timm": ["resnet18"]}: model ``timm-resnet18``); a family it leaves out raises
    AssertionError, so that no family goes untested. ``protocol_options`` maps a protocol's
    name to the options it is built with; a protocol that declares ``required_options`` and
    is given none is checked to refuse, in one line naming them. A filter that matches
    no loaded plugin, or a plugin of it that failed to load, raises AssertionError (at
    collection time, rather than leaving an empty parametrisation that tests nothing).
    """
    plugins = default_plugins() if plugins is None else plugins

    def wanted(origin: Origin) -> bool:
        return (package is None or origin.package == package) and \
            (plugin is None or origin.plugin == plugin)

    failed = [r for r in plugins.failures if wanted(r.origin)]
    if failed:
        raise AssertionError("; ".join(r.failure_line() for r in failed))
    shapes = dict(input_shapes or {})
    cases: list[ContractCase] = []
    for kind in KINDS:
        registry = registry_of(plugins, kind)
        members = []
        for family in registry.families():
            if not wanted(family.origin):
                continue
            named = (family_members or {}).get(family.meta.name)
            if not named:
                raise AssertionError(f"{kind} family '{family.pattern}' of {family.origin} has "
                                     "no fixed members; name some to check with "
                                     f"family_members={{'{family.meta.name}': [...]}}")
            members += [registry.get(f"{family.meta.name}-{member}") for member in named]
        for entry in [*registry, *members]:
            if not wanted(entry.origin):
                continue
            name = entry.meta.name
            cases.append(ContractCase("metadata", kind, name, plugins))
            options: dict[str, Any] = {}
            if kind == "model" and entry.meta.feature in shapes:
                options["input_shape"] = tuple(shapes[entry.meta.feature])
            if kind == "protocol" and samples is not None:
                options["samples"] = samples
            if kind == "protocol" and name in (protocol_options or {}):
                options["options"] = dict((protocol_options or {})[name])
            if kind in KIND_CHECKS:
                cases.append(ContractCase(KIND_CHECKS[kind], kind, name, plugins, options))
    if not cases and (package is not None or plugin is not None):
        loaded = sorted({f"{r.origin.plugin} ({r.origin.package})" for r in plugins.records})
        raise AssertionError(f"no loaded plugin of package={package!r} plugin={plugin!r} "
                             f"registers anything; loaded: {', '.join(loaded)} (is the "
                             "package installed, e.g. pip install -e .?)")
    return cases

