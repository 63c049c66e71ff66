"""``seeds.json``'s record: one configuration's seed runs summarised, each seed's pooled
scores under every policy with their mean and sample standard deviation, and the interval of
the reported policy's seed mean. A run's own records are :mod:`merbench.results.model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from merbench.results.model import Intervals


@dataclass(frozen=True)
class SeedScores:
    uf1: float | None
    uar: float | None


@dataclass(frozen=True)
class ScopedScores:
    overall: SeedScores
    per_database: dict[str, SeedScores]


@dataclass(frozen=True)
class PolicyOverSeeds:
    test_set_selection: bool
    per_seed: dict[str, ScopedScores]
    mean: ScopedScores
    std: ScopedScores  # sample standard deviation (ddof=1); 0 for one seed


@dataclass(frozen=True)
class Named:
    name: str
    version: int


@dataclass(frozen=True)
class DatasetNamed:
    name: str
    version: int
    n_samples: int


@dataclass(frozen=True)
class ProtocolNamed:
    name: str
    version: int
    n_folds: int


@dataclass(frozen=True)
class SeedsSummary:
    """``seeds.json``: one configuration's seeds, each a run directory beside it."""

    schema_version: int
    kind: Literal["seeds"]
    created: str
    model: Named
    dataset: DatasetNamed
    protocol: ProtocolNamed
    selection: str
    seeds: list[int]
    runs: dict[str, str]  # seed -> run directory name
    std: str
    policies: dict[str, PolicyOverSeeds]
    intervals: Intervals | None  # of the selection's seed mean; None: before version 5
