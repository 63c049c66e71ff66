"""Checking a result directory before anyone trusts its numbers.

A result is accepted only if every stored number can be recomputed from the per-sample data
beside it: the fold files (every fold's test predictions after every epoch) and
``predictions.csv``. :func:`validate_run` checks the schema (migrating older versions),
that the folds and predictions cover the protocol's samples exactly once, that every
selection policy the file claims is one its data can support, and that the stored metrics,
selected epochs and per-fold accuracies equal the recomputed ones; for what the
predictions cannot recompute, that every other file agrees with ``results.json``
(:mod:`merbench.verification.provenance`); and that ``audit.json``, when there is one, is an
audit record whose signatures verify (:mod:`merbench.results.audit_file`). ``merbench validate``
and ``merbench leaderboard build`` both go through it, so a page never shows a number that
its files do not back.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError, in_words
from merbench.base.literal import written
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.audit_file import (
    AuditSummary,
    check_audit_file,
)
from merbench.results.audited_files import run_folder
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.collapse import collapse_notes
from merbench.results.migrations import migrate
from merbench.results.model import Intervals, Metrics, Results, RunRecord
from merbench.results.over_seeds import over_seeds, summary_identity
from merbench.results.recorded_values import check_intervals
from merbench.results.result_files import RESULTS_FILE, SEEDS_FILE
from merbench.results.run_files import (
    ResultRejected,
    differ,
    read_predictions,
)
from merbench.results.rundir import RUN_FILE
from merbench.results.schema import read_json, read_results
from merbench.results.seeds_model import SeedsSummary
from merbench.scores.interval_records import interval_record
from merbench.scores.scoring import PolicyScore, score
from merbench.verification.declared import check_declared
from merbench.verification.mixed_seeds import recorded_identity
from merbench.verification.provenance import (
    OfficialFingerprint,
)
from merbench.verification.record_check import confirm_run
from merbench.verification.run_structure import agreeing_files, registered_official
from merbench.verification.seed_folders import (
    RUN_OR_SWEEP,
    STOPPED,
    SeedRun,
    SeedsStructure,
    check_structure,
    check_summary_created,
    read_summary,
    recorded_configuration,
    validated_seed_runs,
)
from merbench.verification.validation_record import once


@dataclass(frozen=True)
class ValidatedRun:
    """A run whose numbers were recomputed from its predictions and matched, with the
    predictions it was checked against, so nothing later reads ``predictions.csv`` again."""

    run_dir: Path
    results: Results
    metrics_by_policy: dict[str, Metrics]  # recomputed
    n_epochs: int
    predictions: Any  # pandas.DataFrame: predictions.csv as read, in its own row order
    audits: AuditSummary | None = None  # what audit.json holds; None: there is none
    # what could not be checked here (a model whose plugin is not installed), one line each
    unchecked: tuple[str, ...] = ()
    # the fold files as the full check read them (None: taken from its validation record),
    # so the site's learning curves do not read and check every fold file a second time
    folds: list[FoldOutcome] | None = dataclasses.field(default=None, compare=False,
                                                        repr=False)
    # run.json as the full check read it (None: taken from its validation record), so a
    # tuning's check of each trial run's spec does not read it again
    record: RunRecord | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def policies(self) -> list[str]:
        return list(self.metrics_by_policy)


def _results_path(path: Path) -> Path:
    return path / RESULTS_FILE if path.is_dir() else path


def validate_run(path: Path, official: OfficialFingerprint | None = registered_official
                 ) -> ValidatedRun:
    """Accept a run directory (or its ``results.json``) only if its numbers recompute and
    its other files confirm what it says it is. ``official`` gives a dataset's official
    sample-list fingerprint (None: no such check).

    Raises :class:`ResultRejected` with one sentence for any problem, including layouts
    the checks did not foresee, so callers never show a traceback for a bad file. Inside a
    :func:`~merbench.verification.validation_record.checking` block, a run whose files are
    those of a recorded acceptance is read back, not recomputed."""
    results_path = _results_path(Path(path))
    if official is not registered_official:  # another check than the one records are of
        return _checked_run(Path(path), official)
    return once("emotion run", results_path.parent,
                lambda: _checked_run(Path(path), official), _run_facts,
                lambda facts: _recorded_run(results_path, facts))


def _run_facts(checked: ValidatedRun) -> dict[str, Any]:
    """What a record keeps of an accepted run: what the check computed and the files do
    not say (the recomputed metrics, within tolerance of the stored ones, not equal)."""
    return {"metrics": {name: to_json(metrics)
                        for name, metrics in checked.metrics_by_policy.items()},
            "n_epochs": checked.n_epochs}


def _recorded_run(results_path: Path, facts: dict[str, Any]) -> ValidatedRun:
    """An accepted run read back from its unchanged files and its record: results.json,
    the predictions and audit.json read (their signatures verified) as the check reads
    them, the recomputed numbers from the record where the files agree with them
    (:func:`~merbench.verification.record_check.confirm_run`; else it is checked in full)."""
    run_dir = results_path.parent
    results = read_results(results_path)
    audits = check_audit_file(run_folder(run_dir, results))
    metrics = {str(name): from_json(Metrics, value) for name, value in facts["metrics"].items()}
    n_epochs, predictions = int(facts["n_epochs"]), read_predictions(run_dir)
    confirm_run(results, metrics, n_epochs, predictions)
    return ValidatedRun(run_dir=run_dir, results=results, metrics_by_policy=metrics,
                        n_epochs=n_epochs, predictions=predictions, audits=audits,
                        unchecked=tuple(check_declared(results)))


def _checked_run(path: Path, official: OfficialFingerprint | None) -> ValidatedRun:
    """:func:`validate_run` in full: every number recomputed."""
    try:
        return _validate_run(Path(path), official)
    except ResultRejected:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        run_dir = _results_path(Path(path)).parent
        raise ResultRejected(run_dir, f"has a layout merbench cannot check "
                                      f"({in_words(exc)}); is it a complete "
                                      "merbench result?") from None


def _validate_run(path: Path, official: OfficialFingerprint | None) -> ValidatedRun:
    checked = agreeing_files(path, official)  # what status checks too, recomputing nothing
    run_dir, results, folds, frame = checked.run_dir, checked.results, checked.folds, \
        checked.frame
    classes, databases, claimed = results.dataset.classes, checked.databases, checked.claimed
    scored = score(folds, databases, classes, claimed)  # what run and --seeds compute
    recomputed: dict[str, Metrics] = {}
    for name, policy in scored.items():
        for fold, epoch, stored in zip(folds, policy.epochs, results.folds, strict=True):
            claimed_epoch = stored.epoch_by_policy.get(name)
            if claimed_epoch != epoch + 1:
                raise ResultRejected(run_dir, (
                    f"policy '{name}' picks epoch {epoch + 1} in fold {'/'.join(fold.key)} but "
                    f"results.json says {claimed_epoch}"))
        metrics = policy.metrics.metrics
        recomputed[name] = metrics
        found = differ(to_json(results.metrics_by_policy[name].metrics), to_json(metrics),
                       f"metrics_by_policy.{name}.metrics")
        if found:
            raise ResultRejected(run_dir, f"stored numbers do not match its predictions: {found}")
        if name == results.selection.policy:
            _check_reported(run_dir, results, folds, frame, name, policy)
    return ValidatedRun(run_dir=run_dir, results=results, metrics_by_policy=recomputed,
                        n_epochs=checked.n_epochs, predictions=checked.predictions,
                        audits=checked.audits, unchecked=tuple(checked.unchecked),
                        folds=folds, record=checked.record)


def _check_reported(run_dir: Path, results: Results, folds: list[FoldOutcome],
                    frame: Any, name: str, policy: PolicyScore) -> None:
    """The reported policy's metrics, predictions table and fold accuracies are its own."""
    found = differ(to_json(results.metrics), to_json(policy.metrics.metrics), "metrics")
    if found:
        raise ResultRejected(run_dir, f"stored numbers do not match its predictions: {found}")
    notes = collapse_notes(np.concatenate([f.y_true for f in folds]), policy.y_pred,
                           results.dataset.classes, policy.metrics.metrics.overall.uar)
    if results.notes is not None and results.notes != notes:
        raise ResultRejected(run_dir, (
            f"results.json's notes are {written(results.notes)} but the predictions give "
            f"{written(notes)} (a collapsed model must say so)"))
    _check_intervals(run_dir, results.intervals, [frame.reset_index()],
                     len(results.dataset.classes))
    selected = np.concatenate([np.full(len(f.y_true), e + 1)
                               for f, e in zip(folds, policy.epochs, strict=True)])
    for column, values in (("y_pred", policy.y_pred), ("epoch", selected)):
        if not np.array_equal(frame[column].to_numpy(dtype=int), values):
            raise ResultRejected(run_dir, (
                f"predictions.csv column '{column}' is not what policy '{name}' "
                "selects from the fold files"))
    for fold, accuracy, stored in zip(folds, policy.fold_accuracy(folds), results.folds,
                                      strict=True):
        found = differ(stored.accuracy, accuracy, f"folds[{fold.index}].accuracy")
        if found:
            raise ResultRejected(run_dir, f"stored numbers do not match its predictions: "
                                          f"{found}")


