"""A validation record read back answers only where the result's own files agree with it.

A record (:mod:`~merbench.verification.validation_record`) is a file in the cache: its
checksum tells a torn write from a whole one, but anyone who can write the cache can edit a
record and compute the checksum again, or plant one under the key of a run that never passed.
So a record never decides what a result says. What the page takes from it must equal what the
result's files record, and what the predictions give in milliseconds is recomputed from them:
the reported policy's pooled UF1, UAR, accuracy and confusion matrices, overall and for each
database, from ``predictions.csv`` (an action-unit run's pooled per-AU scores from its
predictions, :mod:`merbench.au_kind.confirmed`; a tuning's pooled outer UF1 and UAR from its
``predictions.csv``).
Only what costs seconds is taken on the record's word: the other policies' numbers recomputed
from the fold files, the bootstrap intervals, the checks of the files against the dataset, a
tuning's trials replayed from its archive. Where anything disagrees, :class:`RecordDisagrees` is
raised and the result is checked in full, as ``merbench validate`` checks it.

Someone who can write both the cache and the result can still forge both consistently (the
predictions and ``results.json`` edited together, a record planted beside them): ``leaderboard
build --strict`` recomputes everything, and is what a published page is built with.
"""

from __future__ import annotations

from typing import Any

from merbench.results.codec import from_json, to_json
from merbench.results.model import Metrics, Results
from merbench.results.run_files import differ
from merbench.scores.metrics import pooled_scores
from merbench.scores.selection import POLICIES


class RecordDisagrees(Exception):
    """A record read back disagrees with the result's files: the result is checked in full."""


def confirm_run(results: Results, metrics_by_policy: dict[str, Metrics], n_epochs: int,
                predictions: Any) -> None:
    """Raise :class:`RecordDisagrees` unless a run's record (its recomputed metrics for each
    policy and its number of epochs) is what its ``results.json`` records, and the reported
    policy's pooled scores are what ``predictions`` (``predictions.csv`` as read) give."""
    if set(metrics_by_policy) != set(results.metrics_by_policy):
        raise RecordDisagrees("the record's policies are not results.json's")
    for name, metrics in metrics_by_policy.items():
        found = differ(to_json(results.metrics_by_policy[name].metrics), to_json(metrics),
                       f"metrics_by_policy.{name}.metrics")
        if found:
            raise RecordDisagrees(found)
    reported = results.selection.policy
    if reported not in metrics_by_policy:
        raise RecordDisagrees(f"the record has no policy '{reported}'")
    pooled = to_json(from_json(Metrics, pooled_scores(
        predictions["y_true"].to_numpy(dtype=int), predictions["y_pred"].to_numpy(dtype=int),
        predictions["database"].to_numpy(dtype=str), results.dataset.classes)))
    stored = to_json(results.metrics)
    policy = POLICIES.get(reported)
    if policy is None or policy.choose_for_uf1 is not None:
        # UF1 comes from other epochs than the predictions hold: only the fold files have it
        for scope, theirs in _scopes(pooled, stored):
            scope.update(uf1=theirs.get("uf1"), uf1_excluded=theirs.get("uf1_excluded"))
    for where, record in (("metrics", stored),
                          (f"metrics_by_policy.{reported}.metrics",
                           to_json(metrics_by_policy[reported]))):
        found = differ(record, pooled, where)
        if found:
            raise RecordDisagrees(found)
    if not results.trained:
        expected: int | None = 1
    else:
        recipe = results.hyperparameters.recipe
        expected = recipe.epochs if results.model.kind == "torch" and recipe else None
    if n_epochs < 1 or (expected is not None and n_epochs != expected):
        raise RecordDisagrees(f"the record's {n_epochs} epochs are not the run's")


def _scopes(ours: dict[str, Any], theirs: dict[str, Any]
            ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each scope's scores in ``ours`` with the same scope's in ``theirs`` (empty if none)."""
    pairs = [(ours["overall"], theirs.get("overall") or {})]
    for database, scores in ours["per_database"].items():
        pairs.append((scores, (theirs.get("per_database") or {}).get(database) or {}))
    return pairs


__all__ = ["RecordDisagrees", "confirm_run"]
