"""A stop signal while a fold trains saves the fold at the end of its epoch, then stops.

Ctrl-C (SIGINT), and SIGTERM and SIGHUP, which the command line turns into the same
KeyboardInterrupt (:mod:`merbench.cli.stop_signals`), used to stop training wherever it was.
Half an epoch is no state to go on from, so the fold in progress was kept only as of its last
periodic save, every ``--checkpoint-every`` minutes (5 by default): a stop in a fold's first
minutes kept nothing of it, and "Ctrl-C keeps the saved state of the fold in progress" did not
hold. While a fold that saves states trains, the first stop signal is therefore only noted;
the epoch loop sees it when the epoch ends, saves the state there (the periodic save's format,
written atomically) and then stops as that signal would have: the handler that was in place
before is given it, so Ctrl-C still raises KeyboardInterrupt (exit status 130), the command
line's SIGTERM handler still makes the exit status 143, and a process with no handler of its
own still ends by the signal.

A second signal stops at once, whatever is being done: impatience must not be held hostage
by a slow epoch or a slow disk. Saves are atomic (:func:`merbench.base.atomic.atomic_write`), so
the saved state on disk is then the last one written whole, never a part of the new one.

Signals can only be handled in the main thread; elsewhere (and for a signal the process
ignores, such as SIGINT in a job started in the background) nothing changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

# a wait for the epoch's end worth a word (a fold's first epoch, whose length is not known yet,
# is always said); shorter ones stop as if at once
NOTICEABLE_S = 1.0
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class EpochEndStop:
    """The stop signal received while a fold trained (None: none yet), and how to pass it on.

    ``label`` names the folds in the line said when a signal comes ("fold syn1/s01").
    ``epoch_seconds`` is how long the last epoch took (:meth:`epoch_begins` and
    :meth:`epoch_ended`, called by the loop), so that line can say how long the wait for the
    epoch's end is likely to be, and is left out where the wait is too short to notice. A
    fold's first epoch is taken to be as long as the last epoch this process trained (the
    folds of a run are alike); only the process's very first one is not known."""

    last_epoch_seconds: float | None = None  # of the last epoch this process trained

    def __init__(self, label: str) -> None:
        self.label = label
        self.received: int | None = None
        self.epoch_seconds = EpochEndStop.last_epoch_seconds
        self.epoch_started = time.monotonic()
        self._previous: dict[int, Any] = {}

    def epoch_begins(self) -> None:
        self.epoch_started = time.monotonic()

    def epoch_ended(self) -> None:
        self.epoch_seconds = time.monotonic() - self.epoch_started
        EpochEndStop.last_epoch_seconds = self.epoch_seconds

    @property
    def requested(self) -> bool:
        return self.received is not None

    def _note(self, number: int, frame: FrameType | None) -> None:
        """The signal handler: the first signal is noted, a second one stops at once."""
        if self.received is not None:
            self.stop()
            return
        self.received = number
        if self.epoch_seconds is None or self.epoch_seconds >= NOTICEABLE_S:
            _say(f"merbench: stopping — {self.label} is saved when its current epoch ends"
                 f"{self._wait()}; Ctrl-C again (or a second signal) stops at once, keeping "
                 "only the state saved before")

    def _wait(self) -> str:
        """`` (in about 40 s)``: what is left of the epoch at the last epoch's pace."""
        if self.epoch_seconds is None:
            return ""
        left = self.epoch_seconds - (time.monotonic() - self.epoch_started)
        return f" (in about {max(1, round(left))} s)" if left >= 1 else ""

    def stop(self) -> None:
        """Give the signal received to the handlers that were in place before (which raise
        KeyboardInterrupt, or end the process); nothing when none was received."""
        number = self.received
        if number is None:
            return
        self.received = None  # passed on once (a caller's handler may let training go on)
        self.restore()
        handler = signal.getsignal(number)
        if callable(handler):
            handler(number, None)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(number)  # ends the process, as the signal would have

    def restore(self) -> None:
        """Put the handlers in place before back."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def install(self) -> None:
        """Handle the stop signals that are not ignored, in the main thread only."""
        if threading.current_thread() is not threading.main_thread():
            return
        for number in STOP_SIGNALS:
            handler = signal.getsignal(number)
            if handler in (signal.SIG_IGN, None):  # ignored, or not Python's to handle
                continue
            self._previous[number] = signal.signal(number, self._note)


def _say(line: str) -> None:
    """One line on stderr, written straight to its file descriptor: a handler runs between
    two bytecodes of whatever was running, and Python's buffered stderr refuses a write made
    while it is in the middle of one."""
    with contextlib.suppress(OSError):
        os.write(2, (line + "\n").encode("utf-8", "replace"))


@contextlib.contextmanager
def stop_at_epoch_end(label: str, enabled: bool) -> Iterator[EpochEndStop]:
    """Within the block, a stop signal is noted for the epoch loop (``enabled``: the fold
    saves states; otherwise the signals act as before). On leaving it, the handlers in place
    before are back, and a signal noted and not yet passed on is passed on."""
    stop = EpochEndStop(label)
    if enabled:
        stop.install()
    try:
        yield stop
    except BaseException:
        stop.restore()  # already stopping (an error, or the signal passed on): say no more
        raise
    stop.stop()
    stop.restore()

