"""The Python API's keyword values, checked before anything runs, in the API's own words.

The command line and a plan or tuning file hand merbench text or TOML values its parsers
have typed already; a caller of :func:`merbench.run`, :func:`merbench.run_seeds` or
:func:`merbench.create_model` hands any Python object. Unchecked, ``epochs="1"`` met a
comparison deep inside the run and said only "'<' not supported between instances of 'str'
and 'int'", ``seeds=[]`` an ``IndexError``, ``plugins="cnn"`` an ``AttributeError`` (the
fifth adversarial pass of issue 84). Each keyword is checked here against its field's type
(:func:`merbench.runner.spec.field_types`, the one :func:`~merbench.runner.spec.typed_value`
checks a tuning file's values against), and a wrong one is one :class:`MerbenchError`
naming the keyword as the call spells it (``epochs=``, not ``--epochs``).
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.home_paths import home_expanded_at
from merbench.base.whole_numbers import whole_value
from merbench.plugin_system.manager import Plugins
from merbench.runner.given_values import (
    check_distinct_seeds,
    check_seed,
    first_non_finite,
    shortened,
)
from merbench.runner.spec import PATH_METAVARS, RunSettings, RunSpec, field_types, options, spec_of

#: a field's type as a Python caller gives it (a float field takes 3 as well as 3.0)
_WANTED = {bool: "True or False", int: "a whole number", float: "a number", str: "a string",
           Path: "a path (a string or a Path)", dict: "a dict"}
_KINDS = {bool: "a bool", int: "an integer", float: "a float", str: "a string",
          bytes: "bytes", list: "a list", tuple: "a tuple", dict: "a dict", set: "a set"}


def given(value: Any) -> str:
    """``value`` and its kind, for "must be ..., not X": ``'1' (a string)``, ``None``; a long
    one shortened, so the error stays one line. A Fraction or a Decimal is its number as
    written, ``3/2``, ``0.001``: not ``Decimal('0.001') (a Decimal)``."""
    if _exact(value):
        return shortened(str(value))
    shown = shortened(repr(value).replace("\n", " "))
    if value is None:
        return shown
    kind = _KINDS.get(type(value), f"a {type(value).__name__}")
    return f"{shown} ({kind})"


def _named(call: str, what: str, value: Any) -> str:
    """A model's or dataset's name: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise MerbenchError(f"{call}: {what} must be a {what}'s name (a non-empty string, see "
                            f"'merbench list {what}s'), not {given(value)}")
    return value


@functools.cache
def _path_fields() -> frozenset[str]:
    return frozenset(f.name for f, option in options() if option.metavar in PATH_METAVARS)


def _exact(value: Any) -> bool:
    """Whether ``value`` is an exact number other than an integer: a Fraction, a Decimal."""
    return isinstance(value, numbers.Rational | Decimal) and not isinstance(value,
                                                                          numbers.Integral)


def _whole(value: numbers.Rational | Decimal) -> bool:
    """Whether an exact number's value is whole: ``Fraction(4, 2)``, ``Decimal('3.0')`` (the
    one rule of :mod:`merbench.base.whole_numbers`)."""
    return whole_value(value) is not None


def plain(value: Any) -> Any:
    """``value`` as the plain Python a run records: numpy's numbers (``np.int64(1)``,
    ``np.float32(0.5)``) and arrays as Python's, a whole Fraction or Decimal as an int and
    another as a float, and a path inside an options dict as its text. A caller's numpy
    scalar is the number it holds; left as it was, it was refused as no integer, or met the
    JSON writer as "not JSON serializable" once the run's folder was made (the seventh
    adversarial pass of issue 84)."""
    if isinstance(value, bool | str | bytes) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if _exact(value):
        return int(value) if _whole(value) else _real(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dict):
        return {key: _plain_inside(item) for key, item in value.items()}
    if hasattr(value, "tolist") and callable(value.tolist):  # a numpy array
        return value.tolist()
    return value


def _real(value: Any) -> float:
    """An exact number (a Fraction, a Decimal) as a float; one beyond a float's range is an
    infinity (refused as one), not Python's OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return -math.inf if value < 0 else math.inf


def _exact_field(call: str, name: str, value: Any, allowed: tuple[type, ...]) -> Any:
    """A Fraction or a Decimal for a number field, as the field's type: a whole one for an
    integer field, a finite one for a float field (``epochs=Fraction(1)`` was refused as
    ``1.0 (a float)``, which the caller never gave; ``lr=Decimal('0.001')`` as
    ``Decimal('0.001') (a Decimal)``); another is refused as given."""
    if not _exact(value):
        return value
    none = " or None" if name in _optional() else ""
    if int in allowed and float not in allowed:
        if _whole(value):
            return int(value)
        raise MerbenchError(f"{call}: {name} must be a whole number{none}, not {given(value)}")
    if float in allowed:
        number = _real(value)
        if isinstance(value, Decimal) and not value.is_finite():
            raise MerbenchError(f"{call}: {name}={given(value)} is not a finite number; "
                                "give one")
        if not math.isfinite(number):
            raise MerbenchError(f"{call}: {name}={given(value)} is beyond the range of a "
                                "floating-point number; give a smaller one")
        return number
    return value  # refused below for what the field takes, shown as given


def _plain_inside(value: Any) -> Any:
    """An option's value made plain, a path as its text (options are recorded as JSON)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, list | tuple):
        return [_plain_inside(item) for item in value]
    return plain(value)


