"""The on-disk feature cache: one file per (feature, version, parameters, sample inputs).

Extracting a feature from raw frames takes minutes; a run, a second run or another model on
the same feature should not pay it again, and an interrupted extraction must keep what it had
finished. So every sample's values are stored as soon as they are computed, in their own file:

    <root>/features/<feature name>/<key[:2]>/<key>.npz
    <root>/features/<feature name>/merbench-store.json

``<root>`` is ``$MERBENCH_CACHE_DIR``, else ``~/.cache/merbench``. The key is the SHA-256 of
the feature's name, version and parameters (JSON) and of every input array's name, dtype,
shape and bytes (the decoded pixels, so a renamed or re-copied file still hits and a changed
frame misses). An entry holds the values, the sample's notes (JSON), the SHA-256 of both and
its own key (:mod:`.cache_entry`); files are written atomically (temporary file, then rename),
and an entry that cannot be read, whose checksum does not match or that was written under
another key (a copy of another sample's entry) is recomputed and rewritten.

Other per-item stores may live beside ``features/``, laid out the same way (``landmarks``
keeps its per-image points in ``<root>/landmarks68/``). Every store folder holds a manifest,
``merbench-store.json``, written when merbench starts the store (its folder missing or empty):
it names merbench, the kind of entry, the schema and the store's place under the root. The
root is whatever folder the user names and may hold other things; only the manifest tells a
folder merbench wrote from one that sits where merbench looks (guessing from a folder's shape
once let ``cache clear`` delete ``/etc/.java``).

:func:`clear_cache` deletes stores: folders with a valid manifest holding nothing but it,
shard folders of ``<key>.npz`` entries and merbench's temporary files. It leaves the root and
``features/`` in place, and deletes a store's entries before its manifest, so a clear cut off
half-way leaves a store the next clear still recognises. It refuses, deleting nothing, a root
that holds anything else: any file or folder of anyone's, dot-files included, a symbolic link,
an unknown file inside a store, a store whose manifest is damaged or missing, or a symbolic
link where a store, its shard folders, an entry or ``features/`` belong (each of which
``extract`` refuses too, in the same words: :mod:`.cache_store`). A store without a manifest
is also what stores written before merbench wrote manifests look like; they are not adopted
from their shape (a folder that looks like a store proves nothing about who wrote it), and
the refusal says how to delete them; so is a store a command writes now (:mod:`.cache_writers`).
A root that does not exist holds nothing to clear; a root that is a file is an error.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from merbench.base.atomic import atomic_write_bytes
from merbench.base.cache_entry import entry_bytes, entry_link, read_entry
from merbench.base.cache_env import CACHE_ENV, default_cache_dir
from merbench.base.cache_store import (
    MANIFEST,
    has_manifest,
    holds_files,
    in_the_way,
    is_entry,
    is_plain_file,
    is_real_dir,
    is_temp_file,
    link_in_the_way,
    looks_like_old_store,
    manifest_bytes,
    marker_fault,
    trust_here,
    trusted_here,
)
from merbench.base.cache_survey import CacheSurvey, StoreInfo, refusal, result_said
from merbench.base.cache_writers import WriterMark, refuse_written
from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import path_kind
from merbench.base.home_paths import home_expanded

FEATURES = "features"
#: what a folder is where it is, or holds, a merbench result, else None: told by the layers
#: that know results (the command line), which this layer never imports
ResultOf = Callable[[Path], "str | None"]
_SHARD = re.compile(r"^[0-9a-f]{2}$")


class FeatureCache:
    """Per-sample entries of one feature version with one set of parameters."""

    def __init__(self, feature: str, version: int, params: Mapping[str, Any],
                 root: str | os.PathLike[str] | None = None, *, store: str | None = None,
                 label: str = "feature cache",
                 fix: str = f"set {CACHE_ENV} to a writable folder") -> None:
        """``store`` puts the entries in ``<root>/<store>`` instead of the features folder
        (a per-item store such as the landmarks'); ``label`` and ``fix`` word the error
        raised when the folder cannot be written."""
        self.root = _root(root)
        self.folder = self.root / store if store is not None else self.root / FEATURES / feature
        self._label, self._fix = label, fix
        self._relative = store if store is not None else f"{FEATURES}/{feature}"
        self._manifest = manifest_bytes(self._relative, feature)
        self._writing = WriterMark()  # held from the first write
        self._trusted = False  # the store's marker, once read and found merbench's
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
        """(values, notes) of entry ``key``; None when absent (or written before entries
        recorded their key); False when damaged (unreadable, wrong checksum, another key's),
        so the caller recomputes and counts it. A symbolic link where the entry belongs is
        refused, never read through (:mod:`.cache_entry`)."""
        path = self.path(key)
        linked = entry_link(path)
        if linked is not None:
            raise MerbenchError(f"cannot use the {self._label}: {linked}")
        return read_entry(path, key)

    def store(self, key: str, values: np.ndarray, notes: Mapping[str, Any]) -> None:
        """Write one entry atomically: readers see the old entry, none, or the whole new one."""
        data = entry_bytes(key, values, notes)
        try:
            self._mark()
            self._writing.hold(self.folder)  # 'cache clear' leaves this store meanwhile
            atomic_write_bytes(self.path(key), data)
        except OSError as exc:
            blocked = in_the_way(self.root, self.path(key), self.folder)
            if blocked is not None:  # the folder is writable: the system's words misled
                raise MerbenchError(f"cannot write the {self._label}: {blocked}") from None
            raise MerbenchError(
                f"cannot write the {self._label} in '{self.folder}' ({exc.strerror or exc}); "
                f"{self._fix}"
            ) from None

    def check(self) -> None:
        """Refuse, before anything is computed or read, a store whose folder cannot be made
        (a file where it belongs stopped an extraction only at its first write), or whose
        marker is not merbench's (see :func:`_trust_marker`)."""
        blocked = in_the_way(self.root, self.folder, self.folder)
        if blocked is not None:
            raise MerbenchError(f"cannot write the {self._label}: {blocked}")
        self._trust_marker()

    def _trust_marker(self) -> None:
        """Refuse a store whose marker is there but is not merbench's for this place: what
        ``cache info`` and ``cache clear`` cannot tell is merbench's is not merbench's to
        read or write either, and all three name the marker the same way."""
        fault = link_in_the_way(self.root, self.folder) or \
            marker_fault(self.folder, self._relative)
        if fault is not None:
            raise MerbenchError(f"cannot use the {self._label}: {fault}")
        self._trusted = True
        trust_here(self.folder)

    def _mark(self) -> None:
        """Write the store's manifest when merbench starts the store, so ``cache clear`` can
        tell it from folders merbench did not write. Checked before every write (one
        ``stat``), so a store cleared while an extraction runs is marked again when it is
        recreated. A folder that already holds files without a manifest (an older merbench's
        store, or not merbench's at all) is refused, never adopted: its shape proves nothing."""
        manifest = self.folder / MANIFEST
        if os.path.lexists(manifest):
            if not self._trusted and not trusted_here(self.folder):
                self._trust_marker()
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if holds_files(self.folder):  # refused, unless another writer has just marked it
            self._trust_marker()
            return
        atomic_write_bytes(manifest, self._manifest)


def _root(root: str | os.PathLike[str] | None) -> Path:
    return Path(home_expanded(os.fspath(root))) if root is not None else default_cache_dir()


def _scan_store(folder: Path, relative: str, result_of: ResultOf,
                results: list[tuple[str, str]]) -> tuple[int, int, list[str]]:
    """A marked store's entries, their bytes, and whatever in it is not merbench's; a
    merbench result there (a folder where a shard or an entry belongs) goes to
    ``results``."""
    entries = size = 0
    strays: list[str] = []
    for child in sorted(folder.iterdir()):
        if (child.name == MANIFEST and is_plain_file(child)) or is_temp_file(child):
            continue
        if not is_real_dir(child):
            strays.append(f"{relative}/{child.name}")
            continue
        what = None if _SHARD.match(child.name) else result_of(child)
        if what is not None:
            results.append((f"{relative}/{child.name}", what))
            continue
        for item in sorted(child.iterdir()):
            if is_entry(item, child.name):
                entries, size = entries + 1, size + item.stat().st_size
            elif not is_temp_file(item):
                what = result_of(item) if is_real_dir(item) else None
                if what is None:
                    strays.append(f"{relative}/{child.name}/{item.name}")
                else:
                    results.append((f"{relative}/{child.name}/{item.name}", what))
    return entries, size, strays


def _no_result(_: Path) -> str | None:
    return None


def survey_cache(root: str | os.PathLike[str] | None = None,
                 result_of: ResultOf = _no_result) -> CacheSurvey:
    """Every store under the cache root, and every path there merbench did not write;
    ``result_of`` tells a merbench result among them (a folder not in a store, or one
    where a store's shard or entry belongs).

    A root that does not exist is an empty survey (``exists`` false); a root that exists
    but is not a folder is an error, not an empty cache."""
    base = _root(root)
    if not base.exists():
        return CacheSurvey(base, False, [], [], [], [])
    if not base.is_dir():
        what = path_kind(base)
        raise MerbenchError(f"the cache path {base} is {what}, not a cache folder; set "
                            f"{CACHE_ENV} to a folder, or move it away")
    stores: list[StoreInfo] = []
    foreign: list[str] = []
    damaged: list[str] = []
    results: list[tuple[str, str]] = []

    def visit(folder: Path, relative: str) -> None:
        # features/ itself is judged as a folder above every store; a root-level store
        # behind a link (its marker read through it) as extract judges it
        linked = (link_in_the_way(base, folder / "NAME") if relative == FEATURES else
                  link_in_the_way(base, folder) if relative.startswith(f"{FEATURES}/")
                  or (os.path.islink(folder) and os.path.lexists(folder / MANIFEST)) else
                  None)
        if linked is not None:  # in extract's words: it refuses the store too
            damaged.append(linked)
            return
        if is_real_dir(folder) and has_manifest(folder, relative):
            inner = link_in_the_way(base, folder)  # a linked shard or entry of any store
            if inner is not None:
                damaged.append(inner)
                return
            entries, size, strays = _scan_store(folder, relative, result_of, results)
            stores.append(StoreInfo(folder.name, folder, entries, size))
            foreign.extend(strays)
            return
        what = result_of(folder) if is_real_dir(folder) else None
        if what is not None:  # a result is never called a store to delete
            results.append((relative, what))
            return
        # a folder where extract would use a store (or laid out as one) is judged as extract
        # judges it; any other folder at the root is merely someone's
        claimed = relative.startswith(f"{FEATURES}/") or os.path.lexists(folder / MANIFEST) \
            or looks_like_old_store(folder)
        fault = marker_fault(folder, relative) if is_real_dir(folder) and claimed else None
        if fault is not None:  # named by its marker, as extract names it
            damaged.append(fault)
            return
        foreign.append(relative)

    try:
        features = base / FEATURES
        if is_real_dir(features):
            for store in sorted(features.iterdir()):
                visit(store, f"{FEATURES}/{store.name}")
        for child in sorted(base.iterdir()):
            if not (child.name == FEATURES and is_real_dir(child)):
                visit(child, child.name)
    except OSError as exc:
        raise MerbenchError(f"cannot read the cache {base} ({exc.strerror or exc}); make it "
                            f"readable, or set {CACHE_ENV} to another folder") from None
    return CacheSurvey(base, True, stores, foreign, damaged, results)


def cache_info(root: str | os.PathLike[str] | None = None) -> list[StoreInfo]:
    """Every store under the cache root with its number of entries and size on disk."""
    return survey_cache(root).stores


def clear_cache(feature: str | None = None, root: str | os.PathLike[str] | None = None,
                result_of: ResultOf = _no_result) -> list[StoreInfo]:
    """Delete every store (or only the store ``feature``) and return what was deleted.

    Only stores merbench wrote, each recognised by its manifest, are deleted, and nothing
    at all when the root holds anything else (see the module's docstring): the root is
    whatever folder ``$MERBENCH_CACHE_DIR`` names, so anything there may be someone's.
    Clearing one store minds only what lies inside it: deleting a store told by its
    manifest takes nothing of anyone's beside it. A merbench result (``result_of``) is
    said as the result it is, to be moved out, never as something to delete.
    """
    survey = survey_cache(root, result_of)
    if survey.damaged:
        more = len(survey.damaged) - 1
        raise MerbenchError(f"refusing to clear the cache {survey.root}: {survey.damaged[0]}"
                            f"{f' ({more} more such stores)' if more else ''}; nothing was "
                            "deleted")
    infos = survey.stores
    if feature is not None:
        infos = [info for info in infos if info.name == feature]
        if not infos:
            names = ", ".join(info.name for info in survey.stores) or "none"
            raise MerbenchError(f"the cache in {survey.root} holds no entries of '{feature}'; "
                                f"stores there: {names} (see 'merbench cache info')")
        inside = [f"{info.path.relative_to(survey.root).as_posix()}/" for info in infos]
        survey = replace(survey, stores=infos, foreign=[
            path for path in survey.foreign if path.startswith(tuple(inside))], results=[
            (path, what) for path, what in survey.results if path.startswith(tuple(inside))])
    if survey.results:
        raise MerbenchError(f"refusing to clear the cache {survey.root}: "
                            f"{result_said(survey)}, then clear; nothing was deleted")
    if survey.foreign:
        raise MerbenchError(refusal(survey))
    refuse_written({info.name: info.path for info in infos}, survey.root)
    for info in infos:
        _remove_store(info.path)
    return infos


def _remove_store(folder: Path) -> None:
    """Delete one store, file by file and only what :func:`_scan_store` accepts (something
    that appeared since makes its folder's ``rmdir`` fail), manifest last, so a clear that
    is cut off or disturbed leaves a store the next clear still recognises."""
    manifest = folder / MANIFEST
    try:
        marker = manifest.read_bytes()  # bounded: the manifest _has_manifest checked
        for child in sorted(folder.iterdir()):
            if child.name == MANIFEST:
                continue
            if is_temp_file(child):
                child.unlink(missing_ok=True)
                continue
            if not is_real_dir(child):  # appeared since the survey: never follow a link
                raise NotADirectoryError(errno.ENOTDIR, "not a shard folder", str(child))
            for item in child.iterdir():
                if is_entry(item, child.name) or is_temp_file(item):
                    item.unlink(missing_ok=True)
            child.rmdir()
        manifest.unlink()
        try:
            folder.rmdir()
        except OSError:
            atomic_write_bytes(manifest, marker)  # something was written meanwhile: keep it
            raise
    except OSError as exc:
        raise MerbenchError(f"could not finish clearing {folder} ({exc.strerror or exc}); "
                            "what is left stays marked as merbench's: run 'merbench cache "
                            "clear' again once no extraction is writing to the cache") from None
