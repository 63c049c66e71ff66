"""Evaluation protocols: how a sample table is split into train / test folds."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fold:
    """One train / test split; ``train`` and ``test`` are row positions in the sample table."""

    index: int
    key: tuple[str, ...]
    train: np.ndarray
    test: np.ndarray

    @property
    def label(self) -> str:
        return "/".join(self.key)


def folds_fingerprint(folds: Sequence[Fold]) -> str:
    """A hash of the fold keys and their members: equal hashes mean identical splits."""
    digest = hashlib.sha256()
    for fold in folds:
        digest.update("/".join(fold.key).encode())
        digest.update(np.asarray(fold.test, dtype=np.int64).tobytes())
        digest.update(b"|")
        digest.update(np.asarray(fold.train, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


__all__ = ["Fold", "folds_fingerprint"]
