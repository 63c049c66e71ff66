"""SIGTERM and SIGHUP stop a command as Ctrl-C does.

Batch systems and containers stop a job with SIGTERM (SLURM at its time limit or on
preemption, Kubernetes when a pod is evicted, ``timeout``), and a closed terminal sends
SIGHUP. Python's default for both ends the process at once: the fold in progress lost, no
word of what is kept. While a command runs they are turned into the KeyboardInterrupt that
Ctrl-C raises, so every command stops the way it stops on Ctrl-C (finished folds kept, the
fold in progress saved as of its last state, one line saying how to go on), and the exit
status is the shell's for that signal, 128 + its number (143 for SIGTERM, 129 for SIGHUP;
130 for Ctrl-C), so a scheduler sees which signal ended the job.

When merbench is the whole process (the console script), a command that has stopped has kept
what it keeps, and what is left is saying so and ending the process: after the exit handlers
libraries registered, without the interpreter's finalisation (freeing torch's modules and
memory), which took seconds (:func:`exit_if_stopped`). A second Ctrl-C there, an impatient user's
or a scheduler's after its grace period, would raise KeyboardInterrupt into that shutdown and
end the process by SIGINT (exit status -2 to its parent, and a traceback) instead of with 130.
So once a stop has begun, a further Ctrl-C ends the process at once with exit status 130.

A stop that waits for an import to end (:mod:`merbench.base.interrupt_points`: raised through
torch's C++ extensions it aborts the process) is said, naming what loads, once the import
has not ended within :data:`NOTICE_S`: ``import torch`` takes ten seconds and more on a busy
machine, and a stop that said nothing for that long looked like a hang.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

from merbench.base.interrupt_points import imported_library, in_import, must_wait
from merbench.base.running_hook import ask_main_again
from merbench.base.scratch import remove_open_scratch
from merbench.base.stops_received import note_stop
from merbench.base.terminal import say

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


#: how often a stop that waits (:mod:`merbench.base.interrupt_points`) asks again, in seconds
RETRY_S = 0.02

#: how long a stop waits for an import before it says so, in seconds: an import that ends
#: sooner (most do) stops the command with no more said than any stop
NOTICE_S = 0.3


class StopSignals:
    """The stop signal received while the block ran (None: none); ``ends_process``: the
    process ends with the command, so once it stops a further Ctrl-C ends it at once."""

    def __init__(self, ends_process: bool = False) -> None:
        self.received: int | None = None
        self.ends_process = ends_process
        self.stopping = False
        #: a stop that arrived where it cannot be raised, and since when (monotonic s)
        self.pending: int | None = None
        self._pending_since = 0.0
        self._asker: threading.Thread | None = None
        self._closed = False
        #: a stop that waited was taken by a handler of another's (a fold stopping at its
        #: epoch's end), which gives it back here when it is to be raised
        self._handed_over = False
        #: the package a waiting stop waits for to load, and whether that was said
        self._loading: str | None = None
        self._said_loading = False

    def _stop(self, number: int, frame: FrameType | None) -> None:
        note_stop()  # a KeyboardInterrupt from now on may be this signal's, not a plugin's
        if self.stopping or (self.received is not None and self.pending is None
                             and not self._handed_over):
            return  # stopping already: a second signal must not cut the saving short
        if self.received is None:
            self.received = number
        self._interrupt(self.received, frame)

    def _interrupt(self, number: int, frame: FrameType | None) -> None:
        """Ctrl-C's KeyboardInterrupt, once the main thread is where it can be raised;
        where the process ends with the command, a Ctrl-C from now on ends it at once (a
        second SIGTERM or SIGHUP stays ignored, as above)."""
        note_stop()
        if self._closed:
            return  # the command has ended: a stop that waited came too late to matter
        if self.pending is None:
            self._pending_since = time.monotonic()
        if must_wait(frame, time.monotonic() - self._pending_since):
            if self._loading is None and in_import(frame):
                self._loading = imported_library(frame) or "a module"
            self._wait(number)
            return
        self.pending = None
        self._handed_over = False
        if self.ends_process:
            self.stopping = True
            if signal.getsignal(signal.SIGINT) not in (signal.SIG_IGN, None):
                signal.signal(signal.SIGINT, _end_at_once)
        raise KeyboardInterrupt

    def _wait(self, number: int) -> None:
        """Ask again shortly (the handler runs again in the main thread), until the stop is
        raised or the block ends; or once, where a handler of another's is in place by then
        (the fold's stop at its epoch's end), which takes it as the one signal it is."""
        if self.pending is not None:
            return  # asked again already
        self.pending = number

        def ask_again() -> None:
            while self.pending is not None:
                time.sleep(RETRY_S)
                waiting = self.pending
                if waiting is None:
                    break
                self._say_loading()
                if signal.getsignal(waiting) not in (self._stop, self._interrupt):
                    # another handler took over while the stop waited (a fold that saves
                    # at its epoch's end): it is given the signal once, as the one signal
                    # it is; asked again, it would count a second and stop at once,
                    # saving nothing
                    self._handed_over = True
                    self.pending = None
                ask_main_again(waiting)  # (a reporter's hook that blocks: woken)

        self._asker = threading.Thread(target=ask_again, name="merbench-stop", daemon=True)
        self._asker.start()

    def _say_loading(self) -> None:
        """Once, from the thread that asks again (a line written from the signal handler
        could land inside one the main thread is writing): the stop waits for an import
        that has taken :data:`NOTICE_S` already, and may take many seconds more."""
        if (self._said_loading or self._loading is None
                or time.monotonic() - self._pending_since < NOTICE_S):
            return
        self._said_loading = True
        with contextlib.suppress(Exception):  # a closed standard error: the stop goes on
            say(f"merbench: stopping once {self._loading} has finished loading (an import "
                "cannot be cut short safely); this can take several seconds",
                file=sys.stderr, flush=True)

    def close(self) -> None:
        """The block ends: a stop still waiting is dropped (the command finished before it
        could be raised), and the thread asking again has ended before the handlers change
        (``signal.signal`` runs a pending handler first: ours, which now ignores it)."""
        self._closed = True
        self.pending = None
        if self._asker is not None:
            self._asker.join()

    def exit_status(self, status: int, interrupted: int) -> int:
        """``status`` as the command returned it, or 128 + the signal's number where the
        command stopped (returned ``interrupted``) because of one."""
        if status == interrupted and self.received is not None:
            return 128 + self.received
        return status


def _end_at_once(number: int, frame: FrameType | None) -> None:
    """A Ctrl-C after the command stopped: the process ends now, with the shell's status,
    its scratch folders removed (nothing else unwinds)."""
    remove_open_scratch()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(128 + number)


@contextlib.contextmanager
def stop_like_ctrl_c(ends_process: bool = False) -> Iterator[StopSignals]:
    """Within the block, SIGTERM and SIGHUP raise KeyboardInterrupt in the main thread,
    unless the process ignores them (``nohup`` ignores SIGHUP so that a closed terminal
    does not stop the job: it must not stop it here either); the handlers in place before
    are restored after it (signals can only be handled in the
    main thread, so elsewhere nothing changes). ``ends_process`` (the console script): Ctrl-C
    is handled too, and after a stop the handlers stay as they are then (Ctrl-C: at once)."""
    stops = StopSignals(ends_process)
    if threading.current_thread() is not threading.main_thread():
        yield stops
        return
    numbers = (*STOP_SIGNALS, signal.SIGINT) if ends_process else STOP_SIGNALS
    previous = {number: signal.getsignal(number) for number in numbers}
    for number in STOP_SIGNALS:
        if previous[number] is not signal.SIG_IGN:  # nohup's SIGHUP stays ignored
            signal.signal(number, stops._stop)
    if ends_process and previous[signal.SIGINT] is signal.default_int_handler:
        signal.signal(signal.SIGINT, stops._interrupt)  # an ignored Ctrl-C stays ignored
    try:
        yield stops
    finally:
        stops.close()
        if not stops.stopping:
            for number, handler in previous.items():
                signal.signal(number, handler)



def exit_if_stopped(status: int) -> None:
    """A command that a stop signal ended (``status`` 128 + its number) has kept what it
    keeps and said so: the process ends now, after the exit handlers that libraries
    registered (Ray's shutdown, multiprocessing's children, logging's flush), without the
    interpreter's own finalisation. With torch loaded that freeing of modules and memory took
    3 s and more on a loaded 2-core machine, after the "interrupted" line, of a stop that a
    scheduler gives a grace period before SIGKILL (pass 84r, R9)."""
    if status not in {128 + number for number in (*STOP_SIGNALS, signal.SIGINT)}:
        return
    with contextlib.suppress(Exception):  # a failing handler is no reason to wait longer
        atexit._run_exitfuncs()
    remove_open_scratch()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


def ignore_while_exiting() -> None:
    """The command is done and the interpreter is shutting down (libraries' threads joined,
    caches closed: a second or so after a training run): a stop signal now is ignored. The
    work the command reports is finished, so a late Ctrl-C or SIGTERM must not turn it into
    a failed job or print a traceback from the shutdown. Ignored, not handled: Python puts
    back the default action of every signal it handles before its last clean-up, and an
    ignored signal is the one it leaves as it is."""
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (*STOP_SIGNALS, signal.SIGINT):
        signal.signal(number, signal.SIG_IGN)
