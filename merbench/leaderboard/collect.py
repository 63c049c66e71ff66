"""From result directories to leaderboard rows.

Every ``results.json`` and ``seeds.json`` under the given folders is validated (see
:mod:`merbench.verification.validate`); rejected ones are kept with their reason so the site can
list them instead of showing them. Accepted runs that differ only in their seed form one
group, and a group gives one row per selection policy: mean ± std over its seeds, computed
from the recomputed metrics, never from the stored ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from merbench.leaderboard.benchmarks import Benchmark
from merbench.leaderboard.copies import Claim, settle
from merbench.leaderboard.providers import Pins, first_party_pins, provider_mismatch
from merbench.leaderboard.result_walk import (
    Rejected,
    find_result_files,
    walk_rejections,
    walked,
)
from merbench.results.model import Results, Scores
from merbench.results.run_record import RunRecord
from merbench.results.schema import departures_from_declared
from merbench.verification.declared_defaults import (
    DeclaredDefaults,
    Defaults,
    declared_for,
    hyperparameters_set,
    options_set,
)
from merbench.verification.validate import (
    RESULTS_FILE,
    SEEDS_FILE,
    ResultRejected,
    ValidatedRun,
    validate_run,
    validate_seeds,
)

T = TypeVar("T")


@dataclass
class Run:
    """An accepted run and the name of its page."""

    checked: ValidatedRun
    page_id: str
    shown_path: str  # where it was found, as given on the command line
    # other folders with the same configuration, seed and per-epoch predictions (copies.py)
    reproductions: list[Claim] = field(default_factory=list)

    @property
    def results(self) -> Results:
        return self.checked.results


@dataclass
class Group:
    """Runs of one configuration that differ only in their seed."""

    key: str
    runs: list[Run] = field(default_factory=list)

    @property
    def first(self) -> Results:
        return self.runs[0].results


@dataclass(frozen=True)
class Cell:
    """Mean and sample std (ddof=1) over seeds of one metric in one scope."""

    mean: float | None
    std: float | None
    n: int
    best: bool = False


@dataclass
class Row:
    """One leaderboard row: a configuration under one selection policy."""

    group: Group
    policy: str
    test_set_selection: bool
    cells: list[Cell]


@dataclass
class Collection:
    """Everything found under the results folders."""

    runs: list[Run]
    groups: list[Group]
    rejected: list[Rejected]
    #: the plugins' declared defaults, as grouping read them (labels ask the same)
    defaults: Defaults = field(default_factory=DeclaredDefaults)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "run"


def _page_id(run_dir: Path, root: Path, taken: set[str]) -> str:
    """A file-name-safe page name that stays the same from build to build and machine to
    machine: the run's path inside its --results folder (made unique if two folders hold
    the same path)."""
    try:
        relative = run_dir.resolve().relative_to(root.resolve())
    except ValueError:  # pragma: no cover - rglob only finds files under root
        relative = Path(run_dir.name)
    base = _slug("-".join(relative.parts or (run_dir.resolve().name,)))
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def group_key(results: Results, defaults: Defaults | None = None) -> str:
    """What makes two runs the same configuration: everything in the identity but the seed,
    with options recorded at their declared defaults read as left out (``defaults``: the
    installed plugins'), so an old file that wrote ``crop=reference`` pools with a new one
    that left the crop at its default."""
    lookup = defaults if defaults is not None else DeclaredDefaults()
    model, feature, dataset, protocol = (results.model, results.feature, results.dataset,
                                         results.protocol)
    weights = results.weights
    key = {
        "model": [model.name, model.version, options_set(model, "model", lookup),
                  *([model.built_from] if model.built_from else [])],
        "feature": [feature.name, feature.version, options_set(feature, "feature", lookup)],
        "dataset": [dataset.name, dataset.version, options_set(dataset, "dataset", lookup),
                    dataset.fingerprint],
        "protocol": [protocol.name, protocol.version,
                     options_set(protocol, "protocol", lookup), protocol.folds_fingerprint],
        "hyperparameters": hyperparameters_set(results.hyperparameters.recorded()),
        "shuffle_train_labels": results.shuffle_train_labels,
        "inner_val_subjects": results.selection.inner_val_subjects,
        "weights": None if weights is None else {"dir": weights.dir, "sha256": weights.sha256},
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]



def collect(folders: list[Path], pins: Pins | None = None,
            vouched: Callable[[Claim], bool] | None = None) -> Collection:
    """Validate every result file under ``folders`` and group the accepted runs. A run
    whose names came from other packages than ``pins`` say (default: merbench's own names
    pinned to merbench) is rejected, with the package it came from. Copies of one
    configuration and seed are settled by :func:`copies.settle`, ``vouched`` saying which
    copies an audit signed by a trusted key vouches for (None: none)."""
    pins = first_party_pins() if pins is None else pins
    defaults = DeclaredDefaults()
    trees = walked(folders)  # once: the files and what the walk cannot publish
    files = find_result_files(trees)
    runs: list[Run] = []
    rejected = walk_rejections(trees)
    by_dir: dict[Path, ValidatedRun] = {}
    taken: set[str] = set()
    for path, root in files:
        if path.name != RESULTS_FILE:
            continue
        try:
            checked = validate_run(path)
        except ResultRejected as exc:
            rejected.append(Rejected(path.parent, exc.reason))
            continue
        by_dir[path.parent.resolve()] = checked
        foreign = provider_mismatch(checked.results, pins)
        if foreign is not None:
            rejected.append(Rejected(path.parent, foreign))
            continue
        runs.append(Run(checked=checked, page_id=_page_id(path.parent, root, taken),
                        shown_path=str(path.parent)))
    runs = _settle_copies(runs, rejected, vouched or (lambda claim: False), defaults)
    for path, _root in files:
        if path.name == SEEDS_FILE:
            try:
                validate_seeds(path, runs=by_dir)
            except ResultRejected as exc:
                rejected.append(Rejected(path, exc.reason))
    groups: dict[str, Group] = {}
    for run in runs:
        key = group_key(run.results, defaults)
        groups.setdefault(key, Group(key=key)).runs.append(run)
    for group in groups.values():
        group.runs.sort(key=lambda r: r.results.seed)
    return Collection(runs=runs, groups=list(groups.values()), rejected=rejected,
                      defaults=defaults)


def _settle_copies(runs: list[Run], rejected: list[Rejected],
                   vouched: Callable[[Claim], bool], defaults: Defaults) -> list[Run]:
    """``runs`` with each configuration and seed once: identical copies kept as one run
    that lists the others as reproductions, disagreeing ones settled by an audit or all
    rejected (:mod:`merbench.leaderboard.copies`)."""
    claims: dict[tuple[str, int], list[Run]] = {}
    for run in runs:
        claims.setdefault((group_key(run.results, defaults), run.results.seed),
                          []).append(run)
    kept = []
    for twins in claims.values():
        if len(twins) == 1:
            kept += twins
            continue
        claim_list = [Claim(run.shown_path, run.checked.run_dir, run.results)
                      for run in twins]
        by_claim = {id(c): run for c, run in zip(claim_list, twins, strict=True)}
        try:
            settled = settle(claim_list, vouched)
        except ResultRejected as exc:  # a fold file that validation read is gone
            rejected += [Rejected(Path(run.shown_path), exc.reason) for run in twins]
            continue
        for claim, reason in settled.rejected:
            rejected.append(Rejected(Path(claim.path), reason))
        if settled.kept is not None:
            run = by_claim[id(settled.kept)]
            run.reproductions = settled.reproductions
            kept.append(run)
    return kept


def scores_in(run: Run, policy: str, scope: str) -> Scores | None:
    """``run``'s recomputed scores under ``policy`` in a benchmark column's ``scope``
    ("overall", or a database); None where the run tested none of that database."""
    metrics = run.checked.metrics_by_policy[policy]
    return metrics.overall if scope == "overall" else metrics.per_database.get(scope)


def _value(run: Run, policy: str, scope: str, metric: str) -> float | None:
    scores = scores_in(run, policy, scope)
    if scores is None:
        return None
    return {"uf1": scores.uf1, "uar": scores.uar, "accuracy": scores.accuracy}.get(metric)


def cell_of(values: list[float | None]) -> Cell:
    """Mean and sample std of one metric over a row's seeds; none when a seed has none."""
    if not values or any(v is None for v in values):
        return Cell(mean=None, std=None, n=len(values))
    array = np.asarray(values, dtype=float)
    std = float(np.std(array, ddof=1)) if len(array) > 1 else None
    return Cell(mean=float(array.mean()), std=std, n=len(values))


def mark_best_cells(table: list[list[Cell]]) -> None:
    """Bold the best mean of each column of ``table`` (its rows' cells, replaced in place;
    ties all bold): a table's own comparison only, whatever kind of row holds the cells. A
    column whose best is 0 has no best: every row failed there alike (an AU no model ever
    detected), and a bold 0.0000 read as an achievement."""
    if not table:
        return
    for column in range(len(table[0])):
        means = [m for cells in table if (m := cells[column].mean) is not None]
        if not means or max(means) <= 0:
            continue
        top = max(means)
        for cells in table:
            cell = cells[column]
            if cell.mean is not None and abs(cell.mean - top) < 1e-12:
                cells[column] = Cell(cell.mean, cell.std, cell.n, best=True)


def mark_best(rows: list[Row]) -> None:
    """Bold the best mean of each column of ``rows`` (:func:`mark_best_cells`)."""
    mark_best_cells([row.cells for row in rows])


@dataclass
class Tables:
    """A benchmark's rows, in the sections that must never be ranked together."""

    ranked: list[Row]  # trained by merbench, epoch chosen without the test subject
    test_set: list[Row]  # trained by merbench, epoch chosen on the test subject (oracle)
    saved_weights: list[Row]  # weights trained elsewhere, only evaluated by merbench
    reduced: list[Row]  # trained with other epochs / lr / batch or model options than declared

    def run_count(self) -> int:
        """How many validated runs the benchmark holds, in any section: a run is counted
        once, however many rows (one a selection policy) it gives."""
        return len({run.page_id for rows in (self.ranked, self.test_set, self.saved_weights,
                                             self.reduced)
                    for row in rows for run in row.group.runs})


def reduced_setting(results: RunRecord, defaults: Defaults | None = None, *,
                    searched: Set[str] = frozenset()) -> str | None:
    """Why a run is not the model as published (its declared recipe and default options), or
    None. Such a run, e.g. a CPU check with fewer epochs, must never rank as the model; a
    model option recorded at its declared default (``defaults``) is not a departure, nor is
    one of ``searched`` (a tuning's trial departs in what it searches by design)."""
    model = results.model
    declared_options = None
    if model.options:
        lookup = defaults if defaults is not None else DeclaredDefaults()
        declared_options = declared_for(model, "model", lookup)
    reasons = []
    for what, used, declared in departures_from_declared(results, declared_options):
        if what in searched:
            continue
        if what == "precision":
            reasons.append(f"precision {used}")
        elif declared is None:
            reasons.append(f"{what}={used}")
        else:
            reasons.append(f"{what} {used} (recipe {declared})")
    return ", ".join(reasons) or None


def benchmark_rows(benchmark: Benchmark, groups: list[Group]) -> Tables:
    """The rows of the groups that belong to ``benchmark``, each section sorted by its first
    column, best first. Runs of saved weights get their own section: merbench did not see
    how their epoch was chosen (the HTNet authors' code keeps the best on the test subject)."""
    ranked: list[Row] = []
    apart: list[Row] = []
    weights: list[Row] = []
    reduced: list[Row] = []
    reduced_apart: list[Row] = []
    for group in groups:
        if benchmark.mismatch(group.first) is not None or any(
                provider_mismatch(run.results, benchmark.providers) for run in group.runs):
            continue
        for policy in (*benchmark.rank, *benchmark.test_set_selection):
            if not all(policy in run.checked.metrics_by_policy for run in group.runs):
                continue
            cells = [cell_of([_value(run, policy, column.scope, metric) for run in group.runs])
                     for column in benchmark.columns for metric in benchmark.metrics]
            test_set = policy in benchmark.test_set_selection
            row = Row(group, policy, test_set, cells)
            if not group.first.trained:
                weights.append(row)
            elif reduced_setting(group.first) is not None:
                (reduced_apart if test_set else reduced).append(row)
            else:
                (apart if test_set else ranked).append(row)
    for rows in (ranked, apart, weights, reduced, reduced_apart):
        rows.sort(key=lambda r: -1.0 if r.cells[0].mean is None else r.cells[0].mean,
                  reverse=True)
        mark_best(rows)
    return Tables(ranked=ranked, test_set=apart, saved_weights=weights,
                  reduced=reduced + reduced_apart)
