"""A tuning file: what is searched, over which values, how, and within what budget.

``merbench tune FILE.toml`` reads one of these::

    model = "ststnet"
    dataset = "composite"
    protocol = "loso"          # the outer protocol: what the chosen configuration is scored on
    seed = 0
    objective = "uf1"          # or "uar": what a trial maximises
    inner_folds = 2            # grouped k-fold over each outer fold's training subjects

    [options]                  # merbench run options every trial shares
    batch_size = 256

    [search]
    sampler = "grid"           # grid, tpe (the default) or random
    trials = 6                 # per outer fold (grid: default the grid's size)
    pruner = "median"          # median, successive-halving or none
    seed = 0                   # the sampler's

    [space]                    # any run option, or model_options.NAME
    lr = {low = 1e-4, high = 1e-2, log = true}
    epochs = {choices = [50, 100]}
    "model_options.padding" = {low = 1, high = 3}

Every name and value is checked here (names against ``merbench run``'s options, values against
the option's type) and again, for each trial, by the run's own checks, so a space that could
plan a run merbench refuses fails before anything trains (:mod:`merbench.tuning.search` plans
every corner of the space first).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from merbench.base.errors import MerbenchError
from merbench.base.key_words import key_at, keyed, refused
from merbench.base.toml_words import toml_given, toml_value
from merbench.base.whole_numbers import whole_value
from merbench.results.toml_input import read_toml
from merbench.runner.checks import check_values
from merbench.runner.given_values import MAX_SEED, first_non_finite
from merbench.runner.keywords import toml_spelling
from merbench.runner.spec import RunSettings, RunSpec, sweep_plan_options, typed_value
from merbench.tuning.parameter import MAX_GRID, Parameter, grid_count, read_parameter
from merbench.tuning.space_words import value_at

SAMPLERS = ("tpe", "grid", "random")
PRUNERS = ("median", "successive-halving", "none")
OBJECTIVES = ("uf1", "uar")
MODEL_OPTION = "model_options."
#: what a tuning file may not set: the tuner decides them (the protocol is each trial's
#: subject split; the seed, the selection and the task are the file's own keys)
DECIDED = ("protocol", "protocol_options", "seed", "model", "dataset", "selection", "task",
           "au_set", "weights", "shuffle_train_labels")
MAX_TRIALS = 1000
#: why a search cannot vary the dataset's options: every trial is scored on the one split of
#: one sample list, so other subjects would be other folds (a TypeError in pass 84s, S12)
TUNING_DATASET = ("the dataset is the tuning's, the same for every trial (its folds are "
                  "split once); give dataset_options = {...} at the top of the file, and "
                  "tune each dataset in a file of its own")


@dataclass(frozen=True)
class TuneSpec:
    """What a tuning runs: the file's content, checked (immutable, as a run spec is)."""

    model: str
    dataset: str
    protocol: str
    seed: int
    objective: Literal["uf1", "uar"]
    inner_folds: int
    options: dict[str, Any]  # RunSpec fields every trial shares
    space: tuple[Parameter, ...]
    sampler: str
    sampler_seed: int
    trials: int
    pruner: str
    dataset_options: dict[str, Any] = field(default_factory=dict)

    def trial_spec(self, params: dict[str, Any], protocol: str,
                   protocol_options: dict[str, Any]) -> RunSpec:
        """The run spec of one trial's run: the shared options, then the trial's values."""
        options = dict(self.options)
        model_options = dict(options.pop("model_options", {}))
        for name, value in params.items():
            if name.startswith(MODEL_OPTION):
                model_options[name[len(MODEL_OPTION):]] = value
            else:
                options[name] = value
        return RunSpec(model=self.model, dataset=self.dataset, protocol=protocol,
                       protocol_options=protocol_options, seed=self.seed,
                       model_options=model_options,
                       dataset_options=dict(self.dataset_options), **options)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


#: the options a model (by name) takes that a file may set, or None for no such model
OptionsOf = Callable[[str], list[str] | None]


def read_tune_file(path: Path, options_of: OptionsOf | None = None) -> TuneSpec:
    """``path`` read and checked; one line naming the key and the fix for anything wrong
    (``options_of``: a refusal's example of a model option is one of the file's model's)."""
    document = read_toml(path, "tuning file")
    return parse_tune(document, str(path), options_of)


