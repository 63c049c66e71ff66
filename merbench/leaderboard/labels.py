"""What a reader needs to tell rows apart and to know what a run is not.

Runs of one model are grouped by their whole configuration (see
:func:`merbench.leaderboard.collect.group_key`); a row that showed only the model's name,
version and seed made two configurations of one model (HTNet with the authors' crop and with
the corrected one) look like one run listed twice. A row's label is read from its own record:
its feature's options, then every setting in which it departs from its model as declared (the
factory's default options, the declared recipe with the recorded value beside it, no inner
hold-out, no saved weights, labels not shuffled): ``htnet-regions crop=corrected, epochs 200
(recipe 800)``. So a label never changes when other runs are added to a page, and the bare
model name means the model as declared. Only where two configurations of one model, dataset
and protocol would still read alike (they differ in something nothing declares: a dataset's
version or sample list, an estimator's setting) is the setting that tells them apart added to
both. Every row that leaves a page (an export, the comparison page, "Reported vs reproduced",
``merbench compare``) is named by :func:`configuration_label`, so a row reads the same
wherever it is pasted.

An option is said by the value the run used, not as "default": a run that leaves an option
out ran with the factory's default (its identity leaves defaults out, see
``Entry.without_defaults``), while an older run may record the same value explicitly; both ran
the same thing, so neither departs (and they form one configuration: see
:mod:`merbench.verification.declared_defaults`, which reads a factory's defaults from the
registry's metadata without importing its module). Only where no installed plugin of the
recorded version says does a label say a recorded option as it is, or, on a clash, "crop
default".

(A run in a reduced setting, fewer epochs or a smaller network, also carries the ``reduced
setting`` badge on every page that shows one, with
:func:`merbench.leaderboard.collect.reduced_setting` as its reason, since its scores are not the
model's.)"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, fields
from typing import Any, Protocol

from merbench.meta import TrainRecipe
from merbench.results.codec import recorded_form
from merbench.results.model import Results
from merbench.verification.declared_defaults import (
    OPTION_SECTIONS,
    RUN_DEFAULTS,
    DeclaredDefaults,
    Defaults,
    declared_for,
)

_MISSING = object()
# what a recorded recipe leaves out means its field's default (a file written before the
# field existed); precision and the fused step are recorded only when not the default
_RECIPE_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(TrainRecipe)
                                    if f.default is not MISSING}


class Configured(Protocol):
    """A row's configuration: a key that tells it from the others, and its first run's
    results (a leaderboard :class:`~merbench.leaderboard.collect.Group` is one)."""

    @property
    def key(self) -> str: ...

    @property
    def first(self) -> Results: ...


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _canonical(value: Any) -> str:
    if value is _MISSING:
        return "\0missing"
    return recorded_form(value)


def _settings(results: Results) -> dict[tuple[str, str], Any]:
    """The configuration of a run as flat (section, key) -> value: everything that makes two
    runs different configurations (the seed excepted), as ``group_key`` counts it."""
    model, feature = results.model, results.feature
    dataset, protocol = results.dataset, results.protocol
    found: dict[tuple[str, str], Any] = {}
    found.update({("model", k): v for k, v in (model.options or {}).items()})
    found.update({("built from", k): v for k, v in (model.built_from or {}).items()})
    found[("feature", "")] = f"{feature.name} v{feature.version}"
    found.update({("feature", k): v for k, v in (feature.options or {}).items()})
    found.update({("hyperparameters", k): v
                  for k, v in results.hyperparameters.recorded().items()})
    found.update({("dataset", k): v for k, v in (dataset.options or {}).items()})
    found[("dataset", "")] = (dataset.version, dataset.fingerprint)
    found.update({("protocol", k): v for k, v in (protocol.options or {}).items()})
    found[("protocol", "")] = (protocol.version, protocol.folds_fingerprint)
    found[("selection", "inner_val_subjects")] = results.selection.inner_val_subjects
    found[("weights", "")] = None if results.weights is None else results.weights.dir
    found[("shuffle", "")] = bool(results.shuffle_train_labels)
    return found


def _left_out(section: str, key: str, results: Results, defaults: Defaults) -> Any:
    """The value a run that records nothing for ``key`` ran with, or _MISSING when unknown
    (a plugin not installed here): said as "default" then, the one case left."""
    if section in OPTION_SECTIONS and key:
        component = getattr(results, section)
        declared = declared_for(component, section, defaults)
        return _MISSING if declared is None else declared.get(key, _MISSING)
    if section == "hyperparameters":
        if key in RUN_DEFAULTS:
            return RUN_DEFAULTS[key]
        if results.hyperparameters.recipe is not None:  # it trained with a recipe
            return _RECIPE_DEFAULTS.get(key, _MISSING)
    return _MISSING


def _resolve(settings: list[dict[tuple[str, str], Any]], firsts: list[Results],
             defaults: Defaults) -> None:
    """Fill in, for every setting some configuration records and another leaves out, the
    value the one leaving it out used; so an option set to its default equals one left out."""
    keys = {key for found in settings for key in found}
    for found, results in zip(settings, firsts, strict=True):
        for section, name in keys - found.keys():
            value = _left_out(section, name, results, defaults)
            if value is not _MISSING:
                found[(section, name)] = value


def _recipe(results: Results, defaults: Defaults | None) -> Any:
    """The recipe the run's model declares: the recorded one, or for a file written before
    the recipe was recorded the installed model's at the same version (None: unknown here),
    so an older row reads as its siblings' do."""
    recipe = results.model.recipe
    if recipe is None and isinstance(defaults, DeclaredDefaults):
        recipe = defaults.recipe(results.model.name, results.model.version)
    return recipe


