"""Error messages in the Python API's spelling: ``data_root=PATH``, not ``--data-root PATH``.

Plugins and the core write their one-line errors for the command line, which most users
meet first. Someone calling :func:`merbench.run` has no flags to pass, so the API rewrites a
message's run options into the keywords it takes (each field of
:class:`~merbench.runner.spec.RunSpec` and :class:`~merbench.runner.spec.RunSettings`), and
leaves every other word as it was.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from merbench.base.errors import MerbenchError
from merbench.base.toml_words import toml_value
from merbench.runner.spec import options

# --flag, then a KEY=VALUE pair (the *-opt options), an upper-case value name, a quoted
# value or a word
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)(?: ([a-z_][a-z0-9_]*)=([A-Z][A-Z_]*|\S+)"
                   r"| ([A-Z][A-Z_]*)\b| '([^']*)'| ([\w.-]+))?")
#: a quoted *-opt value: KEY=VALUE
_PAIR = re.compile(r"([a-z_][a-z0-9_]*)=(.+)", re.DOTALL)


def _fields() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each run option's flags -> its keyword and the values it may take."""
    found = {}
    for field, option in options():
        for spelled in option.flags or ("--" + field.name.replace("_", "-"),):
            if spelled.startswith("--"):
                found[spelled] = (field.name, tuple(option.choices or ()))
    return found


def python_spelling(message: str) -> str:
    """``message`` with each run option named as :func:`merbench.run`'s keyword."""
    return _spelt(message, toml=False)


def toml_spelling(message: str, only: Collection[str] | None = None) -> str:
    """``message`` with each run option named as a tuning file's key and written as its
    line (``data_order = "nope"``, not the API's ``data_order='nope'``); ``only``: those
    fields alone (a sweep's plan gives some, its command line others, named as typed)."""
    return _spelt(message, toml=True, only=only)


def _spelt(message: str, toml: bool, only: Collection[str] | None = None) -> str:
    fields = {spelled: field for spelled, field in _fields().items()
              if only is None or field[0] in only}
    equals = " = " if toml else "="

    def keyword(match: re.Match[str]) -> str:
        spelled, key, value, metavar, quoted, word = match.groups()
        if spelled not in fields:
            return match.group(0)
        name, choices = fields[spelled]
        pair = _PAIR.fullmatch(quoted) if quoted and name.endswith("_options") else None
        if pair is not None:  # --protocol-opt 'databases=["casme2"]': one option's pair,
            # not the text protocol_options = "databases=..." (pass 84ad)
            key, value = pair.groups()
        if key is not None:  # --dataset-opt data_root=PATH -> dataset_options={'data_root': PATH}
            return (f"{name} = {{{key} = {value}}}" if toml else
                    f"{name}={{'{key}': {value}}}")
        if metavar is not None:
            return f"{name}{equals}{metavar}"
        if quoted is None and word is not None and word in choices:  # --precision tf32
            quoted = word
        if quoted is not None:  # unknown --precision 'half' -> precision='half'
            shown = toml_value(quoted) if toml else f"'{quoted}'"
            return f"{name}{equals}{shown}"
        # the option alone: its keyword's name ("leave out skip_missing")
        return name + ("" if word is None else f" {word}")

    # a command the message advises ('merbench run --task au --seeds 0,1,2') is typed as it
    # stands: only the words outside it name what the file or the call gave
    parts = _ADVISED_COMMAND.split(message)
    return "".join(part if i % 2 else _FLAG.sub(keyword, part) for i, part in enumerate(parts))


_ADVISED_COMMAND = re.compile(r"('merbench [^']*')")


@contextmanager
def api_errors() -> Iterator[None]:
    """Re-raise a :class:`MerbenchError` from inside with the API's spelling (same type)."""
    try:
        yield
    except MerbenchError as exc:
        exc.args = (python_spelling(str(exc)), *exc.args[1:])
        raise
