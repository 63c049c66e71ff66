"""AU runs compared: each run's mean F1 with its interval, and paired tests against a
reference, from predictions ``merbench validate`` accepted.

The AU counterpart of :mod:`merbench.compare.emotion`. A RUN is an AU run directory (its
``au-results.json``) or a folder of one configuration's seed runs (``seed-0/``, ...): each
run is validated (every number recomputed), and runs are compared only on the same samples,
labels and folds (the AU label hash and the folds fingerprint must be equal). Reading a
configuration's seeds and the interval of their mean are :mod:`merbench.au.seed_pool`'s.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from merbench.au.metrics import AUScores, pooled_scores
from merbench.au.record import (
    AU_PREDICTIONS_FILE,
    AU_RESULTS_FILE,
    AU_SEEDS_FILE,
    AUResults,
)
from merbench.au.seed_pool import StoredAURun, configuration, stored_au_run
from merbench.au_kind.check import validate_au_run
from merbench.au_kind.seeds_check import validate_au_seeds
from merbench.base.errors import MerbenchError
from merbench.results.safe_files import read_regular_bytes
from merbench.scores.interval_records import subject_strata
from merbench.stats.exact import Exact, au_score, seed_mean
from merbench.stats.intervals import SEED
from merbench.stats.paired import (
    PERMUTATIONS,
    PairedResult,
    holm,
    paired_test,
    refuse_untestable,
)


def au_claim(results: AUResults) -> tuple[object, ...]:
    """What an AU run claims to be: its configuration, versions and seed. Two runs making
    one claim must hold the same predictions (merbench trains bit for bit on a CPU), or one
    was edited: neither may be shown or counted as the claim until an audit says which."""
    return tuple(map(repr, (*configuration(results), results.model.version,
                            results.dataset.version, results.dataset.options,
                            results.protocol.name, results.seed)))  # hashable, as a key


def predictions_digest(run_dir: Path) -> str:
    """The SHA-256 of an AU run's ``au-predictions.csv``: what two copies of a claim must
    share."""
    return hashlib.sha256(read_regular_bytes(Path(run_dir) / AU_PREDICTIONS_FILE)).hexdigest()


def load_au_run(path: Path) -> StoredAURun:
    """An AU run directory, or a folder of one configuration's AU seed runs, validated; a
    folder with an ``au-seeds.json`` is the seed runs it lists, the summary validated too."""
    path = Path(path)
    if path.name in (AU_RESULTS_FILE, AU_SEEDS_FILE):
        path = path.parent
    # "there" whatever the entry is: a fifo or a folder named like the file is refused by
    # its validator in one line, not taken for a folder of runs holding none
    if os.path.lexists(path / AU_SEEDS_FILE):
        runs: dict[Path, AUResults] = {}
        listed = validate_au_seeds(path, runs).runs.values()
        return stored_au_run(path, [(path / name, runs[(path / name).resolve()])
                                    for name in listed])
    folders = ([path] if os.path.lexists(path / AU_RESULTS_FILE) else
               sorted(child for child in path.iterdir()
                      if os.path.lexists(child / AU_RESULTS_FILE)) if path.is_dir() else [])
    if not folders:  # a damaged or unfinished run, or no folder at all
        raise MerbenchError(f"{path} holds no finished run ({AU_RESULTS_FILE} in it or in "
                            "its seed folders); pass an AU run directory or a folder of one "
                            "configuration's AU seed runs")
    return stored_au_run(path, [(folder, validate_au_run(folder)) for folder in folders],
                         over_seeds=folders != [path])


@dataclass(frozen=True)
class AUComparison:
    """One run against the reference: mean F1 and each AU's F1 differences, p-values, and
    the mean F1's Holm-adjusted p over every run compared with the reference."""

    run: StoredAURun
    found: list[PairedResult]
    mean_f1_holm: float


