"""Rich progress bars with an ETA, driven by merbench's lifecycle hooks like any reporter:
one for feature extraction (samples), one for training (fold-epochs)."""

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
        self._extraction: Progress | None = None
        self._extraction_task: Any = None
        self._epochs: dict[int, int] = {}  # the furthest epoch each fold has reported

    @hookimpl
    def merbench_extraction_progress(self, feature: str, dataset: str, done: int,
                                     total: int) -> None:
        self.extraction_progress(f"{feature} on {dataset}", done, total)

    def extraction_progress(self, description: str, done: int, total: int) -> None:
        """Samples extracted so far; the bar closes itself when all are done."""
        if not self.enabled:
            return
        if self._extraction is None:
            self._extraction = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("samples"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=Console(stderr=True),
            )
            self._extraction_task = self._extraction.add_task(description, total=total)
            self._extraction.start()
        self._extraction.update(self._extraction_task, completed=done)
        if done >= total:
            self._extraction.stop()
            self._extraction = None

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
        # A fold trained again (fewer folds at once after running out of memory) reports
        # its epochs anew: the bar moves on only past the furthest epoch already shown.
        ahead = max(epoch - self._epochs.get(fold_index, 0), 0)
        self._epochs[fold_index] = max(epoch, self._epochs.get(fold_index, 0))
        if self._progress is not None:
            self._progress.update(
                self._task, advance=ahead,
                description=f"{run.model} on {run.dataset} fold {fold_index + 1}/{run.n_folds}",
            )

    @hookimpl
    def merbench_run_finished(self, run: RunInfo, results: dict[str, Any]) -> None:
        self.stop()

    def stop(self) -> None:
        if self._extraction is not None:
            self._extraction.stop()
            self._extraction = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
