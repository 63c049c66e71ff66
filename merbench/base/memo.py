"""Answers remembered: a computation whose answer depends only on its input arrays, a few
parameters and merbench's code is kept in the cache and read back the next time.

A leaderboard build draws hundreds of paired permutation tests (9,999 permutations each,
seconds apiece on a 2-core machine) from predictions that have not changed since the last
build: two thirds of a warm build of the committed results were these tests. Their answer is
a pure function of the two runs' per-subject arrays, the metric and the permutation count
and seed, so it is kept in the cache (:class:`merbench.base.cache.FeatureCache`, store
``computed``), keyed by those and by the digest of every Python file of merbench (a changed
line of the test is another key).

Only inside a :func:`remembering` block (``leaderboard build``, ``list`` and ``export``
without ``--revalidate`` or ``--strict``) is anything read or written; elsewhere, and in
the tests of these computations, every answer is computed.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.cache import FeatureCache
from merbench.base.errors import MerbenchError

STORE = "computed"
VERSION = 1

_ON: contextvars.ContextVar[bool] = contextvars.ContextVar("remembering", default=False)


@contextlib.contextmanager
def remembering(on: bool = True) -> Iterator[None]:
    """A block whose :func:`remembered` computations are read from the cache (``on``)."""
    token = _ON.set(on)
    try:
        yield
    finally:
        _ON.reset(token)


def remembered(name: str, params: Mapping[str, Any], inputs: Mapping[str, np.ndarray],
               compute: Callable[[], dict[str, Any]],
               fits: Callable[[dict[str, Any]], bool] = lambda answer: True) -> dict[str, Any]:
    """``compute()`` (a JSON object), or what it gave before for the same ``name``,
    ``params`` (JSON), input arrays and merbench code, inside a :func:`remembering` block.
    A remembered answer that ``fits`` refuses (an entry written by hand, its checksum made
    to match) is computed again and replaced: its reader met a KeyError."""
    if not _ON.get():
        return compute()
    store = FeatureCache(name, VERSION, {"params": dict(params), "source": source_digest()},
                         store=STORE, label="cache of computed results")
    key = store.key(inputs)
    found = store.load(key)
    if found and isinstance(found[1], dict) and fits(found[1]):
        return found[1]
    value = compute()
    with contextlib.suppress(MerbenchError):  # a cache that cannot be written: computed again
        store.store(key, np.zeros(0, dtype=np.uint8), value)
    return value


_SOURCE: list[str] = []


def source_digest() -> str:
    """The SHA-256 of every Python file of merbench itself: its code as it is now."""
    if not _SOURCE:
        root = Path(__file__).resolve().parents[1]
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{path.relative_to(root)}\0".encode())
            digest.update(path.read_bytes())  # bounded: merbench's own source files
        _SOURCE.append(digest.hexdigest())
    return _SOURCE[0]


__all__ = ["remembered", "remembering", "source_digest"]
