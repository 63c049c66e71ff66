"""A rich progress bar with an ETA, driven by merbench's lifecycle hooks like any reporter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from merbench.hookimpl import hookimpl
from merbench.runinfo import RunInfo


class ProgressReporter:
    """Shows fold-epochs done out of all those left to train, with elapsed time and ETA."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.run_dir: Path | None = None
        self._progress: Progress | None = None
        self._task: Any = None
        self._n_folds = 0

    @hookimpl
    def merbench_run_start(self, run: RunInfo) -> None:
        self.run_dir = run.run_dir
        self._n_folds = run.n_folds
        if not self.enabled or run.folds_to_train == 0:
            return
        console = Console(stderr=True)
        if run.folds_to_train < run.n_folds:
            console.print(f"resuming {run.run_dir}: {run.n_folds - run.folds_to_train} of "
                          f"{run.n_folds} folds already done")
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("fold-epochs"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=console,
        )
        self._task = self._progress.add_task(
            f"{run.model} on {run.dataset} ({run.device})",
            total=run.folds_to_train * run.epochs,
        )
        self._progress.start()

    @hookimpl
    def merbench_epoch_finished(self, run: RunInfo, fold_index: int, epoch: int) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task, advance=1,
                description=f"{run.model} on {run.dataset} fold {fold_index + 1}/{run.n_folds}",
            )

    @hookimpl
    def merbench_run_finished(self, run: RunInfo, results: dict[str, Any]) -> None:
        self.stop()

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
