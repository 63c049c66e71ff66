"""The options of lazily named factories, read once in a child process and kept on disk.

A plugin names its factories as ``"package.module:function"`` so that registering them
imports nothing heavy; but planning a run must know each factory's options and defaults
(:mod:`merbench.plugin_system.factory_options`), and reading a signature imports the module,
which for a model means torch: 1.7 s of the 1.75 s that planning took. So the signature is read in a
child process, once, and kept in the cache folder (``$MERBENCH_CACHE_DIR``, else
``~/.cache/merbench``) as the store ``plugin-options``, which ``merbench cache info`` lists
and ``merbench cache clear`` deletes like any other. Planning, ``merbench validate`` and the
leaderboard then never load a model library in their own process: the child loads it (a
first run, or the first after an edit), or nobody does.

Why a cache checked against files and not declarations or ``ast``: a declaration in the
registration would say each default twice, and a third party's could silently disagree with
its code; reading source statically cannot follow what decides most of merbench's own
signatures (a class's ``__init__`` behind an alias, ``fixed_options`` over a class from
another module, defaults named by constants). The child reads the real signature, so the
cache holds exactly what an import would give, and the only question is when it is stale.

A record is trusted only while nothing that could change it has changed (so a stale cache
never gives wrong defaults): the same interpreter (its path and version) and import path
(``sys.path``) are part of the record's key; the module still resolves to the file the child
imported; and every file whose code ran in the child (each module in its ``sys.modules``:
the plugin, its package, merbench, torch, the standard library) and every folder imports
searched (each ``sys.path`` entry, each package's folder) still has the size and modification
time it had then. Editing any of those files, adding a file to one of those folders (an
optional dependency installed later, a module that would now shadow another), upgrading a
package, or installing the plugin elsewhere makes the record stale, and it is read again.
What this cannot see is a signature that depends on something other than code (an
environment variable or a data file read at import: plugin authors are told to keep
defaults plain values in code); when a factory is finally imported to build something,
:class:`~merbench.plugin_system.lazy_factory.LazyFactory` compares the options planning used
with its real signature and refuses a difference (and forgets the record). The stamps are the test
Python's own bytecode cache makes (size and modification time), at nanosecond resolution;
and since a file's time lags the clock by a tick (two seconds on coarse filesystems), an
answer from a child during which any of its files changed, or within :data:`SETTLE_NS` before
it started, serves that once and is not kept: it may have read the file before the edit.

Several factories are read in one child (all that one plan names: its model, dataset,
feature and protocol), and they share one list of files. A factory that cannot be read
there (its module fails to import) is left out of the answer: the caller imports it in its
own process, which raises the error the user should see.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.plugin_system.factory_options import FactoryOptions

STORE = "plugin-options"
SCHEMA = 2  # 2: each parameter records whether it takes None
#: set in the child: a module that asks for options while it is imported is answered in
#: that process, never by another child
CHILD_ENV = "MERBENCH_READING_OPTIONS"
_MARK = "merbench-options:"
SETTLE_NS = 2_000_000_000  # a file modified this close to the child's start is not trusted
#: a child that has not answered by then (a module that waits on import) is given up: the
#: caller imports the factory itself, as it would with no cache
CHILD_TIMEOUT_S = 300
# the child: read the request, import with the parent's path, answer on the last line
_CHILD = ("import json, sys; request = json.load(sys.stdin); sys.path[:] = request['path']; "
          "from merbench.plugin_system.options_cache import answer; answer(request['targets'])")

#: (path, size, modification time in ns) of one file whose code ran in the child
FileStamp = tuple[str, int, int]


@dataclass(frozen=True)
class Record:
    """What the child found for one factory: the file its module is, and its options."""

    origin: str
    options: FactoryOptions
    files: str  # the digest of the list of files the child ran


def read_options(targets: Sequence[str], *, child: bool = True) -> dict[str, FactoryOptions]:
    """The options of each ``"module:attribute"`` target: from the cache where its record is
    still true, else read in one child process (and kept) where ``child`` allows. A target
    missing from the answer is to be read by importing it here (see the module's
    docstring)."""
    wanted = list(dict.fromkeys(targets))
    if os.environ.get(CHILD_ENV):
        return {}
    found: dict[str, FactoryOptions] = {}
    checked: dict[str, bool] = {}  # files digest -> unchanged, looked at once per call
    for target in wanted:
        record = _load(target)
        if record is not None and _trusted(target, record, checked):
            found[target] = record.options
    missing = [target for target in wanted if target not in found]
    if missing and child:
        found.update(_read_in_child(missing))
    return found


def forget(target: str) -> None:
    """Make the record of ``target`` untrusted (its options proved other than its real
    signature when it was built): the next read asks a child again."""
    _put(_identity(target), {"target": target, "forgotten": True})


def _module(target: str) -> str:
    return target.partition(":")[0]


def _origin_now(module: str) -> str | None:
    """The file ``module`` would be imported from in this process, without importing it
    (only its parent packages, which registering its plugin has imported already)."""
    try:
        spec = importlib.util.find_spec(module)
    except Exception:  # a parent package that fails to import: the record is not trusted,
        return None    # and the import that follows says what is wrong, in one line
    return None if spec is None or spec.origin is None else str(spec.origin)


def _identity(target: str) -> dict[str, Any]:
    """What a record is keyed by beside its target: the interpreter and the import path
    (the first entry too: ``python -m`` puts the working folder there, where a module of
    the same name would be imported first)."""
    return {"target": target, "python": sys.version, "executable": sys.executable,
            "path": _import_path()}


def _import_path() -> list[str]:
    """``sys.path`` as the import system reads it: entries that are not text (a ``Path`` a
    notebook appended) are skipped by imports, and so here."""
    return [entry for entry in sys.path if isinstance(entry, str)]


def _cache(params: dict[str, Any]) -> Any:
    """The cache entry that ``params`` names (a ``FeatureCache`` of the store)."""
    # deferred: numpy (through merbench.base.cache), which 'merbench --help' does not load
    from merbench.base.cache import FeatureCache

    return FeatureCache(STORE, SCHEMA, params, store=STORE, label="cache of plugin options")


def _get(params: dict[str, Any]) -> dict[str, Any] | None:
    """The notes of the entry ``params`` names, or None (absent, damaged, no cache)."""
    try:
        cache = _cache(params)
        found = cache.load(cache.key({}))
    except (MerbenchError, OSError, RuntimeError):  # no home folder, an unreadable cache
        return None
    return found[1] if found else None


def _put(params: dict[str, Any], notes: dict[str, Any]) -> None:
    """Keep ``notes`` under ``params``; a cache that cannot be written only costs time."""
    # deferred: numpy, as in _cache
    import numpy as np

    try:
        cache = _cache(params)
        cache.store(cache.key({}), np.zeros(0, dtype=np.uint8), notes)
    except (MerbenchError, OSError, RuntimeError):
        pass


def _load(target: str) -> Record | None:
    notes = _get(_identity(target))
    if notes is None or notes.get("target") != target:
        return None
    try:
        options = FactoryOptions.from_json(notes.get("parameters"))
    except ValueError:
        return None
    origin, files = notes.get("origin"), notes.get("files")
    if not isinstance(origin, str) or not isinstance(files, str):
        return None
    return Record(origin, options, files)


def _trusted(target: str, record: Record, checked: dict[str, bool]) -> bool:
    """Whether ``record`` still says what importing ``target`` here would give."""
    if _origin_now(_module(target)) != record.origin:
        return False
    if record.files not in checked:
        notes = _get({"files": record.files})
        stamps = notes.get("files") if notes is not None else None
        checked[record.files] = (isinstance(stamps, list) and _digest(stamps) == record.files
                                 and all(_unchanged(stamp) for stamp in stamps))
    return checked[record.files]


def _unchanged(stamp: Any) -> bool:
    if not (isinstance(stamp, list) and len(stamp) == 3 and isinstance(stamp[0], str)):
        return False
    try:
        now = os.stat(stamp[0])
    except OSError:
        return False
    return [now.st_size, now.st_mtime_ns] == stamp[1:]


def _digest(stamps: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(stamps, sort_keys=True).encode()).hexdigest()


def _read_in_child(targets: list[str]) -> dict[str, FactoryOptions]:
    """Read ``targets`` in a child process with this process's import path, keep what it
    found, and return the options of those it could read."""
    if not sys.executable:  # an embedded interpreter: no Python to start
        return {}
    request = json.dumps({"path": _import_path(), "targets": targets})
    started = time.time_ns()
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD], input=request.encode(),
                              capture_output=True, env={**os.environ, CHILD_ENV: "1"},
                              check=False, timeout=CHILD_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):  # cannot start, or gave no answer in time
        return {}
    # what a module printed on import may be in any encoding; the answer line is ASCII
    stdout = done.stdout.decode("utf-8", errors="replace")
    lines = [line for line in stdout.splitlines() if line.startswith(_MARK)]
    try:
        answer = json.loads(lines[-1][len(_MARK):]) if lines else {}
        stamps: list[FileStamp] = [(str(p), int(s), int(m)) for p, s, m in answer["files"]]
    except (ValueError, TypeError, KeyError):
        return {}
    files = _digest(stamps)
    # a file changed while the child ran (or just before: file times lag the clock) may
    # have been read before the change: its answer serves this once, and is not kept
    keep = all(modified < started - SETTLE_NS for _, _, modified in stamps)
    if keep:
        _put({"files": files}, {"files": [list(stamp) for stamp in stamps]})
    found: dict[str, FactoryOptions] = {}
    for target, read in (answer.get("targets") or {}).items():
        if target not in targets or not isinstance(read, dict) or "error" in read:
            continue
        try:
            options = FactoryOptions.from_json(read.get("parameters"))
        except ValueError:
            continue
        if read.get("origin") != _origin_now(_module(target)):
            continue  # the child imported another file than this process would
        found[target] = options
        if keep:
            _put(_identity(target), {"target": target, "origin": read["origin"],
                                     "parameters": options.to_json(), "files": files})
    return found


def _package_folders(module: Any) -> list[str]:
    """The folders a package's submodules are found in (none for a module, and none for an
    object some libraries put in ``sys.modules`` whose ``__path__`` is no list of folders)."""
    folders: Any = getattr(module, "__path__", None)
    if not isinstance(folders, list | tuple) and type(folders).__name__ != "_NamespacePath":
        return []
    try:
        return [folder for folder in list(folders) if isinstance(folder, str)]
    except Exception:  # a namespace path that cannot be recomputed
        return []


def answer(targets: list[str]) -> None:
    """The child's part: import each target, read its signature, and print one line with
    every target's options and the stamp of every file whose code ran in this process."""
    out, sys.stdout = sys.stdout, sys.stderr  # what a module prints on import stays apart
    found: dict[str, Any] = {}
    for target in targets:
        module, _, attribute = target.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attribute)
            options = FactoryOptions.from_signature(inspect.signature(factory))
            origin = getattr(sys.modules[module], "__file__", None)
            found[target] = {"origin": origin, "parameters": options.to_json()}
        except Exception as exc:  # the parent imports it itself, which says what is wrong
            found[target] = {"error": f"{type(exc).__name__}: {exc}"}
    stamps = []
    paths = {getattr(module, "__file__", None) for module in list(sys.modules.values())}
    # and every folder imports searched: a file added to one (an optional dependency
    # installed later, a module that would now shadow another) changes the folder's time
    paths |= {os.path.abspath(entry or ".") for entry in sys.path if isinstance(entry, str)}
    paths |= {os.path.abspath(folder) for module in list(sys.modules.values())
              for folder in _package_folders(module)}
    for path in sorted(p for p in paths if isinstance(p, str)):
        if os.path.isabs(path):
            try:
                stat = os.stat(path)
            except OSError:
                continue
            stamps.append([path, stat.st_size, stat.st_mtime_ns])
    out.write(_MARK + json.dumps({"targets": found, "files": stamps}) + "\n")
    out.flush()
    # answered: a thread a module started on import must not keep the parent waiting
    os._exit(0)
