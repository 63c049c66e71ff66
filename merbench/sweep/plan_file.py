"""A sweep plan: a TOML grid of models x datasets x protocols x seeds, expanded to run specs.

Each ``[[runs]]`` entry names one or more models, datasets and protocols (``model`` or
``models = [...]``, likewise ``dataset(s)`` and ``protocol(s)``; protocol defaults to
``loso``), the ``seeds`` (default ``[0]``) and any other ``merbench run`` option by its
:class:`~merbench.runner.spec.RunSpec` or :class:`~merbench.runner.spec.RunSettings` field
name (``epochs = 20``, ``model_options = {dim =
24}``). ``[defaults]`` gives options to every entry; an entry's own options win. Top level:
``out``, the results folder (relative to the plan file; default: beside the plan, named after
it). Example::

    out = "results"
    [defaults]
    data_root = "/data/megc2019"
    [[runs]]
    models = ["ststnet", "offapexnet"]
    dataset = "composite"
    seeds = [0, 1, 2, 3]
    epochs = 20

Every combination is one *configuration*, run in ``<out>/<model>-<dataset>-<protocol>-<hash
of what runs>/seed-N``, a ``--seeds`` folder that ``merbench leaderboard build`` takes as it
is. Every name, option and value is checked, and two entries that ask for the same
configuration are refused, naming both (its seeds share a folder and a ``seeds.json``, so one
entry gives them all), before anything trains.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.home_paths import home_expanded_at
from merbench.base.key_words import key_at, keyed, refused
from merbench.base.toml_words import toml_given, toml_value
from merbench.base.whole_numbers import whole_value
from merbench.plugin_system.manager import Plugins
from merbench.plugin_system.option_values import OptionRefused
from merbench.results.out_folders import check_out_folder, seed_folder
from merbench.results.toml_input import read_toml
from merbench.runner.checks import ESTIMATOR_LACKS, check_settings_values, check_values
from merbench.runner.configuration_name import configuration_name
from merbench.runner.given_values import MAX_SEED
from merbench.runner.keywords import toml_spelling
from merbench.runner.plan import plan_run
from merbench.runner.seeds import seeds_left_out
from merbench.runner.spec import (
    RunSettings,
    RunSpec,
    split_options,
    sweep_plan_options,
    typed_value,
)
from merbench.runner.task_run import several_runs
from merbench.sweep.configuration import Configuration, SweepPlan
from merbench.sweep.same_identity import found_in_out

GRID = {"model": "models", "dataset": "datasets", "protocol": "protocols"}


def read_plan(path: Path, plugins: Plugins, **overrides: Any) -> SweepPlan:
    """Read and check ``path``; ``overrides`` (RunSettings fields from the command line, such
    as the executor or data root) apply to every run, checked first on their own: a bad
    one is the command line's, said by its option, not by the plan's first entry."""
    check_settings_values(RunSettings(**split_options(overrides)[1]))
    document = read_toml(path, "plan")
    unknown = sorted(set(document) - {"out", "defaults", "runs"})
    if unknown:
        raise refused(key_at(str(path), None, unknown[0]), "not a key of a plan; a plan has "
                      "out, [defaults] and [[runs]] entries")
    entries = document.get("runs")
    if "runs" in document and not isinstance(entries, list):
        raise refused(key_at(str(path), None, "runs"), "must be a list of tables, one "
                      f"[[runs]] header per run, not {toml_given(entries)}; e.g. [[runs]] "
                      "model = \"ststnet\" dataset = \"synthetic\"")
    if not isinstance(entries, list) or not entries or \
            not all(isinstance(e, dict) for e in entries):
        raise refused(key_at(str(path), None, "runs"), "no [[runs]] entries; add at least "
                      "one, e.g. [[runs]] model = \"ststnet\" dataset = \"synthetic\"")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise refused(key_at(str(path), None, "defaults"), "must be a table ([defaults]), "
                      f"not {toml_given(defaults)}")
    _check_defaults(str(path), defaults, overrides)
    out = document.get("out", f"{path.stem}-results")
    if not isinstance(out, str):
        raise refused(key_at(str(path), None, "out"), "must be a folder name (a string), "
                      f"not {toml_given(out)}")
    if not out.strip():  # "" was "must be a string, not '' (a string)"; "  " made a folder
        raise refused(key_at(str(path), None, "out"),
                      f"{'is empty' if not out else f'{toml_value(out)} is only white space'}; "
                      f"give a folder name, e.g. out = \"runs\", or leave it out (default: "
                      f"{path.stem}-results beside the plan)")
    # no shell read the plan: '~/runs' was a folder named '~' (pass 84af, AF9)
    out = home_expanded_at(out, f"{key_at(str(path), None, 'out')}: ")
    # realpath: Path.resolve raised on a link loop, which check_out_folder says in one line
    base = Path(os.path.realpath(path.parent / out)) if not Path(out).is_absolute() \
        else Path(out)
    check_out_folder(base, f"{key_at(str(path), None, 'out')}:", sweep=True)
    configurations: dict[str, Configuration] = {}
    for number, raw in enumerate(entries):
        where = f"{path}: runs[{number}]"
        from_defaults = set(_with_defaults(defaults, raw)) - set(raw)
        for configuration in _expand(str(path), f"runs[{number}]",
                                     _with_defaults(defaults, raw), overrides, plugins,
                                     base, from_defaults):
            earlier = configurations.get(configuration.name)
            if earlier is not None:  # one folder, one seeds.json: one entry gives its seeds
                spec = configuration.spec
                asked = f"{spec.model} on {spec.dataset}/{spec.protocol}"
                both = sorted(set(earlier.seeds) & set(configuration.seeds))
                if both:
                    raise MerbenchError(
                        f"{where}: asks again for {asked} seed {both[0]} with the same "
                        f"options as {earlier.entry}; remove one")
                raise MerbenchError(
                    f"{where}: asks for {asked} with the same options as {earlier.entry} "
                    "(other seeds); give all of its seeds in one entry")
            configurations[configuration.name] = configuration
    # a configuration spelled another way than the one a folder of out was named by goes
    # on in that folder, whose runs are its own: not trained a second time beside them
    settled = found_in_out(path, base, list(configurations.values()), plugins)
    for configuration in settled:
        _refuse_seeds_left_out(path, configuration)
    return SweepPlan(path=path, out=base, configurations=tuple(settled))


def _refuse_seeds_left_out(path: Path, configuration: Configuration) -> None:
    """Refuse, before anything trains, a configuration whose folder holds seed runs its
    entry no longer lists (a plan whose seeds were cut): the ``seeds.json`` the sweep
    writes would leave them out, and validate and the build would reject the whole
    configuration for it, as ``run --seeds`` refuses such an ``--out``."""
    others = seeds_left_out(configuration.out, configuration.seeds)
    if not others:
        return
    folders = ", ".join(seed_folder(seed) for seed in others)
    runs = "a run of a seed" if len(others) == 1 else "runs of seeds"
    every = ", ".join(map(str, sorted({*configuration.seeds, *others})))
    spec = configuration.spec
    raise MerbenchError(
        f"{path}: {configuration.entry} ({spec.model} on {spec.dataset}/{spec.protocol}): "
        f"{configuration.out} holds {folders}, {runs} this "
        f"entry does not list; the seeds.json the sweep writes would leave "
        f"{'it' if len(others) == 1 else 'them'} out, and validate would reject the "
        f"configuration for it: list every seed there (seeds = [{every}]), or move "
        f"{folders} out of {configuration.name}")


def _check_defaults(where: str, defaults: dict[str, Any], overrides: dict[str, Any]) -> None:
    """``[defaults]``'s values checked as an entry's are: a default every entry overrides is
    never used, but a wrong one is the file's mistake all the same (``epochs = "x"`` ran),
    and so is one the command line overrides (``threads = 0``)."""
    fields = set(sweep_plan_options())
    typed = {key: _typed(where, "defaults", key, value) for key, value in defaults.items()
             if key in fields and key not in GRID}
    _check_settings(f"{where}: [defaults]", typed, overrides)
    if "seeds" in defaults:
        _seeds(where, "defaults", defaults["seeds"])
    for one, many in GRID.items():
        if one in defaults or many in defaults:
            _names(where, "defaults", defaults, one, many)


def _typed(where: str, table: str, key: str, value: Any) -> Any:
    """``value`` typed as the run option ``key`` takes it (:func:`typed_value`), refused as
    ``FILE: [TABLE] KEY: ...`` (it was ``FILE: [defaults]: 'KEY' ...``)."""
    return keyed(key_at(where, table, key), key, "", partial(typed_value, name=key,
                                                               value=value))


def _with_defaults(defaults: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` over ``defaults``; an entry naming a grid axis either way (``model`` or
    ``models``) replaces the defaults' value of that axis."""
    merged = dict(defaults)
    for one, many in GRID.items():
        if one in entry or many in entry:
            merged.pop(one, None)
            merged.pop(many, None)
    return {**merged, **entry}


