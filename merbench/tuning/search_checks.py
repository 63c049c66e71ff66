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
from merbench.plugin_system.manager import Plugins
from merbench.results.safe_files import UnsafeFile
from merbench.results.user_files import UnreadableFile
from merbench.runner.data import RunData
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


def check_corners(spec: TuneSpec, settings: RunSettings, plugins: Plugins,
                  data: RunData) -> None:
    """Plan a run and build its model at each end of every searched range and at every
    choice, the others at their first value, so a value merbench or the model would refuse
    fails before anything trains, as one line."""
    first = {p.name: first_value(p) for p in spec.space}
    for p in spec.space:
        values = p.choices if p.choices is not None else [p.low, p.high]
        for value in values:
            if p.integer and value is not None:
                value = int(value)
            params = {**first, p.name: value}
            try:
                plan = plan_run(spec.trial_spec(params, spec.protocol, {}), settings, plugins)
                dataclasses.replace(data, plan=plan).build_model()
            except MerbenchError as exc:
                raise MerbenchError(f"{value_at(p, value)}: {exc}") from None
            except Exception as exc:  # the model's own refusal, whatever it raises
                raise MerbenchError(f"{value_at(p, value)}: model "
                                    f"'{spec.model}' cannot be built with it "
                                    f"({in_words(exc)}); narrow the space") from None


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
