"""The on-disk feature cache: one file per (feature, version, parameters, sample inputs).

Extracting a feature from raw frames takes minutes; a run, a second run or another model on
the same feature should not pay it again, and an interrupted extraction must keep what it had
finished. So every sample's values are stored as soon as they are computed, in their own file:

    <root>/features/<feature name>/<key[:2]>/<key>.npz

``<root>`` is ``$MERBENCH_CACHE_DIR``, else ``~/.cache/merbench``. The key is the SHA-256 of
the feature's name, version and parameters (JSON) and of every input array's name, dtype,
shape and bytes (the decoded pixels, so a renamed or re-copied file still hits and a changed
frame misses). An entry holds the values, the sample's notes (JSON) and the SHA-256 of both;
files are written atomically (temporary file, then rename), and an entry that cannot be read
or whose checksum does not match is treated as absent, recomputed and rewritten.

Other per-item stores may live beside ``features/`` (the ``landmarks`` feature keeps its
per-image points in ``<root>/landmarks68/``); :func:`cache_info` and :func:`clear_cache`
treat every top-level folder of ``.npz`` entries as a store.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from merbench.atomic import atomic_write_bytes
from merbench.errors import MerbenchError

CACHE_ENV = "MERBENCH_CACHE_DIR"
FEATURES = "features"


def default_cache_dir() -> Path:
    """``$MERBENCH_CACHE_DIR``, else ``~/.cache/merbench``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "merbench"


def _checksum(values: np.ndarray, notes: bytes) -> str:
    digest = hashlib.sha256(f"{values.dtype.str}|{values.shape}|".encode())
    digest.update(np.ascontiguousarray(values).tobytes())
    digest.update(notes)
    return digest.hexdigest()


class FeatureCache:
    """Per-sample entries of one feature version with one set of parameters."""

    def __init__(self, feature: str, version: int, params: Mapping[str, Any],
                 root: str | os.PathLike[str] | None = None, *, store: str | None = None,
                 label: str = "feature cache",
                 fix: str = f"set {CACHE_ENV} to a writable folder") -> None:
        """``store`` puts the entries in ``<root>/<store>`` instead of the features folder
        (a per-item store such as the landmarks'); ``label`` and ``fix`` word the error
        raised when the folder cannot be written."""
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.folder = self.root / store if store is not None else self.root / FEATURES / feature
        self._label, self._fix = label, fix
        try:
            identity = json.dumps({"feature": feature, "version": version,
                                   "params": dict(params)}, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise MerbenchError(f"feature '{feature}' has parameters JSON cannot hold ({exc}); "
                                "its params must be plain numbers, strings, lists and dicts"
                                ) from None
        self._identity = identity.encode()

    def key(self, inputs: Mapping[str, np.ndarray]) -> str:
        """The entry's name: a hash of the feature's identity and of every input array."""
        digest = hashlib.sha256(self._identity)
        for name in sorted(inputs):
            array = np.ascontiguousarray(inputs[name])
            digest.update(f"|{name}|{array.dtype.str}|{array.shape}|".encode())
            digest.update(array.tobytes())
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npz"

    def load(self, key: str) -> tuple[np.ndarray, dict[str, Any]] | Literal[False] | None:
        """(values, notes) of entry ``key``; None when absent; False when present but
        damaged (unreadable, wrong checksum), so the caller recomputes and counts it."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                values = np.array(stored["values"])
                notes_bytes = bytes(stored["notes"].tobytes())
                checksum = str(stored["sha256"])
            if checksum != _checksum(values, notes_bytes):
                return False
            notes = json.loads(notes_bytes.decode())
        except Exception:  # truncated, not an npz, missing keys, bad JSON: recompute
            return False
        return values, notes if isinstance(notes, dict) else {}

    def store(self, key: str, values: np.ndarray, notes: Mapping[str, Any]) -> None:
        """Write one entry atomically: readers see the old entry, none, or the whole new one."""
        values = np.ascontiguousarray(values)
        notes_bytes = json.dumps(dict(notes), sort_keys=True).encode()
        buffer = io.BytesIO()
        np.savez(buffer, values=values, notes=np.frombuffer(notes_bytes, dtype=np.uint8),
                 sha256=np.array(_checksum(values, notes_bytes)))
        try:
            atomic_write_bytes(self.path(key), buffer.getvalue())
        except OSError as exc:
            raise MerbenchError(
                f"cannot write the {self._label} in '{self.folder}' ({exc.strerror or exc}); "
                f"{self._fix}"
            ) from None


# ------------------------------------------------------------------------ info and clearing


@dataclass(frozen=True)
class StoreInfo:
    """One store of the cache: a feature's entries, or another per-item store."""

    name: str
    path: Path
    entries: int
    bytes: int


def _stores(root: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    features = root / FEATURES
    if features.is_dir():
        found += [(p.name, p) for p in sorted(features.iterdir()) if p.is_dir()]
    if root.is_dir():
        found += [(p.name, p) for p in sorted(root.iterdir())
                  if p.is_dir() and p.name != FEATURES and _is_store(p)]
    return found


def _is_store(folder: Path) -> bool:
    """A folder of shard folders holding only ``.npz`` entries (and temporary files of
    interrupted writes): never a folder of the user's that happens to be in the root."""
    files = [f for f in folder.rglob("*") if f.is_file()]
    return bool(files) and all(
        f.parent.parent == folder and (f.suffix == ".npz" or f.name.startswith("."))
        for f in files)


def cache_info(root: str | os.PathLike[str] | None = None) -> list[StoreInfo]:
    """Every store under the cache root with its number of entries and size on disk."""
    base = Path(root).expanduser() if root is not None else default_cache_dir()
    infos = []
    for name, path in _stores(base):
        files = [f for f in path.glob("*/*.npz") if f.is_file()]
        infos.append(StoreInfo(name, path, len(files), sum(f.stat().st_size for f in files)))
    return infos


def clear_cache(feature: str | None = None,
                root: str | os.PathLike[str] | None = None) -> list[StoreInfo]:
    """Delete every store (or only the store ``feature``) and return what was deleted.

    Only store folders that :func:`cache_info` lists are removed, never other files that
    happen to sit in the cache root.
    """
    base = Path(root).expanduser() if root is not None else default_cache_dir()
    infos = cache_info(base)
    if feature is not None:
        chosen = [info for info in infos if info.name == feature]
        if not chosen:
            names = ", ".join(info.name for info in infos) or "none"
            raise MerbenchError(f"the cache in {base} holds no entries of '{feature}'; "
                                f"stores there: {names} (see 'merbench cache info')")
        infos = chosen
    for info in infos:
        shutil.rmtree(info.path, ignore_errors=True)
    return infos