def _say(section: str, key: str, value: Any, results: Results,
         defaults: Defaults | None = None) -> str:
    """One setting as a reader would write it (``crop=corrected``, ``lr 0.0002``)."""
    feature = results.feature.name
    if section == "model":
        return f"{key} default" if value is _MISSING else f"{key}={_value(value)}"
    if section == "feature":
        if not key:
            return f"feature {value}"
        return f"{feature} {key} default" if value is _MISSING else \
            f"{feature} {key}={_value(value)}"
    if section == "built from":  # timm 1.0.31
        return f"{key} {'not recorded' if value is _MISSING else _value(value)}"
    if section == "hyperparameters":
        if value is _MISSING:
            return f"{key} default"
        # the full recipe's row beside a reduced one: "epochs 800" alone read as a choice
        recipe = _recipe(results, defaults)
        declared = getattr(recipe, key, _MISSING) if recipe is not None else _MISSING
        mark = "" if declared is _MISSING else " (the recipe's)" if declared == value else \
            f" (recipe {_value(declared)})"
        return f"{key} {_value(value)}{mark}"
    if section in ("dataset", "protocol"):
        if not key:
            version, fingerprint = value
            return f"{section} v{version}" + (f" ({fingerprint})" if fingerprint else "")
        return f"{section} {key} default" if value is _MISSING else \
            f"{section} {key}={_value(value)}"
    if section == "selection":
        return "no inner-val hold-out" if value in (None, _MISSING) else \
            f"{value} inner-val subjects"
    if section == "weights":
        return "trained by merbench" if value in (None, _MISSING) else f"weights {value}"
    return "training labels shuffled" if value else "labels not shuffled"


def _clash(results: Results) -> tuple[str, str, str, str, bool]:
    """What a row shows of a configuration before any note: runs alike in this look alike.
    Saved weights merbench only evaluated sit in a section of their own, so they are told
    apart from each other there, never by listing a trained row's whole recipe."""
    return (str(results.model.name), str(results.model.version),
            str(results.dataset.name), str(results.protocol.name), bool(results.trained))


def _canonical_value(section: str, key: str, results: Results, defaults: Defaults) -> Any:
    """What the model as declared runs with for one setting, or _MISSING where nothing is
    declared (a version, a fingerprint, an option of a plugin not installed here): a setting
    equal to it is not a departure, so a label never says it."""
    if section in OPTION_SECTIONS and key:
        return _left_out(section, key, results, defaults)
    if section == "hyperparameters":
        if key in RUN_DEFAULTS:
            return RUN_DEFAULTS[key]
        recipe = _recipe(results, defaults)
        return getattr(recipe, key, _MISSING) if recipe is not None else _MISSING
    return {("selection", "inner_val_subjects"): None, ("weights", ""): None,
            ("shuffle", ""): False}.get((section, key), _MISSING)


