"""The one progress bar of folds that commands training many runs show (``sweep``, ``tune``).

Its own module so that ``merbench tune`` loads a progress bar, not the sweep command and the
leaderboard it reports with (which import ``cryptography`` for signed audits: a package the
GPU machines' image lacks, where the plan's tuning jobs run).
"""

from __future__ import annotations

import sys
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from merbench.base.console import LiteralConsole
from merbench.base.terminal import literal, say
from merbench.cli.bars import bar
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.runinfo import FoldOutcome, RunInfo


class SweepProgress:
    """One bar of folds across the whole sweep or tuning: every run's folds, restored ones
    included, named by the command (``tune``'s said "sweep") and saying over how many runs,
    since the command's own lines count runs, not folds."""

    def __init__(self, enabled: bool, command: str = "sweep") -> None:
        self.enabled, self.command = enabled, command
        self._progress: Progress | None = None
        self._task: Any = None
        self._runs = 0

    def _bar(self) -> Progress | None:
        if self.enabled and self._progress is None:
            self._progress = bar(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("folds of {task.fields[runs]}"),
                                 TimeElapsedColumn(), console=LiteralConsole(stderr=True))
            self._task = self._progress.add_task(self.command, total=0, runs="0 runs")
            self._progress.start()
        return self._progress

    @hookimpl
    def merbench_run_start(self, run: RunInfo) -> None:
        bar = self._bar()
        self._runs += 1
        if bar is not None:
            bar.update(self._task, total=(bar.tasks[0].total or 0) + run.n_folds,
                       runs=f"{self._runs} run{'' if self._runs == 1 else 's'}")

    @hookimpl
    def merbench_fold_finished(self, run: RunInfo, fold: FoldOutcome) -> None:
        bar = self._bar()
        if bar is not None:
            bar.update(self._task, advance=1, description=literal(
                f"{self.command}: {run.model} on {run.dataset}"))

    def print(self, line: str) -> None:
        if self._progress is not None:
            self._progress.console.print(line)
        elif self.enabled:
            say(line, file=sys.stderr)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
