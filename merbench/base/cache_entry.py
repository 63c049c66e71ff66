"""One cache entry's file: the values, the notes, the key it was written under, and a checksum.

An entry is found by its name, ``<key[:2]>/<key>.npz``, but a name proves nothing of what the
file holds: a copy of another sample's entry, or an entry renamed, passed its checksum and was
read as this sample's values. So each entry records its own key, and one read under another
key is damaged (recomputed and replaced, as a torn one is). An entry whose path is a symbolic
link is never read: what it leads to is not the cache's (:func:`entry_link`, said alike by
``extract``, ``cache info`` and ``cache clear``).

Entries written before they recorded their key (no ``key`` in the file) cannot tell which
sample they are of; they are read as absent, computed once more and rewritten with their key.
The store's manifest is unchanged by this: it describes the folder (who wrote it, its place,
its layout), which is the same, while each entry says for itself whether it holds its key.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np

from merbench.base.file_kinds import entry_words
from merbench.base.literal import shell_word


def _checksum(values: np.ndarray, notes: bytes) -> str:
    digest = hashlib.sha256(f"{values.dtype.str}|{values.shape}|".encode())
    digest.update(np.ascontiguousarray(values).tobytes())
    digest.update(notes)
    return digest.hexdigest()


def entry_bytes(key: str, values: np.ndarray, notes: Mapping[str, Any]) -> bytes:
    """The file of the entry ``key``: its values, its notes (JSON), the key itself and the
    SHA-256 of values and notes."""
    values = np.ascontiguousarray(values)
    notes_bytes = json.dumps(dict(notes), sort_keys=True).encode()
    buffer = io.BytesIO()
    np.savez(buffer, values=values, notes=np.frombuffer(notes_bytes, dtype=np.uint8),
             sha256=np.array(_checksum(values, notes_bytes)), key=np.array(key))
    return buffer.getvalue()


def read_entry(path: Path, key: str) -> tuple[np.ndarray, dict[str, Any]] | Literal[False] | None:
    """(values, notes) of the entry file ``path`` written under ``key``; None when absent
    or written before entries recorded their key (computed once more); False when damaged
    (unreadable, wrong checksum, another key's), so the caller recomputes and counts it.
    The caller has refused a symbolic link at ``path`` (:func:`entry_link`)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:  # bounded: is_file above
            values = np.array(stored["values"])
            notes_bytes = bytes(stored["notes"].tobytes())
            checksum = str(stored["sha256"])
            written_under = str(stored["key"]) if "key" in stored.files else None
        if checksum != _checksum(values, notes_bytes):
            return False
        if written_under is None:
            return None
        if written_under != key:  # a copy of another entry, or one renamed
            return False
        notes = json.loads(notes_bytes.decode())  # bounded: checksummed above
    except Exception:  # truncated, not an npz, missing keys, bad JSON: recompute
        return False
    return values, notes if isinstance(notes, dict) else {}


def entry_link(path: Path) -> str | None:
    """What is said of ``path``, where an entry belongs, when it is a symbolic link (read
    through, it gave another sample's values, or anyone's file's); None where it is not."""
    try:
        what = entry_words(path) if os.path.islink(path) else None
    except OSError:  # gone meanwhile: nothing is in the way
        return None
    if what is None:
        return None
    return (f"'{path}' is {what} where a cache entry belongs, and merbench "
            f"keeps its cache inside the cache folder only; remove the link (rm "
            f"{shell_word(path)}), which leaves what it leads to as it is, and the entry is "
            "computed again")
