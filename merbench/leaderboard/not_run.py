"""The models a benchmark page lists as "not run in the full setting yet".

A board that ranks five configurations says nothing of the models merbench has that never
ran there: a reader cannot tell HTNet is missing from HTNet being absent from merbench. So a
page lists every registered model whose input the benchmark's dataset can give and that has
no ranked row, with its published number and how that number's epoch was chosen, the
command that would make its row, what that row would cost (:mod:`costs`), and what merbench
scored with the authors' released weights where it has. These rows are never ranked.

A model's input applies when the dataset gives every source its declared feature needs, or
else when one feature with the same per-sample shape can be computed from the dataset and no
other model declares that feature itself (CausalNet on ``causalnet-release``, its authors'
images of the composite release; not ``biwoof-svm`` on ``biwoof-release``, which
``biwoof-release-svm`` is). Models merbench builds on demand from a family (``timm-<arch>``)
have no list to draw from and appear only once they have run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.leaderboard.benchmarks import REPORTED_SELECTION, Benchmark
from merbench.leaderboard.collect import Tables
from merbench.leaderboard.costs import CostTable, ModelCost


@dataclass(frozen=True)
class Published:
    """A paper's number for a model, with how its epoch was chosen."""

    method: str
    uf1: float | None
    uar: float | None
    selection: str
    selection_why: str
    test_set_selection: bool


@dataclass(frozen=True)
class NotRunModel:
    """One registered model without a full-setting row on a benchmark."""

    model: str
    version: int
    description: str
    feature: str | None  # the feature it would read instead of its declared one, if any
    command: str
    published: tuple[Published, ...]
    cost: ModelCost | None
    weights_scores: tuple[float | None, float | None] | None  # authors' weights, UF1 / UAR
    reduced_runs: bool  # it has runs in a reduced setting (shown in their own section)


def _published(bench: Benchmark, model: str) -> tuple[Published, ...]:
    first = bench.columns[0].scope
    found = []
    for row in bench.reported:
        if model not in row.models:
            continue
        values = row.values.get(first) or []

        def metric(name: str, values: list[float | None] = values) -> float | None:
            index = bench.metrics.index(name) if name in bench.metrics else len(values)
            return values[index] if index < len(values) else None

        shown, why = REPORTED_SELECTION[row.selection]
        found.append(Published(row.method, metric("uf1"), metric("uar"), shown, why,
                               row.selection == "test"))
    return tuple(found)


def _first_scores(rows: list[Any], model: str, bench: Benchmark
                  ) -> tuple[float | None, float | None] | None:
    """The Full UF1 / UAR of the first of ``rows`` (saved weights) of ``model``."""
    row = next((r for r in rows if r.group.first.model.name == model), None)
    if row is None:
        return None
    means = [None if metric not in bench.metrics else row.cells[bench.metrics.index(metric)].mean
             for metric in ("uf1", "uar")]
    return means[0], means[1]


def applicable_feature(model_feature: str, provides: tuple[str, ...],
                       features: dict[str, Any], declared_by_models: set[str]
                       ) -> tuple[bool, str | None]:
    """Whether a model reading ``model_feature`` can run on a dataset that ``provides``
    these sources, and the substitute feature it would need (None: its own)."""
    own = features.get(model_feature)
    if own is None:
        return False, None
    if not own.unmet_needs(provides):
        return True, None
    if not own.shape:
        return False, None
    substitutes = [name for name, meta in sorted(features.items())
                   if meta.shape == own.shape and not meta.unmet_needs(provides)
                   and name not in declared_by_models]
    return (True, substitutes[0]) if len(substitutes) == 1 else (False, None)


def not_run_models(bench: Benchmark, rows: Tables, registries: Any,
                   costs: CostTable | None) -> list[NotRunModel]:
    """Every registered model that could run on ``bench`` and has no ranked row there:
    published numbers first (best first), then by name."""
    try:
        provides = registries.datasets.get(bench.dataset).meta.provides
    except MerbenchError:  # a dataset this installation lacks: nothing to list
        return []
    features = {entry.meta.name: entry.meta for entry in registries.features}
    models = [entry.meta for entry in registries.models]
    declared = {meta.feature for meta in models}
    ranked = {row.group.first.model.name for row in rows.ranked}
    reduced = {row.group.first.model.name for row in rows.reduced}
    found = []
    for meta in models:
        if meta.name in ranked:
            continue
        applies, substitute = applicable_feature(meta.feature, provides, features, declared)
        if not applies:
            continue
        command = bench.run_command(model=meta.name, feature=substitute)
        found.append(NotRunModel(
            model=meta.name, version=meta.version, description=meta.description,
            feature=substitute, command=command, published=_published(bench, meta.name),
            cost=None if costs is None else costs.cost(meta.name, bench.dataset,
                                                       bench.protocol),
            weights_scores=_first_scores(rows.saved_weights, meta.name, bench),
            reduced_runs=meta.name in reduced))

    def order(item: NotRunModel) -> tuple[int, float, str]:
        best = max((p.uf1 for p in item.published if p.uf1 is not None), default=None)
        return (best is None, -(best or 0.0), item.model)

    return sorted(found, key=order)
