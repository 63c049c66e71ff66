"""The plugin manager: finds plugins through entry points and fills the registries.

First-party plugins are found exactly like third-party ones, through the ``merbench``
entry-point group. Each entry point is loaded on its own, so one broken plugin is reported
as a single line and the others keep working. A name two packages claim (an entry point,
or a dataset, feature, model or protocol) stays merbench's own, or the first loaded for two
third parties; the other is skipped with one warning line, so no installed package can
stop merbench or take a name that results and leaderboards show.
``MERBENCH_DISABLE_PLUGIN_AUTOLOAD=1`` (or true, yes, on; 0, false, no, off or unset keep it
on, anything else is refused) turns autoloading off (then ``enable`` names the entry points
to load anyway), and ``block`` (``--no-plugin NAME``) skips single plugins.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import importlib
import inspect
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

import pluggy

from merbench.base.errors import PluginError
from merbench.plugin_system import hookspecs
from merbench.plugin_system.autoload import autoload_disabled, not_loaded
from merbench.plugin_system.entry import FIRST_PARTY, Origin
from merbench.plugin_system.first_party import check_first_party
from merbench.plugin_system.plugin_import import (
    NotLoaded,
    load_entry_point,
    load_failure,
    plugin_code,
    rejection,
)
from merbench.plugin_system.registry import Registries, Registry

PROJECT = "merbench"
BUILTIN_PLUGINS = {"builtin": "merbench.protocols.builtin"}

_REGISTRATION_HOOKS = (
    ("merbench_register_datasets", "datasets"),
    ("merbench_register_features", "features"),
    ("merbench_register_models", "models"),
    ("merbench_register_protocols", "protocols"),
    ("merbench_register_long_videos", "long_videos"),
    ("merbench_register_spotters", "spotters"),
)


class PluginLoadWarning(UserWarning):
    """A plugin could not be imported or failed while registering; the others still work."""


class PluginRuntimeWarning(UserWarning):
    """A plugin's lifecycle hook raised during a run; the run went on."""


@dataclass(frozen=True)
class PluginRecord:
    """One plugin as `merbench list plugins` shows it."""

    origin: Origin
    module: str
    error: str | None = None
    source: Literal["builtin", "entry-point", "in-process"] = "entry-point"

    @property
    def loaded(self) -> bool:
        return self.error is None

    def failure_line(self) -> str:
        return (
            f"{self.origin} failed to load: {self.error} — fix or reinstall the package, "
            f"or skip it with --no-plugin {self.origin.plugin}"
        )


