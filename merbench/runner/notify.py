"""Calling the lifecycle hooks, so that a failing reporter never stops a run."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Any

from merbench.base.running_hook import hook_running
from merbench.plugin_system.entry import is_first_party
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
        #: the plugins whose code is not merbench's own (its progress bars are no reporter
        #: a stop would name or cut short)
        self.others = {r.origin.plugin for r in plugins.records
                       if not is_first_party(r.origin) and not r.module.startswith("merbench.")}
        self.reported: set[tuple[str, str]] = set()

    def __call__(self, name: str, **kwargs: Any) -> None:
        caller = getattr(self.manager.hook, name)
        # pluggy's own order (the last registered first), each plugin once
        plugins = list(dict.fromkeys(i.plugin_name for i in reversed(caller.get_hookimpls())))
        for plugin in plugins:
            others = [p for n, p in self.manager.list_name_plugin() if n != plugin]
            try:
                # sys.exit, its own KeyboardInterrupt: its fault too; a stop while it runs
                # names it, and may cut it short (merbench.base.running_hook)
                with (hook_running(self._who(plugin), name) if plugin in self.others
                      else contextlib.nullcontext()), plugin_code():
                    self.manager.subset_hook_caller(name, remove_plugins=others)(**kwargs)
            except Exception as exc:
                self._warn(name, plugin, exc)

    def _who(self, plugin: str) -> str:
        """``plugin`` as merbench's lines name it (its package and version, where known)."""
        origin = self.origins.get(plugin)
        return str(origin) if origin is not None else f"plugin '{plugin}'"

    def _warn(self, name: str, plugin: str, exc: BaseException) -> None:
        """One warning line for ``plugin`` failing in hook ``name``, the first time only."""
        if (name, plugin) in self.reported:
            return
        self.reported.add((name, plugin))
        who = self._who(plugin)
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
