"""The one exception type that reaches users as a single line instead of a traceback."""

from __future__ import annotations


class MerbenchError(Exception):
    """A problem the user can fix: the message says what is wrong and what to do.

    The CLI prints it as one line and exits with status 2.
    """


class PluginError(MerbenchError):
    """A plugin could not be loaded, or two plugins claim the same name."""


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (its type's name when it has none), for a
    one-line error that quotes it."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
