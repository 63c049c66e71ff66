"""Finding a registered entry for a check, and naming it in the check's failure.

Every failure names the entry, the plugin and the installed package that registered it, so
that a failing registry-wide test says whose plugin is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import Plugins, default_plugins
from merbench.plugin_system.registry import Registry

Kind = Literal["dataset", "feature", "model", "protocol", "long_video", "spotter"]
KINDS: tuple[Kind, ...] = ("dataset", "feature", "model", "protocol", "long_video",
                          "spotter")


def registry_of(plugins: Plugins, kind: Kind) -> Registry[Any]:
    """The registry of one kind in a loaded plugin set."""
    return getattr(plugins.registries, f"{kind}s")


def find_entry(plugins: Plugins | None, kind: Kind, name: str) -> tuple[Plugins, Entry[Any]]:
    """The plugin set (the one runs use when None) and the entry called ``name``."""
    plugins = default_plugins() if plugins is None else plugins
    registry = registry_of(plugins, kind)
    if name not in registry:
        raise AssertionError(f"no {kind} '{name}' is registered; registered: "
                             f"{', '.join(registry.names()) or 'none'} (is its plugin "
                             "installed, and did it load? see `merbench list plugins`)")
    return plugins, registry.get(name)


def describe(kind: str, entry: Entry[Any]) -> str:
    """How a failure names the entry: ``model 'x' from plugin 'p' (package pkg 1.0)``."""
    origin = entry.origin
    package = f"{origin.package} {origin.package_version}".strip()  # in-process: no version
    return f"{kind} '{entry.meta.name}' from plugin '{origin.plugin}' (package {package})"


@contextmanager
def failing_step(where: str, what: str) -> Iterator[None]:
    """Any exception inside becomes one AssertionError saying which step of which entry
    failed (the original stays chained, for its traceback)."""
    try:
        yield
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(f"{where}: {what} failed: {type(exc).__name__}: {exc}") from exc
