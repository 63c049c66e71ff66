"""What makes a folder one of merbench's cache stores (its marker), and what is in the way
where a store cannot be used, in the words ``extract``, ``cache info`` and ``cache clear`` share.

A store's marker, ``merbench-store.json``, is the only proof that merbench wrote its folder
(:mod:`merbench.base.cache`). A damaged marker (``{``, a fifo) proves nothing, yet
``extract`` read and wrote such a store while ``cache info`` left it out of its table and
``cache clear`` refused the whole cache as holding a folder "merbench did not write" (pass
84w, W6). One judgement now: a store whose marker is not merbench's for that very place is
not used by ``extract``, not counted by ``info`` and not cleared by ``clear``, and each names
the marker file with the same words (:func:`marker_fault`).

A file where a store's folder belongs, or a folder where an entry belongs, stopped
``extract`` with the system's words ("Is a directory", "File exists") and a fix that sent
the user away from a cache folder that was writable (pass 84w, W5); :func:`in_the_way` names
the thing in the way and how to remove it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from merbench.base.atomic import is_temporary
from merbench.base.cache_entry import entry_link
from merbench.base.cache_env import CACHE_ENV
from merbench.base.file_kinds import entry_words
from merbench.base.literal import shell_word

MANIFEST = "merbench-store.json"
STORE_KIND = "feature-cache-store"
STORE_SCHEMA = 1
_MARKER_LIMIT = 64_000  # bytes: merbench's markers are a few hundred
#: how a store a later merbench wrote is said: never "damaged", and never to be deleted
NEWER = "was written by a newer merbench"


def manifest_bytes(relative: str, feature: str) -> bytes:
    """A store's manifest: who wrote it, what it holds and where it belongs under the root
    (so a store moved or copied elsewhere is not taken for merbench's there)."""
    return (json.dumps({"written_by": "merbench", "kind": STORE_KIND, "schema": STORE_SCHEMA,
                        "store": relative, "feature": feature,
                        "layout": "<key[:2]>/<key>.npz",
                        "note": "merbench's feature cache: 'merbench cache clear' deletes "
                                "this folder"}, indent=2) + "\n").encode()


def _marker_reason(path: Path, relative: str) -> str | None:
    """None where ``path`` is merbench's marker for the store at ``relative``; else what it
    is instead ("is damaged", "is a fifo", "marks the store 'features/a'")."""
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            return f"is {entry_words(path)}"
        if os.stat(path).st_size > _MARKER_LIMIT:
            return "is damaged"
        data = json.loads(path.read_bytes())  # bounded: a plain file of <64 kB, above
    except (OSError, ValueError, RecursionError):  # RecursionError: nesting too deep
        return "is damaged"
    if not (isinstance(data, dict) and data.get("written_by") == "merbench"
            and data.get("kind") == STORE_KIND):
        return "is damaged"
    schema = data.get("schema")
    if type(schema) is int and schema > STORE_SCHEMA:
        return f"{NEWER} (store schema {schema}; this one reads {STORE_SCHEMA})"
    if schema != STORE_SCHEMA or type(schema) is not int:
        return "is damaged"
    if data.get("store") != relative:
        return f"marks the store {str(data.get('store'))!r}, not {relative!r} (moved or copied)"
    return None


#: each store folder this process found merbench's, with its marker's identity then: a
#: store object made for each remembered answer scanned its whole store on each write
_TRUSTED: dict[Path, tuple[int, int]] = {}


def _marker_stamp(folder: Path) -> tuple[int, int] | None:
    """The store marker's inode and change time (a store cleared and begun again, or a
    marker rewritten, has another), or None where it cannot be read."""
    try:
        found = os.lstat(folder / MANIFEST)
    except OSError:
        return None
    return (found.st_ino, found.st_ctime_ns)


def trust_here(folder: Path) -> None:
    """Note that this process found ``folder``'s marker merbench's for its place."""
    stamp = _marker_stamp(folder)
    if stamp is not None:
        _TRUSTED[folder] = stamp


def trusted_here(folder: Path) -> bool:
    """Whether this process found ``folder``'s marker, as it is now, merbench's."""
    stamp = _marker_stamp(folder)
    return stamp is not None and _TRUSTED.get(folder) == stamp


def has_manifest(folder: Path, relative: str) -> bool:
    """Whether ``folder`` holds a manifest merbench wrote for a store at this very place."""
    return _marker_reason(folder / MANIFEST, relative) is None


def marker_fault(folder: Path, relative: str) -> str | None:
    """Where ``folder`` has a marker that is not merbench's for the store at ``relative``
    (under the root), or that holds files without one, what every command says of it; None
    where it has a good one, or nothing yet. A store without its marker was read and written
    by ``extract``, the marker never written back, while ``cache clear`` refused it (pass 84x,
    X4): it is not adopted from its shape (that proves nothing about who wrote it), so it is
    refused alike.
    The fix keeps the entries' owner in charge: merbench deletes nothing it cannot tell is
    its own, and a store deleted by hand is only computed again."""
    path = folder / MANIFEST
    if not os.path.lexists(path):
        if not holds_files(folder):  # none yet: merbench marks it when it starts the store
            return None
        reason: str | None = ("is missing, as in a store an older merbench wrote or a folder "
                              "not merbench's")
    else:
        reason = _marker_reason(path, relative)
    if reason is None:
        return None
    if reason.startswith(NEWER):  # a shared cache of two versions: the newer one's to keep
        return (f"the cache store '{folder}' {reason}: upgrade merbench, or set "
                f"{CACHE_ENV} to another folder; this merbench leaves the store as it is")
    return (f"the store marker '{path}' {reason}, so merbench cannot tell that '{folder}' is "
            "its cache store; if it is, delete the store (rm -r "
            f"{shell_word(folder)}) and its entries are computed again, or move it away")


def in_the_way(root: Path, path: Path, folder: Path) -> str | None:
    """What stands, under ``root``, where the folders on the way to ``path`` belong (a file
    where ``folder``, the store, or its shard folder belongs), or a folder where ``path``,
    an entry of the store, belongs; None where nothing does (the fault is elsewhere: the
    root itself, the disk, permissions)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None
    here = root
    for part in parts:
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except OSError:  # missing, or unreadable: nothing named in the way
            return None
        quoted = shell_word(here)
        if here.parent.parent == folder:  # the entry itself
            if stat.S_ISDIR(mode):
                return (f"'{here}', a cache entry, is a folder; delete it (rm -r {quoted}) "
                        "and the entry is computed again")
            return None
        if not stat.S_ISDIR(mode):
            return _not_a_folder(here, folder)
    return None


def _not_a_folder(here: Path, folder: Path) -> str:
    """What is said of ``here``, which is not a folder, where a folder of the store at
    ``folder`` belongs. A symbolic link there once let ``extract`` read and write entries
    wherever it led (``/tmp``), while ``cache info`` and ``cache clear`` called it a thing
    merbench did not write (pass 84x, X3): merbench keeps its cache inside the cache folder."""
    role = ("the store's shard folder" if here.parent == folder else
            "the store's folder" if here == folder else "a folder of the cache")
    said = f"'{here}' is {entry_words(here)} where {role} belongs"
    if os.path.islink(here):
        return (f"{said}, and merbench keeps its cache inside the cache folder only; remove "
                f"the link (rm {shell_word(here)}), which leaves what it leads to as it "
                "is, and its entries are computed again")
    return f"{said}; move it away or delete it (rm {shell_word(here)})"


def link_in_the_way(root: Path, folder: Path) -> str | None:
    """What is said of the first symbolic link where ``folder``, a store, its shard folders,
    their entries or the folders above it under ``root`` belong; None where there is none.
    A link named as no entry is merely something merbench did not write: never read."""
    here = root
    try:
        for part in folder.relative_to(root).parts:
            here = here / part
            if os.path.islink(here):
                return _not_a_folder(here, folder)
        if not is_real_dir(folder):
            return None
        for shard in sorted(folder.iterdir()):
            if os.path.islink(shard):
                return _not_a_folder(shard, folder)
            if is_real_dir(shard):
                with os.scandir(shard) as items:  # d_type: no stat per entry
                    linked = sorted(item.name for item in items if item.is_symlink()
                                    and _entry_name(item.name, shard.name))
                if linked:
                    return entry_link(shard / linked[0])
    except (OSError, ValueError):  # unreadable, or not under the root: judged elsewhere
        return None
    return None


_OLD_ENTRY = re.compile(r"^[0-9a-f]{64}\.npz$")


def is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def holds_files(folder: Path) -> bool:
    """Whether ``folder`` is a folder holding anything but merbench's temporary files."""
    try:
        return is_real_dir(folder) and any(not is_temporary(p) for p in folder.iterdir())
    except OSError:  # unreadable: judged where it is read
        return False


def is_plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def is_temp_file(path: Path) -> bool:
    """A file named as :mod:`merbench.base.atomic` names its temporary files (a cut-off write)."""
    return is_temporary(path) and is_plain_file(path)


def _entry_name(name: str, shard: str) -> bool:
    """``<key>.npz`` with ``shard == key[:2]``, as :meth:`FeatureCache.path` names it."""
    key = name[:-4]
    return name.endswith(".npz") and bool(key) and not key.startswith(".") and key[:2] == shard


def is_entry(path: Path, shard: str) -> bool:
    """An entry's file, named as :meth:`FeatureCache.path` names it."""
    return _entry_name(path.name, shard) and is_plain_file(path)


def looks_like_old_store(folder: Path) -> bool:
    """Shard folders of SHA-256-named entries only, as stores were before manifests: used to
    word the refusal, never to delete anything."""
    found = False
    try:
        for shard in folder.iterdir():
            if is_temp_file(shard):
                continue
            if not is_real_dir(shard):
                return False
            for item in shard.iterdir():
                if not is_temp_file(item):
                    if not (_OLD_ENTRY.match(item.name) and is_entry(item, shard.name)):
                        return False
                    found = True
    except OSError:  # a foreign folder merbench may not read: foreign all the same
        return False
    return found
