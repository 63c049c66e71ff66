"""Calling the lifecycle hooks, so that a failing reporter never stops a run."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from merbench.plugin_system.manager import PluginRuntimeWarning, Plugins
from merbench.plugin_system.runinfo import FinishedResult, RunInfo


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

    def result_finished(self, kind: str, folder: Path, result_file: str,
                        written: dict[str, Any], run: RunInfo | None = None) -> None:
        """``merbench_result_finished``: the result of kind ``kind`` (its name, from
        :mod:`merbench.results.kind_names`) is complete in ``folder``, its ``result_file``
        holding ``written``; called by each kind's writer once that file is written. A
        failing plugin is a warning: the result is written whatever it does."""
        self("merbench_result_finished", result=FinishedResult(
            kind=kind, folder=Path(folder), result_file=result_file, record=written, run=run))
