"""What a search is checked for before anything trains, and its claim on its folder: every
searched range's ends and every choice planned and built (a value merbench or the model
refuses fails as one line, not hours in), every pairing of the values that decide the model
and its input (:func:`check_combinations`), and ``--out`` shown to hold no other search
before the command says anything (its ``tuning.json`` is this search's, or there is none),
then written, so a folder holds one search and its runs are known as a tuning's before
``tune.json`` is.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError, in_words
from merbench.base.toml_words import toml_value
from merbench.plugin_system.manager import Plugins
from merbench.plugin_system.plugin_import import plugin_code
from merbench.results.safe_files import UnsafeFile
from merbench.results.user_files import UnreadableFile
from merbench.runner.data import RunData
from merbench.runner.dry_step import input_fault, zeros_forward
from merbench.runner.plan import plan_run
from merbench.runner.spec import RunSettings
from merbench.tuning.record import (
    OUTER_FOLDS,
    TUNING_SPEC_FILE,
    Mode,
    read_search_record,
)
from merbench.tuning.space import MODEL_OPTION, Parameter, TuneSpec
from merbench.tuning.space_words import value_at

#: the values of a key tried in place of its first to find the one a failing first corner
#: fails by (a list of 100,000 choices would build the model 100,000 times)
BLAME_TRIES = 10
#: the model configurations (combinations of the keys that shape the model) built at most:
#: HTNet's paper size takes 0.8 s of CPU a configuration, a small HTNet or STSTNet 0.04 s
MAX_COMBINATIONS = 64
#: the run options that decide the model or its input; every other one a run checks alone
SHAPING = ("feature", "feature_options")


def check_corners(spec: TuneSpec, settings: RunSettings, plugins: Plugins,
                  data: RunData) -> None:
    """Plan a run and build its model at each end of every searched range and at every
    choice, the others at their first value, and run a torch model forward on a batch of
    its input's shape, so a value merbench or the model would refuse fails before anything
    trains or is written, as one line naming the key: some values are refused only by the
    model's forward pass (``image_size 30`` for STSTNet's 28 x 28 input), and a first
    trial's refusal named neither, in a folder the same command could never go on with."""
    first = {p.name: first_value(p) for p in spec.space}
    seen: set[str] = set()  # the corners that passed (the first one is every key's first)
    fault = _corner_fault(spec, settings, plugins, data, first)
    if fault is not None:
        raise MerbenchError(f"{_first_to_blame(spec, settings, plugins, data, first)}: "
                            f"{fault}") from None
    seen.add(_encoded(first))
    for p in spec.space:
        for value in p.corner_values():
            params = {**first, p.name: value}
            if _encoded(params) in seen:
                continue
            fault = _corner_fault(spec, settings, plugins, data, params)
            if fault is not None:
                raise MerbenchError(f"{value_at(p, value)}: {fault}") from None
            seen.add(_encoded(params))
    check_combinations(spec, settings, plugins, data, first, seen)


