"""The ``merbench`` console script, before merbench is loaded.

Loading merbench and its command line takes a tenth of a second or more (pluggy, the
package metadata, the parser: longer on a loaded machine), and a Ctrl-C in that time came
before any of merbench's handlers: Python printed a traceback from whichever import it cut
and the process died by the signal. This package is outside ``merbench`` so that importing
it loads nothing: the console script starts here, and a Ctrl-C while merbench loads is said
in one line, with the shell's status for a Ctrl-C, like every other stop. (``python -m
merbench`` imports the ``merbench`` package before any code of its own runs, so it has no
such guard for that first part.)
"""

from __future__ import annotations

import sys

#: the shell's status for a command stopped by Ctrl-C (merbench.cli.parser's too)
EXIT_INTERRUPTED = 130


def console() -> None:
    """Load merbench's command line and run it; a Ctrl-C while loading ends in one line."""
    try:
        from merbench.cli import console as command
    except KeyboardInterrupt:
        if sys.stderr is not None:  # None: closed (2>&-); the status says it alone
            sys.stderr.write("merbench: interrupted while starting — nothing was done\n")
            sys.stderr.flush()
        sys.exit(EXIT_INTERRUPTED)
    command()
