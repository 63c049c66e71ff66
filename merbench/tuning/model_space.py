"""A tuning file's ``model_options.NAME`` ranges and choices, typed by the model's option.

A run option's ``[space]`` values are typed when the file is read (``epochs = {low = 1.0,
high = 2.0}`` is the whole numbers 1 and 2: :func:`merbench.tuning.space.parse_tune`). A
model's option is known only once the model is: ``"model_options.padding" = {low = 1.0, high
= 3.0}`` for STSTNet's whole-number padding was searched as a range of real numbers, and the
first trial stopped on ``padding=2.07...`` after ``tuning.json`` was written, so the
corrected file was refused as "another search" (walk 85k). Here the model's option decides,
by the one rule of :mod:`merbench.base.whole_numbers`, before the command writes anything:
an option whose default is a whole number searches whole numbers (``1.0`` is 1), one whose
default is a real number searches real numbers, and any other keeps the file's spelling.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.toml_words import toml_given, toml_value
from merbench.base.whole_numbers import whole_value
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.option_values import OptionRefused
from merbench.plugin_system.registry import Registry
from merbench.runner.checks import run_owned
from merbench.tuning.space import MODEL_OPTION, Parameter, TuneSpec


def typed_model_space(spec: TuneSpec, model: Entry[Any], where: str,
                      features: Registry[Any]) -> TuneSpec:
    """``spec`` with each searched model option's values as the option takes them (see the
    module's docstring); a range a whole-number option cannot take (``1.5..3``) is refused
    in one line naming the file, as is an option the model or feature has not."""
    _check_run_owned(spec, model, where)
    _check_feature_options(spec, model, where, features)
    # replaced whatever the comparison says: [1, 3] == [1.0, 3] in Python, not in tuning.json
    return dataclasses.replace(spec, space=tuple(_typed(p, model, where) for p in spec.space))


def _check_run_owned(spec: TuneSpec, model: Entry[Any], where: str) -> None:
    """Refuse a model option the run sets itself (``random_state``, ``num_classes``), named
    as the file names it: the first trial's plan said ``leave out --model-opt random_state``,
    a flag ``tune`` has not, and neither the file nor the key (pass 84q, Q9)."""
    shared = spec.options.get("model_options", {})
    given = [(f"[options] model_options.{k}", k) for k in shared] + [
        (f"[space] {p.name}", p.name[len(MODEL_OPTION):]) for p in spec.space
        if p.name.startswith(MODEL_OPTION)]
    for label, option in given:
        reason = run_owned(option, model.meta.kind == "torch", seed="the file's seed")
        if reason is not None:
            raise MerbenchError(f"{where}: {label}: {reason}; remove it")
        try:  # an option the model has not: said with the file and key (pass 84r, R6)
            model.check_known("model", {option: None})
        except OptionRefused as exc:
            raise MerbenchError(f"{where}: {label}: {exc}") from None


def _check_feature_options(spec: TuneSpec, model: Entry[Any], where: str,
                           features: Registry[Any]) -> None:
    """Refuse a searched ``feature_options`` table naming an option its feature has not,
    with the file and key: the first trial's plan said only "feature 'flow-uvos' has no option
    'a'" (pass 84s, S14). Each table is checked against each feature a trial can be given
    (a searched feature's every choice), as a search pairs any two."""
    searched = {p.name: p for p in spec.space if p.choices is not None}
    tables = searched["feature_options"].choices if "feature_options" in searched else []
    if not tables:
        return
    feature = searched["feature"].choices if "feature" in searched else [
        spec.options.get("feature") or model.meta.feature]
    for name in feature or []:
        if not isinstance(name, str) or name not in features:
            continue  # no feature of that name: the first trial's plan says so
        for table in tables:
            try:
                features.get(name).check_known("feature", dict(table))
            except OptionRefused as exc:
                raise MerbenchError(f"{where}: [space] feature_options: {exc}") from None


def _typed(p: Parameter, model: Entry[Any], where: str) -> Parameter:
    if not p.name.startswith(MODEL_OPTION):
        return p
    option = p.name[len(MODEL_OPTION):]
    whole = model.takes_whole(option)
    if whole is None:  # no number default to go by: the file's spelling decides
        return p
    here = f"{where}: [space] {p.name}"
    default = toml_value(model.defaults()[option])
    if p.choices is not None:
        if not whole:
            return p
        choices = [_whole_or_same(c) for c in p.choices]
        encoded = [json.dumps(c, sort_keys=True) for c in choices]
        if len(set(encoded)) != len(encoded):
            raise MerbenchError(f"{here}: choices lists a value twice ({option} takes whole "
                                f"numbers, so 1.0 is 1); list each once")
        return dataclasses.replace(p, choices=choices)
    if not whole:
        if p.step is not None:
            raise MerbenchError(f"{here}: {option} takes a real number (default {default}), "
                                "and step goes only with a range of whole numbers; remove "
                                "step")
        assert p.low is not None and p.high is not None
        return dataclasses.replace(p, low=float(p.low), high=float(p.high), integer=False)
    low, high = whole_value(p.low), whole_value(p.high)
    if low is None or high is None:
        raise MerbenchError(f"{here}: {option} takes a whole number (default {default}), so "
                            f"low and high must be whole numbers, not {toml_given(p.low)} "
                            f"and {toml_given(p.high)}")
    return dataclasses.replace(p, low=low, high=high, integer=True)


def _whole_or_same(value: Any) -> Any:
    """A choice written as a real number with no fraction (``1.0``) as the int it is; any
    other as written (2.5 and text are refused by the model's own check of the value)."""
    if isinstance(value, float):
        whole = whole_value(value)
        return value if whole is None else whole
    return value
