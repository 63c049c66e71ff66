"""Typed records to JSON and back, checking every field's type on the way in.

The results model (:mod:`merbench.results.model`) is plain frozen dataclasses. :func:`to_json`
writes one as the JSON object it stands for; :func:`from_json` builds one from a JSON object
and refuses, with the dotted name of the first bad field, anything that does not fit: a
missing field, an unknown one, a value of the wrong type. This is the schema check of every
file merbench reads, so no separate list of fields and types exists anywhere.

:func:`loads` is how every one of those files is decoded: Python's JSON decoder recurses once
per level of nesting, so ``[[[[...`` two hundred thousand deep ends in a RecursionError, a
traceback instead of a refused file. It measures the nesting first and refuses what is deeper
than any merbench file, as the malformed JSON it is for merbench. An integer of more digits
than Python converts (4,300 unless set otherwise) stopped the decoder with a ValueError in
Python's words; :func:`loads` refuses it as malformed JSON too, naming its digits, and a
number too large for a float, naming its field.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import sys
import types
import typing
from typing import Any, TypeVar

from merbench.results.json_objects import RepeatedKey, one_of_each, repeated_at
from merbench.results.json_walks import first_too_large

T = TypeVar("T")

_WHAT = {str: "text", int: "an integer", float: "a number", bool: "true or false",
         dict: "an object", list: "a list", type(None): "null"}


#: deeper than any file merbench writes (results.json nests about six levels), far below the
#: depth at which the decoder or :func:`from_json` would run out of stack
MAX_DEPTH = 100
#: the deepest a value given as an option (``--model-opt KEY=VALUE``, a sweep plan's
#: ``model_options``) may nest: the files that record it nest it a few levels further down,
#: and each must stay within :data:`MAX_DEPTH` to be read back
OPTION_DEPTH = MAX_DEPTH // 2
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)')  # unterminated: to the end
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_OR_STRING = re.compile(_STRING.pattern + r"|[\[\]{}]")
_PAIR = re.compile(r"\[\]|\{\}")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


#: how :func:`unreadable` tells the refusals :func:`loads` words itself from the decoder's
_OWN_WORDS = ("nested deeper", "holds a number of", "holds the field", "field '")


def loads(text: str, **options: Any) -> Any:
    """``json.loads(text, **options)``, refusing nesting deeper than :data:`MAX_DEPTH` before
    decoding, a key given twice in one object, an integer of more digits than Python
    converts, and a number too large for a float (``10**400``), named by its field
    (:func:`~merbench.results.json_walks.first_too_large`).

    The refusal is a :class:`json.JSONDecodeError` at the bracket that goes too deep or at the
    number, so every reader that already turns a decoding error into one line about its file
    does the same for these."""
    position = too_deep_at(text)
    if position is not None:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels, which no merbench "
                                   "file is", text, position)
    try:
        value = json.loads(text, **{"object_pairs_hook": one_of_each, **options})
    except json.JSONDecodeError:
        raise
    except RepeatedKey as exc:
        at = repeated_at(text, exc.key)
        where = "" if at is None else f" (again at line {text.count(chr(10), 0, at) + 1})"
        raise json.JSONDecodeError(f"holds the field '{exc.key}' twice in one object{where}, "
                                   "which no merbench file does: restore it from a copy",
                                   text, at or 0) from None
    except ValueError:
        found = long_integer(text)
        if found is None:  # a ValueError of the caller's own hook: not ours to word
            raise
        raise json.JSONDecodeError(f"holds a number of {len(found.group().lstrip('-')):,} "
                                   "digits, which no merbench file does", text,
                                   found.start()) from None
    too_large = first_too_large(text, value)
    if too_large is not None:  # every reader's float() of it failed, a traceback
        raise json.JSONDecodeError(too_large, text, 0)
    return value


def long_integer(text: str) -> re.Match[str] | None:
    """The first integer of ``text`` with more digits than Python converts, or None (JSON's
    and CSV's numbers alike: a decimal's digits after its point are no integer's)."""
    limit = sys.get_int_max_str_digits()
    if not limit:
        return None
    return re.search(rf"-?(?<![\d.eE+-])\d{{{limit + 1},}}(?![\d.eE])", text)


def unreadable(exc: Exception) -> str:
    """Why a file could not be decoded, in words for its one line: "it is empty", "not JSON at
    line 2, column 1", "not UTF-8 text", or the system's reason; never the decoder's own
    phrasing ("Expecting value: line 1 column 1 (char 0)"), which says nothing to a user."""
    if isinstance(exc, json.JSONDecodeError):
        if not exc.doc.strip():
            return "it is empty"
        if exc.msg.startswith(_OWN_WORDS):
            return exc.msg
        return f"not JSON at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def too_deep_at(text: str, limit: int = MAX_DEPTH) -> int | None:
    """Where ``text`` first opens more than ``limit`` lists and objects at once, or
    None. Brackets inside strings do not count. Fast where it matters, on large results
    files: a file of fewer brackets than the limit passes at once; the others are reduced to
    their brackets and the innermost pairs removed level by level, all by regular
    expressions; only a file that is not balanced that way is walked bracket by bracket."""
    if text.count("[") + text.count("{") <= limit:
        return None
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    # more openings in a row than the limit: too deep, found by the walk at once (0.2 s of passes)
    deep = re.search(rf"[\[{{]{{{limit + 1}}}", brackets) is not None
    for _ in range(0 if deep else limit):
        reduced = _PAIR.sub("", brackets)
        if not reduced:
            return None  # balanced, and no deeper than the levels removed
        if reduced == brackets:
            break  # unbalanced (a truncated file): the walk below decides
        brackets = reduced
    depth = 0
    for match in _BRACKET_OR_STRING.finditer(text):
        depth += _STEP.get(match.group(), 0)
        if depth > limit:
            return match.start()
    return None


class LayoutError(ValueError):
    """A JSON value that does not fit its record: ``field`` is its dotted name."""

    def __init__(self, field: str, problem: str, *, shaped: bool = False) -> None:
        super().__init__(f"field '{field}' {problem}")
        self.field = field
        self.shaped = shaped  # the value has the record's shape; the record's check refused it


def recorded_form(value: Any) -> str:
    """A value as a results file would record it, as comparable text: a tuple reads as the
    JSON list it is written as, keys in order, anything else by its text."""
    return json.dumps(value, sort_keys=True, default=str)


def same_when_recorded(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are recorded alike (a list given on the command line equals
    the tuple a factory declares as its default)."""
    return recorded_form(a) == recorded_form(b)


#: field metadata: the field is left out of the JSON object while it is None, so a record
#: can name a setting that files record only when it departs from its default
OMITTED_WHEN_NONE = {"merbench.omitted_when_none": True}
#: field metadata: the field's record (or None) is written as its fields, in the enclosing
#: object, so a record can hold another whose fields a file has always recorded side by
#: side with its own (a run's hyperparameters: the training recipe's fields, then precision)
FLATTENED = {"merbench.flattened": True}


def _flattened(f: dataclasses.Field[Any]) -> bool:
    return bool(f.metadata.get("merbench.flattened"))


def _omitted_when_none(f: dataclasses.Field[Any]) -> bool:
    return bool(f.metadata.get("merbench.omitted_when_none"))


def to_json(record: Any) -> Any:
    """The JSON value of a record (dataclasses become objects, in field order; a
    :data:`FLATTENED` field's fields in its place, an :data:`OMITTED_WHEN_NONE` field only
    when set)."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        written: dict[str, Any] = {}
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if value is None and (_omitted_when_none(f) or _flattened(f)):
                continue
            if _flattened(f):
                written.update(to_json(value))
            else:
                written[f.name] = to_json(value)
        return written
    if isinstance(record, dict):
        return {str(k): to_json(v) for k, v in record.items()}
    if isinstance(record, list | tuple):
        return [to_json(v) for v in record]
    return record


def from_json(cls: type[T], data: Any, where: str = "") -> T:
    """Build ``cls`` from ``data``, checking each field against its annotation."""
    return typing.cast(T, _read(cls, data, where))


def _describe(annotation: Any) -> str:
    if _is_union(annotation):
        return " or ".join(_describe(a) for a in typing.get_args(annotation))
    origin = typing.get_origin(annotation) or annotation
    if dataclasses.is_dataclass(origin):
        return "an object"
    if origin is typing.Literal:  # not "Literal", its class's name (pass 84p, P1)
        return "one of " + ", ".join(map(_json_spelling, typing.get_args(annotation)))
    return _WHAT.get(origin, getattr(origin, "__name__", str(origin)))


def _is_union(annotation: Any) -> bool:
    return isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is \
        typing.Union


def type_name(value: Any) -> str:
    """What a JSON value is, in JSON's words ("a number", never Python's "int")."""
    return {dict: "an object", list: "a list", str: "text", bool: "true or false",
            type(None): "null", int: "a number", float: "a number"}.get(
                type(value), type(value).__name__)


def _json_spelling(value: Any) -> str:
    """A value as JSON writes it ("fold-parallel", null): a Literal's values are said so,
    never as Python's reprs."""
    return json.dumps(value, ensure_ascii=False)


#: how an annotation is read, worked out once per annotation (a results file holds thousands
#: of values of a few dozen annotations; asking typing about each value was most of reading)
_ANY, _UNION, _LITERAL, _RECORD, _DICT, _LIST, _FLOAT, _PLAIN = range(8)


@functools.cache
def _shape(annotation: Any) -> tuple[int, Any]:
    if annotation is Any:
        return _ANY, None
    if _is_union(annotation):
        return _UNION, typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return _LITERAL, typing.get_args(annotation)
    if dataclasses.is_dataclass(annotation):
        return _RECORD, None
    if origin is dict:
        return _DICT, (typing.get_args(annotation) or (str, Any))[1]
    if origin is list:
        return _LIST, (typing.get_args(annotation) or (Any,))[0]
    if annotation is float:
        return _FLOAT, None
    return _PLAIN, None


def _plain_fits(annotation: Any, value: Any) -> bool:
    """Whether ``value`` is a plain ``annotation`` (float: any JSON number; int: no bool)."""
    if annotation is float:
        return isinstance(value, float | int) and not isinstance(value, bool)
    return isinstance(value, annotation) and not (isinstance(value, bool)
                                                  and annotation is int)


def _read(annotation: Any, value: Any, where: str) -> Any:
    kind, detail = _shape(annotation)
    if kind == _ANY:
        return value
    if kind == _UNION:
        shaped = None  # an option whose shape the value has, refused by its own check
        for option in detail:
            try:
                return _read(option, value, where)
            except LayoutError as exc:
                if exc.field != where:  # fits the option's shape, wrong inside: say where
                    raise
                shaped = shaped or (exc if exc.shaped else None)
        if shaped is not None:  # not "is an object, expected an object or null"
            raise shaped
        raise LayoutError(where, f"is {type_name(value)}, expected {_describe(annotation)}")
    if kind == _LITERAL:
        if value not in detail:
            allowed = ", ".join(map(repr, detail))
            raise LayoutError(where, f"is {value!r}, expected one of {allowed}")
        return value
    if kind == _RECORD:
        return _read_record(annotation, value, where)
    if kind == _DICT:
        if not isinstance(value, dict):
            raise LayoutError(where, f"is {type_name(value)}, expected an object")
        if _shape(detail)[0] in (_FLOAT, _PLAIN) and all(_plain_fits(detail, v)
                                                         for v in value.values()):
            return dict(value)  # an object of numbers or texts, as a list of them
        return {k: _read(detail, v, f"{where}.{k}") for k, v in value.items()}
    if kind == _LIST:
        if not isinstance(value, list):
            raise LayoutError(where, f"is {type_name(value)}, expected a list")
        item_kind = _shape(detail)[0]
        if item_kind in (_FLOAT, _PLAIN) and all(_plain_fits(detail, v) for v in value):
            return list(value)  # a list of numbers or texts: no name built for each
        return [_read(detail, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if kind == _FLOAT and isinstance(value, int) and not isinstance(value, bool):
        return value  # JSON does not tell 3 from 3.0
    if not isinstance(value, annotation) or (isinstance(value, bool) and annotation is int):
        raise LayoutError(where, f"is {type_name(value)}, expected {_describe(annotation)}")
    return value


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    """The annotations of a record class, resolved once: a run folder holds hundreds of
    records of a few classes, and resolving string annotations is most of reading them."""
    return typing.get_type_hints(cls)


@functools.cache
def _layout(cls: Any) -> tuple[dict[str, Any], tuple[dataclasses.Field[Any], ...],
                               dict[str, Any], frozenset[str]]:
    """A record class's hints, fields, flattened records and every key its object may hold."""
    hints = _hints(cls)
    fields = dataclasses.fields(cls)
    inner = {f.name: _flattened_record(hints[f.name]) for f in fields if _flattened(f)}
    known = frozenset({f.name for f in fields if f.name not in inner} | {
        g.name for record in inner.values() for g in dataclasses.fields(record)})
    return hints, fields, inner, known


def _read_record(cls: Any, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise LayoutError(where, f"is {type_name(value)}, expected an object")
    hints, fields, inner, known = _layout(cls)
    unknown = sorted(set(value) - known)
    if unknown:
        raise LayoutError(f"{where}.{unknown[0]}".lstrip("."), "is not part of this layout")
    given = {}
    for f in fields:
        name = f"{where}.{f.name}".lstrip(".")
        if f.name in inner:  # its fields lie beside ours; none of them: it is None
            own = {g.name for g in dataclasses.fields(inner[f.name])}
            part = {k: v for k, v in value.items() if k in own}
            optional = _is_union(hints[f.name])
            given[f.name] = None if optional and not part else _read(inner[f.name], part, where)
            continue
        if f.name not in value:
            if f.default is dataclasses.MISSING and \
                    f.default_factory is dataclasses.MISSING:
                raise LayoutError(name, f"is missing (expected {_describe(hints[f.name])})")
            continue
        given[f.name] = _read(hints[f.name], value[f.name], name)
    try:
        return cls(**given)
    except (TypeError, ValueError) as exc:  # the record's own check of its values
        raise LayoutError(where or cls.__name__, f"does not hold: {exc}",
                          shaped=True) from None


def _flattened_record(annotation: Any) -> Any:
    """The record class of a :data:`FLATTENED` field (annotated ``Record | None``)."""
    options = [a for a in typing.get_args(annotation) if a is not type(None)] \
        if _is_union(annotation) else [annotation]
    if len(options) != 1 or not dataclasses.is_dataclass(options[0]):
        raise TypeError(f"a flattened field holds one record class or None, not {annotation}")
    return options[0]


def json_type(annotation: Any) -> str:
    """A field's type in JSON words, as ``docs/results.md`` writes it: ``integer or null``,
    ``list of FoldRecord``, ``object of Scores``, ``one of "a", "b"``."""
    if annotation is Any:
        return "any"
    if _is_union(annotation):
        return " or ".join(json_type(a) for a in typing.get_args(annotation))
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(f'"{v}"' for v in typing.get_args(annotation))
    if origin is list:
        return f"list of {json_type(typing.get_args(annotation)[0])}"
    if origin is dict:
        item = typing.get_args(annotation)[1]
        return "object" if item is Any else f"object of {json_type(item)}"
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return annotation.__name__
    return {str: "text", int: "integer", float: "number", bool: "true/false",
            type(None): "null"}[annotation]
