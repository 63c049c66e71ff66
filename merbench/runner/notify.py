"""Calling the lifecycle hooks, so that a failing reporter never stops a run."""

from __future__ import annotations

import warnings
from typing import Any

from merbench.plugin_system.manager import PluginRuntimeWarning, Plugins


class Notifier:
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
