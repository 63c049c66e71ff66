"""What an option's value is, next to the factory's default for it: the kind of value the
factory can take (a number where it compares with one, true or false where it tests one)
and a whole number in any spelling as the int a whole-number option takes, read from the
defaults alone so that planning and building agree without importing the factory."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection
from numbers import Integral, Real
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import written
from merbench.base.non_finite import non_finite_text, non_finite_words
from merbench.base.whole_numbers import is_whole, whole_value
from merbench.plugin_system.factory_options import canonical_json


class OptionRefused(MerbenchError):
    """An option's value (or name) its factory cannot take, said as ``{owner}: {said}``
    (``dataset 'synthetic': subjects=3.5 is not a whole number; ...``) or as ``message``.
    ``said`` is the refusal without its owner, for a file that gives the option to say as
    its own field (a benchmark definition's ``dataset_options``): the one check serves the
    command line and the files, which took what ``--dataset-opt`` refuses and so matched
    no run (pass 84n, N3). ``kind`` (``"dataset"``, ``"protocol"``, ...) tells a file which
    of its ``KIND_options`` keys is refused: a sweep plan's entry names it."""

    def __init__(self, owner: str, said: str, message: str | None = None,
                 kind: str | None = None) -> None:
        super().__init__(message or f"{owner}: {said}")
        self.said = said
        self.kind = kind


class OptionValueError(MerbenchError):
    """A factory's refusal of one of its options' values, said without its owner
    (``Cs=[0.1, -1] lists -1, which is not positive; ...``): building puts the entry's kind
    and name before it (``model 'lbptop-svm': ...``), as merbench's own option checks say
    them, so a plugin's refusal reads as those do (pass 84o, O6: the SVM's refusals lacked
    the model's name and showed Python's reprs)."""


#: a number written as text, as the command line gives it: digits, sign, point, exponent
#: (ASCII only; Python's float() also reads '1_0' and 'nan', which no one types for a number)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def check_value_kinds(kind: str, entry: str, defaults: dict[str, Any], options: dict[str, Any],
                      takes_real: Callable[[str], bool],
                      nullable: Collection[str] = frozenset()) -> None:
    """Refuse text where the factory's default is a number: the factory compared it with
    one and said only Python's "'<' not supported between 'str' and 'int'"; and anything
    but true or false where it is a truth value. ``entry``: the registered name;
    ``takes_real(name)``: whether the factory declares a whole-looking option a float;
    ``nullable``: the options whose annotation takes None (``float | None``), which take
    ``null`` whatever their default is: the default's kind alone refused what the factory
    declares and documents."""
    for name, value in options.items():
        default = defaults.get(name)
        if value is None and name in nullable:
            continue
        number = non_finite_text(value)
        if number is not None and not isinstance(default, str):
            # nan typed for a number (or an option with no text default): no number
            raise MerbenchError(f"--{kind.split()[-1]}-opt {name}={value}: the value is "
                                f"{non_finite_words(number)}; give a finite number")
        if real_grid(default):
            fault = grid_fault(value)
            if fault is not None:
                raise OptionRefused(f"{kind} '{entry}'", f"{name}={given_text(value)}{fault}; "
                                    f"{name} takes a list of numbers (default "
                                    f"{given_text(default)})", kind=kind)
            continue
        if isinstance(default, bool) and not isinstance(value, bool):
            # a factory's ``if face_crop:`` took any word, 'maybe' too, for true
            raise OptionRefused(f"{kind} '{entry}'", f"{name}={given_text(value)} is not "
                                f"true or false; give {name}=true or {name}=false "
                                f"(default {str(default).lower()})", kind=kind)
        if not isinstance(default, int | float) or isinstance(default, bool):
            continue
        wanted = "a whole number" if isinstance(default, int) else "a number"
        if isinstance(default, int) and isinstance(value, str) and is_whole(value):
            continue  # '03', '+3' from the command line: the whole number it spells
        found = not_a_number(value)
        if found is None and isinstance(value, float) and whole_value(value) is None \
                and name in whole_only(defaults, {name: value}) \
                and not takes_real(name):
            # range(2.5) or numpy said it: "'float' object cannot be interpreted as an
            # integer", "expected a sequence of integers or a single integer"
            found = "not a whole number"
        if found is not None:  # text, a list: the factory compared it with a number
            # text as JSON quotes it: image_size='a' beside a file's "a" (pass 84s, S13)
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str) \
                else written(value)
            raise OptionRefused(f"{kind} '{entry}'", f"{name}={shown} is "
                                f"{found}; {name} takes {wanted} (default {default})",
                                kind=kind)
        if "dropout" in name and not 0 <= value < 1:  # torch's own sentence otherwise
            raise OptionRefused(f"{kind} '{entry}'", f"{name}={value!r} is no "
                                f"dropout probability; give a number from 0 to below 1 "
                                f"(default {default})", kind=kind)


def declares_fraction(factory: Any, name: str) -> bool:
    """Whether ``factory`` (a scikit-learn estimator class) declares in its
    ``_parameter_constraints`` that ``name`` takes a number that is not whole, beside or
    instead of the whole number its default is: ``min_samples_split`` is "an int in [2, inf)
    or a float in (0.0, 1.0]". Its default (2) alone said whole numbers only, so 0.5 was
    refused as "not a whole number" and 1.0 recorded as 1, which the estimator reads
    otherwise (pass 84q, Q1). Read without importing scikit-learn: the class has them."""
    for constraint in declared_constraints(factory, name) or []:
        kind = constraint if isinstance(constraint, type) else None
        if type(constraint).__name__ == "Interval":
            kind = getattr(constraint, "type", None)
        if isinstance(kind, type) and issubclass(kind, Real) and not issubclass(kind, Integral):
            return True
    return False