def _departures(results: Results, found: dict[tuple[str, str], Any],
                defaults: Defaults) -> list[tuple[str, str]]:
    """The settings in which a run departs from its model as declared (its factories'
    defaults, its recipe, no hold-out, no saved weights, labels not shuffled), in the order a
    label says them: the feature is said by :func:`feature_setting`, the dataset's and
    protocol's options by the benchmark a row sits in (and on a clash). ``found``: the run's
    settings (:func:`_settings`)."""
    order = ("model", "hyperparameters", "selection", "weights", "shuffle")
    departed = []
    for section, key in sorted(found, key=lambda k: (order.index(k[0]) if k[0] in order
                                                     else len(order), k[1])):
        if section not in order:
            continue  # the dataset's and protocol's are the benchmark's, said by its page
        canonical = _canonical_value(section, key, results, defaults)
        if canonical is _MISSING and section == "hyperparameters":
            continue  # no recipe to depart from (an estimator): told apart only on a clash
        if (section, key) == ("hyperparameters", "fused_optimizer"):
            continue  # how a step ran, not what: no departure (nor a reduced setting)
        if canonical is not _MISSING and _canonical(canonical) == _canonical(
                found[(section, key)]):
            continue
        departed.append((section, key))
    return departed


def _own_label(results: Results, defaults: Defaults) -> tuple[str, set[tuple[str, str]]]:
    """A run's label from its own record alone: its feature's options, then what departs
    from the model as declared; and the settings it names."""
    found = _settings(results)
    departed = _departures(results, found, defaults)
    parts = [feature_setting(results)] + [
        _say(section, key, found[(section, key)], results, defaults)
        for section, key in departed]
    feature = results.feature
    named = {*(feature.options or {}), *(["crop"] if (feature.report or {}).get("crop") else [])}
    return (", ".join(part for part in parts if part),
            set(departed) | {("feature", key) for key in named})


def configuration_notes(groups: Iterable[Configured],
                        defaults: Defaults | None = None) -> dict[str, str]:
    """Group key -> the label of its configuration (``htnet-regions crop=corrected, epochs
    200``): its feature's options and every setting in which it departs from its model as
    declared, read from its own record, so a row's label never changes when other runs are
    added to a page. Only where two configurations of the same model, dataset and protocol
    would still read alike (they differ in a version, a sample-list fingerprint, an
    estimator's setting) are the settings that tell them apart added to both. Options left
    out read as the value they default to (``defaults``: the installed plugins'
    factories), so that they match a run that set the same value explicitly."""
    lookup = defaults if defaults is not None else DeclaredDefaults()
    labels: dict[str, tuple[str, set[tuple[str, str]]]] = {}
    alike: dict[tuple[Any, ...], list[Configured]] = {}
    for group in groups:
        labels[group.key] = _own_label(group.first, lookup)
        alike.setdefault((*_clash(group.first), labels[group.key][0]), []).append(group)
    notes = {key: label for key, (label, _) in labels.items()}
    for members in alike.values():
        if len(members) < 2:
            continue
        settings = [_settings(group.first) for group in members]
        _resolve(settings, [group.first for group in members], lookup)
        keys = sorted({key for found in settings for key in found})
        differ = [key for key in keys
                  if len({_canonical(found.get(key, _MISSING)) for found in settings}) > 1]
        for group, found in zip(members, settings, strict=True):
            said = labels[group.key][1]
            extra = [_say(section, name, found.get((section, name), _MISSING), group.first,
                          lookup) for section, name in differ if (section, name) not in said]
            notes[group.key] = ", ".join(part for part in (notes[group.key], *extra) if part)
    return notes


def feature_setting(results: Results) -> str:
    """The feature's options as recorded (``htnet-regions crop=reference``), with the crop its
    report names when the options leave it at the default; "" when there are none."""
    feature = results.feature
    options = feature.options or {}
    parts = [f"{k}={_value(v)}" for k, v in sorted(options.items())]
    crop = (feature.report or {}).get("crop")
    if crop and "crop" not in options:
        parts.append(f"crop={crop}")
    return " ".join([feature.name, *parts]) if parts else ""


def configuration_label(group: Configured, notes: Mapping[str, str]) -> str:
    """What a row shows beside its model's name, on the benchmark page and wherever the row
    goes (exports, comparisons, ``merbench compare``): its label in ``notes`` (from
    :func:`configuration_notes` over the rows shown together), else its own; "" when it is
    the model as declared with a feature that has no options. One function, so a row pasted
    into a paper reads as it did on its page."""
    if group.key in notes:
        return notes[group.key]
    return _own_label(group.first, DeclaredDefaults())[0]
