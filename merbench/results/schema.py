"""Reading ``results.json``, and what a results file records about where a run happened.

Readers go through :func:`read_results`, which refuses files newer than this merbench
understands, brings older ones to the current layout (:mod:`merbench.results.migrations`)
and checks every field against the typed model (:mod:`merbench.results.model`), so
published result files stay readable and a damaged one is named with its first bad field.
"""

from __future__ import annotations

import functools
import json
import platform
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite
from merbench.results.codec import (
    LayoutError,
    from_json,
    same_when_recorded,
    unreadable,
)
from merbench.results.json_walks import first_nan
from merbench.results.migrations import migrate
from merbench.results.model import EnvironmentRecord, Hyperparameters, ModelRecord, Results
from merbench.results.result_files import RESULTS_FILE
from merbench.results.user_files import UnreadableFile, read_written_json

T = TypeVar("T")

#: the precisions a run may train in and still be its model as declared. fp32 is every
#: recipe's own arithmetic; bf16 autocast (fp32 weights, gradients and optimiser state) scored
#: as fp32 in the precision study (RCN-A's whole recipe, three seeds each on the composite,
#: ``benchmarks/README.md``: UF1 +.0007, p .79; UAR -.0001, p 1.0), so the GPU jobs of the
#: seeds' models train in it and rank, their precision shown. TF32 has had no such study: a
#: run in it departs from its model like any option.
RANKED_PRECISIONS = ("fp32", "bf16")

PREDICTION_COLUMNS = ("sample_id", "database", "subject", "fold", "y_true", "y_pred", "epoch")


def installed_version(*packages: str) -> str | None:
    """The version of the first of ``packages`` that is installed (a package may go by
    several distribution names, e.g. ``dlib-bin`` / ``dlib``), or None."""
    for package in packages:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return None


class Trained(Protocol):
    """A result that trained a model with a recipe: an emotion run's ``results.json`` or an
    AU run's ``au-results.json`` (both record the model and the hyperparameters)."""

    @property
    def model(self) -> ModelRecord: ...

    @property
    def hyperparameters(self) -> Hyperparameters: ...


def departures_from_declared(results: Trained,
                             model_defaults: Mapping[str, Any] | None = None
                             ) -> list[tuple[str, Any, Any]]:
    """``(what, used, declared)`` for each way a run departs from its model as declared: the
    recipe's epochs, batch size and learning rate, a precision not in
    :data:`RANKED_PRECISIONS`, and every model option set (declared: the default, ``None``
    here) other than at the value ``model_defaults`` (the factory's, when the caller knows
    them) declares. Empty for the
    model as published; the CLI and the leaderboard both decide "reduced setting" from this."""
    recipe = results.model.recipe
    declared = recipe.to_dict() if recipe is not None else {}
    trained = results.hyperparameters.recipe
    used = trained.to_dict() if trained is not None else {}
    found: list[tuple[str, Any, Any]] = [
        (k, used[k], declared[k]) for k in ("epochs", "batch_size", "lr")
        if k in declared and k in used and declared[k] != used[k]]
    precision = results.hyperparameters.precision
    if precision is not None and precision not in RANKED_PRECISIONS:
        found.append(("precision", precision, "fp32"))
    options = results.model.options or {}
    defaults = model_defaults or {}
    return found + [(k, v, None) for k, v in sorted(options.items())
                    if k not in defaults or not same_when_recorded(v, defaults[k])]


