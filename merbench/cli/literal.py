"""Text from plugins and result files, shown as it is written: never as terminal commands.

Names, descriptions, citations, reasons and paths that merbench prints come from plugin
metadata and from result files anyone can edit. Printed raw, an escape sequence in them
clears the screen, rewrites earlier lines or plants a link, and Rich reads ``[bold]`` or
``[link=...]`` in them as markup. So every command prints through :func:`say` or a
:class:`merbench.cli.console.LiteralConsole`: control characters (C0, DEL, C1, and the
bidirectional overrides that reorder what the eye reads) appear as Python escapes such as
``\\x1b``, and Rich's markup, emoji codes and highlighting are off. Newlines and tabs
stay.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def literal(text: object) -> str:
    """``text`` with every control character written as its escape (newline and tab kept)."""
    return _UNSAFE.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"),
                       str(text))


def say(*values: object, file: TextIO | None = None, flush: bool = False) -> None:
    """``print`` for the command line: each value shown literally."""
    print(*(literal(value) for value in values), file=file if file is not None else sys.stdout,
          flush=flush)
