"""How many stop signals (Ctrl-C, SIGTERM, SIGHUP) this process has received.

A KeyboardInterrupt is the user's stop only when a signal raised it: a plugin's own code can
raise one too (at import, while registering, in a lifecycle hook), and pass 84k found merbench
then saying "interrupted — run it again" with status 130, for a stop nobody asked for that
recurs on every run. Code that calls a plugin reads the count before and after: a
KeyboardInterrupt with no signal received in between is the plugin's fault, said as one
warning like any other exception of it. The CLI's stop handlers count each signal here; where
Ctrl-C still has Python's own handler (merbench embedded in-process), :func:`ctrl_c_counted`
puts a counting one in its place for the plugin's call.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_received = 0


def note_stop() -> None:
    """A stop signal arrived (called by every handler that turns one into KeyboardInterrupt)."""
    global _received
    _received += 1


def stops_received() -> int:
    """The number of stop signals received so far in this process."""
    return _received


def _counted_ctrl_c(number: int, frame: FrameType | None) -> None:
    """Python's own Ctrl-C handler, counted."""
    note_stop()
    signal.default_int_handler(number, frame)


@contextlib.contextmanager
def ctrl_c_counted() -> Iterator[None]:
    """Within the block, a Ctrl-C handled by Python's own handler is counted too (only the
    main thread may change handlers; elsewhere, and where another handler is in place, which
    counts its own, nothing changes)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    signal.signal(signal.SIGINT, _counted_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
