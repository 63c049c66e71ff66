"""Intervals and paired comparisons of stored runs, from their validated predictions.

A run (a run directory) or a configuration's seeds (a ``--seeds`` folder) is read after
``merbench validate`` accepts it, from ``predictions.csv`` (the reported policy's prediction
of every sample), so nothing here trusts a stored number. Runs are compared only on the same
samples, split into the same folds: the dataset and folds fingerprints must be equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.scores.interval_records import (
    lone_subject_scopes,
    scoped_intervals,
    stack_seeds,
    subject_strata,
)
from merbench.stats.intervals import (
    METRICS,
    Interval,
    difference_interval,
    score_of,
    subject_confusions,
)
from merbench.stats.paired import holm, paired_difference, refuse_untestable

if TYPE_CHECKING:
    from merbench.plugin_system.runinfo import FoldOutcome
    from merbench.results.model import Results
    from merbench.verification.validate import ValidatedRun


@dataclass(frozen=True)
class StoredRun:
    """One configuration's predictions: every seed's, aligned on the same samples."""

    path: Path
    name: str  # model name, for tables
    policy: str
    seeds: list[int]
    classes: list[str]
    samples: Any  # pandas.DataFrame: sample_id, database, subject, y_true (first seed's order)
    y_pred: np.ndarray  # seeds x samples
    fingerprints: tuple[str, str]  # dataset fingerprint, folds fingerprint
    results: Results | None = None  # the first seed's, for labels (reduced settings)
    #: each seed's run folder, as reached from ``path``, with its number of folds and its
    #: fold files as validation loaded them (None: taken from a validation record), so that
    #: telling copies apart reads none again; and whether ``path`` is a summary over seeds
    #: (a --seeds folder, or a folder of seed runs) rather than one run
    folders: tuple[tuple[Path, int, list[FoldOutcome] | None], ...] = ()
    over_seeds: bool = False

    def confusions(self, subjects: list[str]) -> np.ndarray:
        keys_of, _, _ = subject_strata(self.samples)
        return subject_confusions(self.samples["y_true"].to_numpy(dtype=int), self.y_pred,
                                  keys_of, subjects, len(self.classes))

    def subjects(self) -> tuple[list[str], list[list[int]]]:
        """Every subject key, and their indices grouped by database (the strata)."""
        _, keys, strata = subject_strata(self.samples)
        return keys, strata


def load_run(path: Path) -> StoredRun:
    """A validated run directory or ``--seeds`` folder, as predictions per seed."""
    # deferred: pandas (through verification.validate), until a run is read
    from merbench.verification.validate import ValidatedRun, validate_emotion

    path = Path(path)
    validated: dict[Path, ValidatedRun] = {}  # a summary's seed runs, each validated once
    checked = validate_emotion(path, runs=validated)
    base = path if path.is_dir() else path.parent
    if isinstance(checked, ValidatedRun):
        return stored_run([checked], path, folders=[base], over_seeds=False)
    names = list(checked.runs.values())
    return stored_run([validated[(base / name).resolve()] for name in names], path,
                      folders=[base / name for name in names])


def stored_run(runs: Sequence[ValidatedRun], path: Path,
               folders: Sequence[Path] | None = None, over_seeds: bool = True) -> StoredRun:
    """Runs that validated, seeds of one configuration, as one StoredRun named ``path``:
    their predictions aligned on the first one's samples. Runs of other samples, folds,
    classes or reported policy are refused. ``folders``: each run's folder as reached from
    ``path`` (by default the folder each was validated in); ``over_seeds``: False where
    ``path`` is the one run itself."""
    first = runs[0].results
    identity = _identity(first)
    for run in runs[1:]:
        if _identity(run.results) != identity:
            raise MerbenchError(f"{run.run_dir} and {runs[0].run_dir} are seeds of one "
                                "configuration but hold other samples, folds, classes or "
                                "reported policies")
    # the predictions validation read and checked, not predictions.csv read again
    samples, y_pred = stack_seeds([r.predictions for r in runs])
    return StoredRun(path=path, name=first.model.name, policy=first.selection.policy,
                     seeds=[r.results.seed for r in runs],
                     classes=list(first.dataset.classes), samples=samples,
                     y_pred=y_pred, fingerprints=(first.dataset.fingerprint,
                                                  first.protocol.folds_fingerprint),
                     results=first,
                     folders=tuple(zip(folders or [run.run_dir for run in runs],
                                       [run.results.protocol.n_folds for run in runs],
                                       [run.folds for run in runs], strict=True)),
                     over_seeds=over_seeds)


def _identity(results: Results) -> tuple[Any, ...]:
    return (results.dataset.fingerprint, results.protocol.folds_fingerprint,
            results.dataset.classes, results.selection.policy)


def intervals(run: StoredRun, **options: Any) -> dict[str, dict[str, Interval]]:
    """Scope (``overall`` or a database) -> metric -> interval, resampling subjects."""
    return scoped_intervals(run.samples, run.y_pred, len(run.classes), **options)


def lone_reason(run: StoredRun) -> str:
    """Why ``run``'s overall interval over subjects is none, and so that of any difference
    from it (the same subjects resampled within the same databases), in the words and by
    the rule of ``show`` and the leaderboard
    (:func:`~merbench.scores.interval_records.lone_subject_scopes`); "" where it has one.
    With one test subject a database every resample draws the same subjects: the interval
    is a point, which would read as a score or a difference known for certain."""
    return lone_subject_scopes(run.samples).get("overall", "")


def point(run: StoredRun, metric: str) -> float:
    keys, _ = run.subjects()
    return score_of(run.confusions(keys), np.arange(len(keys)), metric)


@dataclass(frozen=True)
class Comparison:
    """One run against the reference, per metric: difference, its interval, p-values."""

    run: StoredRun
    difference: dict[str, float]
    interval: dict[str, Interval]
    p_value: dict[str, float]
    holm: dict[str, float]


def _differences(other: StoredRun, reference: StoredRun) -> str:
    """How two runs' samples and folds differ, in words, in the order the runs are named
    (Python's tuples ``('3d58…', '5e0e…') and ('a5d0…', 'e6d3…')`` were shown)."""
    said = [f"{what} fingerprints {mine} and {theirs}" for what, mine, theirs in
            zip(("dataset", "folds"), other.fingerprints, reference.fingerprints, strict=True)
            if mine != theirs]
    return ", ".join(said) or "the same fingerprints, but other samples"


def incomparable(reference: StoredRun, other: StoredRun) -> str | None:
    """Why ``other`` cannot be tested against ``reference`` (None: it can): a paired test
    needs the same samples, split into the same folds, with the same classes."""
    if other.fingerprints != reference.fingerprints or \
            set(other.samples["sample_id"]) != set(reference.samples["sample_id"]):
        return (f"{other.path} and {reference.path} were not run on the same samples and "
                f"folds ({_differences(other, reference)}); compare runs of one dataset and "
                "protocol")
    if other.classes != reference.classes:
        return f"{other.path} and {reference.path} have other classes"
    return None


def compare(reference: StoredRun, others: list[StoredRun], *,
            permutations: int | None = None) -> list[Comparison]:
    """Each of ``others`` minus ``reference`` on UF1 and UAR, with Holm's correction over
    ``others`` per metric."""
    for other in others:
        refusal = incomparable(reference, other)
        if refusal:
            raise MerbenchError(refusal)
    keys, strata = reference.subjects()
    if others:
        refuse_untestable([reference.path, *(o.path for o in others)], keys)
    base = reference.confusions(keys)
    extra = {} if permutations is None else {"permutations": permutations}
    results = []
    for other in others:
        mine = other.confusions(keys)
        tests = {m: paired_difference(mine, base, m, **extra) for m in METRICS}
        results.append(Comparison(
            run=other, difference={m: t.difference for m, t in tests.items()},
            interval={m: difference_interval(mine, base, strata, m) for m in METRICS},
            p_value={m: t.p_value for m, t in tests.items()}, holm={}))
    for metric in METRICS:
        adjusted = holm([c.p_value[metric] for c in results])
        for comparison, value in zip(results, adjusted, strict=True):
            comparison.holm[metric] = value
    return results


def per_database(run: StoredRun, metric: str) -> dict[str, float]:
    """``metric`` of each database's samples (the pool of its subjects), seed-averaged."""
    keys, strata = run.subjects()
    confusions = run.confusions(keys)
    return {keys[group[0]].split("/", 1)[0]: score_of(confusions, np.asarray(group), metric)
            for group in strata if group}


def subjects_behind(reference: StoredRun, other: StoredRun, metric: str,
                    top: int = 5) -> list[tuple[str, float]]:
    """The subjects that contribute most to ``other`` minus ``reference`` on ``metric``:
    for each subject, how much the difference shrinks when that subject is left out of the
    pool (positive: it widens other's lead), the ``top`` largest in size first."""
    keys, _ = reference.subjects()
    base, mine = reference.confusions(keys), other.confusions(keys)
    everyone = np.arange(len(keys))
    whole = score_of(mine, everyone, metric) - score_of(base, everyone, metric)
    if len(keys) < 2:  # one test subject carries all of it; leaving it out left no pool
        return [(key, whole) for key in keys]
    shares = []
    for i, key in enumerate(keys):
        rest = np.delete(everyone, i)
        shares.append((key, whole - (score_of(mine, rest, metric)
                                     - score_of(base, rest, metric))))
    return sorted(shares, key=lambda item: -abs(item[1]))[:top]
