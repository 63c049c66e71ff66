"""``str-seeds.json``: one spotting run recognised with each of several seeds (``merbench
spot --recognise MODEL --seeds``).

Spotting is deterministic; the recogniser is not: its seed decides each left-out subject's
initialisation and batches, so STRS moves with it as a recognition run's UF1 does. ``--seeds
0,1,2`` spots once and recognises the same chosen intervals once per seed, each seed an
ordinary spotting run folder ``seed-N`` beside this file (its ``spotting.json`` the same
intervals, its ``str.json`` that seed's emotions), and summarises them: each seed's STRS,
spotting F1 and recognition F1 per scope (micro is MEGC 2025's ME-STR), their mean and
sample standard deviation, and the 95% interval over subjects of the seeds' mean STRS
(every seed's subjects resampled together, :mod:`merbench.spotting.str_over_seeds`).
``merbench validate`` recomputes all of it from the seed folders
(:mod:`merbench.spotting_kind.str_seeds_check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from merbench.results.schema import read_kind
from merbench.spotting.record import F1Interval

STR_SEEDS_FILE = "str-seeds.json"
STR_SEEDS_SCHEMA = 1


@dataclass(frozen=True)
class StrSeedScores:
    """One seed's (or the seeds' mean or deviation) scores of one scope; None: undefined
    (no true positive to recognise, or a deviation of one seed)."""

    strs: float | None
    spotting_f1: float | None
    recognition_f1: float | None


@dataclass(frozen=True)
class StrScopeOverSeeds:
    """One scope (micro, macro, all) over the seeds."""

    per_seed: dict[str, StrSeedScores]  # seed -> its scores
    mean: StrSeedScores
    std: StrSeedScores
    interval: F1Interval  # of the seeds' mean STRS, over subjects


@dataclass(frozen=True)
class StrSeedsSummary:
    """``str-seeds.json``: one spotting run's recognitions, a folder per seed beside it."""

    schema_version: int
    kind: Literal["str-seeds"]
    created: str  # written after every seed's str.json
    spotter: str
    dataset: str
    spotting_fingerprint: str  # the one spotting run every seed recognised
    recogniser: dict[str, Any]  # model, feature, versions, options, epochs: all but the seed
    seeds: list[int]
    runs: dict[str, str]  # seed -> its spotting run's folder
    std: str  # what ``std`` is, in words
    scores: dict[str, StrScopeOverSeeds]  # scope -> its scores over the seeds


def read_str_seeds(path: Path) -> StrSeedsSummary:
    """A ``str-seeds.json`` in the current layout, every field checked."""
    return read_kind(path, "spot-then-recognise summary over seeds", "str-seeds",
                     STR_SEEDS_SCHEMA, StrSeedsSummary)
