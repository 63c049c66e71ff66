"""What a search is checked for before anything trains, and its claim on its folder: every
searched range's ends and every choice planned and built (a value merbench or the model
refuses fails as one line, not hours in), and ``--out`` shown to hold no other search
before the command says anything (its ``tuning.json`` is this search's, or there is none),
then written, so a folder holds one search and its runs are known as a tuning's before
``tune.json`` is.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError, in_words
from merbench.base.toml_words import toml_value
from merbench.plugin_system.manager import Plugins
from merbench.results.safe_files import UnsafeFile
from merbench.results.user_files import UnreadableFile
from merbench.runner.data import RunData
from merbench.runner.dry_step import input_fault
from merbench.runner.plan import plan_run
from merbench.runner.spec import RunSettings
from merbench.tuning.record import (
    OUTER_FOLDS,
    TUNING_SPEC_FILE,
    Mode,
    read_search_record,
)
from merbench.tuning.space import Parameter, TuneSpec
from merbench.tuning.space_words import value_at

#: the values of a key tried in place of its first to find the one a failing first corner
#: fails by (a list of 100,000 choices would build the model 100,000 times)
BLAME_TRIES = 10


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
        values = p.choices if p.choices is not None else [p.low, p.high]
        for value in values:
            if p.integer and value is not None:
                value = int(value)
            params = {**first, p.name: value}
            if _encoded(params) in seen:
                continue
            fault = _corner_fault(spec, settings, plugins, data, params)
            if fault is not None:
                raise MerbenchError(f"{value_at(p, value)}: {fault}") from None
            seen.add(_encoded(params))


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
        values = p.choices if p.choices is not None else [p.low, p.high]
        for value in values[1:BLAME_TRIES]:
            value = int(value) if p.integer and value is not None else value
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
