"""The one progress bar of folds that commands training many runs show (``sweep``, ``tune``).

Its own module so that ``merbench tune`` loads a progress bar, not the sweep command and the
leaderboard it reports with (which import ``cryptography`` for signed audits: a package the
GPU machines' image lacks, where the plan's tuning jobs run).
"""

from __future__ import annotations

import sys
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from merbench.cli.console import LiteralConsole
from merbench.cli.literal import literal, say
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.runinfo import FoldOutcome, RunInfo


class SweepProgress:
    """One bar of folds across the whole sweep: every run's folds, restored ones included."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Progress | None = None
        self._task: Any = None

    def _bar(self) -> Progress | None:
        if self.enabled and self._progress is None:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TextColumn("folds"),
                                      TimeElapsedColumn(), console=LiteralConsole(stderr=True))
            self._task = self._progress.add_task("sweep", total=0)
            self._progress.start()
        return self._progress

    @hookimpl
    def merbench_run_start(self, run: RunInfo) -> None:
        bar = self._bar()
        if bar is not None:
            bar.update(self._task, total=(bar.tasks[0].total or 0) + run.n_folds)

    @hookimpl
    def merbench_fold_finished(self, run: RunInfo, fold: FoldOutcome) -> None:
        bar = self._bar()
        if bar is not None:
            bar.update(self._task, advance=1, description=literal(
                f"sweep: {run.model} on {run.dataset}"))

    def print(self, line: str) -> None:
        if self._progress is not None:
            self._progress.console.print(line)
        elif self.enabled:
            say(line, file=sys.stderr)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