def parse_tune(document: dict[str, Any], where: str,
               options_of: OptionsOf | None = None) -> TuneSpec:
    known = {"model", "dataset", "protocol", "seed", "objective", "inner_folds", "options",
             "dataset_options", "search", "space"}
    unknown = sorted(set(document) - known)
    if unknown:
        raise refused(key_at(where, None, unknown[0]), "not a key of a tuning file; it has "
                      f"{', '.join(sorted(known))}")
    model = _text(where, document, "model")
    dataset = _text(where, document, "dataset")
    protocol = _text(where, document, "protocol", "loso")
    seed = _whole(where, None, document, "seed", 0, 0, MAX_SEED)
    objective = _one_of(where, None, document, "objective", OBJECTIVES, "uf1")
    inner_folds = _whole(where, None, document, "inner_folds", 3, 2, 100)
    options = _table(where, document, "options")
    allowed = set(sweep_plan_options()) - set(DECIDED) - {"model", "dataset"}
    if "dataset_options" in options:  # the file's own key, read once (its trials share it)
        raise refused(key_at(where, "options", "dataset_options"), "the tuning file's own "
                      "key; write dataset_options = {...} at the top of the file")
    for name in options:
        if name not in allowed:
            raise refused(key_at(where, "options", name), "not an option a trial takes "
                          f"({', '.join(sorted(allowed))}); {_decided(name)}")
    options = {k: keyed(key_at(where, "options", k), k, "",
                        partial(typed_value, name=k, value=v)) for k, v in options.items()}
    settings = sorted(set(options) - {f.name for f in dataclasses.fields(RunSpec)})
    if settings:
        raise refused(key_at(where, "options", settings[0]), "says where a run goes, not "
                      "what it is; give it on the merbench tune command line")
    search = _table(where, document, "search")
    unknown = sorted(set(search) - {"sampler", "trials", "pruner", "seed"})
    if unknown:
        raise refused(key_at(where, "search", unknown[0]), "not a key of [search]; it "
                      "takes sampler, trials, pruner and seed")
    sampler = _one_of(where, "search", search, "sampler", SAMPLERS, "tpe")
    pruner = _one_of(where, "search", search, "pruner", PRUNERS, "median")
    sampler_seed = _whole(where, "search", search, "seed", 0, 0, MAX_SEED)
    space = _space(where, _table(where, document, "space"), allowed, options,
                   _name_an_option(model, options_of))
    # a value a run refuses (batch_size 1e300) is said before the grid's size, as it is
    # for the other samplers: it is what the file must change whatever it samples with
    _check_values(where, model, dataset, options, space)
    try:
        grid_size = math.prod(p.grid_size() for p in space) if sampler == "grid" else None
    except MerbenchError as exc:  # a real range: named with the file, as every refusal here
        raise MerbenchError(f"{where}: {exc}") from None
    if grid_size is not None and grid_size > MAX_GRID:
        raise refused(key_at(where, "search", "sampler"), f"\"grid\" lists {grid_count(grid_size)} "
                      f"configurations of [space], more than {MAX_GRID:,}; give fewer values, "
                      "or sampler = \"tpe\" or \"random\" with trials = N")
    if grid_size is not None and grid_size > MAX_TRIALS and "trials" not in search:
        # said by the sampler, not by trials, which the file left out (issue 69)
        raise refused(key_at(where, "search", "sampler"), f"\"grid\" lists {grid_size:,} "
                      f"configurations of [space], more than the {MAX_TRIALS:,} trials a "
                      "search runs; give fewer values, or [search] trials = N (at most "
                      f"{MAX_TRIALS:,}) to try N of them")
    trials = _whole(where, "search", search, "trials",
                    grid_size if grid_size is not None else 20, 1, MAX_TRIALS)
    if grid_size is not None and trials > grid_size:
        raise refused(key_at(where, "search", "trials"), f"{trials} is more than the grid's "
                      f"{grid_size} configurations; give at most {grid_size}")
    return TuneSpec(model=model, dataset=dataset, protocol=protocol, seed=seed,
                    objective=objective,  # type: ignore[arg-type]
                    inner_folds=inner_folds, options=options, space=space, sampler=sampler,
                    sampler_seed=sampler_seed, trials=trials, pruner=pruner,
                    dataset_options=_dataset_options(where, document))


def _dataset_options(where: str, document: dict[str, Any]) -> dict[str, Any]:
    """``dataset_options``, a NaN or infinity in it named by the key (not ``--dataset-opt``)."""
    table = _table(where, document, "dataset_options")
    found = first_non_finite(table, "dataset_options")
    if found is not None:
        what = "not a number (NaN)" if math.isnan(found[1]) else "infinite"
        raise refused(key_at(where, None, "dataset_options"),
                      f"{found[0].partition('.')[2]} is {what}; give a finite number")
    return table


