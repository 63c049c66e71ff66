"""Progress of ``merbench audit``: the fold-epochs it trains again, counted as they finish.

An audit of a run trains some of its folds again, each for the run's whole recipe: minutes to
hours with no line between the fold it starts and the verdict it gives, which looks hung. So,
from the first epoch trained (never before: a refused audit prints its refusal alone), a bar
on stderr counts the fold-epochs done out of those the audit trains, where stderr is a
terminal; where it is a file or a pipe, a line each time another tenth of the run being
trained is done (an audit of a tuning or of seeds trains several, one after another), from
:data:`~merbench.cli.result_progress.QUIET_S` seconds on, as ``validate``'s does for results.
stdout keeps the audit's own lines (each fold's outcome, the verdict).

It hears the epochs through the ``merbench_epoch_finished`` hook, the way ``run``'s bar does,
so every kind whose audit trains (a run, an action-unit run, each seed of a summary, a
tuning's outer folds) shows it; a kind whose audit trains nothing (a spotter's thresholds
chosen again) finishes before a bar would tell anything.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.progress import Progress

from merbench.base.terminal import say
from merbench.cli import result_progress
from merbench.cli.result_progress import STEPS, counting_bar, stderr_is_a_terminal
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.runinfo import RunInfo


class AuditProgress:
    """Counts the fold-epochs an audit trains again; a plugin (its epoch hook) and a context
    manager (the bar is taken down when the audit ends, however it ends)."""

    def __init__(self, terminal: bool | None = None) -> None:
        self._terminal = stderr_is_a_terminal() if terminal is None else terminal
        self._total = 0
        self._done = 0
        self._runs: set[Path] = set()  # the (scratch) runs heard of: each adds its folds
        self._epochs: dict[tuple[Path, int], int] = {}  # the furthest epoch of each fold
        self._said = 0  # tenths of the run being trained said, off a terminal
        self._run_done = self._run_total = 0  # its fold-epochs, off a terminal
        self._started = time.monotonic()
        self._bar: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> AuditProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    @property
    def counted(self) -> tuple[int, int]:
        """Fold-epochs trained again so far, and in all (as far as known)."""
        return self._done, self._total

    @hookimpl
    def merbench_epoch_finished(self, run: RunInfo, fold_index: int, epoch: int) -> None:
        if run.run_dir not in self._runs:  # a run trained again: its folds join the count
            self._runs.add(run.run_dir)
            self._total += run.folds_to_train * max(run.epochs, 1)
            # an audit of a tuning or of seeds trains its runs one after another, and how
            # many is not known before: a line counts the run being trained, not the audit
            self._run_done, self._run_total, self._said = 0, run.folds_to_train * max(
                run.epochs, 1), 0
        key = (run.run_dir, fold_index)
        ahead = max(epoch - self._epochs.get(key, 0), 0)  # a fold trained anew moves nothing
        self._epochs[key] = max(epoch, self._epochs.get(key, 0))
        self._done = min(self._done + ahead, self._total)
        self._run_done = min(self._run_done + ahead, self._run_total)
        if self._terminal:
            self._draw(f"auditing: {run.model} on {run.dataset}, fold {fold_index + 1}/"
                       f"{run.n_folds} epoch {epoch}/{run.epochs}")
            return
        done, total = self._run_done, self._run_total
        tenths = done * STEPS // total if total else 0
        if tenths > self._said and time.monotonic() - self._started >= result_progress.QUIET_S:
            self._said = tenths
            # saved weights (one evaluation a fold): nothing is trained, and no epoch
            made, unit = ("trained", "fold-epochs") if run.trains else ("evaluated", "folds")
            say(f"merbench: audit {made} {done:,} of {total:,} {unit} of run "
                f"{len(self._runs)} again ({done * 100 // total}%)", file=sys.stderr,
                flush=True)

    def _draw(self, description: str) -> None:
        if self._bar is None:
            self._bar = counting_bar("fold-epochs")
            self._bar.start()
            self._task = self._bar.add_task(description, total=self._total)
        self._bar.update(self._task, completed=self._done, total=self._total,
                         description=description)


__all__ = ["AuditProgress"]
