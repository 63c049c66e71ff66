"""Calling the lifecycle hooks, so that a failing reporter never stops a run."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from merbench.plugin_system.manager import PluginRuntimeWarning, Plugins
from merbench.plugin_system.plugin_import import PluginExit, describe, plugin_code
from merbench.plugin_system.runinfo import FinishedResult, RunInfo


class Notifier:
    """Calls a lifecycle hook plugin by plugin: a failing reporter is reported once, by
    name, and the run goes on, the other plugins still called. One pluggy call of all of
    them let the first failure skip the rest and left the warning unable to say whose it
    was; and ``SystemExit`` (``sys.exit`` in a hook) got through, ending merbench with the
    plugin's status and no word, as a KeyboardInterrupt of the plugin's own ended it as the
    user's interrupt (:func:`~merbench.plugin_system.plugin_import.plugin_code`)."""

    def __init__(self, plugins: Plugins) -> None:
        self.manager = plugins.manager
        self.origins = {r.origin.plugin: r.origin for r in plugins.records}
        self.reported: set[tuple[str, str]] = set()

    def __call__(self, name: str, **kwargs: Any) -> None:
        caller = getattr(self.manager.hook, name)
        # pluggy's own order (the last registered first), each plugin once
        plugins = list(dict.fromkeys(i.plugin_name for i in reversed(caller.get_hookimpls())))
        for plugin in plugins:
            others = [p for n, p in self.manager.list_name_plugin() if n != plugin]
            try:
                with plugin_code():  # sys.exit, its own KeyboardInterrupt: its fault too
                    self.manager.subset_hook_caller(name, remove_plugins=others)(**kwargs)
            except Exception as exc:
                self._warn(name, plugin, exc)

    def _warn(self, name: str, plugin: str, exc: BaseException) -> None:
        """One warning line for ``plugin`` failing in hook ``name``, the first time only."""
        if (name, plugin) in self.reported:
            return
        self.reported.add((name, plugin))
        origin = self.origins.get(plugin)
        who = str(origin) if origin is not None else f"plugin '{plugin}'"
        reason = str(exc) if isinstance(exc, PluginExit) else describe(exc)
        warnings.warn(f"{who} failed in {name} ({reason}); the run goes on, and that "
                      "plugin's later failures in this hook are not repeated",
                      PluginRuntimeWarning, stacklevel=3)

    def result_finished(self, kind: str, folder: Path, result_file: str,
                        written: dict[str, Any], run: RunInfo | None = None) -> None:
        """``merbench_result_finished``: the result of kind ``kind`` (its name, from
        :mod:`merbench.results.kind_names`) is complete in ``folder``, its ``result_file``
        holding ``written``; called by each kind's writer once that file is written. A
        failing plugin is a warning: the result is written whatever it does."""
        self("merbench_result_finished", result=FinishedResult(
            kind=kind, folder=Path(folder), result_file=result_file, record=written, run=run))