def _check_intervals(where: Path, stored: Intervals | None, frames: list[Any],
                     n_classes: int) -> None:
    """Recorded intervals are what the predictions give (null: not recorded, version 4)."""
    if stored is None:
        return
    found = differ(to_json(stored), to_json(interval_record(frames, n_classes)), "intervals")
    if found:
        raise ResultRejected(where, f"stored intervals do not match its predictions: {found}")


def _read_seeds(path: Path) -> SeedsSummary:
    """A ``seeds.json``, migrated to the current layout and every field checked."""
    data = read_json(path, "seeds summary")
    if data.get("kind") != "seeds":
        raise MerbenchError("not a merbench seeds summary (kind 'seeds' with runs and "
                            "policies)")
    try:
        summary = from_json(SeedsSummary, migrate(data, "seeds", path))
    except LayoutError as exc:
        raise MerbenchError(str(exc)) from None
    # an interval cut to one number: a traceback to show, which prints both ends (84o, O1)
    check_intervals(summary.intervals)
    return summary


def _emotion_seed_run(folder: Path) -> SeedRun:
    """An emotion seed run's seed and model, as its ``results.json`` records them."""
    results = read_results(folder / RESULTS_FILE)
    return SeedRun(results.seed, results.model.name, recorded_configuration(folder))


