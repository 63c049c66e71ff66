"""Where a stop's KeyboardInterrupt may be raised, and where it must wait.

A signal handler runs between two bytecodes of whatever Python code the main thread is in,
and an exception it raises surfaces there. In most places that is what Ctrl-C should do, but
in four it is lost or worse, the first three seen under a stop sent a second or two into
``merbench run`` (6 of 30 stops):

- **an import in progress**: torch's C++ extension modules run Python code while they import;
  a KeyboardInterrupt raised there crosses pybind11 and the process aborts ("terminate called
  after throwing an instance of 'pybind11::error_already_set'", exit 134), and a module left
  half-imported breaks every later import of it;
- **a finaliser** (``__del__``): Python prints "Exception ignored in ..." and goes on, so the
  stop is swallowed and the command runs to its end with exit status 0;
- **a library's own code**: some catch every exception, KeyboardInterrupt too, and raise
  their own (openpyxl reading the CASME II spreadsheet turned a stop into "cannot read ... as a
  spreadsheet", exit 2 with advice to replace a good file);
- **a worker process starting**: multiprocessing writes the new process its pickled job,
  which it reads as it imports what the job needs; cut short, the worker printed "pickle data
  was truncated" with a traceback (``extract --workers 2`` stopped as its pool started).

There the stop waits (:class:`merbench.cli.stop_signals.StopSignals` asks again every few
hundredths of a second) until the main thread is back in merbench's or the standard library's
code. An import, a finaliser and a start end; a library's code may wait on something for
long (Ray's ``get`` waits on the cluster), so the wait for a library is bounded: after
:data:`LIBRARY_WAIT_S` the stop is raised wherever it is, and Ray's code is never waited for.

An import is not bounded, and ``import torch`` takes ten seconds or more on a busy machine
(commands import it late: ``predict --from-run`` after reading the video). A stop that waits
for it is said at once (:func:`imported_library` names what loads), so that the user, and a
scheduler's log, know the command heard it: it stopped 12-17 s after SIGTERM with nothing
said in between (issue 84's adversarial pass 84o, O4).
"""

from __future__ import annotations

import sysconfig
from types import FrameType

#: the longest a stop waits for a library's code to return to merbench's, in seconds
LIBRARY_WAIT_S = 2.0

#: libraries whose code is where the main thread waits on work done elsewhere, so a stop is
#: raised in them at once (their waits are written to be interrupted)
INTERRUPTIBLE_LIBRARIES = ("ray",)

_THIRD_PARTY_ROOTS = tuple({sysconfig.get_paths()[key] for key in ("purelib", "platlib")})


def in_import(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside an import (a module's body, or what it calls)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


#: the functions :mod:`logging` runs around every fork (``os.register_at_fork``), where, as in
#: a finaliser, an exception is printed ("Exception ignored in: <function _releaseLock>") and
#: dropped: Ray's start forks its processes, and a stop raised there was lost
_FORK_HOOKS = ("_acquireLock", "_releaseLock", "_after_at_fork_child_reinit_locks")


def imported_library(frame: FrameType | None) -> str | None:
    """The package whose import ``frame`` is inside (None: none): the outermost one that is
    not merbench's or a merbench plugin's (``torch``, which a plugin's module imports), else
    the outermost one; the name the user knows, not a submodule's that happens to load."""
    names: list[str] = []
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_find_and_load" and code.co_filename.startswith("<frozen importlib"):
            name = frame.f_locals.get("name")
            if isinstance(name, str) and name:
                names.append(name.partition(".")[0])
        frame = frame.f_back
    names.reverse()  # the outermost import first
    outside = [name for name in names if not name.startswith("merbench")]
    chosen = outside or names
    return chosen[0] if chosen else None


def in_finaliser(frame: FrameType | None) -> bool:
    """Whether ``frame`` is an object's finaliser or a fork hook of :mod:`logging`, where an
    exception is printed and dropped."""
    if frame is None:
        return False
    code = frame.f_code
    return code.co_name == "__del__" or (
        code.co_name in _FORK_HOOKS and code.co_filename.endswith(
            ("logging/__init__.py", "logging\\__init__.py")))


def in_library(frame: FrameType | None) -> bool:
    """Whether ``frame`` is a third-party library's code (an installed package that is not
    merbench and not one of :data:`INTERRUPTIBLE_LIBRARIES`)."""
    if frame is None:
        return False
    path = frame.f_code.co_filename
    for root in _THIRD_PARTY_ROOTS:
        if path.startswith(root):
            package = path[len(root):].lstrip("/\\").split("/", 1)[0].split("\\", 1)[0]
            return package != "merbench" and package not in INTERRUPTIBLE_LIBRARIES
    return False


def in_process_start(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside :mod:`multiprocessing`'s start of a process (its
    ``Popen._launch``), which ends once the new process has read its job."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_launch" and "multiprocessing" in code.co_filename:
            return True
        frame = frame.f_back
    return False


def cannot_raise_in(frame: FrameType | None) -> bool:
    """Whether an exception raised in ``frame`` would abort the process or be lost, however
    long the stop has waited (an import, a finaliser, a worker's start): the places where
    even a plugin's hook, which is cut short by a stop, must not be."""
    return in_import(frame) or in_finaliser(frame) or in_process_start(frame)


def must_wait(frame: FrameType | None, waited_s: float) -> bool:
    """Whether a stop that has waited ``waited_s`` seconds must wait longer before it is
    raised in ``frame`` (None: called from code, not by a signal: raise now)."""
    if cannot_raise_in(frame):
        return True
    return in_library(frame) and waited_s < LIBRARY_WAIT_S
