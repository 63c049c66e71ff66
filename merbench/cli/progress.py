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

What the estimate says is :mod:`merbench.cli.estimate`'s: a run measured as GPU work on a CPU
is offered a reduced command to paste (:mod:`merbench.cli.reduced_command`). Where stdout is a
file or a pipe (a run redirected to a log, a batch job) rather than a terminal, the reporter
also writes plain lines there, each flushed, from the first second on: what is being read,
training's start, its first epoch, the estimate, then how far training has got at most every
:data:`PLAIN_EVERY_S` seconds; a log used to stay empty until the estimate, 30 s into HTNet's
first fold. They go to stdout, not stderr, so a command that fails still says so in one line
on stderr. The bar and the spinner stay on stderr, drawn only where it is a terminal
(:mod:`merbench.cli.bars`: not even their last frame goes into a file or a pipe).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

from merbench.base.console import LiteralConsole
from merbench.base.literal import counted
from merbench.base.terminal import literal, say
from merbench.cli.bars import bar
from merbench.cli.estimate import GPU_WORK_S, estimate_line, offer_lines
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.runinfo import FinishedResult, RunInfo

if TYPE_CHECKING:
    from merbench.cli.reduced_command import RunAsGiven

PLAIN_EVERY_S = 30.0  # without a terminal: a line on training's progress at most this often
MEASURE_EPOCHS = 3  # epochs of the first fold after its first before the pace is trusted...
MEASURE_S = 2.0  # ...and seconds they must span (or the first fold has finished)


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


