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

import codecs
import contextlib
import sys
import weakref
from typing import TextIO

from merbench.base.literal import counted, literal

__all__ = ["DEFAULT_COLUMNS", "MIN_COLUMNS", "counted", "hold_any_text", "literal",
           "path_shown", "say", "usable_columns"]

#: the fewest columns a table, a listing or a help text is laid out in, and the width taken
#: in place of a narrower one: ``COLUMNS=0`` printed ``merbench list`` as nothing at all
#: (status 0), ``COLUMNS=1`` as one box character a line, ``COLUMNS=5`` the names cut to
#: three letters; no command can say anything readable in fewer, so such a width is no
#: terminal's but a mistake, and the width of a file is used
MIN_COLUMNS, DEFAULT_COLUMNS = 40, 80

#: the error handler of a stream whose encoding cannot hold every character merbench writes
STAND_INS = "merbench-stand-ins"
# merbench's own characters, and Rich's lines, as ASCII: Rich draws a table's box in ASCII
# where the stream's encoding is not UTF-8, but not the text in its cells
_STAND_IN = {"\u00b7": ".", "\u2014": "-", "\u2013": "-", "\u2212": "-", "\u2026": "...",
             "\u00b1": "+/-", "\u2018": "'", "\u2019": "'",
             "\u201c": '"', "\u201d": '"', "\u2022": "*"}
_LINES = {"\u2500": "-", "\u2501": "-", "\u2502": "|", "\u2503": "|", "\u2550": "=",
          "\u2551": "|", "\u2578": "-", "\u257a": "-", "\u257c": "-", "\u257e": "-"}
# a sample of what the stream must carry as it is, or the stand-ins are needed
_OWN = "".join(_STAND_IN) + "".join(_LINES)


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    """Each character the encoding cannot hold, as ASCII that reads the same: the rest of
    a box drawing's characters (corners, crossings) as ``+``, anything else as ``?``."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    shown = "".join(_STAND_IN.get(character) or _LINES.get(character)
                    or ("+" if "\u2500" <= character <= "\u257f" else "?")
                    for character in error.object[error.start:error.end])
    return shown, error.end


codecs.register_error(STAND_INS, _stand_in)


#: each stream :func:`hold_any_text` has worked out, with the encoding and error handler it
#: had: a stream held by the object itself, so that one a test swaps in for ``sys.stdout``
#: (a new object) is worked out in turn, and one gone is forgotten; one given another
#: encoding or handler since is worked out again
_HELD: weakref.WeakKeyDictionary[object, tuple[str, object]] = weakref.WeakKeyDictionary()


def hold_any_text(stream: object) -> None:
    """Let ``stream`` take any text, writing what its encoding cannot hold as ASCII
    stand-ins (:func:`_stand_in`). A terminal or file in ASCII (``PYTHONIOENCODING=ascii``,
    the C locale with Python's coercion off) ended ``list``, ``show`` and ``compare`` in a
    ``UnicodeEncodeError`` at the first ``·`` or ``—`` (latin-1 at the first ``—``: it holds
    ``·``, which is kept). A stream whose encoding holds them all keeps its own handling (UTF-8's
    ``surrogateescape`` gives a path's undecodable bytes back), and so does one that cannot
    be told what to do (a test's capture).

    Each stream is worked out once (:data:`_HELD`): ``say`` asks before every line it
    prints, and a stream that holds every character (a UTF-8 terminal, the usual one) was
    tried on a sample of merbench's characters at every line, for the same answer."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str) or getattr(stream, "errors", None) == STAND_INS:
        return
    seen = (encoding, getattr(stream, "errors", None))
    with contextlib.suppress(TypeError):  # no weak reference to it: worked out every time
        if _HELD.get(stream) == seen:
            return
        _HELD[stream] = seen
    try:
        _OWN.encode(encoding)
    except UnicodeEncodeError:
        pass
    except LookupError:  # an encoding Python does not know: nothing can be written anyway
        return
    else:
        return
    with contextlib.suppress(AttributeError, ValueError, OSError):
        stream.reconfigure(errors=STAND_INS)  # type: ignore[attr-defined]


def usable_columns(columns: int) -> int:
    """``columns`` (``$COLUMNS``, or the terminal's width) where merbench can lay its text
    out in it, else :data:`DEFAULT_COLUMNS`."""
    return columns if columns >= MIN_COLUMNS else DEFAULT_COLUMNS


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
    hold_any_text(file if file is not None else sys.stdout)
    if file is sys.stderr and sys.stdout is not None:
        # only for the order: standard output that cannot be written (``> /dev/full``,
        # a closed pipe) must not stop the error line that says so
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
    print(*(literal(value, one_line=one_line) for value in values),
          file=file if file is not None else sys.stdout, flush=flush)