def _git_commit() -> str | None:
    """The commit of the merbench checkout, when merbench runs from one."""
    source = Path(__file__).resolve().parents[2]
    if not (source / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None


def environment(device: str, plugin_versions: dict[str, str]) -> EnvironmentRecord:
    """Where a run happened: versions, device and platform."""
    torch_version = cuda = None
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch_version = torch.__version__
        cuda = torch.version.cuda
    return EnvironmentRecord(
        merbench=installed_version("merbench"),
        git_commit=_git_commit(),
        python=platform.python_version(),
        torch=torch_version,
        cuda=cuda,
        numpy=np.__version__,
        scikit_learn=installed_version("scikit-learn"),
        device=device,
        platform=platform.platform(),
        plugins=plugin_versions,
    )


def trained_with_here() -> dict[str, str | None]:
    """The code this process trains with, as each fold file records it: what decides
    whether an audit may expect the same bits (a device is recorded apart, per fold)."""
    torch = sys.modules.get("torch")
    return {"merbench": installed_version("merbench"), "git_commit": _commit_once(),
            "torch": None if torch is None else str(torch.__version__),
            "scikit_learn": installed_version("scikit-learn")}


@functools.cache
def _commit_once() -> str | None:
    return _git_commit()  # a fold file is written every few seconds: ask git once


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path``; a missing or unreadable file (not UTF-8, not JSON, or
    nested deeper than any merbench file) is one clear error."""
    try:  # the bounded reader's decoding: a byte-order mark or Latin-1 said as such
        data = read_written_json(Path(path), what)
    except FileNotFoundError:
        raise MerbenchError(f"no {what} at {path}") from None
    except UnreadableFile as exc:
        raise MerbenchError(f"{path} is not a readable {what} ({exc.because})") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MerbenchError(f"{path} is not a readable {what} ({unreadable(exc)})") from None
    if not isinstance(data, dict):
        raise MerbenchError(f"{path} is not {indefinite(what)} (not a JSON object)")
    return data


def read_kind(path: Path, what: str, kind: str | None, schema: int, record: type[T],
              older: Mapping[int, str] | None = None) -> T:
    """A file of another command than ``run`` (``au-results.json``, ``tune.json``): a JSON
    object of ``kind`` in layout ``schema``, built as ``record`` with every field checked.
    ``kind`` None: a file whose layout records no kind (``spotting.json``, ``str.json``),
    its layout alone checked. ``older``: for a layout this merbench no longer reads, what
    brings it to ``schema`` (said instead of "is it a merbench result?")."""
    data = read_json(path, what)
    version = data.get("schema_version")
    if kind is None and version != schema:
        raise MerbenchError(f"{path} is {layout_missed(data, what, schema)}")
    if data.get("kind") == kind and older and isinstance(version, int) and version in older:
        raise MerbenchError(f"{path} is a {what} of layout {version} ({older[version]})")
    if kind is not None and (data.get("kind") != kind or version != schema):
        raise MerbenchError(f"{path} is no {what} of layout {schema} "
                            f"({_field_said(data, 'kind')}, "
                            f"{_field_said(data, 'schema_version')}); is it a merbench result?")
    return _built(record, data, path, what)


def layout_missed(data: dict[str, Any], what: str, schema: int) -> str:
    """``no WHAT of layout SCHEMA (schema_version ...)``: a file whose layout records no kind
    and whose schema_version is not ``schema``, in the words status, show and validate all
    say (validate once said Python's ``None`` and quotes, pass 84x, X1)."""
    return f"no {what} of layout {schema} ({_field_said(data, 'schema_version')})"


def _field_said(data: dict[str, Any], key: str) -> str:
    """``key`` and its value as the file writes it (``schema_version 2``, ``kind "tune"``),
    or ``no KEY``: Python's ``None`` named a field a file of ``{}`` does not have (pass 84w,
    W24), and its quotes were not the file's."""
    if key not in data:
        return f"no {key}"
    shown = json.dumps(data[key], ensure_ascii=False)
    return f"{key} {shown if len(shown) <= 40 else shown[:30] + '...'}"


def _built(record: type[T], data: dict[str, Any], path: Path, what: str) -> T:
    """``record`` built from the ``data`` of ``path``, every field checked: a NaN, which no
    result file holds (``validate`` refuses the token), named as the field it is before any
    record's own check refuses the record around it, or takes it (no comparison fails)."""
    field = first_nan(data)
    if field is not None:
        raise MerbenchError(f"{path} does not follow the {what} layout: field '{field}' is "
                            "NaN, not a finite number, which no merbench file holds; run "
                            "again to write it")
    try:
        return from_json(record, data)
    except LayoutError as exc:
        raise MerbenchError(f"{path} does not follow the {what} layout: {exc}") from None


def read_results(path: Path) -> Results:
    """A results file in the current layout, every field checked."""
    data = read_json(path, "results file")
    if data.get("kind") == "seeds":
        raise MerbenchError(f"{path} is a seeds summary (what 'merbench run --seeds' and "
                            "'merbench sweep' write as seeds.json), not a run's results file; "
                            "'merbench validate' and 'merbench compare' read it as seeds.json "
                            "in its folder of seed-N runs: give that folder")
    if "schema_version" not in data:
        raise MerbenchError(f"{path} has no integer schema_version; is it a merbench result?")
    try:  # an older layout's damaged field, refused by its step as _built refuses one
        current = migrate(data, "results", path, layout=_results_layout)
    except LayoutError as exc:
        raise MerbenchError(f"{path} does not follow the results layout: {exc}") from None
    return _built(Results, current, path, "results")


def _results_layout(data: dict[str, Any]) -> Results:
    return from_json(Results, data)


def results_laid_out(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` (a file's JSON object) is a run's results file by its layout, which
    records no kind (every other result file names its own): how a results file written
    under another kind's name is told (:meth:`merbench.kinds.ResultKind.written_by`)."""
    if "kind" in data:
        return False
    try:
        _built(Results, migrate(dict(data), "results", RESULTS_FILE), Path(RESULTS_FILE),
               "results")
    except (MerbenchError, LayoutError):
        return False
    return True


def predictions_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS))
