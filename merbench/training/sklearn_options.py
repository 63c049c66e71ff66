"""A scikit-learn estimator's refusal of an option, said in merbench's words.

Scikit-learn checks an estimator's options only when it is fitted, and its refusal is
Python's text (``The 'criterion' parameter of RandomForestClassifier must be a str among
{'log_loss', 'entropy', 'gini'}. Got 'foo' instead.``): merbench quoted none of it, said the
option as Python's repr (``criterion='foo'``) and left the user to find what it takes (pass
84p, P11). The estimator declares what each option takes (its ``_parameter_constraints``);
:func:`refused_option` finds the option a user gave that they refuse and says what the
option takes as a command line or a plan writes it: ``"gini"``, ``null``, ``true``, a whole
number of at least 1. Constraints no command line can give (an instance of a class, a
callable, an array) are left out, and so are those scikit-learn hides from its own words:
LogisticRegression's ``penalty`` was said to take ``"deprecated"``, the placeholder its
default is while the option is being retired, which no user means to give (issue 84).
Where nothing is left, None: the caller keeps its words.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from numbers import Integral
from typing import Any

from merbench.plugin_system.option_values import declared_constraints

#: what an option of one of these Python types takes, as a plan or a command line gives it
_TYPE_WORDS = {int: "a whole number", float: "a number", str: "text", dict: "an object",
               list: "a list", bool: "true, false"}


def refused_option(model: Any, options: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(name, what it takes)`` of the first of ``options`` (the user's, by name) that
    ``model`` (a scikit-learn estimator built with them) declares it refuses; None where it
    declares none of them refused, declares no constraints, or they cannot be said."""
    constraints = {name: declared for name in sorted(options)
                   if (declared := declared_constraints(type(model), name)) is not None}
    if not constraints:
        return None
    try:  # deferred: only an estimator's refusal needs scikit-learn's checks
        from sklearn.utils._param_validation import (
            InvalidParameterError,
            validate_parameter_constraints,
        )
        params = model.get_params(deep=False)
    except Exception:  # an older scikit-learn, or an estimator of a library of its own
        return None
    for name in constraints:
        if name not in params:
            continue
        try:
            validate_parameter_constraints({name: constraints[name]}, {name: params[name]},
                                           caller_name=type(model).__name__)
        except InvalidParameterError:
            takes = _takes(constraints[name])
            return (name, takes) if takes else None
        except Exception:  # a constraint scikit-learn cannot check: not ours to say
            return None
    return None


def _takes(constraints: list[Any]) -> str | None:
    """What ``constraints`` (one option's) allow, in words, or None where none can be said:
    ``"entropy", "gini" or "log_loss"``, ``a whole number of at least 1 or null``."""
    # deferred: scikit-learn is imported for an estimator's refusal alone
    from sklearn.utils._param_validation import make_constraint

    said: list[str] = []
    for raw in constraints:
        if type(raw).__name__ == "Hidden":  # a placeholder scikit-learn's own words leave out
            continue
        try:
            words = _constraint_words(make_constraint(raw))
        except Exception:  # a kind of constraint this scikit-learn names differently
            words = []
        said.extend(w for w in words if w not in said)
    if not said:
        return None
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} or {said[-1]}"


def _constraint_words(constraint: Any) -> list[str]:
    """One constraint of scikit-learn's, in words; [] for one no command line can give."""
    kind = type(constraint).__name__
    if kind == "StrOptions" or kind == "Options":
        deprecated: set[Any] = getattr(constraint, "deprecated", set()) or set()
        return [json.dumps(v) for v in sorted(constraint.options, key=str) if v not in deprecated]
    if kind == "Interval":
        return [_interval(constraint)]
    if kind == "_NoneConstraint":
        return ["null"]
    if kind == "_Booleans":
        return ["true", "false"]
    if kind == "_VerboseHelper":
        return ["a whole number of at least 0", "true", "false"]
    if kind == "_RandomStates":
        return ["a whole number from 0 to 4294967295", "null"]
    if kind == "_InstancesOf":
        words = _TYPE_WORDS.get(constraint.type)
        return words.split(", ") if words else []
    return []  # a callable, an array, an instance of a class: not given as an option


def _interval(interval: Any) -> str:
    """An Interval constraint: ``a whole number of at least 1``, ``a number above 0 and at
    most 1``, ``any number``."""
    whole = isinstance(interval.type, type) and issubclass(interval.type, Integral)
    noun = "a whole number" if whole else "a number"
    closed = interval.closed
    bounds = []
    if interval.left is not None and not (isinstance(interval.left, float)
                                          and math.isinf(interval.left)):
        word = "at least" if closed in ("left", "both") else "above"
        bounds.append(f"{word} {_number(interval.left)}")
    if interval.right is not None and not (isinstance(interval.right, float)
                                           and math.isinf(interval.right)):
        word = "at most" if closed in ("right", "both") else "below"
        bounds.append(f"{word} {_number(interval.right)}")
    if not bounds:
        return "any whole number" if whole else "any number"
    joined = " and ".join(bounds)
    return f"{noun} of {joined}" if joined.startswith("at ") else f"{noun} {joined}"


def _number(value: Any) -> str:
    """A bound as a user writes it: ``1``, not ``1.0``; ``0.5``."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
