"""One AU configuration's seed runs pooled: every seed's predictions on the same samples,
and the interval of their mean F1 over subjects.

The AU page's row (:mod:`merbench.au_kind.view`), ``merbench compare`` of AU runs,
``merbench run --task au --seeds`` (its ``au-seeds.json``) and its validation all need the
interval of a configuration's seed-mean mean F1; they read the seed runs' predictions here
and compute it with :func:`mean_f1_interval`, so the page, the file and the check can
never disagree; :func:`summarise_au_seeds` is that file, written by the run and recomputed
by ``merbench validate``. This module reads files a run wrote and computes; it validates nothing
(:mod:`merbench.au_kind.comparison` validates what a user names), so the runner may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.au.metrics import au_intervals, labels_of, subject_counts
from merbench.au.record import (
    AU_SEEDS_SCHEMA,
    AUDatasetNamed,
    AUOverSeeds,
    AUResults,
    AUScoresRecord,
    AUSeedScores,
    AUSeedsInterval,
    AUSeedsSummary,
    read_au_predictions,
)
from merbench.base.errors import MerbenchError
from merbench.base.memo import remembered
from merbench.data.au_labels import present_bits
from merbench.results.model import IntervalMethod
from merbench.results.over_seeds import (
    STD_OVER_SEEDS,
    Reduce,
    mean_over_seeds,
    std_over_seeds,
)
from merbench.results.seeds_model import Named, ProtocolNamed
from merbench.scores.interval_records import subject_strata
from merbench.stats.intervals import LEVEL, METHOD, RESAMPLES, SEED


@dataclass(frozen=True)
class StoredAURun:
    """One configuration's AU predictions: every seed's, on the same samples."""

    path: Path
    first: AUResults
    seeds: list[int]
    samples: pd.DataFrame  # sample_id, database, subject, y_true (label codes)
    y_pred: np.ndarray  # seeds x samples: predicted AU bits
    #: each seed's run folder, as reached from ``path``, and whether ``path`` is a summary
    #: over seeds (an au-seeds.json folder, or a folder of seed runs) rather than one run
    folders: tuple[Path, ...] = ()
    over_seeds: bool = True

    def counts(self, subjects: list[str]) -> np.ndarray:
        """Per-subject counts, seeds x subjects x 4 x AUs."""
        au_set = self.first.au_set
        labels = labels_of(self.samples["y_true"].to_numpy(dtype=np.int64), au_set)
        keys_of, _, _ = subject_strata(self.samples)
        bits = present_bits(self.y_pred, len(au_set)).astype(float)
        return subject_counts(labels, bits, list(keys_of), subjects)


def configuration(results: AUResults) -> tuple[object, ...]:
    """What every seed of one AU configuration shares (all but the seed and the versions)."""
    return (results.model.name, repr(results.model.options), results.feature.name,
            repr(results.feature.options), repr(results.hyperparameters), results.au_set,
            results.dataset.labels_sha256, results.protocol.folds_fingerprint,
            results.shuffle_train_labels)


def stored_au_run(path: Path, checked: Sequence[tuple[Path, AUResults]],
                  over_seeds: bool = True) -> StoredAURun:
    """The seed runs ``checked`` (each folder with its results) as one configuration's
    predictions, named ``path``; refused where they are not one configuration's seeds.
    ``over_seeds``: False where ``path`` is the one run itself."""
    first = checked[0][1]
    if any(configuration(r) != configuration(first) for _, r in checked):
        raise MerbenchError(f"{path} holds AU runs of more than one configuration (they "
                            "differ in more than their seed); pass the folder of one")
    tables = [read_au_predictions(folder)
              .sort_values("sample_id", kind="stable").reset_index(drop=True)
              for folder, _ in checked]
    seeds = [r.seed for _, r in checked]
    if len(set(seeds)) != len(seeds):
        raise MerbenchError(f"{path} holds two AU runs of seed {seeds[0]}; keep one")
    return StoredAURun(path=path, first=first, seeds=seeds,
                       samples=tables[0][["sample_id", "database", "subject", "y_true"]],
                       y_pred=np.stack([t["y_pred"].to_numpy(dtype=np.int64)
                                        for t in tables]),
                       folders=tuple(folder for folder, _ in checked), over_seeds=over_seeds)


def mean_f1_interval(run: StoredAURun) -> tuple[float, float] | None:
    """The percentile interval of the run's mean F1 (its seeds averaged) when subjects are
    resampled within their database, as a single seed's is recorded; None where undefined.
    Remembered (:mod:`merbench.base.memo`) by the run's labels, predictions and subjects:
    2,000 resamples a table row, drawn again on every listing of unchanged runs otherwise."""
    au_set = run.first.au_set
    y_true = run.samples["y_true"].to_numpy(dtype=np.int64)

    def computed() -> dict[str, Any]:
        labels = labels_of(y_true, au_set)
        found = au_intervals(labels, present_bits(run.y_pred, len(au_set)).astype(float),
                             run.samples).mean_f1
        if np.isnan(found.low) or np.isnan(found.high):
            return {"interval": None}
        return {"interval": [float(found.low), float(found.high)]}

    where = (run.samples["database"].astype(str) + "/" + run.samples["subject"].astype(str))
    found = remembered("au-mean-f1-interval", {"au_set": list(au_set)},
                       {"y_true": y_true, "y_pred": np.asarray(run.y_pred),
                        "subjects": where.to_numpy(dtype=str)}, computed,
                       _an_interval_answer)["interval"]
    return None if found is None else (float(found[0]), float(found[1]))


def _an_interval_answer(answer: dict[str, Any]) -> bool:
    """Whether a remembered answer holds what :func:`mean_f1_interval`'s does."""
    found = answer.get("interval", False)
    return found is None or (isinstance(found, list) and len(found) == 2 and all(
        type(end) in (int, float) for end in found))


