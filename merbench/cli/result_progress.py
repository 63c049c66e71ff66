"""Progress over a folder's results, for the commands that read every one of them
(``leaderboard build``, ``list`` and ``export``, ``validate FOLDER``).

A command that checks a thousand results takes minutes, and one that says nothing for
minutes looks hung. So, once the first result is read (never before: a command refused in
its first line prints that line alone), a bar on stderr counts the results read out of those
the walk found, with the one being read, where stderr is a terminal; where it is a file or a
pipe (CI, a log), one line each time another tenth is read, from :data:`QUIET_S` seconds on
(a command that answers sooner says nothing before its answer, as a short one always did),
with the share truly read: the tenth crossed, rounded down, said "1 of 4 results (20%)".
stdout is left to the answer (``list``'s ids, ``export``'s table), which scripts read.

Results are counted by their folder, each once: a check that reads a result twice (a seed run
read again for its summary), or reads a folder the walk did not count (a tuning's unpacked
trial), moves nothing.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column

from merbench.base.console import LiteralConsole
from merbench.base.terminal import say
from merbench.cli.bars import bar

STEPS = 10  # without a terminal: a line each tenth...
QUIET_S = 3.0  # ...once the command has taken this long


def stderr_is_a_terminal() -> bool:
    try:
        return os.isatty(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # an in-memory stream: no terminal
        return False


def counting_bar(noun: str) -> Progress:
    """The bar a long command shows on stderr's terminal: what it is at, a bar, N/M
    ``noun``, the time so far; gone from the screen once it stops (``transient``)."""
    return bar(
        TextColumn("{task.description}", markup=False,
                   table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis",
                                       min_width=8)),
        BarColumn(bar_width=16), MofNCompleteColumn(), TextColumn(noun),
        TimeElapsedColumn(), console=LiteralConsole(file=sys.stderr), expand=True,
        transient=True)


class ResultProgress:
    """Counts the results in ``expected`` (their folders) as they are read; a context
    manager, called with each path read."""

    def __init__(self, expected: list[Path], verb: str = "read", noun: str = "results",
                 terminal: bool | None = None) -> None:
        """``noun``: what is counted; "files" counts each file, not each result's folder
        (``migrate``)."""
        self._by_file = noun == "files"
        self._left = {self._name(path) for path in expected}
        self._total = len(self._left)
        self._verb, self._noun = verb, noun
        self._done = 0
        self._said = 0  # tenths said, without a terminal
        self._terminal = stderr_is_a_terminal() if terminal is None else terminal
        self._bar: Progress | None = None
        self._task: Any = None
        self._started = time.monotonic()

    @property
    def spoke(self) -> bool:
        """Whether it has shown anything (a bar, or a line)."""
        return self._bar is not None or self._said > 0

    def _name(self, path: Path) -> Path:
        """A result's folder, resolved: a results file's folder is its result."""
        path = Path(path)
        folder = path if path.is_dir() or self._by_file else path.parent
        return folder.resolve()

    def __enter__(self) -> ResultProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def say_the_rest(self, why: str) -> None:
        """Off a terminal, once lines were said: how many of the results counted were not
        read, and ``why`` (an export reads one kind of result of the several a folder holds:
        its lines stopped at 80 % with nothing saying why)."""
        if self._terminal or not self._said or not self._left:
            return
        say(f"merbench: {self._verb} {self._done} of {self._total} {self._noun}; the other "
            f"{len(self._left)} {why}", file=sys.stderr, flush=True)

    def __call__(self, path: Path) -> None:
        name = self._name(path)
        if name not in self._left:
            return
        self._left.discard(name)
        self._done += 1
        if self._terminal:
            self._draw(path)
            return
        tenths = self._done * STEPS // self._total
        if tenths > self._said and time.monotonic() - self._started >= QUIET_S:
            self._said = tenths
            say(f"merbench: {self._verb} {self._done} of {self._total} {self._noun} "
                f"({self._done * 100 // self._total}%)", file=sys.stderr, flush=True)

    def _draw(self, path: Path) -> None:
        if self._bar is None:
            self._bar = counting_bar(self._noun)
            self._bar.start()
            self._task = self._bar.add_task(str(path), total=self._total)
        self._bar.update(self._task, completed=self._done,
                         description=f"{self._verb}: {path}")


__all__ = ["ResultProgress", "counting_bar", "stderr_is_a_terminal"]
