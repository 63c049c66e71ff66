"""``tune-seeds.json``: one search tuned with each of several seeds (``merbench tune --seeds``).

A tuning's outer UF1 is one draw: the seed decides every trial run's initialisation and
batches, and a nested search's inner folds, so another seed can choose other configurations
and score otherwise. ``--seeds 0,1,2`` tunes the same search (space, sampler and its seed,
trials, options) once per seed, each an ordinary tuning folder ``seed-N`` beside this file,
and summarises them as ``--seeds`` summarises emotion runs: each seed's outer UF1 / UAR
(overall and per database), their mean and sample standard deviation, and the 95% interval
over subjects of the seeds' mean, from every seed's pooled predictions. ``merbench validate``
recomputes all of it from the tunings (:mod:`merbench.tuning.seeds_check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from merbench.results.model import Intervals
from merbench.results.schema import read_kind
from merbench.results.seeds_model import PolicyOverSeeds
from merbench.tuning.record import Mode

TUNE_SEEDS_FILE = "tune-seeds.json"
TUNE_SEEDS_SCHEMA = 1


@dataclass(frozen=True)
class TuneSeedsSummary:
    """``tune-seeds.json``: one search's tunings, a folder per seed beside it."""

    schema_version: int
    kind: Literal["tune-seeds"]
    created: str  # written after every tuning it summarises
    mode: Mode
    model: str
    dataset: str
    protocol: str
    seeds: list[int]
    runs: dict[str, str]  # seed -> its tuning's folder
    std: str  # what ``std`` is, in words
    #: each seed's outer UF1 / UAR, their mean and std (``test_set_selection``: a
    #: test-scored search's, chosen on the test subjects)
    scores: PolicyOverSeeds
    intervals: Intervals  # of the seeds' mean, over subjects


def read_tune_seeds(path: Path) -> TuneSeedsSummary:
    """A ``tune-seeds.json`` in the current layout, every field checked."""
    return read_kind(path, "tuning summary over seeds", "tune-seeds", TUNE_SEEDS_SCHEMA,
                     TuneSeedsSummary)
