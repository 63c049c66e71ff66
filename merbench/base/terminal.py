"""Text from plugins and result files, shown as it is written: never as terminal commands.

Names, descriptions, citations, reasons and paths that merbench prints come from plugin
metadata and from result files anyone can edit. Printed raw, an escape sequence in them
clears the screen, rewrites earlier lines or plants a link, a bidirectional override
reverses the words after it, and Rich reads ``[bold]`` or ``[link=...]`` in them as markup.
So every command prints through :func:`say` or a :class:`merbench.base.console.LiteralConsole`:
each character :func:`merbench.base.literal.literal` names (controls, bidirectional and other
format characters, invisible ones) appears as a Python escape such as ``\\x1b`` or
``\\u202e``, the same rule the leaderboard's pages follow, and Rich's markup, emoji codes and
highlighting are off. Newlines and tabs stay.

It sits in ``base`` (it was the command line's) so that every kind's home, which prints its
own finished result's text, prints through these helpers, the one renderer the commands use.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from merbench.base.literal import counted, literal

__all__ = ["counted", "literal", "path_shown", "say"]


def path_shown(path: object) -> str:
    """A path on a line of its own kind (``results: PATH``), as one line: a folder named with
    a newline split ``results: a`` from ``b/results.json``, while validate and status showed
    the same folder as ``a\\nb``."""
    return literal(path, one_line=True)


def say(*values: object, file: TextIO | None = None, flush: bool = False,
        one_line: bool = False) -> None:
    """``print`` for the command line: each value shown literally (``one_line``: as one
    line, a newline or tab in it escaped too, for a record of a listing that names a path).
    A line for standard error follows every line written to standard output before it:
    where both go to one file or pipe, the output's buffer was written at exit, after the
    error line (``sweep ...: 1 configuration, ...`` below ``merbench: error: ...``).

    Every line for standard error is one line (``one_line`` always): each is one error,
    warning or notice, and a newline in it can only come from a value it quotes (a path,
    an address, ``$MERBENCH_DATA_DIR``); printed, it split ``merbench: error: ... '/tmp/a``
    from ``b' does not exist``, the second half read as a line of its own (the ninth
    adversarial pass of issue 84). Escaping here, where every such line is printed, spares
    each message its own escaping."""
    if file is sys.stderr:
        one_line = True
    if file is sys.stderr and sys.stdout is not None:
        # only for the order: standard output that cannot be written (``> /dev/full``,
        # a closed pipe) must not stop the error line that says so
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
    print(*(literal(value, one_line=one_line) for value in values),
          file=file if file is not None else sys.stdout, flush=flush)


