"""Connecting to Ray for a run, with merbench's stop signals and terminal kept as they are.

``ray.init`` changes two things of the process it runs in, and both reached the user:

- **signals**: as it begins it makes SIGTERM ``sys.exit(15)``, and as its C++ core worker
  starts, Abseil's crash handler takes SIGTERM (a C++ stack dump, then the process dies);
  ``ray.shutdown`` leaves SIGTERM at its default. merbench's command line turns SIGTERM and
  SIGHUP into Ctrl-C (cli/stop_signals.py), so that a stop keeps what is finished and says
  so; a SIGTERM while Ray started ended the command with status 15 and no word of what was
  kept. So while ``ray.init`` runs, Ray's requests to handle SIGTERM or SIGHUP are dropped,
  and once it returns, and all through ``ray.shutdown`` (whose reset to the default comes
  a second before a local instance has stopped), the handlers in place before are put
  back. A stop while Ray starts is then Ctrl-C's KeyboardInterrupt, raised at once
  (Ray's code is written to be interrupted: base/interrupt_points.py), and whatever Ray had
  started is shut down. (Abseil's handler stays, from the core worker's start until
  ``ray.init`` returns: the driver without it crashed at exit, status 139.) A stop sent to
  the whole process group stops Ray's new processes too, and Ray's start may then wait for
  them in native code, where no stop can be raised, for 30 s: where merbench is the whole
  process, it ends :data:`STUCK_S` seconds after such a stop, with a line of its own.
- **the terminal**: Ray's loggers write to standard error, timestamped, in Ray's words
  (every local start warned "Token authentication is enabled for this Ray cluster. Set
  RAY_AUTH_MODE=disabled to opt out"). merbench speaks to its user in its own lines: what Ray
  logs in this process is dropped while merbench is connected (a failure reaches merbench as
  an exception, said in one line; the cluster's own processes keep their logs in Ray's
  session folder), and Ray's workers' output is not forwarded (``log_to_driver=False``).
"""

from __future__ import annotations

import logging
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeAlias

from merbench.base.errors import MerbenchError, first_line
from merbench.base.scratch import remove_open_scratch
from merbench.runner.ray_address import check_reachable, given_address, nothing_to_join
from merbench.training.threads import usable_cores

INSTALL = "pip install 'merbench[ray]'"

_Handler: TypeAlias = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

#: how long a stop may go untaken while Ray starts before the process ends, in seconds
STUCK_S = 3.0

#: how soon merbench's handlers are back after Ray's shutdown resets SIGTERM, in seconds
RESTORE_S = 0.002

#: the signals merbench's command line handles as Ctrl-C, which Ray would take over
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


def ray_module() -> Any:
    """Ray, imported here only: it is optional (merbench[ray])."""
    try:
        import ray  # deferred: Ray is optional (merbench[ray])
    except ImportError:
        raise MerbenchError(f"--executor ray needs Ray, which is not installed; {INSTALL}"
                            ) from None
    return ray


@contextmanager
def connected(address: str | None) -> Iterator[Any]:
    """Ray, connected to ``address`` (``--ray-address``, else ``$RAY_ADDRESS``, else a new
    instance on this machine), disconnected afterwards unless it was connected before."""
    ray = ray_module()
    if ray.is_initialized():  # a Python caller's own connection: theirs as it is
        yield ray
        return
    check_reachable(address)
    given = address
    address = given_address(address)
    handlers = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    with _ray_logs_dropped():
        with _ended_if_stuck(handlers):
            try:
                with _handlers_kept(handlers):
                    _init(ray, address, given)
            except BaseException:
                _shut_down(ray, handlers)  # what Ray had started before it stopped or failed
                raise
        try:
            yield ray
        finally:
            _shut_down(ray, handlers)


