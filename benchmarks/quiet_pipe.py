"""A benchmark script's end where the reader of its output has gone (``--dry-run | head``).

``merbench ... | head -1`` ends quietly, but ``gpu_session.py --dry-run | head -1`` ended in
a ``BrokenPipeError`` traceback at its next line (pass 84l, N10); each script that prints a
plan runs its ``main`` through :func:`exit_with` to end as merbench does (``merbench.cli``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import NoReturn

#: merbench's status where its reader went away: as a shell says of SIGPIPE (128 + 13)
EXIT_BROKEN_PIPE = 128 + 13


def exit_with(main: Callable[[], int]) -> NoReturn:
    """End the process with ``main``'s status, or quietly with :data:`EXIT_BROKEN_PIPE`
    where its standard output's reader has gone: the reader has all it wanted."""
    try:
        status = main()
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
    except BrokenPipeError:
        # what is still buffered would fail again at exit, with another traceback
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = EXIT_BROKEN_PIPE
    sys.exit(status)
