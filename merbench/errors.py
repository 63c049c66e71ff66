"""The one exception type that reaches users as a single line instead of a traceback."""

from __future__ import annotations


class MerbenchError(Exception):
    """A problem the user can fix: the message says what is wrong and what to do.

    The CLI prints it as one line and exits with status 2.
    """


class PluginError(MerbenchError):
    """A plugin could not be loaded, or two plugins claim the same name."""