def _init(ray: Any, address: str | None, given: str | None) -> None:
    """``ray.init``; a failure to start or reach the cluster as one line (``given``: the
    ``--ray-address`` the user typed, None where ``address`` is ``$RAY_ADDRESS``'s)."""
    try:
        if address is None:
            # "local": a new instance for this run, never a cluster `ray start` left running
            ray.init(address="local", num_cpus=usable_cores(), include_dashboard=False,
                     log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as exc:
        if address == "auto" and isinstance(exc, ConnectionError):  # no cluster to join
            raise MerbenchError(nothing_to_join(given)) from None
        where = f"at {address}" if address else "on this machine"
        raise MerbenchError(f"could not start or reach a Ray cluster {where} "
                            f"({first_line(exc)}); start one with 'ray start --head' and "
                            "give its address with --ray-address or RAY_ADDRESS") from None


def _shut_down(ray: Any, handlers: dict[int, Any]) -> None:
    """Disconnect (stopping a local instance), with ``handlers`` kept in place throughout.

    Ray's shutdown sets SIGTERM to its default in native code as the driver's core worker
    stops, and then stops a local instance's processes, which takes a second or more: a
    SIGTERM then ended the command at once, status 143 and no line, every fold saved but
    unsaid. Only the main thread may set a handler, so the shutdown runs in a thread of its
    own while the main thread puts ``handlers`` back every :data:`RESTORE_S` seconds until
    it ends; a stop that comes meanwhile is raised once the shutdown is done (Ray's
    processes stopped, never left running), as the stop it is."""
    if threading.current_thread() is not threading.main_thread():
        ray.shutdown()  # no handler of merbench's is in place off the main thread
        return
    failed: list[BaseException] = []

    def shut() -> None:
        try:
            ray.shutdown()
        except BaseException as exc:  # raised in the main thread below, as it would be
            failed.append(exc)

    shutting = threading.Thread(target=shut, name="merbench-ray-shutdown", daemon=True)
    stopped: KeyboardInterrupt | None = None
    shutting.start()
    while shutting.is_alive():
        try:
            _restore(handlers)
            shutting.join(RESTORE_S)
        except KeyboardInterrupt as stop:  # raised once Ray's shutdown has ended
            stopped = stopped or stop
    _restore(handlers)
    if stopped is not None:
        raise stopped
    if failed:
        raise failed[0]


@contextmanager
def _handlers_kept(handlers: dict[int, Any]) -> Iterator[None]:
    """Within the block, requests to handle a stop signal are dropped (Ray's Python one,
    which ends the process with status 15), and after it ``handlers`` are put back under
    Python's handling (the core worker's crash handler, from C++, had replaced it)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers: neither Ray nor merbench does here
        return
    original = signal.signal

    def kept(signalnum: int | signal.Signals, handler: _Handler) -> _Handler:
        if signalnum in STOP_SIGNALS:
            return signal.getsignal(signalnum)  # dropped: the handler in place stays
        return original(signalnum, handler)

    signal.signal = kept
    try:
        yield
    finally:
        signal.signal = original
        _restore(handlers)


def _restore(handlers: dict[int, Any]) -> None:
    """Put ``handlers`` back (None: one set outside Python, left as it is)."""
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; none of merbench's is there then
    for number, handler in handlers.items():
        if handler is not None:
            signal.signal(number, handler)


@contextmanager
def _ray_logs_dropped() -> Iterator[None]:
    """Within the block, what Ray logs in this process goes nowhere (not to standard error,
    Ray's own handler, nor Python's last-resort one); Ray's logging is restored after it."""
    logger = logging.getLogger("ray")
    before = (list(logger.handlers), logger.level, logger.propagate)
    logger.handlers = [logging.NullHandler()]
    logger.propagate = False
    try:
        yield
    finally:
        logger.handlers, level, logger.propagate = before[0], before[1], before[2]
        logger.setLevel(level)


@contextmanager
def _ended_if_stuck(handlers: dict[int, Any]) -> Iterator[None]:
    """Within the block, a stop that the main thread has not taken :data:`STUCK_S` seconds
    after it came ends the process, with merbench's line and the shell's status for it.

    A stop sent to the whole process group (a terminal's Ctrl-C, ``timeout``, a batch
    system) stops Ray's new head processes too, and ``ray.init``, waiting in Ray's native
    code for them to register, goes on waiting, without returning to Python where the stop
    could be raised, for 30 s. Nothing has trained in this command then. Only where the
    process ends with the command (merbench's console script, whose handlers say so); a
    Python caller's process is never ended here."""
    numbers = {number for number, handler in
               {**handlers, signal.SIGINT: signal.getsignal(signal.SIGINT)}.items()
               if getattr(getattr(handler, "__self__", None), "ends_process", False)}
    if not numbers or threading.current_thread() is not threading.main_thread():
        yield
        return
    read, write = os.pipe()
    os.set_blocking(write, False)
    previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if not select.select([read], [], [], 0.1)[0]:
                continue
            came = [number for number in os.read(read, 64) if number in numbers]
            if came and not done.wait(STUCK_S):
                _end_now(came[0])

    watcher = threading.Thread(target=watch, name="merbench-ray-start", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        signal.set_wakeup_fd(previous)
        watcher.join()
        os.close(read)
        os.close(write)


def _end_now(number: int) -> None:
    """The process ends: Ray never returned from starting after a stop."""
    remove_open_scratch()
    try:
        sys.stdout.flush()
        sys.stderr.write("merbench: interrupted while Ray was starting — nothing was "
                         "trained by this command, and every fold finished before is "
                         "kept; run the same command again to go on\n")
        sys.stderr.flush()
    finally:
        os._exit(128 + number)
