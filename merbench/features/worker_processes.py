"""The extraction's worker processes: deaf to stop signals, ended by their parent, and never
outliving it.

A stop (Ctrl-C, SIGTERM, SIGHUP) is the parent's to carry out: it ends the pool and keeps
every finished sample (each is cached as it is done). A terminal's Ctrl-C reaches its whole
process group, and a batch system's SIGTERM every process of the job; a worker that took one
died with a traceback, or cut short the start of another, which broke the pool mid-stop. So
the workers start with those signals blocked, the parent ends them with SIGKILL, and each
ends by itself as soon as its parent has ended, however it ended: after the parent's SIGKILL
the workers waited for tasks for ever, and with them the forkserver they hold open and
multiprocessing's resource tracker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import signal
import threading
import time
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from typing import Any

#: the signals a stop comes by, which a worker leaves to its parent
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))

#: how long a worker ended by its parent is waited for, in seconds
END_WAIT_S = 5.0


@contextlib.contextmanager
def _stops_blocked() -> Iterator[None]:
    """Stop signals held back in this thread for the block, and received after it: a
    process started meanwhile inherits them blocked, and so does every process it forks."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def start_deaf(context: Any) -> None:
    """Start ``context``'s forkserver, if it uses one and it has not started, with stop
    signals blocked: the workers it forks inherit them blocked."""
    if context.get_start_method() == "forkserver":
        with _stops_blocked():
            multiprocessing.forkserver.ensure_running()


def in_worker() -> None:
    """In a worker as it starts: stop signals blocked (under a spawn start, which inherits
    nothing of the forkserver's), and the process ended once its parent has ended."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch(sentinel: int) -> None:
        multiprocessing.connection.wait([sentinel])  # readable once the parent is gone
        os._exit(1)

    threading.Thread(target=watch, args=(parent.sentinel,), name="merbench-parent",
                     daemon=True).start()


def end_workers(workers: set[BaseProcess], threads: set[threading.Thread]) -> None:
    """``workers`` ended now, and then the pool's ``threads`` waited for. Shutting their pool
    down waits for the samples in progress, and for a worker whose start a stop cut short,
    for ever: ``extract --workers 2`` stopped by SIGTERM said it was interrupted and then
    never ended, deaf to a second signal. They hold stop signals back, so SIGKILL, which the
    cache bears: each entry is written whole or not at all.

    The pool's manager thread (which waits for its queue's feeder) holds the last
    references to the queues' named semaphores once the pool lets go of them; the thread
    that lets go last unlinks each and tells multiprocessing's resource tracker. A stop
    ends the process soon after, and where that cut a thread between the two, the tracker
    printed "leaked semaphore objects" warnings after merbench's last line. So ``threads``
    are waited for too, within the same bound, and let go of by the caller."""
    for process in workers:
        process.kill()
    deadline = time.monotonic() + END_WAIT_S
    for process in workers:
        process.join(max(0.0, deadline - time.monotonic()))
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
