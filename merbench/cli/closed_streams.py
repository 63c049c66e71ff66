"""Standard streams the shell closed (``>&-``, ``2>&-``, ``<&-``): one refused, two kept quiet.

Python starts with ``sys.stdout`` (or ``sys.stderr``, ``sys.stdin``) set to None where its
descriptor is closed, and merbench took each for a stream: ``merbench status RUN >&-`` ended
in ``AttributeError: 'NoneType' object has no attribute 'flush'``, a refusal with standard
error closed was written to standard output instead, and ``sweep`` of a large plan with
standard input closed failed asking whether to start. A closed descriptor is also the
number the next file opened takes: a result file opened as descriptor 2 would receive what
torch or any other library writes to "standard error".

So each closed descriptor is first pointed at the null device, so that no file can take its
number (and the processes merbench starts inherit the null device, not nothing). A command
whose standard output is closed is refused, as one whose standard output is full is: what
it prints would be lost. Standard error closed keeps every line from being written (the exit
status still says how the command ended), and standard input closed reads as empty, as
``< /dev/null`` does: a question is then answered as it is without a terminal.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TextIO

#: the refusal of a command whose standard output is closed
STDOUT_CLOSED = ("standard output is closed; run the command with its output sent somewhere "
                 "(a file, or /dev/null)")

# the null device as a text stream, opened once a process: one more each command line run
# in a process (the tests run thousands) would be closed only when collected, with a warning
_NULL: dict[str, TextIO] = {}


def _null(mode: str) -> TextIO:
    if mode not in _NULL:  # kept open: the stream of the process from here on
        _NULL[mode] = (open(os.devnull, "w", encoding="utf-8") if mode == "w"  # noqa: SIM115
                       else open(os.devnull, encoding="utf-8"))  # noqa: SIM115  # bounded: null
    return _NULL[mode]


def _fill(descriptor: int) -> None:
    """The null device as ``descriptor``, if that descriptor is closed."""
    try:
        os.fstat(descriptor)
    except OSError as exc:
        if exc.errno != errno.EBADF:
            return
        opened = os.open(os.devnull, os.O_RDWR)  # bounded: the null device, no user's file
        if opened != descriptor:
            os.dup2(opened, descriptor)
            os.close(opened)
        os.set_inheritable(descriptor, True)  # a standard descriptor, as the shell's were


def stdout_is_open() -> bool:
    """Point every closed standard descriptor at the null device, give Python a quiet
    standard error and an empty standard input where it has none, and say whether there
    is a standard output to print to."""
    for descriptor in (0, 1, 2):
        _fill(descriptor)
    if sys.stdin is None:
        sys.stdin = _null("r")
    if sys.stderr is None:
        sys.stderr = _null("w")
    return sys.stdout is not None
