"""SIGTERM and SIGHUP stop a command as Ctrl-C does.

Batch systems and containers stop a job with SIGTERM (SLURM at its time limit or on
preemption, Kubernetes when a pod is evicted, ``timeout``), and a closed terminal sends
SIGHUP. Python's default for both ends the process at once: the fold in progress lost, no
word of what is kept. While a command runs they are turned into the KeyboardInterrupt that
Ctrl-C raises, so every command stops the way it stops on Ctrl-C (finished folds kept, the
fold in progress saved as of its last state, one line saying how to go on), and the exit
status is the shell's for that signal, 128 + its number (143 for SIGTERM, 129 for SIGHUP;
130 for Ctrl-C), so a scheduler sees which signal ended the job.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class StopSignals:
    """The stop signal received while the block ran (None: none)."""

    def __init__(self) -> None:
        self.received: int | None = None

    def _stop(self, number: int, frame: FrameType | None) -> None:
        if self.received is not None:
            return  # stopping already: a second signal must not cut the saving short
        self.received = number
        raise KeyboardInterrupt

    def exit_status(self, status: int, interrupted: int) -> int:
        """``status`` as the command returned it, or 128 + the signal's number where the
        command stopped (returned ``interrupted``) because of one."""
        if status == interrupted and self.received is not None:
            return 128 + self.received
        return status


@contextlib.contextmanager
def stop_like_ctrl_c() -> Iterator[StopSignals]:
    """Within the block, SIGTERM and SIGHUP raise KeyboardInterrupt in the main thread;
    the handlers in place before are restored after it (signals can only be handled in the
    main thread, so elsewhere nothing changes)."""
    stops = StopSignals()
    if threading.current_thread() is not threading.main_thread():
        yield stops
        return
    previous = {number: signal.signal(number, stops._stop) for number in STOP_SIGNALS}
    try:
        yield stops
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