def check_combinations(spec: TuneSpec, settings: RunSettings, plugins: Plugins, data: RunData,
                       first: dict[str, Any], seen: set[str]) -> None:
    """Build the model at every combination of the values the search tries of the keys that
    shape it (``model_options.NAME``, ``feature``, ``feature_options``) and run it forward,
    so two values that pass alone and fail together (HTNet's ``patch_size 14`` with
    ``num_hierarchies 3``: a 2 x 2 patch map in 4 x 4 blocks) are refused before the folder
    is made, not by a trial in a folder its command could never finish.

    Bounded so: the other run options are checked each alone (by :func:`check_corners` and
    the file's checks), as the run's checks of them are each of one option against the
    tuning's one model, never of two together, so they are left out of the combinations and a
    grid of thousands of learning rates and epochs builds no more models than its shaping
    keys list; each combination's model is built on torch's meta device, which draws no
    random weights (HTNet's paper size, 139.6M parameters, in 0.06 s, not 2 to 4 s), then
    given CPU memory (``to_empty``) set to zeros and run forward there (a forward pass on the
    meta device runs each operation through Python, 0.4 s for a small HTNet). One that fails
    so is checked again as :func:`check_corners` checks, whose refusal is the one said: a
    model whose code reads a tensor it filled at build (an index) fails zeroed alone. Where
    the combinations are more than :data:`MAX_COMBINATIONS`, each key keeps its extremes (its
    first value, its smallest and largest number, or its last choice), where sizes that
    constrain each other fail, and no more than that many are built (the rest are left to
    their trials). Combinations are tried fewest keys changed first, so a refusal names only
    the values that fail together: each fewer of them has passed."""
    shaping = [p for p in spec.space
               if p.name.startswith(MODEL_OPTION) or p.name in SHAPING]
    tried = [_tried(p, spec.sampler) for p in shaping]
    if math.prod(len(values) for values in tried) > MAX_COMBINATIONS:
        tried = [_extremes(values) for values in tried]
    others = [[v for v in values if _encoded({"v": v}) != _encoded({"v": first[p.name]})]
              for p, values in zip(shaping, tried, strict=True)]
    built = 0
    for changed in _fewest_first(len(shaping)):
        for values in itertools.product(*(others[i] for i in changed)):
            params = {**first, **{shaping[i].name: v
                                  for i, v in zip(changed, values, strict=True)}}
            if _encoded(params) in seen:
                continue
            if built == MAX_COMBINATIONS:
                return
            built += 1
            seen.add(_encoded(params))
            fault = _combination_fault(spec, settings, plugins, data, params)
            if fault is None:
                continue
            if len(changed) == 1:  # a grid's value between a range's ends
                raise MerbenchError(f"[space] {shaping[changed[0]].name}: the value "
                                    f"{toml_value(values[0])}: {fault}") from None
            together = " with ".join(f"{shaping[i].name} = {toml_value(v)}"
                                     for i, v in zip(changed, values, strict=True))
            raise MerbenchError(f"[space] {together}: each passes alone, but not together: "
                                f"{fault}; a search pairs every value of [space] with every "
                                "other, so take one of these values out of its key, or search "
                                "them in tuning files of their own") from None


def _fewest_first(keys: int) -> Iterator[tuple[int, ...]]:
    """Every set of the keys' indices, one key first, then every two, and so on."""
    for size in range(1, keys + 1):
        yield from itertools.combinations(range(keys), size)


def _combination_fault(spec: TuneSpec, settings: RunSettings, plugins: Plugins,
                       data: RunData, params: dict[str, Any]) -> MerbenchError | None:
    """Why a trial of ``params`` could not start, tried with its weights zero and, where it
    fails so, with them drawn as a trial's are, whose refusal is said (None: it passes one of
    them)."""
    if not _fails_zeroed(spec, settings, plugins, data, params):
        return None
    return _corner_fault(spec, settings, plugins, data, params)


def _tried(p: Parameter, sampler: str) -> list[Any]:
    """The values of ``p`` a search tries that are checked: every one a grid visits, the
    choices, or a range's ends (a sampler's draw between them is left to its trial)."""
    return p.grid() if sampler == "grid" else p.corner_values()