def api_value(call: str, name: str, value: Any) -> Any:
    """``value`` of the keyword ``name`` checked against its field's type (an int for a float
    field made a float, a path as its field keeps it), or one MerbenchError saying what the
    keyword takes; a NaN, an infinity or an empty path is refused as a tuning file's is."""
    if value is None and name in _optional():  # the field's own "not given"
        return None
    allowed = field_types(name)
    value = _exact_field(call, name, value, allowed)
    if not _exact(value):  # one left exact is for a field of no number: refused as given
        value = plain(value)
    is_path = Path in allowed or name in _path_fields()
    if is_path and isinstance(value, os.PathLike) and isinstance(os.fspath(value), str):
        value = Path(value) if Path in allowed else os.fspath(value)
    if is_path and isinstance(value, str) and not value.strip():
        raise MerbenchError(f"{call}: {name}={value!r} is an empty path, which names nothing; "
                            "give the file or folder itself ('.' for this folder)")
    if is_path and isinstance(value, str):  # no shell read it: ~ as one would (AF9)
        value = home_expanded_at(value, f"{call}: {name}=")
    if int in allowed and float not in allowed and isinstance(value, float):
        whole = whole_value(value)  # epochs=3.0 is the 3 recorded, as on the command line
        value = value if whole is None else whole
    if float in allowed and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if Path in allowed and isinstance(value, str):
        value = Path(value)
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        wanted = " or ".join(dict.fromkeys(_WANTED[Path if is_path and a is str else a]
                                           for a in allowed))
        none = " or None" if name in _optional() else ""
        raise MerbenchError(f"{call}: {name} must be {wanted}{none}, not {given(value)}")
    if isinstance(value, dict) and not all(isinstance(key, str) for key in value):
        key = next(key for key in value if not isinstance(key, str))
        raise MerbenchError(f"{call}: {name} takes option names as its keys (strings), not "
                            f"{given(key)}")
    found = first_non_finite(value, name) if not isinstance(value, str) else None
    if found is not None:
        dotted, number = found
        raise MerbenchError(f"{call}: {dotted}={number} is not a finite number; give one")
    return value


@functools.cache
def _optional() -> frozenset[str]:
    fields = {**RunSpec.__dataclass_fields__, **RunSettings.__dataclass_fields__}
    return frozenset(name for name, f in fields.items() if f.default is None)


def api_spec(call: str, model: Any, dataset: Any,
             keywords: dict[str, Any]) -> tuple[RunSpec, RunSettings]:
    """The spec and settings of :func:`merbench.run`'s (or ``run_seeds``') arguments, each
    checked (:func:`api_value`); an unknown keyword is named with those that exist."""
    _named(call, "model", model)
    _named(call, "dataset", dataset)
    known = {*RunSpec.__dataclass_fields__, *RunSettings.__dataclass_fields__}
    checked = {name: api_value(call, name, value) if name in known else value
               for name, value in keywords.items()}
    return spec_of(model, dataset, checked)


def api_plugins(call: str, plugins: Any) -> Plugins | None:
    """``plugins=``: a loaded plugin set, or None for the default one."""
    if plugins is not None and not isinstance(plugins, Plugins):
        raise MerbenchError(f"{call}: plugins must be a plugin set from "
                            "merbench.plugin_system.manager.load_plugins() or None (the "
                            f"installed plugins), not {given(plugins)}")
    return plugins


def api_seeds(call: str, seeds: Any) -> list[int]:
    """``seeds=``: a non-empty list of distinct seeds, each in range, refused as the command
    line refuses ``--seeds`` (:func:`~merbench.runner.given_values.check_distinct_seeds`)."""
    seeds = plain(seeds)
    if isinstance(seeds, list | tuple):  # seeds=[0, 1.0]: whole numbers, as the ints
        seeds = [seed if isinstance(seed, str) or whole_value(seed) is None
                 else whole_value(seed) for seed in map(plain, seeds)]
    if not isinstance(seeds, list | tuple | range) or not len(seeds):
        raise MerbenchError(f"{call}: seeds must be a non-empty list of distinct non-negative "
                            f"integers, e.g. seeds=[0, 1, 2], not {given(seeds)}")
    for seed in seeds:
        check_seed(seed, f"{call}: each of seeds")
    check_distinct_seeds(list(seeds), f"{call}: seeds", repr(list(seeds)), "[0, 1, 2]")
    return list(seeds)


def api_model_options(name: Any, options: dict[str, Any]) -> str:
    """:func:`merbench.create_model`'s model name, and ``num_classes`` when given: a whole
    number of at least 2 (a network with no output, or one, classifies nothing; torch said it
    in its own words, or built it)."""
    call = "merbench.create_model()"
    _named(call, "model", name)
    options.update({key: plain(value) for key, value in options.items()})
    classes = options.get("num_classes", 2)
    whole = whole_value(classes) if not isinstance(classes, str) else None
    if whole is None or whole < 2:
        raise MerbenchError(f"{call}: num_classes must be a whole number of at least 2, not "
                            f"{given(classes)}")
    if "num_classes" in options:  # 3.0 is the 3 the model is built with
        options["num_classes"] = whole
    return str(name)
