"""``merbench migrate``: rewrite result files in the current layout, numbers untouched.

Readers migrate older files on the fly, so nothing needs rewriting to be read; rewriting is
for files that are kept and published (``leaderboards/results/``), so that what is
committed is what merbench writes now. Each file goes through its migrations and the typed
model (which checks every field), then is written atomically; predictions, labels and
metrics are carried over as they are, and a file already current is left alone.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from merbench.atomic import atomic_write_bytes, atomic_write_json
from merbench.errors import MerbenchError
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.migrations import migrate, version_of
from merbench.results.model import SCHEMA_VERSION, FoldMeta, Results, RunRecord, SeedsSummary

_JSON_FILES = {"results.json": ("results", Results), "seeds.json": ("seeds", SeedsSummary),
               "run.json": ("run", RunRecord)}


def upgrade(paths: list[Path]) -> list[Path]:
    """Rewrite every merbench file under ``paths`` that is older than the current layout;
    returns the files rewritten."""
    changed = []
    for root in paths:
        if not root.exists():
            raise MerbenchError(f"{root} does not exist; pass a run directory or a folder of "
                                "runs")
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in candidates:
            if path.is_symlink() or not path.is_file():
                continue
            is_fold = path.parent.name == "folds" and path.name.startswith("fold-") \
                and path.suffix == ".npz"
            if (path.name in _JSON_FILES and _upgrade_json(path)) or \
                    (is_fold and _upgrade_fold(path)):
                changed.append(path)
    return changed


def _upgrade_json(path: Path) -> bool:
    kind, record = _JSON_FILES[path.name]
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MerbenchError(f"{path} is not readable JSON ({exc}); fix or remove it") from None
    if not isinstance(data, dict) or version_of(data) == SCHEMA_VERSION:
        return False
    try:
        current: Any = from_json(record, migrate(data, kind, path))
    except LayoutError as exc:
        raise MerbenchError(f"{path} cannot be migrated: {exc}; fix or remove it") from None
    atomic_write_json(path, to_json(current))
    return True


def _upgrade_fold(path: Path) -> bool:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(str(arrays["meta"]))
    except Exception as exc:
        raise MerbenchError(f"fold file {path} is damaged ({type(exc).__name__}: {exc}); "
                            "it cannot be migrated") from None
    if version_of(meta) == SCHEMA_VERSION:
        return False
    try:
        current = from_json(FoldMeta, migrate(meta, "fold", path))
    except LayoutError as exc:
        raise MerbenchError(f"fold file {path} cannot be migrated: {exc}") from None
    arrays["meta"] = np.asarray(json.dumps(to_json(current)))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return True
