"""Rich progress bars with an ETA, driven by merbench's lifecycle hooks like any reporter:
one for feature extraction (samples), one for training (fold-epochs).

A long job must say so before anyone waits on it: while the dataset and features load a
spinner says what is happening, and once the first fold-epochs are measured the whole run's
time is estimated and, when it is long (HTNet's paper setting on a CPU takes days), said
plainly with what to do instead. The ETA is the run's own average pace, so it shows at any
speed (rich's default estimate needs a step within its last 30 seconds, and shows nothing
when one fold-epoch takes longer).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.status import Status
from rich.text import Text

from merbench.cli.console import LiteralConsole
from merbench.cli.literal import literal
from merbench.hookimpl import hookimpl
from merbench.runinfo import RunInfo

LONG_RUN_S = 15 * 60  # an estimate above this comes with advice


def duration(seconds: float) -> str:
    """``3 d 4 h``, ``2 h 05 min``, ``7 min``, ``40 s``: as precise as an estimate is."""
    seconds = max(0.0, seconds)
    if seconds >= 86400:
        return f"{int(seconds // 86400)} d {int(seconds % 86400 // 3600)} h"
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 60:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds)} s"


class AveragePaceRemaining(ProgressColumn):
    """Time left at the task's average pace since it started (``-`` before its first step)."""

    def render(self, task: Task) -> Text:
        elapsed, done = task.elapsed, task.completed
        if not elapsed or not done or task.total is None:
            return Text("-:--:--", style="progress.remaining")
        left = elapsed / done * max(0.0, task.total - done)
        hours, rest = divmod(int(left), 3600)
        return Text(f"{hours}:{rest // 60:02d}:{rest % 60:02d}", style="progress.remaining")


def estimate_line(run: RunInfo, per_fold_epoch: float) -> str:
    """The whole run's time at the measured pace, with what to do when that is long."""
    total = per_fold_epoch * run.folds_to_train * run.epochs
    line = (f"estimate: about {duration(total)} for {run.folds_to_train} folds x {run.epochs} "
            f"epochs on {run.device} ({duration(per_fold_epoch)} per fold-epoch so far)")
    if total < LONG_RUN_S:
        return line
    if run.device.startswith("cpu"):
        advice = ("this is GPU work: run it where a GPU is, with --device cuda (a GPU trains "
                  "many folds at once), or try a reduced setting first (fewer --epochs, a "
                  "smaller --model-opt; the README's set-up command shows one for HTNet)")
    else:
        advice = ("fewer --epochs or a smaller --model-opt try it faster; --parallel-folds K "
                  "trains K folds at once where memory allows")
    return (f"{line}. {advice}; Ctrl-C keeps every finished fold and the saved state of the "
            "one in progress")


def _description() -> TextColumn:
    """The bar's label: a model and dataset name, shown literally (no markup read)."""
    return TextColumn("{task.description}", style="bold", markup=False)


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
        # the furthest epoch each fold (of each run) has reported
        self._epochs: dict[tuple[Path, int], int] = {}
        self._open: set[Path] = set()  # runs started and not finished
        self._status: Status | None = None
        self._started = 0.0
        self._estimated = False

    def preparing(self, what: str) -> None:
        """A spinner until the first bar: loading data and features can take a while."""
        if self.enabled and self._status is None:
            self._status = Status(what, console=LiteralConsole(stderr=True))
            self._status.start()

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    @hookimpl
    def merbench_extraction_progress(self, feature: str, dataset: str, done: int,
                                     total: int) -> None:
        self.extraction_progress(f"{feature} on {dataset}", done, total)

    def extraction_progress(self, description: str, done: int, total: int) -> None:
        """Samples extracted so far; the bar closes itself when all are done."""
        if not self.enabled:
            return
        self._stop_status()
        if self._extraction is None:
            self._extraction = Progress(
                _description(), BarColumn(), MofNCompleteColumn(),
                TextColumn("samples"), TimeElapsedColumn(), TextColumn("ETA"),
                AveragePaceRemaining(), console=LiteralConsole(stderr=True),
            )
            self._extraction_task = self._extraction.add_task(literal(description), total=total)
            self._extraction.start()
        self._extraction.update(self._extraction_task, completed=done)
        if done >= total:
            self._extraction.stop()
            self._extraction = None

    @hookimpl
    def merbench_run_start(self, run: RunInfo) -> None:
        self.run_dir = run.run_dir
        self._n_folds = run.n_folds
        self._stop_status()
        if not self.enabled or run.folds_to_train == 0:
            return
        self._open.add(run.run_dir)
        if self._progress is not None:  # runs trained at once (--seeds on Ray): one bar
            self._progress.update(self._task, total=(self._progress.tasks[0].total or 0)
                                  + run.folds_to_train * run.epochs)
            return
        self._started = time.perf_counter()
        console = LiteralConsole(stderr=True)
        if run.folds_to_train < run.n_folds:
            console.print(f"resuming {run.run_dir}: {run.n_folds - run.folds_to_train} of "
                          f"{run.n_folds} folds already done")
        self._progress = Progress(
            _description(), BarColumn(), MofNCompleteColumn(),
            TextColumn("fold-epochs"), TimeElapsedColumn(), TextColumn("ETA"),
            AveragePaceRemaining(), console=console,
        )
        self._task = self._progress.add_task(
            literal(f"{run.model} on {run.dataset} ({run.device})"),
            total=run.folds_to_train * run.epochs,
        )
        self._progress.start()

    @hookimpl
    def merbench_epoch_finished(self, run: RunInfo, fold_index: int, epoch: int) -> None:
        # A fold trained again (fewer folds at once after running out of memory) reports
        # its epochs anew: the bar moves on only past the furthest epoch already shown.
        key = (run.run_dir, fold_index)
        again = key in self._epochs
        ahead = max(epoch - self._epochs.get(key, 0), 0)
        self._epochs[key] = max(epoch, self._epochs.get(key, 0))
        if again and not self._estimated:
            # a fold's second epoch: every fold trained beside it has reported its first
            self._estimated = True
            pace = (time.perf_counter() - self._started) / sum(self._epochs.values())
            line = estimate_line(run, pace)
            if self._progress is not None:
                self._progress.console.print(line)
        if self._progress is not None:
            self._progress.update(
                self._task, advance=ahead,
                description=literal(f"{run.model} on {run.dataset} fold {fold_index + 1}/"
                                    f"{run.n_folds}"),
            )

    @hookimpl
    def merbench_run_finished(self, run: RunInfo, results: dict[str, Any]) -> None:
        self._open.discard(run.run_dir)
        if not self._open:
            self.stop()

    def stop(self) -> None:
        self._stop_status()
        if self._extraction is not None:
            self._extraction.stop()
            self._extraction = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
