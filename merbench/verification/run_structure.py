"""The cheap half of ``merbench validate`` for an emotion run: every check of ``results.json``
against itself and against the run's other files (``run.json``, the fold files,
``predictions.csv``, ``audit.json``) that recomputes no score.

``validate`` goes on from here to recompute every score; ``merbench status`` stops here,
before it calls a run complete. The two used to make these checks apart, ``status`` only
some of them, so it called "complete" a run whose ``environment.merbench`` was edited to
another version than its first-party plugins' (``validate``: "model.provider says merbench
0.1.0 but environment.merbench says 9.9.9"), or whose class was renamed (``validate``: "the
samples, subjects and labels the folds tested give the sample-list fingerprint ..., not the
recorded ..."), pass 84l, N11. One function for both: a check added to ``validate`` is one
``status`` makes too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError, in_words
from merbench.plugin_system.manager import default_plugins
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.audit_file import AuditSummary, check_audit_file
from merbench.results.audited_files import run_folder
from merbench.results.fold_agrees import count_problem
from merbench.results.manifest import chain_problem
from merbench.results.model import Results, RunRecord
from merbench.results.recorded_values import run_values, said_of
from merbench.results.result_files import RESULTS_FILE
from merbench.results.retrained import compare_trained
from merbench.results.run_files import (
    ResultRejected,
    check_against_dataset,
    check_coverage,
    check_epochs,
    load_folds,
    read_predictions,
)
from merbench.results.rundir import RUN_FILE
from merbench.results.safe_files import UnsafeFile, check_run_folder
from merbench.results.schema import read_results
from merbench.runner.status import RunStatus
from merbench.verification.declared import check_declared
from merbench.verification.environment_check import check_environment
from merbench.verification.fold_record import check_fold_record
from merbench.verification.policy_check import check_policies
from merbench.verification.provenance import (
    RUN_FILE_MISSING,
    OfficialFingerprint,
    ProvenanceError,
    check_provenance,
)


@dataclass(frozen=True)
class RunFiles:
    """An emotion run's files read and found to agree, for the scores to be recomputed."""

    run_dir: Path
    results: Results
    audits: AuditSummary | None
    folds: list[FoldOutcome]
    predictions: Any  # pandas.DataFrame: predictions.csv as read, in its own row order
    frame: Any  # the same indexed by sample id, in fold order
    databases: np.ndarray  # each tested sample's database, in fold order
    claimed: list[str]  # the selection policies results.json claims
    n_epochs: int
    unchecked: list[str]  # what could not be checked here, one line each
    record: RunRecord  # run.json as read, so no later check of the run reads it again


def results_path(path: Path) -> Path:
    """``results.json`` of the run ``path`` names (its folder or the file itself)."""
    return path / RESULTS_FILE if path.is_dir() else path


