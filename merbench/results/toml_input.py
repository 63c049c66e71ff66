"""The TOML files a user gives merbench (a sweep plan, a tuning file), read in one way.

Each is input like any file: a fifo named as the plan must be refused before it is opened
(``merbench sweep FIFO`` waited for a writer for good), and what the TOML reader cannot take
(a number of more digits than Python reads, arrays nested thousands deep, which raise
``ValueError`` and ``RecursionError`` from inside it) is said in the words of the file, not
the reader's. Nor may a text or key hold a NUL character: a plan's ``out`` holding one ended
in Python's "embedded null byte" traceback, and no name or path can hold one. The sweep plan
and the tuning file had a reader each, and the two drifted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.results.codec import OPTION_DEPTH, nesting
from merbench.results.safe_files import read_regular_bytes
from merbench.results.user_files import UnreadableFile, decode_text

try:
    import tomllib  # type: ignore[import-not-found, unused-ignore]
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]


_POSITION = re.compile(r"line (\d+), column (\d+)")
#: what the TOML reader was reading when a file ended, by the start of its message
_UNFINISHED = (("Unclosed array", "inside an array: a [ with no ]"),
               ("Unclosed inline table", "inside a table: a { with no }"),
               ("Unterminated string", "inside a string: a quote with no closing one"),
               ('Expected "\'"', "inside a string: a quote with no closing one"),
               ("Expected ']", "inside a [table] header with no closing ]"),
               ("Invalid value", "where a value should follow"),
               ("Expected '='", "after a key with no = value"))


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML document in ``path`` (``what`` it is: "sweep plan", "tuning file"); one line
    naming the file and the fix for a file that is none, not UTF-8 or not TOML."""
    try:  # a UTF-8 byte-order mark read past, another encoding named (decode_text)
        text = decode_text(read_regular_bytes(Path(path)), Path(path), what)
    except UnreadableFile as exc:
        raise MerbenchError(f"{path} {exc.reason}; save the {what} as UTF-8, as TOML "
                            "requires") from None
    except FileNotFoundError:
        raise MerbenchError(f"no {what} at {path}; give the path of a .toml file") from None
    except MerbenchError:
        raise  # a fifo, a device or a folder, said as what it is
    except OSError as exc:
        raise MerbenchError(f"cannot read the {what} {path}: {exc.strerror or exc}; give the "
                            "path of a .toml file") from None
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # where, in its message; what, in its words
        where = _POSITION.search(str(exc))
        if where is None:  # "(at end of document)": the file stops inside something
            raise MerbenchError(f"{path} is not valid TOML: {_cut_off(text, str(exc))}"
                                ) from None
        raise MerbenchError(f"{path} is not valid TOML at line {where.group(1)}, column "
                            f"{where.group(2)}; fix that line") from None
    except ValueError:  # an integer of more digits than Python reads (4,300)
        raise MerbenchError(f"{path} has a number of more than 4,300 digits, which no {what} "
                            "needs; fix that number") from None
    except RecursionError:  # arrays in arrays, thousands deep
        raise MerbenchError(f"{path} nests arrays or tables thousands deep, as no {what} "
                            "does; fix the file") from None
    if nesting(document) > OPTION_DEPTH:  # its runs' files would nest deeper than is read
        raise MerbenchError(f"{path} nests arrays or tables more than {OPTION_DEPTH} levels "
                            f"deep, as no {what} does (its runs' files could not be read "
                            "back); fix the file")
    field = _with_nul(document)
    if field is not None:  # no name or path holds one: the system refuses it in any path
        shown = field.replace("\0", "\\u0000")
        raise MerbenchError(f"{path}: '{shown}' holds a NUL character (\\u0000), which no "
                            f"name or path in a {what} can hold; remove it")
    return document


def _cut_off(text: str, problem: str) -> str:
    """Where a document that ends too early ends, and what it ends inside: the reader says
    only "at end of document", and "fix that line" named no line (a file cut off mid-table
    or mid-string, the fourth adversarial pass of issue 84). The end is the last character
    that is not white space, the place the file stops making sense."""
    end = len(text.rstrip())
    line = text.count("\n", 0, end) + 1
    column = end - text.rfind("\n", 0, end)
    inside = next((words for start, words in _UNFINISHED if problem.startswith(start)),
                  "before what that line starts is complete")
    return (f"it ends at line {line}, column {column}, {inside}; finish that line (or give "
            "the rest of the file, if it was cut off)")


def _with_nul(document: dict[str, Any]) -> str | None:
    """The dotted name (``runs[0].out``) of the first key or text of ``document`` that holds
    a NUL character, or None. A path holding one (``out = "a\\u0000b"``) ended in Python's
    "embedded null byte" traceback when the sweep made its folder."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str) and "\0" in value:
            return where
        if isinstance(value, dict):
            keyed = [(f"{where}.{key}".lstrip("."), key, item) for key, item in value.items()]
            held = next((name for name, key, _ in keyed if "\0" in key), None)
            if held is not None:
                return held
            stack.extend((name, item) for name, _, item in reversed(keyed))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in reversed(list(enumerate(value))))
    return None
