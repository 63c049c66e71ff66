"""Per-fold seeds: each fold's randomness depends only on the run seed and the fold key.

That is what makes a resumed run identical to an uninterrupted one: a fold trained later, or
alone, starts from exactly the same random state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def fold_seed(seed: int, key: Sequence[str]) -> int:
    digest = hashlib.sha256(f"{seed}|{'/'.join(key)}".encode()).digest()
    return int.from_bytes(digest[:4], "little")
