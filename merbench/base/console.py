"""The Rich console every command prints tables and progress with: text shown literally.

Kept apart from :mod:`merbench.base.terminal` so that importing the command line does not
import Rich (``merbench --help`` and ``merbench list`` stay fast). It sits in ``base``, below
every kind's home, so that each kind prints its own finished result's text (issue 82) through
this one renderer rather than a copy of it; a home imports it where it prints, never when the
home is imported (its kind is registered for ``merbench status`` too, which prints no table).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from merbench.base.literal import literal
from merbench.base.terminal import hold_any_text, usable_columns


class LiteralConsole(Console):
    """A Rich console that reads no markup, emoji codes or highlights, and shows control
    characters in every string it renders (table cells and titles included) as escapes.

    Its stream takes any text (:func:`merbench.base.terminal.hold_any_text`: an ASCII one
    ended a table in a traceback at its first ``·``), and a width too narrow for any table
    (``COLUMNS=0``, which Rich reads itself and took: nothing was printed) is taken as
    unusable, the default width used instead (:func:`~merbench.base.terminal.usable_columns`).
    This is the one class that makes merbench's consoles, so that both hold for every one."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **options)
        hold_any_text(self.file)
        if options.get("width") is None:
            self.width = usable_columns(self.width)

    def on_broken_pipe(self) -> None:
        """A reader that closed the pipe (``merbench show RUN | head -1``) ends the command
        as every other write to it does (``merbench.cli``: status 141, nothing more said):
        Rich's own answer was to leave with status 1, as if the command had failed."""
        self.quiet = True
        raise BrokenPipeError

    def render_str(self, text: str, **options: Any) -> Text:
        options["markup"] = False  # a caller's markup=True must not bring it back
        options["emoji"] = False
        return super().render_str(literal(text), **options)