def agreeing_files(path: Path, official: OfficialFingerprint | None) -> RunFiles:
    """The run at ``path`` read, every file of it agreeing with ``results.json`` as far as
    can be told without recomputing a score; :class:`ResultRejected` (one sentence) at the
    first that does not. ``official``: a dataset's official sample-list fingerprint (None:
    not checked)."""
    results_file = results_path(Path(path))
    run_dir = results_file.parent
    if not os.path.lexists(results_file):
        raise ResultRejected(Path(path), f"no {RESULTS_FILE} here; pass a finished run "
                                         "directory or its results.json")
    try:
        check_run_folder(run_dir)
    except UnsafeFile as exc:
        raise ResultRejected(run_dir, str(exc)) from None
    try:
        results = read_results(results_file)  # every field's type checked
    except MerbenchError as exc:
        raise ResultRejected(results_file, str(exc).removeprefix(f"{results_file} ")) from None
    try:  # read, type-checked, each record possible for this run, signatures verified
        audits = check_audit_file(run_folder(run_dir, results))
    except MerbenchError as exc:
        raise ResultRejected(run_dir, str(exc).replace(f"{run_dir}/", "")) from None
    if not results.trained and results.weights is None:
        raise ResultRejected(run_dir, "results.json does not follow the schema: field "
                                      "'weights' is null; a run of saved weights must name them")
    try:  # what results.json records that makes sense on its own
        run_values(results)
    except ProvenanceError as exc:  # said of the file, as status says it
        raise ResultRejected(run_dir, said_of(RESULTS_FILE, exc)) from None
    counted = count_problem(len(results.folds), results.protocol.n_folds)
    if counted is not None:  # as status says it, before any fold file is looked for
        raise ResultRejected(run_dir, f"{RESULTS_FILE} {counted}")
    folds = load_folds(run_dir, results.protocol.n_folds)
    trained = compare_trained(run_dir, results.files, results.created, RESULTS_FILE)
    if trained.retrained:  # before its time is compared with the record's: as status says it
        raise ResultRejected(run_dir, trained.retrained)
    predictions = read_predictions(run_dir)  # kept as read, for intervals and comparisons
    check_fold_record(run_dir, results.protocol.name, results.dataset.n_samples, folds,
                      predictions)  # what run refuses to train on, as far as files show it
    sample_ids = check_coverage(run_dir, results, folds, len(results.dataset.classes))
    n_epochs = check_epochs(run_dir, results, folds)
    claimed = check_policies(run_dir, results, folds)
    frame = _in_fold_order(run_dir, predictions, sample_ids, folds)
    databases = frame["database"].to_numpy(dtype=str)
    check_against_dataset(run_dir, results, databases,
                          np.concatenate([f.y_true for f in folds]).astype(int),
                          (frame["database"].astype(str) + "/"
                           + frame["subject"].astype(str)).to_numpy())
    try:
        record = check_provenance(run_dir, results, folds, frame, official)
        check_environment(results)
        unchecked = check_declared(results)
    except ProvenanceError as exc:
        raise ResultRejected(run_dir, str(exc)) from None
    _check_manifest(run_dir, results, folds, record, trained.recorded)
    return RunFiles(run_dir=run_dir, results=results, audits=audits, folds=folds,
                    predictions=predictions, frame=frame, databases=databases,
                    claimed=claimed, n_epochs=n_epochs, unchecked=unchecked, record=record)


def _in_fold_order(run_dir: Path, predictions: Any, sample_ids: np.ndarray,
                   folds: list[FoldOutcome]) -> Any:
    """``predictions`` indexed by sample id in fold order, once it holds the fold files'
    samples one to one, with their true labels and folds."""
    frame = predictions
    if len(frame) != len(sample_ids) or set(frame["sample_id"]) != set(sample_ids.tolist()) \
            or not frame["sample_id"].is_unique:
        raise ResultRejected(run_dir, (
            f"predictions.csv has {len(frame)} rows that do not match the "
            f"{len(sample_ids)} samples of the fold files one to one"))
    frame = frame.set_index("sample_id").loc[sample_ids]
    y_true = np.concatenate([f.y_true for f in folds]).astype(int)
    if not np.array_equal(frame["y_true"].to_numpy(dtype=int), y_true):
        raise ResultRejected(run_dir, "predictions.csv and the fold files disagree on the "
                                      "true labels")
    fold_of = np.concatenate([np.full(len(f.y_true), f.index) for f in folds])
    if not np.array_equal(frame["fold"].to_numpy(dtype=int), fold_of):
        raise ResultRejected(run_dir, "predictions.csv puts samples in other folds than the "
                                      "fold files")
    return frame