@dataclass
class Plugins:
    """A loaded plugin set: the pluggy manager, the filled registries and what was loaded."""

    manager: pluggy.PluginManager
    registries: Registries
    records: list[PluginRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # entry points another package took

    @property
    def hook(self) -> Any:
        return self.manager.hook

    @property
    def failures(self) -> list[PluginRecord]:
        return [r for r in self.records if not r.loaded]

    @property
    def conflicts(self) -> list[str]:
        """One warning line per name two packages claim, naming both and which kept it."""
        return [*self.skipped, *self.registries.conflicts]


def plugin_versions(plugins: Plugins) -> dict[str, str]:
    """Each installed plugin's package and version, as results and feature files record
    them (plugins registered in-process have no package to name)."""
    return {r.origin.plugin: f"{r.origin.package} {r.origin.package_version}".strip()
            for r in plugins.records if r.loaded and r.source != "in-process"}


class _Manager(pluggy.PluginManager):
    """Like pytest: a function named ``merbench_*`` is a hook implementation even without
    ``@merbench.hookimpl``, so a forgotten decorator is not silently ignored."""

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        plain = name.startswith(f"{PROJECT}_") and inspect.isroutine(getattr(plugin, name, None))
        return {} if opts is None and plain else opts


def _entry_points() -> tuple[list[tuple[metadata.EntryPoint, Origin]], list[str]]:
    """The group's entry points, once per name, each with the package that installs it,
    merbench's own first (so that they keep every name they register), then the others by
    name; and a warning line for each entry point skipped because another package installs
    one of the same name."""
    read: dict[int, tuple[str, str]] = {}  # a distribution's name and version, by its id

    def origin_of(ep: metadata.EntryPoint) -> Origin:
        # each name or version asked of a distribution parses its METADATA again: 27 parses
        # a load for merbench's own nine plugins, most of what a command took to start
        dist = getattr(ep, "dist", None)
        if dist is None:
            return Origin(plugin=ep.name, package="<unknown package>", package_version="")
        if id(dist) not in read:  # one object for all of its entry points, alive till here
            facts = dist.metadata
            read[id(dist)] = (facts["Name"], facts["Version"])
        package, version = read[id(dist)]
        return Origin(plugin=ep.name, package=package, package_version=version)

    chosen: dict[str, tuple[metadata.EntryPoint, Origin]] = {}
    skipped: list[str] = []
    for ep in metadata.entry_points(group=PROJECT):
        found = (ep, origin_of(ep))
        other = chosen.get(ep.name)
        if other is None:
            chosen[ep.name] = found
        elif other[0].value != ep.value:  # the same one seen twice on sys.path: no clash
            if found[1].package == FIRST_PARTY and other[1].package != FIRST_PARTY:
                chosen[ep.name], found, other = found, other, found
            skipped.append(
                f"two packages install a merbench plugin named '{ep.name}': "
                f"{other[1].package} ({other[0].value}) keeps it, {found[1].package} "
                f"({found[0].value}) is skipped; uninstall {found[1].package} to silence this")
    ordered = sorted(chosen.values(),
                     key=lambda pair: (pair[1].package != FIRST_PARTY, pair[0].name))
    return ordered, skipped


def _builtin_origin(name: str) -> Origin:
    try:
        version = metadata.version(PROJECT)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return Origin(plugin=name, package=PROJECT, package_version=version)


def _unknown_hooks(pm: pluggy.PluginManager) -> dict[str, list[str]]:
    """Plugin name -> hook implementations named like no merbench hook."""
    found: dict[str, list[str]] = {}
    for hook_name, caller in sorted(vars(pm.hook).items()):
        if getattr(caller, "spec", True) is not None:
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                found.setdefault(impl.plugin_name, []).append(hook_name)
    return found


def _unknown_hook_message(hook: str) -> str:
    known = [n for n in dir(hookspecs) if n.startswith(f"{PROJECT}_")]
    close = difflib.get_close_matches(hook, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{hook} is not a merbench hook{hint}"


def installed_plugin_names() -> list[str]:
    """The names of the installed merbench plugins (entry points), as ``--plugin`` and
    ``--no-plugin`` take them."""
    return sorted(ep.name for ep, _ in _entry_points()[0])


def check_blocked(block: Iterable[str], enable: Iterable[str] = ()) -> None:
    """Refuse a ``--no-plugin`` name no installed plugin has: ``--no-plugin merbench_cnn``
    (the plugin is ``cnn``) and ``--no-plugin ''`` were ignored, so the plugin the user
    meant to leave out was loaded all the same. Said with the names that exist. A name
    also given to ``--plugin`` is a contradiction, which ``--no-plugin`` silently won."""
    block = list(block)
    both = next((name for name in enable if name in block), None)
    if both is not None:
        raise PluginError(f"--no-plugin {both} and --plugin {both} contradict each other: "
                          "one leaves the plugin out, the other loads it; give one of them")
    if not block:  # nothing to check: no scan of the installed packages (most commands)
        return
    installed = installed_plugin_names()
    for name in block:
        if name in installed:
            continue
        if name in BUILTIN_PLUGINS:
            raise PluginError(f"--no-plugin {name}: '{name}' is merbench's own, not a plugin "
                              f"that can be left out; installed plugins: {', '.join(installed)}")
        bare = name.removeprefix("merbench_").removeprefix("merbench-")
        meant = f" (did you mean {bare}?)" if bare != name and bare in installed else ""
        raise PluginError(f"--no-plugin {name!r}: no installed merbench plugin is named "
                          f"that{meant}; installed: {', '.join(installed) or 'none'}")


def load_plugins(
    *,
    block: Iterable[str] = (),
    enable: Iterable[str] = (),
    extra: Iterable[tuple[str, object]] = (),
    autoload: bool | None = None,
) -> Plugins:
    """Load the builtin plugins, the entry-point plugins and ``extra`` ones; fill registries.

    ``block`` names plugins to skip; ``enable`` names entry points to load even when
    autoloading is off; ``extra`` adds ``(name, plugin_object)`` pairs (for tests and
    embedding). ``autoload=None`` reads ``MERBENCH_DISABLE_PLUGIN_AUTOLOAD``.
    """
    blocked = set(block)
    enabled = set(enable)
    autoload_given = autoload is not None
    if autoload is None:
        autoload = not autoload_disabled()

    pm = _Manager(PROJECT)
    pm.add_hookspecs(hookspecs)
    records: list[PluginRecord] = []
    origins: dict[str, Origin] = {}

    def register(name: str, plugin: object, origin: Origin, module: str,
                 source: Literal["builtin", "entry-point", "in-process"]) -> None:
        try:
            pm.register(plugin, name=name)
        except Exception as exc:  # pluggy rejects malformed hook implementations
            records.append(PluginRecord(origin, module, rejection(pm, plugin, exc), source))
            return
        origins[name] = origin
        records.append(PluginRecord(origin, module, None, source))

    def fail(name: str, error: str) -> None:
        index = next(i for i, r in enumerate(records) if r.origin == origins[name])
        old = records[index]
        records[index] = PluginRecord(old.origin, old.module, error, old.source)

    for name, module_name in BUILTIN_PLUGINS.items():
        register(name, importlib.import_module(module_name), _builtin_origin(name), module_name,
                 "builtin")

    entry_points, skipped = _entry_points()
    known = {ep.name for ep, _ in entry_points}
    for name in sorted(enabled - known):
        raise PluginError(
            f"no installed merbench plugin is named '{name}'; installed: "
            f"{', '.join(sorted(known)) or 'none'}"
        )
    left_out: list[tuple[str, Callable[[], object], Origin]] = []
    for ep, origin in entry_points:
        if ep.name in blocked:
            left_out.append((ep.name, ep.load, origin))
        if ep.name in blocked or not (autoload or ep.name in enabled):
            continue
        try:
            plugin = load_entry_point(ep)
        except NotLoaded as exc:
            records.append(PluginRecord(origin, ep.value, str(exc)))
            continue
        except Exception as exc:
            records.append(PluginRecord(origin, ep.value, load_failure(exc)))
            continue
        if origin.package == FIRST_PARTY:
            check_first_party(ep, inspect.getmodule(plugin) or plugin)
        register(ep.name, plugin, origin, ep.value, "entry-point")

    for name, plugin in extra:
        if name in blocked:
            left_out.append((name, functools.partial(_given, plugin),
                             Origin(name, "<in-process>", "")))
            continue
        module = getattr(plugin, "__module__", None) or getattr(plugin, "__name__", name)
        register(name, plugin, Origin(name, "<in-process>", ""), str(module), "in-process")

    # A hook implementation whose name is no merbench hook (a typo) would never be called:
    # such a plugin is reported and left out, like one that fails to import.
    for name, hooks in _unknown_hooks(pm).items():
        pm.unregister(name=name)
        fail(name, "; ".join(_unknown_hook_message(hook) for hook in hooks))
    pm.check_pending()

    registries = Registries.empty()
    if not autoload:
        for each in registries.all():
            each.not_loaded = not_loaded(autoload_given)
    failed: set[str] = set()
    for hook_name, attr in _REGISTRATION_HOOKS:
        registry: Registry[Any] = getattr(registries, attr)
        for name, caller in _callers(pm, hook_name):
            if name in failed:
                continue
            with registry.registering_for(origins[name]):
                try:
                    with plugin_code():  # sys.exit, KeyboardInterrupt: this plugin's fault
                        caller(registry=registry)
                except Exception as exc:  # a malformed registration, too: only this plugin
                    failed.add(name)
                    for other in registries.all():
                        other.discard(origins[name])
                    error = str(exc) if isinstance(exc, PluginError) else load_failure(exc)
                    fail(name, f"error while registering {attr}: {error}")
    broken = [(record.origin, record.error) for record in records if record.error is not None]
    for each in registries.all():
        each.broken = broken  # a name asked for that no loaded plugin has is said with them
    if left_out:
        lookup = _LeftOut(left_out)
        for _, attr in _REGISTRATION_HOOKS:
            getattr(registries, attr).left_out = functools.partial(lookup.provider, attr)
    return Plugins(manager=pm, registries=registries, records=records, skipped=skipped)


def _callers(pm: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Any]]:
    """Each plugin that implements ``hook_name``, in the order registered, with a caller of
    that plugin's implementations only. Asked of pluggy, not of the plugin's attributes: an
    implementation marked ``@hookimpl(specname=...)`` under another function name is one
    too, and a plugin lacking a function of the hook's own name had it never called (its
    models unknown, the plugin listed as loaded)."""
    implementing = {impl.plugin_name for impl in getattr(pm.hook, hook_name).get_hookimpls()}
    plugins = pm.list_name_plugin()
    return [(name, pm.subset_hook_caller(
                hook_name, remove_plugins=[p for n, p in plugins if n != name]))
            for name, _ in plugins if name in implementing]


class _LeftOut:
    """What the plugins ``--no-plugin`` leaves out would register, read only when a command
    asks for a name no loaded plugin has: ``--no-plugin cnn`` then a run of ststnet said
    "unknown model 'ststnet' (did you mean 'htnet'?)", as if no such model existed."""

    def __init__(self, plugins: list[tuple[str, Callable[[], object], Origin]]) -> None:
        self.plugins = plugins
        self._read: dict[str, Registries] = {}  # plugin -> what it registers, read once

    def provider(self, attr: str, name: str) -> str | None:
        """The left-out plugin whose ``attr`` registry ("models") would hold ``name``."""
        for plugin_name, load, origin in self.plugins:
            if plugin_name not in self._read:
                self._read[plugin_name] = _registered_by(load, origin)
            with contextlib.suppress(Exception):  # a broken family holds nothing known
                if name in getattr(self._read[plugin_name], attr):
                    return plugin_name
        return None


def _given(plugin: object) -> object:
    """``plugin`` itself: how an in-process plugin left out is "loaded" to be read."""
    return plugin


def _registered_by(load: Callable[[], object], origin: Origin) -> Registries:
    """What one plugin registers, in registries of its own; nothing for a plugin that fails
    to load or register (it may be the reason it was left out)."""
    registries = Registries.empty()
    try:
        with plugin_code():
            pm = _Manager(PROJECT)  # pluggy's reading of its hooks, specname ones too
            pm.add_hookspecs(hookspecs)
            pm.register(load(), name=origin.plugin)
            for hook_name, attr in _REGISTRATION_HOOKS:
                registry = getattr(registries, attr)
                for _, caller in _callers(pm, hook_name):
                    with registry.registering_for(origin):
                        caller(registry=registry)
    except Exception:  # said nowhere: the plugin is left out, and the name stays unknown
        return Registries.empty()
    return registries


@functools.lru_cache(maxsize=1)
def default_plugins() -> Plugins:
    """The plugin set the Python API uses; load failures become PluginLoadWarning warnings."""
    plugins = load_plugins()
    for record in plugins.failures:
        warnings.warn(record.failure_line(), PluginLoadWarning, stacklevel=2)
    for line in plugins.conflicts:
        warnings.warn(line, PluginLoadWarning, stacklevel=2)
    return plugins