def _expand(path: str, table: str, entry: dict[str, Any], overrides: dict[str, Any],
            plugins: Plugins, base: Path, from_defaults: set[str] | None = None
            ) -> list[Configuration]:
    # not in a plan: what the sweep decides (each run's folder and seed) and what its command
    # line decides for all of its runs (where they execute)
    fields = set(sweep_plan_options())
    grid_keys = set(GRID) | set(GRID.values()) | {"seeds"}
    unknown = sorted(set(entry) - fields - grid_keys)
    if unknown:
        hint = {"out": " (the sweep gives every run its own folder)",
                "seed": " (use seeds = [...])",
                "executor": " (all runs of a sweep share one: merbench sweep --executor)",
                "ray_address": " (give merbench sweep --ray-address)"}.get(unknown[0], "")
        raise refused(key_at(path, table, unknown[0]), f"not a key of an entry{hint}; an "
                      "entry takes models, datasets, protocols, seeds and merbench run's "
                      f"options ({', '.join(sorted(fields - set(GRID)))})")
    axes = {one: _names(path, table, entry, one, many) for one, many in GRID.items()}
    seeds = _seeds(path, table, entry.get("seeds", [0]))
    options = {k: _typed(path, table, k, v) for k, v in entry.items()
               if k in fields and k not in GRID}
    _check_settings(f"{path}: {table}", options, overrides)
    options.update(overrides)
    spec_options, settings_options = split_options(options)
    settings = RunSettings(**settings_options)
    found = []
    for model in axes["model"]:
        skipped = _not_applying(model, from_defaults or set(), spec_options, plugins)
        model_options = {k: v for k, v in spec_options.items() if k not in skipped}
        for dataset in axes["dataset"]:
            for protocol in axes["protocol"]:
                spec = RunSpec(model=model, dataset=dataset, protocol=protocol,
                               **model_options)
                try:
                    check_values(spec, settings)
                    planned = plan_run(spec, settings, plugins).spec
                    # a task whose runs a sweep cannot summarise: refused with the plan's
                    # other mistakes, before the sweep says what it runs
                    several_runs(planned.parsed_task())
                except MerbenchError as exc:
                    raise _run_refused(f"{path}: {table} ({model} on {dataset}/{protocol})",
                                       exc, set(options) - set(overrides)) from None
                found.append(Configuration(table, planned, settings, seeds,
                                           base / configuration_name(planned), skipped))
    return found


