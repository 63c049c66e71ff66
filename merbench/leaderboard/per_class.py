"""Each class's F1 beside a benchmark's ranked rows.

UF1 is the mean of the classes' F1, so two models with one UF1 can differ completely in which
emotions they recognise: one may never predict *surprise* and make up for it on *negative*.
A reader choosing a model for a use that cares about one class needs that split, and so does
a reader checking that a row is not a majority-class collapse in disguise. The per-class F1 of
a row is computed here from the confusion matrix its recomputed metrics hold (never a stored
score), for the benchmark's first column's scope, and averaged over the row's seeds as every
other cell is (:func:`merbench.leaderboard.collect.cell_of`).

A class no seed's test folds held and no seed predicted has no F1 (:func:`f1_from_counts`'s
undefined case, the class UF1 leaves out): its cell is empty rather than 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from merbench.leaderboard.benchmarks import Benchmark
from merbench.leaderboard.collect import Cell, Row, cell_of, mark_best, scores_in
from merbench.stats.confusion import counts_from_confusion, f1_from_counts


@dataclass(frozen=True)
class PerClassTable:
    """The per-class F1 of a benchmark's rows: ``rows`` in the ranked table's order, each
    with one cell per class of ``classes``; ``support`` the true samples of each class in
    the scope (the first row's, which every row shares: they ran on the same samples)."""

    scope_label: str
    classes: list[str]
    support: list[int]
    rows: list[Row]


def _f1(row: Row, scope: str, n_classes: int) -> list[list[float | None]]:
    """Each seed's per-class F1 (None where undefined) of ``row``'s policy in ``scope``."""
    seeds: list[list[float | None]] = []
    for run in row.group.runs:
        scores = scores_in(run, row.policy, scope)
        if scores is None or len(scores.confusion) != n_classes:
            seeds.append([None] * n_classes)
            continue
        counts = counts_from_confusion(scores.confusion)
        f1 = f1_from_counts(counts.tp, counts.predicted, counts.true)
        seeds.append([None if value != value else float(value) for value in f1])
    return seeds


def per_class_table(bench: Benchmark, rows: list[Row]) -> PerClassTable | None:
    """The per-class F1 table of ``rows`` (a benchmark's ranked rows), or None when there
    are none."""
    if not rows:
        return None
    column = bench.columns[0]
    classes = list(rows[0].group.first.dataset.classes)
    table: list[Row] = []
    for row in rows:
        seeds = _f1(row, column.scope, len(classes))
        cells: list[Cell] = [cell_of([seed[index] for seed in seeds])
                             for index in range(len(classes))]
        table.append(Row(row.group, row.policy, row.test_set_selection, cells))
    mark_best(table)
    scores = scores_in(rows[0].group.runs[0], rows[0].policy, column.scope)
    support = [sum(line) for line in scores.confusion] if scores is not None else []
    return PerClassTable(scope_label=column.label, classes=classes, support=support,
                         rows=table)
