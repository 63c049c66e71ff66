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
from merbench.base.key_words import key_at, refused
from merbench.base.near_zero import toml_float
from merbench.results.codec import OPTION_DEPTH
from merbench.results.json_walks import nesting
from merbench.results.safe_files import read_regular_bytes
from merbench.results.user_files import UnreadableFile, check_user_file, decode_text

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


#: bytes: a plan or tuning file is a few lines; one larger is refused unread (a sweep plan
#: of 200 MB was read whole, then called "not valid TOML"; pass 84r, R19)
MAX_TOML_BYTES = 1 << 20


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML document in ``path`` (``what`` it is: "sweep plan", "tuning file"); one line
    naming the file and the fix for a file that is none, too large, not UTF-8 or not TOML."""
    try:
        check_user_file(Path(path), what, MAX_TOML_BYTES)
    except UnreadableFile as exc:
        if not Path(path).exists():
            raise MerbenchError(f"no {what} at {path}; give the path of a .toml file") from None
        raise MerbenchError(str(exc)) from None
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
        # a number too close to 0 keeps its text, for the option it is given to to say
        document: dict[str, Any] = tomllib.loads(text, parse_float=toml_float)
    except tomllib.TOMLDecodeError as exc:  # where, in its message; what, in its words
        twice = _given_twice(text, str(exc))
        if twice is not None:
            raise MerbenchError(f"{path}: {twice}") from None
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
        table, _, key = field.replace("\0", "\\u0000").rpartition(".")
        if table:  # its table as every refusal of the file names it: [options] data_root
            table, _, inner = table.partition(".")
            key = f"{inner}.{key}" if inner else key
        raise refused(key_at(str(path), table or None, key), "holds a NUL character "
                      f"(\\u0000), which no name or path in a {what} can hold; remove it")
    return document


#: the TOML reader's words for a key or table given a second time: where, not which
_TWICE = ("Cannot overwrite a value", "Cannot declare", "Duplicate inline table key",
          "Cannot mutate immutable namespace")


def _given_twice(text: str, problem: str) -> str | None:
    """What a key or table given twice is, in words, or None for another problem: the
    reader says "Cannot overwrite a value (at line 5, column 11)", or "at end of
    document", which named neither the key nor, at the end, any line (``epochs = 1`` then
    ``epochs = 2`` in a sweep plan). The key is read from the line the reader stopped on,
    the second one given; a key given twice in one ``{...}`` is in its message."""
    if not problem.startswith(_TWICE):
        return None
    where = _POSITION.search(problem)
    if where is not None:
        number = int(where.group(1))
    else:  # at the end of the document: its last line that holds anything
        number = text.count("\n", 0, len(text.rstrip())) + 1
    lines = text.splitlines() or [""]
    line = lines[min(number, len(lines)) - 1]
    header = re.match(r"\s*\[\[?([^\]]*)\]", line)
    if header is None:  # a value over several lines: the reader stopped where it ends
        number = next((n for n in range(min(number, len(lines)), 0, -1)
                       if _KEY.fullmatch(_key_of(lines[n - 1]))
                       and _reads("\n".join(lines[:n - 1]))), number)
        line = lines[number - 1]
    inline = re.match(r"Duplicate inline table key '(.*)'", problem)
    if inline is not None:
        return (f"{inline.group(1)} is given twice in one {{...}} table at line {number}; "
                "give it once")
    if header is not None and problem.startswith("Cannot declare"):
        name = _dotted(header.group(1))
        return (f"the table [{name}] is given twice (again at line {number}); give its keys "
                f"under one [{name}]")
    key = _dotted(header.group(1) if header is not None else _key_of(line))
    if problem.startswith("Cannot mutate immutable namespace"):
        return (f"{key} at line {number} adds to a table given whole as {{...}} earlier; "
                "give all of its keys inside those braces")
    return f"{key} is given twice (again at line {number}); give it once"


#: a (dotted) key as it starts a ``key = value`` line
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"\s*{_PART}(?:\s*\.\s*{_PART})*\s*")


def _reads(text: str) -> bool:
    """Whether ``text`` is a whole TOML document: the lines before the one that gives a key
    twice are, where a line inside a string of several lines that looks like a key is not."""
    try:
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return False
    return True


def _key_of(line: str) -> str:
    """The key of a ``key = value`` line: what comes before its first ``=`` outside a
    quoted key."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "=":
            return line[:index]
    return line


def _dotted(key: str) -> str:
    """A (dotted) key as the file means it: ``a . "b"`` is a.b."""
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', key)
    return ".".join(part[1:-1] if part[:1] in "\"'" else part for part in parts) or key.strip()


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