def _check_settings(where: str, options: dict[str, Any], overrides: dict[str, Any]) -> None:
    """The entry's own where-and-how-fast values (``threads = 0``, ``device = "tpu"``),
    checked before the command line's override them, beside those it gives for the rest
    (its executor): a wrong one is the plan's mistake whether or not this command uses it,
    as a wrong default is (:func:`_check_defaults`). Overridden, they were taken silently
    (pass 84ad, AD3); said as ``FILE: runs[N] KEY: ...`` with or without the override."""
    own = split_options(options)[1]
    if not own:
        return
    try:
        check_settings_values(RunSettings(**{**split_options(overrides)[1], **own}))
    except MerbenchError as exc:
        raise _run_refused(where, exc, set(own)) from None


def _run_refused(where: str, exc: MerbenchError, keys: set[str]) -> MerbenchError:
    """A run's own check of an entry's values, said in the plan's shape: ``WHERE KEY: ...``
    (``FILE: runs[N] (MODEL on DATASET/PROTOCOL) epochs: must be ...``) where the refusal is
    of one of the entry's keys, else ``WHERE: ...``. It read ``WHERE: checkpoint_every must
    be ...`` (pass 84v V14), the key inside the sentence; the model, dataset and protocol
    stay, as an entry may ask for several and the refusal hold for one of them only. A
    refusal of the dataset's options (or a protocol's, model's or feature's) by the
    plugin's own check names the entry's key for them: ``... dataset_options: synthetic:
    subjects must be ...``. A value outside a key's choices is said so too: ``runs[0] device:
    unknown device = "tpu"; use ...``, not ``runs[0]: unknown ...``."""
    if isinstance(exc, OptionRefused) and exc.kind in ("dataset", "feature", "model",
                                                       "protocol"):
        key = f"{exc.kind}_options"  # named where the entry left it out: the key to give
        return refused(f"{where} {key}", toml_spelling(str(exc), keys | {key}))
    said = toml_spelling(str(exc), keys)
    first, _, rest = said.partition(" ")
    if first in keys and rest and not rest.startswith("="):  # not a line: 'task = "au" is'
        return refused(f"{where} {first}", rest)
    unknown = rest.partition(" = ")[0] if first == "unknown" else None
    if unknown in keys:  # 'unknown device = "tpu"; use ...', a choice none of the key's
        return refused(f"{where} {unknown}", said)
    return refused(where, said)


