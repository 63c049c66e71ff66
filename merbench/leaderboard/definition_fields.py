"""The checks of a benchmark definition's single fields, each refused in words.

A definition is a user's file (``--benchmarks DIR``), so each field it gets wrong is one line
naming the file, the field and what to give. Before these checks a wrong type was named by
Python's type name (``'title' has the wrong type (NoneType)``), and a field with an
impossible value was taken: ``"columns": []`` reached the table's sort and raised
IndexError, ``"protocol": "nope"``, ``"n_samples": -4`` and ``"rank": []`` built a site
whose tables no run could ever fill."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.near_zero import WrittenBeyondRange, finite_or_written
from merbench.base.non_finite import non_finite_text, non_finite_words
from merbench.base.whole_numbers import number_shown
from merbench.plugin_system.lazy_factory import LazyFactory
from merbench.plugin_system.manager import default_plugins
from merbench.plugin_system.option_values import OptionRefused, whole_only
from merbench.results.codec import unreadable
from merbench.results.user_files import UnreadableFile, check_user_file, read_written_json
from merbench.runner.given_values import first_non_finite

_README = "merbench/leaderboard/definitions/README.md"

#: what a field must be, in the words a message gives it
_KIND_WORDS: dict[type, str] = {str: "a text", list: "a list", dict: "an object",
                                int: "a whole number"}


#: bytes: the largest committed definition is a few kilobytes; one larger is refused unread, as
#: a plan or a --trust file is (a 200 MB definition was read whole, then called "not JSON")
MAX_DEFINITION_BYTES = 1 << 20


def read_definition(path: Path) -> Any:
    """The JSON value of the definition at ``path``, read only once it is a regular file of
    at most :data:`MAX_DEFINITION_BYTES`; every failure one line naming the file and the fix."""
    try:
        check_user_file(path, "benchmark definition", MAX_DEFINITION_BYTES)
    except UnreadableFile as exc:
        raise MerbenchError(f"benchmark {path} {exc.reason}; fix the definition or remove it "
                            "from --benchmarks") from None
    try:
        data = read_written_json(path, "benchmark definition", parse_float=finite_or_written)
    except UnreadableFile as exc:
        raise MerbenchError(f"benchmark {path} {exc.reason}; save the definition as UTF-8 "
                            "JSON") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise MerbenchError(f"benchmark {path} is not readable JSON ({unreadable(exc)}); fix the "
                            "definition or remove it from --benchmarks") from None
    unshown = _unshowable(data)
    if unshown is not None:  # a title with an escape sequence reached every page (84v V11)
        raise refuse(path, unshown, "holds a character that cannot be shown (a control "
                     "character or a direction mark)", "write it in plain, printable text")
    return data


def _unshowable(value: Any, where: str = "") -> str | None:
    """The field (``title``, ``reported[0].method``) of the first text in a definition that
    holds a control character (a line break or a tab aside) or an invisible format
    character such as a direction mark; None where every text can be shown. Every text of a
    definition reaches a page or a terminal, as a key's name does (which keygen and --trust
    refuse alike)."""
    if isinstance(value, str):
        shown = all(c.isprintable() or c in "\n\t" for c in value)
        return None if shown else where or "(the definition)"
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        if isinstance(key, str) and (name := _unshowable(key, where or "(a key)")):
            return name
        field = f"{where}[{key}]" if isinstance(key, int) else \
            f"{where}.{key}" if where else str(key)
        if (name := _unshowable(inner, field)) is not None:
            return name
    return None


def value_words(value: Any) -> str:
    """What a JSON value is, as a definition's author would say it (not Python's name)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, WrittenBeyondRange):  # 1e400, not the "inf" it reads as (84v V12)
        return f"the number {value.written}, too large for any count"
    if isinstance(value, int | float):
        return f"the number {number_shown(value) if isinstance(value, float) else value}"
    if isinstance(value, str):
        return "a text"
    return "a list" if isinstance(value, list) else "an object"


def refuse(source: Path, field: str, problem: str, fix: str) -> MerbenchError:
    """The one line for a wrong field: the file, the field, what is wrong, what to give."""
    return MerbenchError(f"benchmark {source}: '{field}' {problem}; {fix}")


