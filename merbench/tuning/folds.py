"""The outer folds of a tuning and the inner folds of each, as lists of subjects.

An outer fold is the outer protocol's fold (a LOSO fold: one test subject); its inner folds
split *its training subjects only* into ``k`` groups, stratified by class so that each
inner validation part sees every emotion where it can (scikit-learn's
``StratifiedGroupKFold``, shuffled with a seed of the tuning's seed and the outer fold). The
test subject is in none of them: no inner run can read it, which
:mod:`merbench.tuning.check` checks again on every run folder.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.protocols import Fold
from merbench.protocols.subject_split import subject_keys


@dataclass(frozen=True)
class OuterFold:
    """One outer fold: its training and test subjects and its inner validation parts."""

    index: int
    label: str
    train: list[str]
    test: list[str]
    inner: list[list[str]]  # each inner fold's validation subjects

    @property
    def folder(self) -> str:
        """The fold's folder name: its index and label, safe on every file system."""
        return f"{self.index:03d}-" + re.sub(r"[^A-Za-z0-9._-]+", "-", self.label)

    def inner_split(self, step: int) -> dict[str, list[str]]:
        """The subject-split protocol's options of inner fold ``step``."""
        held = set(self.inner[step])
        return {"train": [s for s in self.train if s not in held],
                "test": list(self.inner[step])}

    def outer_split(self) -> dict[str, list[str]]:
        """The subject-split protocol's options of the retraining on every training subject."""
        return {"train": list(self.train), "test": list(self.test)}


def inner_parts(keys: np.ndarray, labels: np.ndarray, k: int, seed: int,
                where: str) -> list[list[str]]:
    """``k`` groups of the subjects in ``keys`` (one per row, with the row's class)."""
    # deferred: scikit-learn, which only planning a tuning needs
    from sklearn.model_selection import StratifiedGroupKFold

    subjects = np.unique(keys)
    if len(subjects) < k:
        raise MerbenchError(f"{where} has {len(subjects)} training subjects, fewer than "
                            f"inner_folds = {k}; give inner_folds = {max(2, len(subjects))} "
                            "or fewer")
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # a class rarer than k subjects: told in the split itself
        warnings.simplefilter("ignore", UserWarning)
        parts = [sorted(set(keys[val].tolist()))
                 for _, val in splitter.split(np.zeros(len(keys)), labels, keys)]
    if any(not part for part in parts):
        raise MerbenchError(f"{where}: an inner fold got no subject; give fewer inner_folds")
    return parts


def outer_folds(folds: list[Fold], samples: Any, k: int | None, seed: int) -> list[OuterFold]:
    """The protocol's folds as subject lists, each with its ``k`` inner parts (none when
    ``k`` is None: a test-scored tuning has no inner folds)."""
    keys = subject_keys(samples)
    labels = samples["label"].to_numpy()
    found = []
    for fold in folds:
        train_keys = keys[fold.train]
        inner = ([] if k is None else
                 inner_parts(train_keys, labels[fold.train], k,
                             int(np.random.SeedSequence([seed, fold.index])
                                 .generate_state(1)[0]) % (2**31),
                             f"outer fold {fold.label}"))
        found.append(OuterFold(index=fold.index, label=fold.label,
                               train=sorted(set(train_keys.tolist())),
                               test=sorted(set(keys[fold.test].tolist())), inner=inner))
    return found