def stdout_is_a_log() -> bool:
    """Whether stdout is a file or a pipe: an open file descriptor that is not a terminal
    (not an in-memory stream a Python caller reads, where no one waits on a log), and rich
    is not told to treat it as a terminal."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return False
    return not os.isatty(descriptor) and not LiteralConsole().is_terminal


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
    """A bar as wide as the terminal, whose label alone gives way when it is narrow (and
    off a terminal, nothing drawn: :mod:`merbench.cli.bars`)."""
    return bar(_description(), *_bar_columns(unit, remaining), console=console, expand=True)


#: what extract and export say when Ctrl-C stops them (the cache keeps finished samples)
INTERRUPTED_EXTRACTION = ("merbench: interrupted — every sample finished so far is in the "
                          "cache; run the same command again to compute only the rest")


class ProgressReporter:
    """Shows fold-epochs done out of all those left to train, with elapsed time and ETA.

    ``plain``: also write the progress as lines on stdout (None: where stdout is a file or a
    pipe, :func:`stdout_is_a_log`). ``given`` is the run as the user gave it, set by
    ``merbench run`` once it is known: what a reduced command is made from, and whether a
    stop saves the fold in progress."""

    def __init__(self, enabled: bool = True, plain: bool | None = None) -> None:
        self.enabled = enabled
        self.given: RunAsGiven | None = None
        self.run_dir: Path | None = None
        self._lines = LiteralConsole()
        self.plain = stdout_is_a_log() if plain is None else plain
        # the estimate goes on stderr too where someone watches it there (not twice into
        # one log, as with 2>&1)
        self._watched = not self.plain or LiteralConsole(stderr=True).is_terminal
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
        self._said = 0.0  # when the last plain line was written
        self._estimated = False
        # the first fold to report, and when it reported each epoch (its pace is the run's)
        self._pace_fold: tuple[Path, int] | None = None
        self._pace_times: list[tuple[int, float]] = []
        self._beside: set[tuple[Path, int]] = set()  # folds first heard of before its second

    def _say(self, line: str) -> None:
        """A plain line on stdout, whole (a log is not a terminal to wrap for), flushed
        (rich flushes every print)."""
        self._said = time.perf_counter()
        self._lines.print(line, soft_wrap=True)

    def _tell(self, line: str, console: Any, whole: bool = False) -> None:
        """``line`` into the log (plain) and on stderr's ``console`` where it is watched;
        ``whole``: unwrapped on both (a command to paste). A stderr that is a file or a pipe
        (``2> log``) gets every line whole, as the log does: it is not a terminal to wrap for."""
        if self.plain:
            self._say(line)
        if self._watched:
            console.print(line, soft_wrap=whole or not console.is_terminal)

    def preparing(self, what: str) -> None:
        """A spinner until the first bar: loading data and features can take a while (into
        a log, the same words as a line, at once)."""
        if not self.enabled:
            return
        if self.plain:
            self._say(what)
        if self._status is None:
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
        if self.plain and (done >= total or time.perf_counter() - self._said >= PLAIN_EVERY_S):
            self._say(f"{description}: {done}/{total} samples")
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
            self._tell(f"resuming {run.run_dir}: {run.n_folds - run.folds_to_train} of "
                       f"{run.n_folds} folds already done", console)
        if self.plain:
            self._say(f"training {run.model} on {run.dataset} ({run.device}): "
                      f"{counted(run.folds_to_train, 'fold')} x {counted(run.epochs, 'epoch')}, in "
                      f"{run.run_dir}")
        self._progress = _progress(
            "fold-epochs", MeasuredPaceRemaining(table_column=Column(no_wrap=True)), console)
        self._task = self._progress.add_task(
            literal(f"{run.model} on {run.dataset} ({run.device})"),
            total=run.folds_to_train * run.epochs, pace=None,
        )
        self._progress.start()

    @property
    def trained_an_epoch(self) -> bool:
        """Whether any fold of this command finished an epoch: a stop before one (while an
        import it waited out ends, the run already started) kept nothing it trained."""
        return bool(self._epochs)

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
            first = not self._progress.tasks[0].completed
            self._progress.update(
                self._task, advance=ahead,
                description=literal(f"{run.model} on {run.dataset} fold {fold_index + 1}/"
                                    f"{run.n_folds}"),
            )
            if self.plain and ahead and (
                    first or time.perf_counter() - self._said >= PLAIN_EVERY_S):
                self._say_progress(fold_index, epoch, run)

    def _say_progress(self, fold_index: int, epoch: int, run: RunInfo) -> None:
        """Without a terminal: the bar's counts, elapsed time and ETA, as a line."""
        assert self._progress is not None
        task = self._progress.tasks[0]
        elapsed = int(time.perf_counter() - self._started)
        left = MeasuredPaceRemaining().render(task).plain
        self._say(f"{run.model} on {run.dataset}: fold {fold_index + 1}/"
                  f"{run.n_folds} epoch {epoch}/{run.epochs}; {int(task.completed)}/"
                  f"{int(task.total or 0)} fold-epochs in {elapsed // 3600}:"
                  f"{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}, ETA {left}")

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
            self._estimate(run, per_fold_epoch, start_up)
            self._progress.update(self._task, pace=per_fold_epoch)

    def _estimate(self, run: RunInfo, per_fold_epoch: float, start_up: float) -> None:
        """Print the estimate, and the reduced command where the run is GPU work on a CPU."""
        assert self._progress is not None
        console = self._progress.console
        total = start_up + per_fold_epoch * run.folds_to_train * run.epochs
        given = self.given
        offer = None
        if given is not None and run.device.startswith("cpu") and total >= GPU_WORK_S:
            offer = given.offer(per_fold_epoch, start_up, run.n_folds, run.epochs)
        saves = given.saves_states if given is not None else True
        # a log gets whole lines; a terminal wraps all but the command, kept whole to paste
        self._tell(estimate_line(run, per_fold_epoch, start_up, offer=offer,
                                 saves_states=saves), console)
        if offer is not None:
            label, command = offer_lines(offer, run.model)
            self._tell(label, console)
            self._tell(command, console, whole=True)

    @hookimpl
    def merbench_result_finished(self, result: FinishedResult) -> None:
        """A trained run's result written: its bar's share is done (the last run's closes
        it). Results that train no run of their own (a summary, a tuning) leave it be."""
        if result.run is None:
            return
        self._open.discard(result.run.run_dir)
        if not self._open:
            self.stop()

    def extraction_interrupted(self) -> None:
        """Ctrl-C during extract or export: the bars stopped, then what is kept said (the
        cache holds every finished sample), one ending for both commands."""
        self.stop()
        say(INTERRUPTED_EXTRACTION, file=sys.stderr)

    def stop(self) -> None:
        self._stop_status()
        if self._extraction is not None:
            self._extraction.stop()
            self._extraction = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