def _check_manifest(run_dir: Path, results: Results, folds: list[FoldOutcome],
                    record: RunRecord, recorded: frozenset[str]) -> None:
    """The files ``results.json`` names (its manifest) are the run's, chained to its
    ``run.json`` and fold files; ``recorded``: those already found to be the recorded ones
    (:func:`~merbench.results.retrained.compare_trained`), not hashed again."""
    if results.files is None and (
            any(f.run_sha256 is not None or f.finished is not None or f.trained_with is not None
                for f in folds) or any(f.finished is not None for f in results.folds)):
        # a run from before the manifest (or migrated from one) has fold files that name no
        # run either; null here and a digest there is a manifest removed, after which another
        # run's fold files would validate in its place
        raise ResultRejected(run_dir, "its fold files record the run they were trained for "
                                      "or when (as merbench 8 and later write them), but "
                                      "results.json names no files (manifest): a layout it "
                                      "cannot have; publish the run as merbench wrote it")
    # run.json as check_provenance read it
    broken = chain_problem(run_dir, results.files, record.identity,
                           {f.index: f.run_sha256 for f in folds}, recorded=recorded)
    if broken:
        raise ResultRejected(run_dir, broken)


def registered_official(name: str, version: int) -> str | None:
    """The official sample-list fingerprint the installed dataset plugin declares for
    ``name`` at ``version``, or None."""
    datasets = default_plugins().registries.datasets
    if name not in datasets:
        return None
    meta = datasets.get(name).meta
    return meta.official_fingerprint if meta.version == version else None


def refusal(run_dir: Path, check: Callable[[Path], object]) -> str | None:
    """Why ``validate`` refuses the finished run in ``run_dir`` by ``check``, its kind's
    checks that recompute no score (an emotion run's :func:`agreeing_files`), said after the
    folder's name (the folder named only in front), or None where its files agree:
    ``status`` says this instead of "complete". A layout the checks did not foresee is
    said as ``validate`` says it."""
    try:
        check(run_dir)
    except ResultRejected as exc:
        if exc.path == run_dir:
            return exc.reason
        return str(exc).removeprefix(f"{run_dir}/")
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        return (f"has a layout merbench cannot check ({in_words(exc)}); is it a complete "
                "merbench result?")
    return None


def refuse_to_show(run_dir: Path, check: Callable[[Path], object]) -> None:
    """One line (a MerbenchError) where ``merbench show`` must not print the run in
    ``run_dir`` as a finished result: where ``status`` calls it stopped or ``validate``
    refuses it by ``check``, the same checks of its kind that recompute no score
    (:func:`refusal`). Show printed the scores of a run whose predictions.csv was gone or
    had another header, or whose run.json was a link to /dev/zero, with exit status 0
    (pass 84m, M11)."""
    refused = refusal(run_dir, check)
    if refused is not None:
        raise MerbenchError(f"{run_dir}: {refused} ('merbench validate' refuses it too; "
                            "show prints only a result whose files agree)")


def identity_missing(folder: Path, result_file: str = RESULTS_FILE) -> str | None:
    """``status``'s line for the finished run in ``folder`` (its ``result_file`` there)
    whose ``run.json`` is gone, in ``validate``'s words; None where it has one or is no
    finished run. status walked for ``run.json`` alone and said such a folder "holds no
    merbench run" while validate and show rejected it as the run it is (pass 84u, U6)."""
    if os.path.lexists(folder / RUN_FILE) or not os.path.lexists(folder / result_file):
        return None
    return f"{folder}: {RUN_FILE_MISSING} ('merbench validate' refuses it)"


def emotion_files_agree(run_dir: Path) -> None:
    """:func:`agreeing_files` of an emotion run, with the official sample lists the
    installed datasets declare, as ``validate`` checks it."""
    agreeing_files(run_dir, registered_official)


def status_checked(status: RunStatus,
                   check: Callable[[Path], object] = emotion_files_agree) -> RunStatus:
    """``status`` of a run folder, no longer complete where ``validate`` refuses its files
    by ``check``, the checks of its kind that recompute no score (:func:`refusal`): status
    never calls complete what validate rejects on a check it can make as cheaply."""
    if not status.complete:
        return status
    refused = refusal(Path(status.path), check)
    if refused is None:
        return status
    return replace(status, complete=False,
                   refused=f"{refused} ('merbench validate' refuses it)")


__all__ = ["RunFiles", "agreeing_files", "emotion_files_agree", "identity_missing", "refusal",
           "refuse_to_show", "registered_official", "results_path", "status_checked"]
