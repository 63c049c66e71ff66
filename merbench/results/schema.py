"""The results file (``results.json``): schema version, provenance and the predictions table.

``schema_version`` is an integer bumped on every incompatible change; readers go through
:func:`load_results`, which refuses files newer than this merbench understands and brings
older ones up to date through :data:`MIGRATIONS`, so published result files stay readable.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.errors import MerbenchError

SCHEMA_VERSION = 1
PREDICTION_COLUMNS = ("sample_id", "database", "subject", "fold", "y_true", "y_pred", "epoch")
FIRST_SCHEMA_VERSION = 1

Migration = Callable[[dict[str, Any]], dict[str, Any]]
# MIGRATIONS[v] turns a version-v results dict into a version v + 1 one. Bumping
# SCHEMA_VERSION means adding the step from the old version here, so that older published
# files keep loading (and validating) instead of being refused.
MIGRATIONS: dict[int, Migration] = {}


def installed_version(*packages: str) -> str | None:
    """The version of the first of ``packages`` that is installed (a package may go by
    several distribution names, e.g. ``dlib-bin`` / ``dlib``), or None."""
    for package in packages:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return None


def departures_from_declared(results: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(what, used, declared)`` for each way a run departs from its model as declared: the
    recipe's epochs, batch size and learning rate, a precision other than fp32, and every
    model option set (declared: the default, ``None`` here). Empty for the model as
    published; the CLI and the leaderboard both decide "reduced setting" from this."""
    declared = results["model"].get("recipe") or {}
    used = results.get("hyperparameters") or {}
    found = [(k, used[k], declared[k]) for k in ("epochs", "batch_size", "lr")
             if k in declared and k in used and declared[k] != used[k]]
    if used.get("precision", "fp32") != "fp32":  # changes the numbers like any option
        found.append(("precision", used["precision"], "fp32"))
    options = results["model"].get("options") or {}
    return found + [(k, v, None) for k, v in sorted(options.items())]


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


def environment(device: str, plugin_versions: dict[str, str]) -> dict[str, Any]:
    """Where a run happened: versions, device and platform."""
    torch_version = cuda = None
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch_version = torch.__version__
        cuda = torch.version.cuda
    return {
        "merbench": installed_version("merbench"),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "torch": torch_version,
        "cuda": cuda,
        "numpy": np.__version__,
        "scikit_learn": installed_version("scikit-learn"),
        "device": device,
        "platform": platform.platform(),
        "plugins": plugin_versions,
    }


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_results(path: Path) -> dict[str, Any]:
    """Read a results file, refusing one that is not JSON or newer than this merbench."""
    try:
        results = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise MerbenchError(f"no results file at {path}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise MerbenchError(f"{path} is not a readable results file ({exc})") from None
    version = results.get("schema_version") if isinstance(results, dict) else None
    if not isinstance(version, int):
        raise MerbenchError(f"{path} has no integer schema_version; is it a merbench result?")
    if version > SCHEMA_VERSION:
        raise MerbenchError(
            f"{path} has schema_version {version}; this merbench reads up to "
            f"{SCHEMA_VERSION}: upgrade merbench"
        )
    return migrate(results, path)


def migrate(results: dict[str, Any], source: Path | str, *,
            migrations: Mapping[int, Migration] = MIGRATIONS,
            target: int = SCHEMA_VERSION) -> dict[str, Any]:
    """Bring an older results dict up to ``target`` one version step at a time, so every
    reader sees one layout; a version with no migration step is refused by name."""
    version = results["schema_version"]
    if version < FIRST_SCHEMA_VERSION:
        raise MerbenchError(f"{source} has schema_version {version}, but versions start at "
                            f"{FIRST_SCHEMA_VERSION}; is it a merbench result?")
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise MerbenchError(
                f"{source} has schema_version {version} and this merbench has no migration "
                f"from it to {target}; read it with the merbench version that wrote it"
            )
        results = step(dict(results))
        version += 1
        results["schema_version"] = version
    return results


def predictions_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS))
