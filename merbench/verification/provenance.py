"""Cross-checks of what a result says about itself, for what its predictions cannot recompute.

:mod:`merbench.verification.validate` recomputes every metric from the stored predictions, but a
copy of a genuine run with its model name, seed or timing edited still recomputes. So every
statement in ``results.json`` that another file also makes must agree with it: the identity
``run.json`` recorded when the run started (model, feature, dataset, protocol, seed, options,
recipe, inner validation, weights), each fold file's own metadata, the sample list the fold
files give (its fingerprint recomputed, and compared with the official list merbench ships
for the dataset), the plugins the environment loaded, and the timing. What no other file
states (a plausible ``created`` date, a wall time that is a time) is checked for sense.
These checks catch edits of one file; a forgery that edits every file consistently is what
``merbench audit`` catches, by training the folds again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.data.dataset import sample_list_fingerprint
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.fold_agrees import SECONDS_TOLERANCE, metadata_problem
from merbench.results.identity_agrees import implied_identity
from merbench.results.model import ProviderRecord, Results
from merbench.results.model import RunRecord as RunFileRecord  # run.json's, not a task's
from merbench.results.recorded_values import (
    ProvenanceError,
    check_created,
    check_duration,
)
from merbench.results.run_differences import differences
from merbench.results.run_record import RunRecord
from merbench.results.rundir import RUN_FILE, RunDirectory, RunFileUnreadable
from merbench.runner.executor_kinds import side_by_side
from merbench.runner.values import values_sha256

#: what ``validate`` says of a finished run (its results file there) whose ``run.json`` is
#: gone, and ``status`` and ``show`` with it (:func:`~merbench.verification.run_structure.
#: identity_missing`)
RUN_FILE_MISSING = (f"{RUN_FILE} is missing, so nothing confirms what ran; publish the "
                    "complete run directory")

# ``created`` is kept to the second (fold files' write times to the millisecond)
SPAN_MARGIN = timedelta(seconds=1.5)
# The official sample-list fingerprint of a dataset (name, version), or None: the one its
# plugin declares (``DatasetMeta.official_fingerprint``), looked up by the caller.
OfficialFingerprint = Callable[[str, int], str | None]


def check_provenance(run_dir: Path, results: Results, folds: list[FoldOutcome],
                     predictions: pd.DataFrame, official: OfficialFingerprint | None
                     ) -> RunFileRecord:
    """Raise :class:`ProvenanceError` (one sentence) at the first statement of ``results``
    that ``run.json``, the fold files or the predictions contradict, or that makes no sense.
    ``predictions`` is ``predictions.csv`` indexed by sample id in fold order. Returns
    ``run.json`` as read, for the run's later checks (each read it again: three readings
    of every trial run of a tuning, a tenth of a strict site build)."""
    record = _check_run_file(run_dir, results)
    _check_fold_metadata(results, folds)
    _check_sample_list(results, folds, predictions, official)
    check_plugins(results)
    _check_times(results)
    return record


def _check_run_file(run_dir: Path, results: Results) -> RunFileRecord:
    if not (run_dir / RUN_FILE).is_file():
        raise ProvenanceError(RUN_FILE_MISSING)
    try:
        record = RunDirectory(run_dir).read_run_file()
    except RunFileUnreadable as exc:  # said once, without the path validate puts first
        raise ProvenanceError(f"{RUN_FILE} is unreadable ({exc.problem}); restore it from a "
                              "copy of the run") from None
    except MerbenchError as exc:
        raise ProvenanceError(str(exc)) from None
    found = differences(implied_identity(results), record.identity)
    if found:
        raise ProvenanceError(
            f"results.json and {RUN_FILE} describe different runs ({'; '.join(found[:2])}, "
            f"'here' being results.json); one of them was edited, publish the run as it "
            "was written")
    if record.n_folds is not None and record.n_folds != results.protocol.n_folds:
        raise ProvenanceError(f"{RUN_FILE} says {record.n_folds} folds but results.json "
                              f"says {results.protocol.n_folds}")
    stored_values = record.feature_values
    claimed = results.feature.values_sha256
    if stored_values and claimed is not None and values_sha256(stored_values) != claimed:
        raise ProvenanceError(f"feature.values_sha256 is not the digest of the feature "
                              f"values {RUN_FILE} records")
    return record


def _check_fold_metadata(results: Results, folds: list[FoldOutcome]) -> None:
    """Each fold's record agrees with its fold file on training size, device and time."""
    for fold, stored in zip(folds, results.folds, strict=True):
        problem = metadata_problem(fold, stored, "results.json")
        if problem is not None:
            raise ProvenanceError(problem)


def tested_fingerprint(n_samples: int, classes: list[str], folds: list[FoldOutcome],
                       predictions: pd.DataFrame) -> str | None:
    """The sample-list fingerprint of the samples the folds tested, in sample-table order,
    or None when they did not test every one of ``n_samples`` samples (a protocol that
    tests some of them: the list is not all in the run). ``predictions`` is
    ``predictions.csv`` indexed by sample id in fold order."""
    rows = np.concatenate([f.test_index for f in folds]).astype(int)
    if len(rows) != n_samples or set(rows.tolist()) != set(range(len(rows))):
        return None
    table = pd.DataFrame({
        "sample_id": predictions.index.astype(str),
        "database": predictions["database"].astype(str).to_numpy(),
        "subject": predictions["subject"].astype(str).to_numpy(),
        "label": np.concatenate([f.y_true for f in folds]).astype(int),
    }, index=rows).sort_index()
    return sample_list_fingerprint(table, classes)


