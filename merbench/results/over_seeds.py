"""Several seeds of one configuration summarised: each seed's UF1 / UAR, their mean and std.

One definition serves ``--seeds`` (which writes ``seeds.json``) and ``merbench validate``
(which recomputes it), so the two can never disagree on what a summary holds; an AU
configuration's seeds are reduced by the same mean and std
(:func:`merbench.au.seed_pool.au_over_seeds`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from merbench.results.model import Metrics, Results
from merbench.results.seeds_model import (
    DatasetNamed,
    Named,
    PolicyOverSeeds,
    ProtocolNamed,
    ScopedScores,
    SeedScores,
)

Reduce = Callable[[list[float | None]], float | None]

#: what a summary's ``std`` is, in its own words (``seeds.json`` and every other summary)
STD_OVER_SEEDS = "sample standard deviation over seeds (ddof=1)"


def summary_identity(results: Results) -> dict[str, Any]:
    """What a summary over seeds says of the configuration, from one of its runs (they
    share it): its model, dataset and protocol as named records and the reported policy;
    written by ``run --seeds`` and required by ``validate`` (a summary's dataset size or
    fold count edited alone validated)."""
    return {"model": Named(name=results.model.name, version=results.model.version),
            "dataset": DatasetNamed(name=results.dataset.name, version=results.dataset.version,
                                    n_samples=results.dataset.n_samples),
            "protocol": ProtocolNamed(name=results.protocol.name,
                                      version=results.protocol.version,
                                      n_folds=results.protocol.n_folds),
            "selection": results.selection.policy}


def _scores_of(metrics: Metrics) -> ScopedScores:
    return ScopedScores(
        overall=SeedScores(uf1=metrics.overall.uf1, uar=metrics.overall.uar),
        per_database={db: SeedScores(uf1=m.uf1, uar=m.uar)
                      for db, m in metrics.per_database.items()})


def _known(values: list[float | None]) -> list[float] | None:
    """``values`` when every seed has one (a metric can be undefined, e.g. UF1 of a
    database without one of the classes), else None."""
    known = [v for v in values if v is not None]
    return known if len(known) == len(values) else None


def mean_over_seeds(values: list[float | None]) -> float | None:
    """The mean of one score over seeds; None where a seed has none."""
    known = _known(values)
    return None if known is None else float(np.mean(known))


def std_over_seeds(values: list[float | None]) -> float | None:
    """Sample standard deviation (ddof=1) of one score over seeds; 0 for a single seed,
    None where a seed has none."""
    known = _known(values)
    if known is None:
        return None
    return float(np.std(known, ddof=1)) if len(known) > 1 else 0.0


def _aggregate(per_seed: list[ScopedScores], reduce: Reduce) -> ScopedScores:
    """Reduce each UF1 / UAR over seeds, keeping the overall / per-database shape."""
    def over(database: str | None) -> SeedScores:  # None: overall
        picked = [s.overall if database is None else s.per_database[database]
                  for s in per_seed]
        return SeedScores(uf1=reduce([p.uf1 for p in picked]),
                          uar=reduce([p.uar for p in picked]))

    return ScopedScores(overall=over(None),
                        per_database={db: over(db) for db in per_seed[0].per_database})


def over_seeds(seeds: Iterable[str], metrics: list[Metrics],
               test_set_selection: bool) -> PolicyOverSeeds:
    """``per_seed`` UF1 / UAR (overall and per database), their ``mean`` and their ``std``
    (ddof=1), from each seed's pooled metrics of one selection policy."""
    return scores_over_seeds(seeds, [_scores_of(m) for m in metrics], test_set_selection)


def scores_over_seeds(seeds: Iterable[str], per_seed: list[ScopedScores],
                      test_set_selection: bool) -> PolicyOverSeeds:
    """``per_seed`` UF1 / UAR (overall and per database: a run's pooled metrics, a tuning's
    outer scores), their ``mean`` and their ``std`` (ddof=1; 0 for one seed)."""
    return PolicyOverSeeds(test_set_selection=test_set_selection,
                           per_seed=dict(zip(seeds, per_seed, strict=True)),
                           mean=_aggregate(per_seed, mean_over_seeds),
                           std=_aggregate(per_seed, std_over_seeds))