def compare_au(reference: StoredAURun, others: list[StoredAURun]) -> list[AUComparison]:
    """Each of ``others`` against ``reference``, on the same samples and folds only."""
    subjects = subject_strata(reference.samples)[1]
    found = []
    for run in others:  # other samples first: they are the greater fault
        if configuration(run.first)[5:8] != configuration(reference.first)[5:8] or \
                list(run.samples["sample_id"]) != list(reference.samples["sample_id"]):
            raise MerbenchError(f"{run.path} and {reference.path} are not AU runs on the "
                                "same AU set, labels, samples and folds; only such runs "
                                "are compared")
    if others:
        refuse_untestable([reference.path, *(r.path for r in others)], subjects)
    for run in others:
        found.append(au_paired_differences(run.counts(subjects), reference.counts(subjects),
                                           reference.first.au_set))
    adjusted = holm([f[0].p_value for f in found]) if found else []
    return [AUComparison(run, f, p) for run, f, p in zip(others, found, adjusted, strict=True)]


def mean_over_seeds(run: StoredAURun) -> float | None:
    """The run's mean F1, averaged over its seeds (each seed's pooled over its folds)."""
    subjects = subject_strata(run.samples)[1]
    counts = run.counts(subjects).sum(axis=1, keepdims=True)
    value = float(pooled_scores(run.first.au_set, counts, np.zeros((1, 1), dtype=int))
                  .mean_f1.mean())
    return None if np.isnan(value) else value


MEAN_F1 = "mean_f1"


def au_paired_differences(a: np.ndarray, b: np.ndarray, au_set: Sequence[int], *,
                          permutations: int = PERMUTATIONS,
                          seed: int = SEED) -> list[PairedResult]:
    """A's score minus B's and its p-value (:func:`merbench.stats.paired.paired_test`, the
    test every kind of result shares): MEB's mean F1 first (metric ``mean_f1``, the
    statistic the AU pages rank by), then each AU's pooled F1 (metric ``AU<n>``). ``a`` and
    ``b``: per-subject counts (seeds x subjects x 4 x AUs,
    :func:`merbench.au.metrics.subject_counts`) of two runs on the same subjects, in the
    same order."""
    if a.shape[1:] != b.shape[1:]:
        raise ValueError("the two runs must hold the same subjects and AUs")
    found = []
    # every AU's test draws the same swaps (one seed), and one pool scores every AU: each
    # batch of swaps is pooled once for the mean F1 and the dozen AUs' tests
    pools: dict[bytes, AUScores] = {}
    for position in [None, *range(len(au_set))]:
        def score(both: np.ndarray, chosen: np.ndarray,
                  position: int | None = position) -> np.ndarray:
            key = np.ascontiguousarray(chosen).tobytes() + repr(np.shape(chosen)).encode()
            if key not in pools:
                pools[key] = pooled_scores(au_set, both, chosen)
            pooled = pools[key]
            value = pooled.mean_f1 if position is None else pooled.f1[..., position]
            return np.asarray(value.mean(axis=0)).reshape(np.shape(chosen)[:-1])

        # one AU's exact F1 reads its own counts only (seeds x 4): swaps whose pools differ
        # in other AUs alone share it, computed once in Fractions instead of each time
        decided: dict[bytes, Exact] = {}

        def exact(pool: np.ndarray, position: int | None = position,
                  decided: dict[bytes, Exact] = decided) -> Exact:
            if position is None:
                return seed_mean([au_score(counts, None) for counts in pool])
            key = np.ascontiguousarray(np.asarray(pool)[..., position]).tobytes()
            if key not in decided:
                decided[key] = seed_mean([au_score(counts, position) for counts in pool])
            return decided[key]

        name = MEAN_F1 if position is None else f"AU{au_set[position]}"
        found.append(paired_test(a, b, name, score, exact, permutations=permutations,
                                 seed=seed, scored_as=f"AU counts, AUs {list(au_set)}"))
    return found