def _check_sample_list(results: Results, folds: list[FoldOutcome],
                       predictions: pd.DataFrame, official: OfficialFingerprint | None) -> None:
    """The dataset fingerprint, recomputed from the samples the folds tested (when they
    tested every sample), is the recorded one, and the official list's when the dataset
    ran with its default options and skipped nothing."""
    dataset = results.dataset
    recomputed = tested_fingerprint(dataset.n_samples, dataset.classes, folds, predictions)
    if recomputed is None:
        return
    if recomputed != dataset.fingerprint:
        raise ProvenanceError(
            f"the samples, subjects and labels the folds tested give the sample-list "
            f"fingerprint {recomputed}, not the recorded {dataset.fingerprint}: the labels "
            "or samples were edited")
    if official is None or dataset.options or dataset.skipped:
        return
    expected = official(dataset.name, dataset.version)
    if expected is not None and expected != recomputed:
        raise ProvenanceError(
            f"the samples and labels the folds tested (fingerprint {recomputed}) are not "
            f"the official list of dataset '{dataset.name}' v{dataset.version} "
            f"({expected}): samples were relabelled, added or removed")


def recorded_providers(results: RunRecord
                       ) -> list[tuple[str, str, ProviderRecord | None]]:
    """``(section, name, provider)`` of the model, feature, dataset and protocol a run used."""
    return [("model", results.model.name, results.model.provider),
            ("feature", results.feature.name, results.feature.provider),
            ("dataset", results.dataset.name, results.dataset.provider),
            ("protocol", results.protocol.name, results.protocol.provider)]


def check_plugins(results: RunRecord) -> None:
    """Each recorded provider is a plugin the run's environment says it loaded (an emotion
    run's and an AU run's alike: an AU run's edited provider once validated)."""
    loaded = results.environment.plugins
    for section, name, provider in recorded_providers(results):
        if not provider or provider.plugin is None or provider.package == "<in-process>":
            continue
        said = f"{provider.package} {provider.version or ''}".strip()
        if loaded.get(provider.plugin) != said:
            raise ProvenanceError(
                f"{section} '{name}' was provided by plugin "
                f"'{provider.plugin}' ({said}), which environment.plugins does not list "
                f"as loaded ({loaded.get(provider.plugin, 'absent')})")


def _check_times(results: Results) -> None:
    """A creation date merbench could have written, and times that are durations."""
    when = check_created(results.created)
    for field, seconds in (("wall_time_s", results.wall_time_s),
                           ("train_time_s", results.train_time_s)):
        check_duration(field, seconds)
    folds = results.folds
    total = sum(fold.seconds for fold in folds)
    if abs(results.train_time_s - total) > SECONDS_TOLERANCE * (len(folds) + 1):
        raise ProvenanceError(f"train_time_s is {results.train_time_s} but the folds took "
                              f"{total:.3f} s in all")
    resumed = sum(bool(fold.resumed) for fold in folds)
    if results.folds_resumed != resumed:
        raise ProvenanceError(f"folds_resumed is {results.folds_resumed} but {resumed} "
                              "fold(s) are marked resumed")
    check_fold_spans(results, when)
    engine = results.engine
    # an executor that trains side by side (Ray) trains at most every fold at once
    at_once = len(folds) if engine is not None and side_by_side(engine.executor) else 1
    if resumed == 0 and results.train_time_s > at_once * results.wall_time_s + 1.0:
        who = ("its folds as Ray tasks side by side" if at_once > 1
               else "one process trained every fold")
        raise ProvenanceError(
            f"{who}, yet their training took {results.train_time_s} s in a wall time of "
            f"{results.wall_time_s} s")


def check_fold_spans(results: RunRecord, created: datetime) -> None:
    """Where fold files record when they were written: each fold this process trained was
    written during the run (between its start, ``created`` less the wall time, and
    ``created``) and took no longer than the run had been going by then. Any executor's
    folds must fit so, side by side or not: a fold time padded beyond the wall time
    cannot."""
    start = created - timedelta(seconds=results.wall_time_s)
    for fold in results.folds:
        if fold.finished is None:
            continue
        label = "/".join(fold.key)
        try:
            written = datetime.fromisoformat(fold.finished)
        except (TypeError, ValueError):
            raise ProvenanceError(f"fold {label} says it was written at {fold.finished!r}, "
                                  "not a date and time (ISO 8601)") from None
        if written.tzinfo is None or written > created + SPAN_MARGIN:
            raise ProvenanceError(f"fold {label} was written at {fold.finished}, after the "
                                  f"run finished ({results.created})")
        if fold.resumed:
            continue  # trained by an earlier process, before this run's wall time began
        if written < start - SPAN_MARGIN:
            raise ProvenanceError(f"fold {label} was written at {fold.finished}, before the "
                                  f"run started ({results.wall_time_s} s before "
                                  f"{results.created})")
        took = (written - start).total_seconds()
        if fold.seconds > took + SPAN_MARGIN.total_seconds():
            raise ProvenanceError(
                f"fold {label} took {fold.seconds} s, but it was written {took:.0f} s after "
                "the run started: fold times cannot exceed the time the run had taken")
