"""Which plugin's lifecycle hook the main thread is running, so that a stop can reach it.

A reporter's hook may block for as long as it likes (an upload with no timeout, a lock never
released), and a stop during a run must still end it within seconds. The signal itself wakes
a main thread blocked in a system call, and its handler runs; but a stop that is asked again
later (one noted until the epoch's end, one waiting for a library's code to return) is asked
by ``_thread.interrupt_main``, which only sets Python's flag: the handler would run once the
blocking call returns, which such a hook never does. So while a hook runs, a stop is asked
again by sending the signal itself to the main thread (:func:`ask_main_again`), and the stop
handlers know whose hook they cut short (:func:`running_hook`), to say so in one line.
Elsewhere the flag alone is set, as before: a signal sent there would also interrupt the
system calls of code that does not expect it (a C++ library writing a file).
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import threading
from collections.abc import Iterator

#: (who, hook) for each plugin hook the main thread is in, the innermost last
_running: list[tuple[str, str]] = []


class HookCutShort(KeyboardInterrupt):
    """Raised into a plugin's hook by a stop that cuts it short: the code that called the
    hook catches it and goes on to its stop (the epoch loop saves the fold first). A
    KeyboardInterrupt, so that the plugin's own ``except Exception`` does not swallow it, and
    so that it stops the command like Ctrl-C wherever nothing catches it."""


@contextlib.contextmanager
def hook_running(who: str, hook: str) -> Iterator[None]:
    """Within the block the main thread runs ``who``'s (a plugin, as warnings name it) hook
    ``hook``; elsewhere (a signal is handled in the main thread only) nothing is noted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _running.append((who, hook))
    try:
        yield
    finally:
        _running.pop()


def running_hook() -> tuple[str, str] | None:
    """The plugin (as warnings name it) and the hook the main thread is running (None:
    none)."""
    return _running[-1] if _running else None


def ask_main_again(number: int) -> None:
    """Have the main thread run signal ``number``'s handler again: by the signal itself
    where a plugin's hook runs (it wakes a blocking call) and a handler of Python's is in
    place, by Python's flag alone otherwise (and where the platform cannot send a signal to
    one thread)."""
    main = threading.main_thread().ident
    if (_running and main is not None and hasattr(signal, "pthread_kill")
            and callable(signal.getsignal(number))):
        signal.pthread_kill(main, number)
    else:
        _thread.interrupt_main(signal.Signals(number))