def _not_applying(model: str, from_defaults: set[str], options: dict[str, Any],
                  plugins: Plugins) -> tuple[str, ...]:
    """The [defaults] options that do not apply to ``model``: the training options of a
    scikit-learn estimator (an entry that names one for an estimator is still refused)."""
    try:
        entry = plugins.registries.models.get(model)
    except MerbenchError:
        return ()  # the run's own check names the unknown model
    if entry.meta.kind != "sklearn":
        return ()
    return tuple(sorted(k for k in from_defaults & set(options) if k in ESTIMATOR_LACKS))


def _names(where: str, table: str, entry: dict[str, Any], one: str, many: str) -> list[str]:
    if one in entry and many in entry:
        raise refused(key_at(where, table, many), f"given with {one}; give one of them")
    value = entry.get(one, entry.get(many, "loso" if one == "protocol" else None))
    if value is None:
        raise refused(key_at(where, table, one), f"missing; add {one} = \"NAME\" or {many} "
                      f"= [...] (see 'merbench list {many}')")
    key = one if one in entry else many  # said as the plan wrote it
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or \
            not all(isinstance(n, str) and n for n in names):
        raise refused(key_at(where, table, key), "must be a name or a non-empty list of "
                      f"names, not {toml_given(value)}; e.g. {one} = \"NAME\" or {many} = "
                      f"[\"NAME\", ...] (see 'merbench list {many}')")
    seen: set[str] = set()  # one pass: a list of 80,000 names is said at once
    for name in names:
        if name in seen:
            raise refused(key_at(where, table, key), f"names {toml_value(name)} twice; "
                          "remove the duplicate")
        seen.add(name)
    return names


def _seeds(where: str, table: str, value: Any) -> tuple[int, ...]:
    """The entry's seeds, each a whole number in any spelling (``seeds = [0, 1.0]``) kept as
    the int it is."""
    here = key_at(where, table, "seeds")
    if isinstance(value, list) and not value:
        raise refused(here, "empty; give at least one seed, e.g. seeds = [0, 1, 2]")
    seeds: list[int | None] = ([whole_value(s) for s in value] if isinstance(value, list)
                               else [None])
    if not all(s is not None and 0 <= s <= MAX_SEED for s in seeds):
        raise refused(here, f"must be a list of whole numbers from 0 to {MAX_SEED}, not "
                      f"{toml_given(value)}; e.g. seeds = [0, 1, 2]")
    first_at: dict[int | None, int] = {}  # each seed's first place: one pass, not n² (a
    twice = None  # plan of 80,000 seeds took 26 s to say it was too long)
    for i, seed in enumerate(seeds):
        if first_at.setdefault(seed, i) != i:
            twice = i
            break
    if twice is not None:  # which one, as written: [0, 0.0] is seed 0 twice
        first = value[first_at[seeds[twice]]]
        spellings = (f" (as {toml_value(first)} and {toml_value(value[twice])})"
                     if toml_value(first) != toml_value(value[twice]) else "")
        raise refused(here, f"names a seed twice: {seeds[twice]}{spellings}; remove the "
                      "duplicate")
    return tuple(s for s in seeds if s is not None)


