"""Rich progress bars with an ETA, driven by merbench's lifecycle hooks like any reporter:
one for feature extraction (samples), one for training (fold-epochs).

A long job must say so before anyone waits on it: while the dataset and features load a
spinner says what is happening, and once the first fold's epochs after its first are
measured the whole run's time is estimated and, when it is long (HTNet's paper setting on a
CPU takes days), said plainly with what to do instead. The first epoch is left out of the
pace: it carries the run's one-time start-up (the first allocations and kernels, a capture),
which made a pace taken from the run's start 12 to 60 times too slow for short runs. Until
the pace is measured the ETA says "estimating..." rather than guess; after, it is that pace
times the fold-epochs left (rich's default estimate needs a step within its last 30 seconds,
and shows nothing when one fold-epoch takes longer).
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
from rich.table import Column
from rich.text import Text

from merbench.cli.console import LiteralConsole
from merbench.cli.literal import literal
from merbench.hookimpl import hookimpl
from merbench.runinfo import RunInfo

LONG_RUN_S = 15 * 60  # an estimate above this comes with advice
MEASURE_EPOCHS = 3  # epochs of the first fold after its first before the pace is trusted...
MEASURE_S = 2.0  # ...and seconds they must span (or the first fold has finished)


def duration(seconds: float) -> str:
    """``3 d 4 h``, ``2 h 05 min``, ``7 min``, ``40 s``, ``24 ms``: as precise as an
    estimate is."""
    seconds = max(0.0, seconds)
    if seconds < 0.95:  # a fold-epoch of a small model: "0 s" would say nothing
        return f"{max(1, round(seconds * 1000))} ms"
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


class MeasuredPaceRemaining(ProgressColumn):
    """Time left at the pace the reporter measured (the task's ``pace`` field, seconds per
    step); "estimating..." until it has one."""

    def render(self, task: Task) -> Text:
        pace = task.fields.get("pace")
        if pace is None or task.total is None:
            return Text("estimating...", style="progress.remaining")
        left = pace * max(0.0, task.total - task.completed)
        hours, rest = divmod(int(left), 3600)
        return Text(f"{hours}:{rest // 60:02d}:{rest % 60:02d}", style="progress.remaining")


def estimate_line(run: RunInfo, per_fold_epoch: float, start_up: float = 0.0) -> str:
    """The whole run's time at the measured pace (plus its one-time ``start_up`` seconds),
    with what to do when that is long."""
    total = start_up + per_fold_epoch * run.folds_to_train * run.epochs
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
    """The bar's label: a model and dataset name, shown literally (no markup read). It takes
    the width the other columns leave and is the one cut short (with an ellipsis), so a
    narrow terminal still shows the counts, the elapsed time and the ETA whole."""
    return TextColumn("{task.description}", style="bold", markup=False,
                      table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis",
                                          min_width=8))


def _bar_columns(unit: str, remaining: ProgressColumn) -> list[ProgressColumn]:
    """The columns after the label, each kept whole."""
    def whole() -> Column:
        return Column(no_wrap=True)

    return [BarColumn(bar_width=16, table_column=whole()),
            MofNCompleteColumn(table_column=whole()), TextColumn(unit, table_column=whole()),
            TimeElapsedColumn(table_column=whole()), TextColumn("ETA", table_column=whole()),
            remaining]


def _progress(unit: str, remaining: ProgressColumn, console: Any) -> Progress:
    """A bar as wide as the terminal, whose label alone gives way when it is narrow."""
    return Progress(_description(), *_bar_columns(unit, remaining), console=console,
                    expand=True)


#: what extract and export say when Ctrl-C stops them (the cache keeps finished samples)
INTERRUPTED_EXTRACTION = ("merbench: interrupted — every sample finished so far is in the "
                          "cache; run the same command again to compute only the rest")


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
        # the first fold to report, and when it reported each epoch (its pace is the run's)
        self._pace_fold: tuple[Path, int] | None = None
        self._pace_times: list[tuple[int, float]] = []
        self._beside: set[tuple[Path, int]] = set()  # folds first heard of before its second

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
            self._extraction = _progress("samples",
                                         AveragePaceRemaining(table_column=Column(no_wrap=True)),
                                         LiteralConsole(stderr=True))
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
        self._progress = _progress(
            "fold-epochs", MeasuredPaceRemaining(table_column=Column(no_wrap=True)), console)
        self._task = self._progress.add_task(
            literal(f"{run.model} on {run.dataset} ({run.device})"),
            total=run.folds_to_train * run.epochs, pace=None,
        )
        self._progress.start()

    @hookimpl
    def merbench_epoch_finished(self, run: RunInfo, fold_index: int, epoch: int) -> None:
        # A fold trained again (fewer folds at once after running out of memory) reports
        # its epochs anew: the bar moves on only past the furthest epoch already shown.
        key = (run.run_dir, fold_index)
        ahead = max(epoch - self._epochs.get(key, 0), 0)
        self._epochs[key] = max(epoch, self._epochs.get(key, 0))
        if not self._estimated and ahead:
            self._measure(run, key, epoch)
        if self._progress is not None:
            self._progress.update(
                self._task, advance=ahead,
                description=literal(f"{run.model} on {run.dataset} fold {fold_index + 1}/"
                                    f"{run.n_folds}"),
            )

    def _measure(self, run: RunInfo, key: tuple[Path, int], epoch: int) -> None:
        """Time the first fold's epochs after its first; once enough are measured, print
        the estimate and give the bar its pace. Folds trained beside it (the fold-parallel
        engine) report each epoch together, so one of its epochs is theirs too."""
        now = time.perf_counter()
        if self._pace_fold is None:
            self._pace_fold = key
        if key != self._pace_fold:
            if len(self._pace_times) <= 1:  # before its second report: trained beside it
                self._beside.add(key)
            return
        self._pace_times.append((epoch, now))
        (first, started), (last, ended) = self._pace_times[0], self._pace_times[-1]
        finished = epoch >= run.epochs
        if last - first < (1 if finished else MEASURE_EPOCHS) or (
                ended - started < MEASURE_S and not finished):
            return
        self._estimated = True
        per_fold_epoch = (ended - started) / (last - first) / (1 + len(self._beside))
        # what the run took before the first fold's measured epochs: its one-time start-up
        # and those first epochs, at whose pace the rest is not counted again
        done_then = first * (1 + len(self._beside))
        start_up = max(0.0, started - self._started - per_fold_epoch * done_then)
        if self._progress is not None:
            self._progress.console.print(estimate_line(run, per_fold_epoch, start_up))
            self._progress.update(self._task, pace=per_fold_epoch)

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