def declared_constraints(factory: Any, name: str) -> list[Any] | None:
    """What ``factory`` (a scikit-learn estimator, or its class) declares its option
    ``name`` takes: its entry in ``_parameter_constraints``, hidden ones included (a
    deprecated spelling the estimator still takes), or None where it declares none. The one
    reader of them, for the kind of number an option takes (:func:`declares_fraction`) and
    for a refusal's words (:mod:`merbench.training.sklearn_options`): each had its own."""
    constraints = getattr(factory, "_parameter_constraints", None)
    if not isinstance(constraints, dict) or not isinstance(constraints.get(name), list):
        return None
    return list(constraints[name])


def whole_spelled(defaults: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with each whole number in any spelling as the factory takes it, where its
    default is an int (the int) or text naming a number (the text, as the default is
    written): the rule :meth:`merbench.plugin_system.entry.Entry._as_whole` says why. A
    list of numbers where the default is one of real numbers (:func:`real_grid`) is each
    number as a float: ``Cs=[0.1,1]``, ``[0.1,1.0]`` and ``[0.1,"1"]`` are one grid, and
    were recorded as three (pass 84o, O5)."""
    whole = {k: whole_value(v) for k, v in options.items()
             if isinstance(v, int | float | str) and not isinstance(v, bool)
             and (numbered(defaults.get(k)) or reads_whole(defaults.get(k), v))}
    grids = {k: [grid_number(n) for n in v] for k, v in options.items()
             if real_grid(defaults.get(k)) and grid_fault(v) is None}
    return {**options, **{k: str(v) if numbered(defaults.get(k)) else v
                          for k, v in whole.items() if v is not None}, **grids}


def real_grid(default: Any) -> bool:
    """Whether ``default`` is a non-empty list of real numbers (floats, an SVM's ``Cs``):
    the option takes a list of numbers, each read as a float."""
    return isinstance(default, list | tuple) and bool(default) \
        and all(isinstance(n, float) for n in default)


def grid_number(value: Any) -> float:
    """An entry of a list of numbers that :func:`grid_fault` took, as the float it is."""
    return float(value.strip() if isinstance(value, str) else value)


def grid_fault(value: Any) -> str | None:
    """What is wrong with ``value`` for an option taking a list of numbers, said after
    ``Cs=<value>`` (" is text", ": true is a yes/no value"), or None where each entry is a
    finite number or text writing one (the command line's ``"1"``). A yes/no entry was
    taken as the number 1 (``Cs=[true]`` trained with C = 1: pass 84o, O5)."""
    if not isinstance(value, list | tuple):
        found = not_a_number(value)
        return f" is {found or 'a single number, not a list'}"
    for entry in value:
        if isinstance(entry, str) and _NUMBER.fullmatch(entry.strip()) \
                and math.isfinite(float(entry.strip())):
            continue
        found = "text" if isinstance(entry, str) else not_a_number(entry)
        if found is not None:
            return f": {canonical_json(entry) or entry} is {found}"
    return None


def given_text(value: Any) -> str:
    """``value`` as the command line or a plan gives it: JSON's spelling (``'maybe'`` as
    maybe, ``None`` as null), not Python's."""
    return value if isinstance(value, str) else canonical_json(value) or str(value)


def whole_only(defaults: dict[str, Any], options: dict[str, Any]) -> dict[str, float]:
    """The float values in ``options`` of options whose default is an int (not a bool)."""
    return {name: value for name, value in options.items() if isinstance(value, float)
            and isinstance(defaults.get(name), int) and not isinstance(defaults.get(name), bool)}


def not_a_number(value: Any) -> str | None:
    """What ``value`` is when it is no finite number ("text", "a list"), or None."""
    if isinstance(value, bool):
        # true for a number was the number 1 (subjects=true refused as "at least 2"),
        # false 0: a yes/no value is said as one, as a list is (pass 84n, N4)
        return "a yes/no value"
    if isinstance(value, int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number"
    kinds: dict[type, str] = {str: "text", list: "a list", tuple: "a list", dict: "an object"}
    return kinds.get(type(value), "no number")


def reads_whole(default: Any, value: Any) -> bool:
    """Whether ``value`` is read as a whole number: the default is an int, or text naming a
    number (:func:`numbered`) and ``value`` is no such text already (an API's ``"3"`` stays
    the text it was)."""
    if isinstance(default, int) and not isinstance(default, bool):
        return True
    return numbered(default) and value != str(whole_value(value))


def numbered(default: Any) -> bool:
    """Whether ``default`` is text that is a whole number as written plainly (``"5"``): the
    option names its choices by number (a class set), and a number given is one of them."""
    return isinstance(default, str) and default.isascii() and default.isdigit() \
        and str(int(default)) == default


__all__ = ["OptionRefused", "OptionValueError", "check_value_kinds", "declared_constraints",
           "declares_fraction", "given_text", "grid_fault", "grid_number", "not_a_number",
           "numbered", "reads_whole", "real_grid", "whole_only", "whole_spelled"]
