"""Validate once: a record that a result passed, kept in the cache, so the leaderboard does not
recompute every number of an unchanged result on every call.

Validation recomputes every number from the fold files and the predictions; at the field's
scale (a thousand runs) doing it again on every ``leaderboard list`` or ``export`` costs half an
hour for files that have not changed. So a result that passed leaves a record in the cache
(:class:`merbench.base.cache.FeatureCache`, store ``validation-records``), and the next call
that finds the same bytes takes what the check computed from the record instead of computing
it again. The record is keyed by:

* the SHA-256 of every file under the result's folder (its relative path and its bytes): a
  superset of what the check reads, so one changed byte anywhere in it is another key, and
  a folder holding anything but regular files and folders (a link, a fifo) has no key at all
  and is always checked in full;
* :data:`CHECK_VERSION` (bump it when what a check accepts changes), merbench's version and
  the digest of merbench's own source files (an edited check is another check), the kind and
  the depth of the check, and the installed plugins with their versions and every registered
  entry's metadata (validation asks them for declared facts and official sample lists). A
  plugin's code edited in place with neither its version nor its metadata changed is not
  seen: ``--revalidate`` after such an edit.

Only acceptances are recorded: a rejection is always found again, and said again. A record is
written only when the files digested after the check are those digested before it, so a file
changed while it was checked never leaves a record for bytes that were not checked; and a
result read back from its record is digested again after it is read, so a file swapped in
between is checked in full. A record is a cache file, not a signature: anyone who can write
the cache can edit one and its checksum. So a record never decides what a result says: each
``rebuild`` checks what it takes from the record against the result's files and recomputes
what the predictions give in milliseconds (:mod:`~merbench.verification.record_check`), and a
record that cannot be read back as its kind, for any reason, is no record: the result is
checked in full.

The pages' permutation tests, pure functions of the validated predictions, are remembered
in the same block (:mod:`merbench.base.memo`). Outside a :func:`checking` block nothing is
read or written: ``merbench validate`` and
``audit`` always check in full. Inside one, the mode says what a record may do:
``recorded`` (reuse records), ``revalidate`` (``--revalidate``: check everything, write new
records) or ``strict`` (``build --strict``: check everything, for publishing). The block's
:class:`Tally` says which was done, for the page and the terminal.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

import merbench
from merbench.base.cache import FeatureCache
from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.base.memo import remembering, source_digest
from merbench.plugin_system.manager import default_plugins
from merbench.results.user_files import opened_user_file

#: bump when what any check accepts changes in a way the source digest would not show
CHECK_VERSION = 1
STORE = "validation-records"

Mode = Literal["recorded", "revalidate", "strict"]
T = TypeVar("T")


@dataclass
class Tally:
    """What a block of checks did: results taken from a record, results checked in full."""

    mode: Mode
    recorded: int = 0
    checked: int = 0
    #: called with each result's path as it is read (the command's progress), if given
    reading: Callable[[Path], None] | None = None
    _store: FeatureCache | None = field(default=None, repr=False)
    _context: str | None = field(default=None, repr=False)

    def said(self) -> str:
        """One sentence: which results were recomputed and which taken from a record."""
        if self.mode == "strict":
            return (f"every result recomputed from its files (--strict): {self.checked} "
                    "checked in full")
        if self.mode == "revalidate":
            return (f"every result recomputed from its files (--revalidate): {self.checked} "
                    "checked in full, their records renewed")
        return (f"{counted(self.recorded, 'unchanged result')} taken from their validation "
                "record, "
                f"{self.checked} checked in full (--revalidate recomputes all)")


_TALLY: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("tally", default=None)


@contextlib.contextmanager
def checking(mode: Mode, reading: Callable[[Path], None] | None = None) -> Iterator[Tally]:
    """A block whose checks use validation records as ``mode`` says; ``reading`` is told of
    each result as it is read."""
    tally = Tally(mode, reading=reading)
    token = _TALLY.set(tally)
    try:  # the pages' permutation tests are remembered as the checks are
        with remembering(mode == "recorded"):
            yield tally
    finally:
        _TALLY.reset(token)


def said_now() -> str:
    """What the checks so far did, in one sentence (outside a block: every one in full)."""
    tally = _TALLY.get()
    return "every result recomputed from its files" if tally is None else tally.said()


def reading(path: Path) -> None:
    """Say that the result at ``path`` is being read (the block's progress, if any)."""
    tally = _TALLY.get()
    if tally is not None and tally.reading is not None:
        tally.reading(path)


def once(kind: str, folder: Path, check: Callable[[], T], facts: Callable[[T], dict[str, Any]],
         rebuild: Callable[[dict[str, Any]], T]) -> T:
    """What ``check`` gives for the result in ``folder``, taken from its record where the
    block allows and the record's files are the folder's now (``rebuild`` makes it from the
    record's ``facts`` and the files); otherwise ``check``, whose acceptance is recorded.
    ``kind`` names the check (and its depth): a record of one check never answers another."""
    tally = _TALLY.get()
    reading(folder)
    if tally is None:
        return check()
    key = _key(tally, kind, folder)
    if key is not None and tally.mode == "recorded":
        found = _store(tally).load(key)
        if found:
            try:
                value = rebuild(found[1])
            except Exception:  # any record not read back as its kind is no record
                pass  # unreadable, wrong-shaped, or disagreeing with the files: check in full
            else:
                # the files read back are still those the record is of (none changed
                # between the digest and the reading), or it is checked in full
                if _key(tally, kind, folder) == key:
                    tally.recorded += 1
                    return value
    try:
        value = _alone(check)  # a rejection is raised, and never recorded
    finally:
        tally.checked += 1
    if key is not None and key == _key(tally, kind, folder):
        # a cache that cannot be written: the next call checks in full again
        with contextlib.suppress(MerbenchError):
            _store(tally).store(key, np.zeros(0, dtype=np.uint8), facts(value))
    return value


def in_full(path: Path, validate: Callable[[Path], T]) -> T:
    """What ``validate`` gives for the result file ``path``, of a kind that keeps no
    validation record (a summary over seeds, a kind registered without one), checked in
    full and counted so: the build's ``validation:`` line and its index say of every result
    validated which was done, and a build of such results alone said "0 checked in full"
    (walk 85m)."""
    tally = _TALLY.get()
    reading(path.parent)
    if tally is None:
        return validate(path)
    try:  # what it validates inside the result is part of it, not counted on its own
        return _alone(functools.partial(validate, path))
    finally:
        tally.checked += 1


def _alone(check: Callable[[], T]) -> T:
    """``check`` outside the block: what it validates inside the result (a summary's seed
    runs, a tuning's unpacked trials) is checked in full as part of it, neither counted nor
    recorded on its own."""
    token = _TALLY.set(None)
    try:
        return check()
    finally:
        _TALLY.reset(token)


def no_facts(_: object) -> dict[str, Any]:
    """A record that keeps nothing but the acceptance (what the check gives is the file)."""
    return {}


def read_back(read: Callable[[Path], T], path: Path) -> Callable[[dict[str, Any]], T]:
    """A ``rebuild`` for :func:`once` that reads the result file ``path`` again with
    ``read``: for checks whose answer is the file as read."""
    return lambda facts: read(path)


def _store(tally: Tally) -> FeatureCache:
    if tally._store is None:
        tally._store = FeatureCache(STORE, CHECK_VERSION, {}, store=STORE,
                                    label="validation records")
    return tally._store


def _key(tally: Tally, kind: str, folder: Path) -> str | None:
    """The record's name for ``folder`` now, or None where its files cannot be digested."""
    files = folder_digests(folder)
    if files is None:
        return None
    if tally._context is None:
        tally._context = json.dumps({"check": CHECK_VERSION, "merbench": merbench.__version__,
                                     "source": source_digest(), "plugins": plugins_digest()},
                                    sort_keys=True)
    digest = hashlib.sha256(f"{tally._context}|{kind}|".encode())
    for name, sha in files:
        digest.update(f"{name}\0{sha}\n".encode())
    return digest.hexdigest()


def folder_digests(folder: Path) -> list[tuple[str, str]] | None:
    """(path relative to ``folder``, SHA-256 of its bytes) of every file under it, sorted;
    None where it holds anything but regular files and folders, or cannot be read."""
    found: list[tuple[str, str]] = []
    if os.path.islink(folder) or not os.path.isdir(folder):
        return None
    try:
        for root, dirs, names in os.walk(folder, followlinks=False):
            for name in [*dirs, *names]:
                path = Path(root, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISDIR(mode):
                    continue
                if not stat.S_ISREG(mode):
                    return None
                digest = hashlib.sha256()
                with opened_user_file(path, "result file") as handle:
                    while chunk := handle.read(1 << 20):
                        digest.update(chunk)
                found.append((str(path.relative_to(folder)), digest.hexdigest()))
    except (OSError, MerbenchError):  # a file swapped for a fifo, or past any result's size
        return None
    return sorted(found)


def plugins_digest() -> str:
    """The installed plugins as validation asks them: each plugin's package and version
    (in-process ones by their module), and every registered entry's metadata and origin
    (the declared recipes, the official sample lists), so a plugin added, upgraded or
    registered in place is another key."""
    plugins = default_plugins()
    listed = repr([sorted((r.origin.plugin, r.origin.package, r.origin.package_version,
                           r.module, r.source) for r in plugins.records if r.loaded),
                   [(registry.kind, [(repr(entry.meta), repr(entry.origin))
                                     for entry in registry])
                    for registry in plugins.registries.all()]])
    return hashlib.sha256(listed.encode()).hexdigest()


__all__ = ["CHECK_VERSION", "Mode", "Tally", "checking", "folder_digests", "no_facts", "once",
           "read_back", "reading", "said_now"]