def need(data: dict[str, Any], key: str, kind: type, source: Path) -> Any:
    """``data[key]``, which must be present and of ``kind`` (str, list, dict or int); text
    must not be empty."""
    if key not in data:
        raise MerbenchError(f"benchmark {source} has no '{key}'; add it (see {_README})")
    return typed(data[key], key, kind, source)


def typed(value: Any, field: str, kind: type, source: Path) -> Any:
    """``value`` when it is ``kind`` (a bool is no whole number; a text not empty)."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise refuse(source, field, f"is {value_words(value)}", f"give {_KIND_WORDS[kind]}")
    if isinstance(value, str) and not value.strip():
        raise refuse(source, field, "is empty", "give a text")
    return value


def optional_text(data: dict[str, Any], key: str, source: Path) -> str:
    """An optional text field: absent is "", anything but text is refused."""
    value = data.get(key, "")
    if not isinstance(value, str):
        raise refuse(source, key, f"is {value_words(value)}", "give a text or leave it out")
    return value


#: the largest version or number of samples a definition may give: the largest MER
#: database holds a few thousand samples; a definition's ``n_samples`` of 1e26 built a table
#: no run could ever fill (pass 84v, V12)
MAX_COUNT = 1_000_000


def positive(data: dict[str, Any], key: str, source: Path) -> int | None:
    """An optional whole number from 1 up to :data:`MAX_COUNT` (a version, a number of
    samples), or None."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_COUNT:
        raise refuse(source, key, f"is {value_words(value)}",
                     f"give a whole number from 1 up to {MAX_COUNT:,}, or leave it out")
    return value


def texts(data: dict[str, Any], key: str, source: Path, *, required: bool,
          fix: str) -> tuple[str, ...]:
    """A list of distinct texts; ``required``: present and not empty."""
    if key not in data and not required:
        return ()
    values = need(data, key, list, source)
    if required and not values:
        raise refuse(source, key, "is empty", fix)
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise refuse(source, f"{key}[{index}]", f"is {value_words(value)}",
                         "give a non-empty text")
    doubled = [value for index, value in enumerate(values) if value in values[:index]]
    if doubled:
        raise refuse(source, key, f"names '{doubled[0]}' twice", "name each once")
    return tuple(values)


def registered(section: str, name: str, providers: dict[str, dict[str, str]],
               source: Path) -> None:
    """Refuse a dataset or protocol no installed plugin registers and the definition does
    not pin to a package under 'providers' (a plugin installed elsewhere may register it):
    no run could ever be of it, so its table would stay empty without saying why."""
    if name in providers.get(section, {}):
        return
    registries = default_plugins().registries
    registry = registries.datasets if section == "dataset" else registries.protocols
    if name in registry:
        return
    raise refuse(source, section, f"is '{name}', which no installed plugin registers",
                 f"name one of {', '.join(sorted(registry.names()))}, or pin a plugin's "
                 f"{section} under 'providers' (see {_README})")


def recorded_options(section: str, name: str, options: dict[str, Any] | None,
                     providers: dict[str, dict[str, str]], source: Path) -> dict[str, Any] | None:
    """A definition's ``dataset_options`` or ``protocol_options`` of the installed dataset or
    protocol ``name``, spelt as a run records them: through the step every run's options
    take (:meth:`~merbench.plugin_system.entry.Entry.without_defaults`), each whole number
    in any spelling (``3.0``, ``"03"``, ``"+3"``, ``"3.0"``) the value the option takes, and
    an option at its default left out. A definition's ``subjects: 3.0`` loaded as written and
    matched no run, which records ``3`` (pass 84l, N7). Checked first as a run's options are
    (:meth:`~merbench.plugin_system.entry.Entry.check_options`), and refused in its words
    naming ``source``: a value ``--dataset-opt`` refuses (``3.5``, ``"0x3"``, ``true``)
    loaded as a benchmark no run could ever be of, with no word (pass 84n, N3). Kept as
    written where ``name`` is pinned to another package under 'providers' or is not
    installed: its defaults are not known here."""
    if options is None:
        return None
    field = f"{section}_options"
    typed = {key: _as_typed(value) for key, value in options.items()}
    for key, value in typed.items():  # "1e400", read as --dataset-opt reads it: infinite
        found = first_non_finite(value, key) if value is not options[key] else None
        if found is not None:
            raise MerbenchError(f"benchmark {source}: '{field}' {key}={options[key]}: the "
                                f"value is {non_finite_words(found[1])}; give a finite number")
    options = typed
    registries = default_plugins().registries
    registry = registries.datasets if section == "dataset" else registries.protocols
    if name in providers.get(section, {}) or name not in registry:
        return options
    entry = registry.get(name)
    if whole_only(entry.defaults(), options) and isinstance(entry.factory, LazyFactory):
        # whether 3.5 is a whole-number option's fault is read from the signature (a
        # ``float`` annotation takes it), which a run reads on building and a definition
        # only here
        entry.factory.resolve()
    try:
        entry.check_options(section, options)
    except OptionRefused as refused:
        raise MerbenchError(f"benchmark {source}: '{field}' {refused.said}") from None
    return entry.without_defaults(dict(options))