def _check_values(where: str, model: str, dataset: str, options: dict[str, Any],
                  space: tuple[Parameter, ...]) -> None:
    """Each shared option, and each searched run option's choices or range ends, checked as
    ``merbench run`` checks its options (:func:`check_values`), before the command says
    anything: a batch size of 0 is known from the file alone. Said in the file's own words
    (``[space] batch_size: the choice 0: batch_size must be at least 1``), since ``tune`` has no
    ``--batch-size`` flag."""
    def checked(label: str, spec: RunSpec) -> None:
        try:
            check_values(spec, RunSettings())
        except MerbenchError as exc:
            raise MerbenchError(f"{where}: {label}: {toml_spelling(str(exc))}; fix it in "
                                "the tuning file") from None

    shared = {k: v for k, v in options.items() if k != "model_options"}
    base = RunSpec(model=model, dataset=dataset, **shared)
    for name, value in shared.items():  # each on its own, so the refusal names its key
        checked(f"[options] {name}: the value {toml_value(value)}",
                RunSpec(model=model, dataset=dataset, **{name: value}))
    for p in space:
        if p.name.startswith(MODEL_OPTION):
            continue  # the model's own: planned and built at each end before any training
        for value in p.corner_values():
            changed: dict[str, Any] = {p.name: value}
            checked(value_at(p, value), dataclasses.replace(base, **changed))


def _decided(name: str) -> str:
    if name in DECIDED:
        return "the tuner decides it (the seed and the protocol are the file's own keys)"
    return "see 'merbench run --help'"


def _name_an_option(model: str, options_of: OptionsOf | None) -> str:
    """What a bare ``model_options`` key is told: an example of the model's own options (it
    was ``model_options.dim`` for every model, an option STSTNet has not: pass 84s, S14)."""
    names = None if options_of is None else options_of(model)
    if names == []:
        return f"model '{model}' takes no options; remove it"
    return f"name the model option, e.g. model_options.{names[0] if names else 'NAME'}"


def _space(where: str, table: dict[str, Any], allowed: set[str],
           options: dict[str, Any], name_an_option: str) -> tuple[Parameter, ...]:
    if not table:
        raise refused(key_at(where, None, "space"), "an empty table; search at least one "
                      "option, e.g. [space] lr = {low = 1e-4, high = 1e-2, log = true}")
    found = []
    for name, raw in table.items():
        here = f"{where}: [space] {name}"
        option = name[len(MODEL_OPTION):] if name.startswith(MODEL_OPTION) else None
        if name.split(".")[0] == "dataset_options":
            raise MerbenchError(f"{here}: {TUNING_DATASET}")
        if option is None and name not in allowed:
            # the dataset's options are the file's, model_options is searched by NAME
            searchable = sorted(allowed & {f.name for f in dataclasses.fields(RunSpec)}
                                - {"dataset_options", "model_options"})
            raise MerbenchError(f"{here}: not an option a trial takes; search a run option "
                                f"({', '.join(searchable)}) or model_options.NAME")
        if option is None and name not in {f.name for f in dataclasses.fields(RunSpec)}:
            # device, data_root, threads, ...: where and how a run goes, the same for every
            # trial (given on the command line), never what a trial is
            raise MerbenchError(f"{here}: says where or how a run goes, not what it is; it "
                                "cannot be searched (see 'merbench tune --help' for the "
                                "settings a search takes once)")
        if option == "" or name == "model_options":
            raise MerbenchError(f"{here}: {name_an_option}")
        if name in options or (option is not None
                               and option in options.get("model_options", {})):
            raise MerbenchError(f"{here}: also fixed in [options]; give it in one place")
        if not isinstance(raw, dict):
            raise MerbenchError(f"{here}: give a table, {{choices = [...]}} or {{low = ..., "
                                "high = ..., log = true}")
        found.append(read_parameter(here, name, raw, option is None))
    return tuple(found)


def _table(where: str, document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise refused(key_at(where, None, key), f"must be a table ([{key}]), not "
                      f"{toml_given(value)}")
    return dict(value)


def _text(where: str, document: dict[str, Any], key: str, default: str | None = None) -> str:
    value = document.get(key, default)
    if not isinstance(value, str) or not value:
        wrong = "missing" if value is None else f"must name one, not {toml_given(value)}"
        raise refused(key_at(where, None, key), f"{wrong}; give {key} = \"NAME\" (see "
                      f"'merbench list {key}s')")
    return value


def _whole(where: str, table: str | None, document: dict[str, Any], key: str,
           default: int | None, low: int, high: int) -> int:
    """The whole number ``key`` gives, in any spelling (``trials = 2.0`` is 2)."""
    value = document.get(key, default)
    whole = whole_value(value)
    if whole is None or not low <= whole <= high:
        raise refused(key_at(where, table, key), f"must be a whole number from {low} to "
                      f"{high}, not {toml_given(value)}")
    return whole


def _one_of(where: str, table: str | None, document: dict[str, Any], key: str,
            allowed: tuple[str, ...], default: str) -> str:
    value = document.get(key, default)
    if value not in allowed:
        raise refused(key_at(where, table, key), "must be one of "
                      f"{', '.join(toml_value(a) for a in allowed)}, not {toml_given(value)}")
    return str(value)
