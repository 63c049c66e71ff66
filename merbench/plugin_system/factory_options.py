"""What a registered factory takes: its options and their defaults, as plain data.

Planning a run asks of every factory it names which options it takes and what each one's
default is (:meth:`merbench.plugin_system.entry.Entry.without_defaults`,
``check_options``), and the leaderboard asks the same of the plugins that made old runs. The
answer is a function of the factory's signature, but reading a signature means importing the
factory's module, and for a model that means torch. :class:`FactoryOptions` is that answer
detached from the callable: it can be written to disk, read back in another process, and
compared with a freshly read signature (:mod:`merbench.plugin_system.options_cache` keeps it
between processes).

A default is kept as its canonical JSON text, because every question merbench asks of a
default is asked in JSON: an option given on the command line or recorded in a results file
is "at its default" exactly when the two are equal as JSON (a list equals a tuple default;
1, 1.0 and true stay three values). A default JSON cannot write (a callable, a class) is
kept as ``None``: it is never equal to a given value, as before. Whether an option takes
None (``null`` on the command line) is kept too, read from its annotation (``float | None``):
its default alone (a number) ruled ``null`` out, which the factory documents and takes.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: the parameter kinds a caller can name as a keyword, which are the factory's options
KEYWORD_KINDS = ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")
_KINDS = frozenset({"POSITIONAL_ONLY", *KEYWORD_KINDS, "VAR_POSITIONAL", "VAR_KEYWORD"})


def canonical_json(value: Any) -> str | None:
    """``value`` as the JSON text merbench compares options by, or None when JSON cannot
    write it (such a value is never the same as another)."""
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):  # not JSON, or a circular structure
        return None


@dataclass(frozen=True)
class Parameter:
    """One parameter of a factory: its name, its kind (an :class:`inspect.Parameter` kind's
    name), its default as canonical JSON (None: it has none, or none JSON can write), and
    whether its annotation takes None (:func:`takes_none`)."""

    name: str
    kind: str
    default: str | None = None
    nullable: bool = False

    @property
    def is_option(self) -> bool:
        """Whether a caller can set it by keyword (``--model-opt NAME=VALUE``)."""
        return self.kind in KEYWORD_KINDS


@dataclass(frozen=True)
class FactoryOptions:
    """Every parameter of one factory, in order, as data.

    Built from a live signature (:meth:`of`, :meth:`from_signature`) or from what another
    process wrote (:meth:`from_json`); two are equal when the signatures agree on every
    name, kind and JSON default.
    """

    parameters: tuple[Parameter, ...]

    @classmethod
    def from_signature(cls, signature: inspect.Signature) -> FactoryOptions:
        return cls(tuple(
            Parameter(p.name, p.kind.name,
                      None if p.default is p.empty else canonical_json(p.default),
                      takes_none(p.annotation))
            for p in signature.parameters.values()))

    @classmethod
    def of(cls, factory: Callable[..., Any]) -> FactoryOptions:
        """The options of a callable in this process (importing nothing more)."""
        return cls.from_signature(inspect.signature(factory))

    def to_json(self) -> list[list[str | bool | None]]:
        return [[p.name, p.kind, p.default, p.nullable] for p in self.parameters]

    @classmethod
    def from_json(cls, data: Any) -> FactoryOptions:
        """The options :meth:`to_json` wrote; ValueError for anything else (a damaged file)."""
        if not isinstance(data, list):
            raise ValueError("factory options must be a list of parameters")
        parameters = []
        for item in data:
            if not (isinstance(item, list) and len(item) == 4 and isinstance(item[0], str)
                    and item[1] in _KINDS and (item[2] is None or isinstance(item[2], str))
                    and isinstance(item[3], bool)):
                raise ValueError(f"not a parameter: {item!r}")
            parameters.append(Parameter(item[0], item[1], item[2], item[3]))
        return cls(tuple(parameters))

    def names(self) -> list[str]:
        """The keyword options, in the factory's order."""
        return [p.name for p in self.parameters if p.is_option]

    @property
    def any_keyword(self) -> bool:
        """Whether the factory takes ``**options``: then every keyword is accepted."""
        return any(p.kind == "VAR_KEYWORD" for p in self.parameters)

    def accepts(self, option: str) -> bool:
        return self.any_keyword or option in self.names()

    def unknown(self, options: Mapping[str, Any]) -> list[str]:
        """The given options the factory does not take, in the order given."""
        if self.any_keyword:
            return []
        known = set(self.names())
        return [key for key in options if key not in known]

    def nullable(self) -> frozenset[str]:
        """The options whose annotation takes None (``macro_k_seconds: float | None``)."""
        return frozenset(p.name for p in self.parameters if p.nullable)

    def defaults(self) -> dict[str, Any]:
        """Each parameter's default that JSON can write, as the JSON value (a tuple default
        becomes a list): what a run that leaves the option out is built with."""
        return {p.name: json.loads(p.default) for p in self.parameters if p.default is not None}

    def without_defaults(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` less those equal, as JSON, to the parameter's default. Unknown
        options are kept, for the check that names them."""
        by_name = {p.name: p for p in self.parameters}
        kept = {}
        for key, value in options.items():
            default = by_name[key].default if key in by_name else None
            if default is None or canonical_json(value) != default:
                kept[key] = value
        return kept


def takes_none(annotation: Any) -> bool:
    """Whether a parameter's annotation takes None: ``X | None``, ``Optional[X]``,
    ``Union[X, None]``, as objects or as the text ``from __future__ import annotations``
    leaves them (read as written, never evaluated: that could import or run anything)."""
    if isinstance(annotation, str):
        return _text_takes_none(annotation.strip())
    if annotation is None or annotation is type(None):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(takes_none(arg) for arg in typing.get_args(annotation))
    return False


def _text_takes_none(text: str) -> bool:
    """:func:`takes_none` of an annotation written as text: ``None`` among the parts of a
    ``|`` union, or an argument of ``Optional[...]`` or ``Union[...]``."""
    parts = _top_level(text, "|")
    if len(parts) > 1:
        return any(_text_takes_none(part) for part in parts)
    head, bracket, rest = text.partition("[")
    head = head.strip().removeprefix("typing.").removeprefix("t.")
    if bracket and rest.endswith("]") and head in ("Optional", "Union"):
        return head == "Optional" or any(_text_takes_none(arg)
                                         for arg in _top_level(rest[:-1], ","))
    return text in ("None", "NoneType")


def _top_level(text: str, separator: str) -> list[str]:
    """``text`` split at each ``separator`` outside brackets, each part stripped."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += (char == "[") - (char == "]")
        if char == separator and depth == 0:
            parts.append(text[start:at].strip())
            start = at + 1
    return [*parts, text[start:].strip()]