def _as_typed(value: Any) -> Any:
    """A definition's text read as ``--dataset-opt KEY=TEXT`` reads the text after ``=``:
    as JSON where it is JSON (``"3e0"`` the number, ``"true"`` a yes/no value, ``"1e400"``
    infinite, ``"[\"sub02\", \"sub01\"]"`` a list), else as text. The definitions' README
    promises any spelling those options take, and such a value loaded as text matched no
    run (walk 85p) or was refused in other words than the command line's (pass 84n, N3).
    A word for NaN or an infinity stays text, for the option's check to take as text or
    refuse where the option takes a number, as the command line does; a list nested deeper
    than a flat one is left as written, for the option's own check to refuse where the run
    would."""
    if not isinstance(value, str) or non_finite_text(value) is not None:
        return value
    try:
        parsed = json.loads(value)
    except ValueError:  # no JSON, or an integer longer than Python reads: text
        return value
    if not isinstance(parsed, list | dict):
        return parsed
    flat = all(not isinstance(item, (list, dict))
               for item in (parsed.values() if isinstance(parsed, dict) else parsed))
    return parsed if flat else value


def spelt_as_run(name: str, given: dict[str, Any], recorded: dict[str, Any],
                 providers: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A definition's dataset options ``given`` as the run of the installed dataset ``name``
    that recorded ``recorded`` spelt them, where its plugin says they select what it selected
    (:meth:`~merbench.plugin_system.entry.Entry.spelt_as_recorded`): an option whose
    recorded spelling only the data gives (a raw database's subjects, by its sheet's names)
    cannot be put in it when the definition loads. ``given`` where ``name`` is not installed
    or is pinned to another package."""
    registry = default_plugins().registries.datasets
    if name in providers.get("dataset", {}) or name not in registry:
        return given
    return registry.get(name).spelt_as_recorded(given, recorded)


def dataset_databases(name: str, providers: dict[str, dict[str, str]]) -> tuple[str, ...] | None:
    """The databases the installed dataset ``name`` declares (its ``DatasetMeta.databases``),
    the scopes a column may name besides ``overall``; None where they are not known: the
    dataset is pinned to another package under 'providers', is not installed, or does not
    fix them."""
    registry = default_plugins().registries.datasets
    if name in providers.get("dataset", {}) or name not in registry:
        return None
    return registry.get(name).meta.databases


def column_scope(value: str, field: str, dataset: str, databases: tuple[str, ...] | None,
                 source: Path) -> str:
    """A column's scope: ``overall`` or one of the dataset's databases. A scope no sample of
    the dataset can have (``casme3`` in the composite) made a column no run ever fills,
    which the page showed empty without saying why."""
    typed(value, field, str, source)
    if value == "overall" or databases is None or value in databases:
        return value
    raise refuse(source, field, f"is '{value}', which is no database of dataset '{dataset}'",
                 f"give 'overall' or one of {', '.join(databases)}")


def distinct_columns(pairs: list[tuple[str, str]], source: Path) -> None:
    """Refuse two columns of one scope, or of one label: the page's cells and the exported
    table's headers ('SAMM UF1') would then stand for two columns at once."""
    for index, (scope, label) in enumerate(pairs):
        for part, value, earlier in (("scope", scope, [s for s, _ in pairs[:index]]),
                                     ("label", label, [n for _, n in pairs[:index]])):
            if value in earlier:
                raise refuse(source, f"columns[{index}].{part}",
                             f"is '{value}', as columns[{earlier.index(value)}]'s is",
                             f"give each column its own {part}")