def summarise_au_seeds(base: Path, runs: Sequence[tuple[str, AUResults]],
                       created: str) -> AUSeedsSummary:
    """``au-seeds.json`` of the seed runs ``runs`` ((folder name in ``base``, its results),
    in the order the seeds were given): each seed's overall mean F1 and per-AU F1, their
    mean and std, and the interval of the seed mean over subjects from every seed's
    ``au-predictions.csv`` (:func:`mean_f1_interval`, as the AU page's row)."""
    first = runs[0][1]
    seeds = [results.seed for _, results in runs]
    found = mean_f1_interval(stored_au_run(base, [(base / name, r) for name, r in runs]))
    return AUSeedsSummary(
        schema_version=AU_SEEDS_SCHEMA, kind="au-seeds", created=created,
        model=Named(name=first.model.name, version=first.model.version),
        dataset=AUDatasetNamed(name=first.dataset.name, version=first.dataset.version,
                               n_samples=first.dataset.n_samples,
                               n_scored=first.dataset.n_scored),
        protocol=ProtocolNamed(name=first.protocol.name, version=first.protocol.version,
                               n_folds=first.protocol.n_folds),
        au_set=list(first.au_set), threshold=first.threshold, seeds=seeds,
        runs={str(results.seed): name for name, results in runs}, std=STD_OVER_SEEDS,
        overall=au_over_seeds(map(str, seeds), [results.overall for _, results in runs]),
        interval=AUSeedsInterval(
            method=IntervalMethod(method=METHOD, unit="subject", level=LEVEL,
                                  resamples=RESAMPLES, seed=SEED),
            mean_f1=None if found is None else list(found)))


def au_over_seeds(seeds: Iterable[str], overall: list[AUScoresRecord]) -> AUOverSeeds:
    """``per_seed`` mean F1 and per-AU F1 (each AU run's overall scores), their ``mean`` and
    their ``std`` (ddof=1; 0 for one seed), reduced as
    :func:`merbench.results.over_seeds.over_seeds` reduces UF1; here, beside the one summary
    that takes it, so that the shared module names no AU record."""
    per_seed = [AUSeedScores(mean_f1=o.mean_f1, f1=list(o.f1)) for o in overall]

    columns: list[list[float | None]] = [[s.f1[i] for s in per_seed]
                                         for i in range(len(per_seed[0].f1))]

    def reduce(how: Reduce) -> AUSeedScores:
        # an AU's F1 is always a number (0 where undefined), so its reduction is one too
        return AUSeedScores(mean_f1=how([s.mean_f1 for s in per_seed]),
                            f1=[how(column) or 0.0 for column in columns])

    return AUOverSeeds(per_seed=dict(zip(seeds, per_seed, strict=True)),
                       mean=reduce(mean_over_seeds), std=reduce(std_over_seeds))
