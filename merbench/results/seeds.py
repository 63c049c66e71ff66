"""Several seeds of one configuration summarised: each seed's UF1 / UAR, their mean and std.

One definition serves ``--seeds`` (which writes ``seeds.json``) and ``merbench validate``
(which recomputes it), so the two can never disagree on what a summary holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def _scores_of(metrics: dict[str, Any]) -> dict[str, Any]:
    pick = {"uf1": metrics["overall"]["uf1"], "uar": metrics["overall"]["uar"]}
    return {"overall": pick, "per_database": {
        db: {"uf1": m["uf1"], "uar": m["uar"]} for db, m in metrics["per_database"].items()}}


def _known(values: list[float | None]) -> list[float] | None:
    """``values`` when every seed has one (a metric can be undefined, e.g. UF1 of a
    database without one of the classes), else None."""
    known = [v for v in values if v is not None]
    return known if len(known) == len(values) else None


def _mean(values: list[float | None]) -> float | None:
    known = _known(values)
    return None if known is None else float(np.mean(known))


def _std(values: list[float | None]) -> float | None:
    """Sample standard deviation (ddof=1); 0 for a single seed."""
    known = _known(values)
    if known is None:
        return None
    return float(np.std(known, ddof=1)) if len(known) > 1 else 0.0


def _aggregate(per_seed: list[dict[str, Any]], reduce: Any) -> dict[str, Any]:
    """Reduce each UF1 / UAR over seeds, keeping the overall / per-database shape."""
    def over(pick: Any) -> dict[str, Any]:
        return {m: reduce([pick(s)[m] for s in per_seed]) for m in ("uf1", "uar")}

    databases = per_seed[0]["per_database"]
    return {"overall": over(lambda s: s["overall"]),
            "per_database": {db: over(lambda s, db=db: s["per_database"][db])
                             for db in databases}}


def over_seeds(seeds: Iterable[str], metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """``per_seed`` UF1 / UAR (overall and per database), their ``mean`` and their ``std``
    (ddof=1), from each seed's pooled metrics of one selection policy."""
    per_seed = [_scores_of(m) for m in metrics]
    return {"per_seed": dict(zip(seeds, per_seed, strict=True)),
            "mean": _aggregate(per_seed, _mean), "std": _aggregate(per_seed, _std)}