def _extremes(values: list[Any]) -> list[Any]:
    """``values``' first, and its smallest and largest where all are numbers, else its last."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    ends = [values[0], min(values), max(values)] if numbers else [values[0], values[-1]]
    return list({_encoded({"v": v}): v for v in ends}.values())


def _fails_zeroed(spec: TuneSpec, settings: RunSettings, plugins: Plugins, data: RunData,
                  params: dict[str, Any]) -> bool:
    """Whether a trial of ``params`` fails its plan, its model's build on the meta device or
    its model's forward pass, with every weight zero, on a batch of its input's shape."""
    try:
        plan = plan_run(spec.trial_spec(params, spec.protocol, {}), settings, plugins)
        corner = dataclasses.replace(data, plan=plan)
        if not plan.is_torch:
            corner.build_model()
            return False
        import torch  # deferred: a torch model's only

        shape = tuple(plan.inputs.feature.meta.shape or ())
        with torch.device("meta"), plugin_code():
            network = corner.build_model()
        network = network.to_empty(device="cpu")
        with torch.no_grad():  # zeros: memory left as it was holds denormals, 10x slower
            for tensor in itertools.chain(network.parameters(), network.buffers()):
                tensor.zero_()
        if shape:
            with plugin_code():
                zeros_forward(network, shape)
    except Exception:  # whatever it raised: said by the full check, which words it
        return True
    return False


def _corner_fault(spec: TuneSpec, settings: RunSettings, plugins: Plugins, data: RunData,
                  params: dict[str, Any]) -> MerbenchError | None:
    """Why a trial of ``params`` could not start (its plan, its model's build, its model on
    its input), or None."""
    try:
        plan = plan_run(spec.trial_spec(params, spec.protocol, {}), settings, plugins)
        corner = dataclasses.replace(data, plan=plan)
        network = corner.build_model()
    except MerbenchError as exc:
        return exc
    except Exception as exc:  # the model's own refusal, whatever it raises
        return MerbenchError(f"model '{spec.model}' cannot be built with it "
                             f"({in_words(exc)}); narrow the space")
    return input_fault(plan, network, corner.n_outputs)


def _first_to_blame(spec: TuneSpec, settings: RunSettings, plugins: Plugins, data: RunData,
                    first: dict[str, Any]) -> str:
    """Which key's first value a search's first corner fails by: the first key that, at any
    other of its values, lets the corner pass (with several keys searched, blaming the first
    key named a value that was not at fault); every key's first value where none does."""
    for p in spec.space:
        for value in p.corner_values()[1:BLAME_TRIES]:
            if _corner_fault(spec, settings, plugins, data, {**first, p.name: value}) is None:
                return value_at(p, first[p.name])
    if len(spec.space) == 1:
        return value_at(spec.space[0], first[spec.space[0].name])
    given = ", ".join(f"{name} = {toml_value(value)}" for name, value in first.items())
    return f"[space], each key at its first value ({given})"


def _encoded(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def first_value(p: Parameter) -> Any:
    """Where a search starts a parameter: its first choice, or the low end of its range."""
    if p.choices is not None:
        return p.choices[0]
    return int(p.low or 0) if p.integer else p.low


def check_claim(spec: TuneSpec, mode: Mode, out: Path) -> dict[str, Any]:
    """The record of this search, once ``out`` is shown to hold no other (its
    ``tuning.json``, where one is there, is this search's); the command checks this before
    it says anything, :func:`claim_folder` again before it writes."""
    mine: dict[str, Any] = json.loads(json.dumps({"mode": mode, "spec": spec.to_dict()},
                                                 sort_keys=True))
    path = out / TUNING_SPEC_FILE
    if os.path.lexists(path):
        try:
            found, kind = read_search_record(out)
            theirs: dict[str, Any] | None = {"mode": kind, "spec": found}
        except UnsafeFile as exc:  # a fifo or a folder is no search: said as what it is
            said = exc.found.replace(", not a regular file", "")
            raise MerbenchError(f"--out {out}: {said}, not the record of a search; remove "
                                "it, or give a new --out") from None
        except UnreadableFile as exc:  # nested, a list, not UTF-8: no search, said so
            raise MerbenchError(f"--out {out}: its {TUNING_SPEC_FILE} is not the record of a "
                                f"search ({exc.because}); remove it, or give a new "
                                "--out") from None
        except (MerbenchError, OSError, ValueError):
            theirs = None
        if theirs != mine:
            raise MerbenchError(f"--out {out} holds another search ({TUNING_SPEC_FILE} there "
                                "differs from this tuning file and --score); give a new "
                                "--out, or the tuning file and --score it was started with")
    return mine


def claim_folder(spec: TuneSpec, mode: Mode, out: Path, outer_folds: int | None) -> None:
    """Write the search's spec into ``out`` (or check the one there): a folder holds one
    search, and its runs are known as a tuning's before ``tune.json`` is written. A nested
    search records its number of outer folds too (``outer_folds``), so that ``status`` can
    say how many runs it trains at most before every outer fold has begun."""
    mine = check_claim(spec, mode, out)
    path = out / TUNING_SPEC_FILE
    if path.exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, mine if outer_folds is None else {**mine, OUTER_FOLDS: outer_folds})