#: a ``seeds.json`` beside its emotion runs, as validate, status and show check it
SEEDS_STRUCTURE = SeedsStructure(
    SEEDS_FILE, (RUN_FILE, RESULTS_FILE), lambda summary: summary.model.name, _emotion_seed_run,
    lambda summary: [(f"policies.{name}.per_seed", policy.per_seed)
                     for name, policy in summary.policies.items()],
    command=RUN_OR_SWEEP, needed=((RESULTS_FILE, STOPPED),), recorded=recorded_identity)


def validate_seeds(path: Path, runs: dict[Path, ValidatedRun] | None = None) -> SeedsSummary:
    """Accept a ``seeds.json`` only if its runs validate and its per-seed numbers, means and
    standard deviations are what those runs give. ``runs`` (run directory, resolved ->
    validated run) reuses runs validated already, and gains those validated here."""
    path = Path(path)
    seeds_path = path / SEEDS_FILE if path.is_dir() else path
    return once("seeds summary", seeds_path.parent,
                lambda: _checked_seeds(seeds_path, runs), lambda summary: {},
                lambda facts: read_summary(seeds_path, _read_seeds, "seeds summary"))


def _differs(field: str, ours: Any, theirs: Any) -> str:
    """``seeds.json``'s ``field`` said to differ from its seed runs', at the first key that
    does, its values as JSON writes them (Python's ``{'name': ''}`` was said)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        key = next(k for k in (*ours, *theirs) if ours.get(k) != theirs.get(k))
        field, ours, theirs = f"{field}.{key}", ours.get(key), theirs.get(key)
    return f"{SEEDS_FILE}'s {field} is {json.dumps(ours)}, but its seed runs' is " \
           f"{json.dumps(theirs)}"


def _checked_seeds(seeds_path: Path, runs: dict[Path, ValidatedRun] | None) -> SeedsSummary:
    """:func:`validate_seeds` in full."""
    base = seeds_path.parent
    summary = read_summary(seeds_path, _read_seeds, "seeds summary")
    check_structure(base, SEEDS_STRUCTURE, summary)
    by_seed = validated_seed_runs(base, summary.runs, validate_run,
                                  lambda run: run.results.seed, {} if runs is None else runs)
    check_summary_created(base, SEEDS_FILE, summary.created,
                          (r.results.created for r in by_seed.values()))
    identity = summary_identity(next(iter(by_seed.values())).results)
    for field, theirs in identity.items():
        if to_json(getattr(summary, field)) != to_json(theirs):
            raise ResultRejected(base, _differs(field, to_json(getattr(summary, field)),
                                                to_json(theirs)))
    for policy, entry in summary.policies.items():
        if not all(policy in r.metrics_by_policy for r in by_seed.values()):
            raise ResultRejected(base, f"summarises policy '{policy}', which not every seed "
                                       "run supports")
        recomputed = over_seeds(by_seed, [r.metrics_by_policy[policy]
                                          for r in by_seed.values()], entry.test_set_selection)
        for key, stored, value in (("per_seed", entry.per_seed, recomputed.per_seed),
                                   ("mean", entry.mean, recomputed.mean),
                                   ("std", entry.std, recomputed.std)):
            found = differ(to_json(stored), to_json(value), f"policies.{policy}.{key}")
            if found:
                raise ResultRejected(base, f"stored numbers do not match its runs: {found}")
    _check_intervals(base, summary.intervals, [r.predictions for r in by_seed.values()],
                     len(next(iter(by_seed.values())).results.dataset.classes))
    return summary


#: what compare says of a path that is not there, in the words validate, show and status
#: use for theirs (the OS's "no such file or directory" was said, with no fix: pass 84w, W8)
NOT_THERE = "no such file or folder; give a run directory or a --seeds folder"


def validate_emotion(path: Path, runs: dict[Path, ValidatedRun] | None = None
                     ) -> ValidatedRun | SeedsSummary:
    """An emotion run (its folder or ``results.json``) or a summary of its seeds (a
    ``seeds.json`` or the folder holding one; ``runs`` as for :func:`validate_seeds`), for
    the readers of emotion runs alone (``compare``). Telling the kinds of result apart is
    :func:`merbench.kinds.kind_of`'s: each kind validates its own. A folder holding a
    ``results.json`` is its run, whatever else it holds, as ``kind_of`` gives it: compare
    read a run's folder with a ``seeds.json`` beside its results as a summary, which
    status, validate and show read as the run (pass 84s, S18)."""
    path = Path(path)
    if not path.exists():
        raise ResultRejected(path, NOT_THERE)
    if path.name == SEEDS_FILE or (path.is_dir() and (path / SEEDS_FILE).exists()
                                   and not os.path.lexists(path / RESULTS_FILE)):
        return validate_seeds(path, runs)
    return validate_run(path)


__all__ = ["NOT_THERE", "RESULTS_FILE", "SEEDS_FILE", "SEEDS_STRUCTURE", "ResultRejected",
           "ValidatedRun", "registered_official", "validate_emotion", "validate_run",
           "validate_seeds"]
