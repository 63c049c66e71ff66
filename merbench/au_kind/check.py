"""``merbench validate`` of an AU run: every number of ``au-results.json`` recomputed from
its fold files.

An AU run's fold files hold each test sample's AU label code and the AUs predicted present
after every epoch (:mod:`merbench.au.record`). Validation checks the chain the
emotion runs' validation checks (``au-results.json``'s manifest names exactly the run's
files and their digests, each fold file was trained for the ``run.json`` identity), that
every record of the file states the identity's run (model, feature, data, folds, recipe,
seed, AU set), that the fold files hold every coded sample once with the labels the
identity hashed and as many epochs as the recipe trains, that ``au-predictions.csv`` is
the table the run writes from them, byte for byte, and then scores the fold files again
with :func:`merbench.au.scoring.score_au`, the function the run used: a forged F1, count,
interval, fold record, label or prediction is refused with the file named.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from merbench.au.metrics import THRESHOLD
from merbench.au.record import (
    AU_PREDICTIONS_FILE,
    AU_RESULTS_FILE,
    AUResults,
    read_au_results,
)
from merbench.au.record_checks import au_identity_disagreement, au_values
from merbench.au.scoring import score_au
from merbench.base.errors import MerbenchError, in_words
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.audit_file import AuditSummary, check_audit_file
from merbench.results.audited_files import run_folder
from merbench.results.codec import to_json
from merbench.results.fold_names import stray_problem
from merbench.results.go_on import missing_line
from merbench.results.manifest import chain_problem
from merbench.results.result_files import AUDIT_FILE
from merbench.results.retrained import compare_trained
from merbench.results.run_files import ResultRejected, missing_folds
from merbench.results.rundir import FOLDS_DIR, RUN_FILE, RunDirectory
from merbench.results.safe_files import check_run_folder
from merbench.results.user_files import UnreadableFile, parse_user_csv, read_user_bytes
from merbench.runner.au_run import AU_PREDICTION_COLUMNS, entry_accuracy, predictions_table
from merbench.runner.identity import labels_sha256
from merbench.verification.environment_check import check_environment
from merbench.verification.fold_record import check_fold_record
from merbench.verification.provenance import (
    RUN_FILE_MISSING,
    ProvenanceError,
    check_created,
    check_duration,
    check_fold_spans,
    check_plugins,
)


def _folds(run_dir: Path, results: AUResults) -> list[FoldOutcome]:
    folder = RunDirectory(run_dir)
    stray = stray_problem(folder.folds_dir)  # as an emotion run's: status says it refused
    if stray is not None:
        raise ResultRejected(run_dir, stray)
    gone = missing_folds(folder, results.protocol.n_folds)
    if gone is not None:  # as status says it, with the fix that holds (84af)
        count, names = gone
        raise ResultRejected(run_dir, missing_line([f"{FOLDS_DIR}/{name}" for name in names],
                                                   count, audited=os.path.lexists(
                                                       run_dir / AUDIT_FILE)))
    outcomes = []
    for index in range(results.protocol.n_folds):
        try:
            outcome = folder.load_fold(index)
        except MerbenchError as exc:
            raise ResultRejected(run_dir, str(exc)) from None
        if outcome is None:
            raise ResultRejected(run_dir / AU_RESULTS_FILE,
                                 f"fold file {index} of {results.protocol.n_folds} is missing")
        outcomes.append(outcome)
    return outcomes


def _fold_problem(results: AUResults, outcomes: list[FoldOutcome]) -> str | None:
    """What the fold files hold that the run could not have written: a sample tested twice
    or outside the sample table, labels other than those the identity hashed, another
    number of epochs than the recipe's, predicted or coded AUs outside the set."""
    n_aus, n_samples = len(results.au_set), results.dataset.n_samples
    recipe = results.hyperparameters.recipe
    rows = np.concatenate([o.test_index for o in outcomes]).astype(np.int64)
    if len(set(rows.tolist())) != len(rows) or (len(rows) and (rows.min() < 0
                                                               or rows.max() >= n_samples)):
        return "its fold files test a sample twice, or one outside the sample table"
    codes = np.concatenate([o.y_true for o in outcomes]).astype(np.int64)
    if labels_sha256(n_samples, rows, codes) != results.dataset.labels_sha256:
        return ("its fold files' labels or samples are not those the run identity hashed "
                "(a sample left out, or a label edited)")
    present = (1 << n_aus) - 1
    if np.any(codes & ~(present | (present << 16))):
        return "its fold files code AUs outside the AU set"
    for outcome in outcomes:
        predicted = np.asarray(outcome.epoch_predictions, dtype=np.int64)
        if recipe is not None and predicted.shape[0] != recipe.epochs:
            return (f"fold {outcome.index} holds {predicted.shape[0]} epochs; the recipe "
                    f"trains {recipe.epochs}")
        if np.any((predicted < 0) | (predicted > present)):
            return f"fold {outcome.index} predicts AUs outside the AU set"
    return None


def _records_problem(results: AUResults, outcomes: list[FoldOutcome],
                     table: pd.DataFrame) -> str | None:
    """Which count or fold record of ``results`` is not its fold files'."""
    if results.threshold != THRESHOLD:
        return f"its threshold is {results.threshold}, not {THRESHOLD}, the one AU runs use"
    n = len(table)
    subjects = int(table[["database", "subject"]].drop_duplicates().shape[0])
    if (results.protocol.n_samples, results.dataset.n_scored, results.dataset.n_subjects) != (
            n, n, subjects):
        return "its sample or subject counts are not its fold files'"
    if len(results.folds) != len(outcomes):
        return f"it records {len(results.folds)} folds; the run has {len(outcomes)}"
    for record, outcome in zip(results.folds, outcomes, strict=True):
        epochs = len(outcome.epoch_predictions)
        expected = (outcome.index, list(outcome.key), outcome.n_train, len(outcome.test_index),
                    epochs, {"fixed": epochs}, 0, entry_accuracy(outcome, len(results.au_set)))
        if (record.index, record.key, record.n_train, record.n_test, record.epoch,
                record.epoch_by_policy, record.n_inner_val, record.accuracy) != expected or (
                record.seconds, record.device, record.folds_at_once, record.finished) != (
                round(outcome.seconds, 3), outcome.device, outcome.folds_at_once,
                outcome.finished):
            return f"its record of fold {record.index} is not that fold file's"
    if results.train_time_s != round(sum(o.seconds for o in outcomes), 3):
        return "its training time is not the sum of its fold files' seconds"
    try:  # a date and a wall time merbench could have written, as an emotion run's, and
        # fold files written while the run went on (a date before its folds passed)
        check_duration("wall_time_s", results.wall_time_s)
        check_fold_spans(results, check_created(results.created))
    except ProvenanceError as exc:
        return str(exc)
    return None


def validate_au_run(path: Path) -> AUResults:
    """The AU results at ``path`` (the file or its run folder), every number recomputed;
    :class:`ResultRejected` naming the first thing that does not hold."""
    return validate_au_run_and_audits(path)[0]


def validate_au_run_and_audits(path: Path) -> tuple[AUResults, AuditSummary | None]:
    """:func:`validate_au_run`, with what the run's ``audit.json`` holds (None: none), read
    and verified once."""
    results_file = path / AU_RESULTS_FILE if path.is_dir() else path
    try:
        return _validate(results_file)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # a file of the right layout whose values break a computation: still one line
        raise ResultRejected(results_file, f"it cannot be recomputed ({in_words(exc)})"
                                           ) from None


def au_files_agree(path: Path) -> None:
    """The cheap half of :func:`validate_au_run` (the AU run at ``path``, its folder or its
    file): every check of ``au-results.json`` against itself and the run's other files that
    recomputes no score, which ``merbench status`` makes before it calls the run complete
    (it called complete an AU run whose ``environment.merbench`` was edited, pass 84l,
    N11); :class:`ResultRejected` as ``validate`` says it."""
    results_file = path / AU_RESULTS_FILE if path.is_dir() else path
    try:
        _agreeing(results_file)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ResultRejected(results_file, f"it cannot be recomputed ({in_words(exc)})"
                                           ) from None


def _validate(results_file: Path) -> tuple[AUResults, AuditSummary | None]:
    results, audits, table = _agreeing(results_file)
    scored = score_au(table["y_true"].to_numpy(np.int64), table["y_pred"].to_numpy(np.int64),
                      table, results.au_set)
    for name, mine, theirs in (("overall", scored.overall, results.overall),
                               ("per_database", scored.per_database, results.per_database),
                               ("intervals", scored.intervals, results.intervals)):
        if to_json(mine) != to_json(theirs):
            raise ResultRejected(results_file, f"its {name} scores are not those of its fold "
                                               "files (recomputed from the stored predictions)")
    return results, audits


def _agreeing(results_file: Path) -> tuple[AUResults, AuditSummary | None, pd.DataFrame]:
    """The AU run's record, its audits and its predictions table, once every check that
    recomputes no score holds (:func:`au_files_agree`)."""
    run_dir = results_file.parent

    def reject(reason: str) -> ResultRejected:
        return ResultRejected(results_file, reason)

    try:
        # links, fifos and hard links are refused before anything is read, as in an
        # emotion run (a predictions file linked out of the folder validated "ok")
        check_run_folder(run_dir, (AU_RESULTS_FILE, AU_PREDICTIONS_FILE))
        results = read_au_results(results_file)
        if not (run_dir / RUN_FILE).exists():  # an emotion run's words (pass 84u, U6)
            raise MerbenchError(RUN_FILE_MISSING)
        record = RunDirectory(run_dir).read_run_file()
    except MerbenchError as exc:  # each names its own file: said once, in the folder
        raise ResultRejected(run_dir, str(exc)) from None
    try:  # audited as emotion runs are: its records must be of this run's folds
        audits = check_audit_file(run_folder(run_dir, results))
    except MerbenchError as exc:
        raise ResultRejected(run_dir, str(exc)) from None
    try:  # what it records that makes sense on its own, as status checks it too
        au_values(results)
    except ProvenanceError as exc:
        raise reject(str(exc)) from None
    if results.files is None:
        raise reject("it names no files (manifest); publish the run as merbench wrote it")
    outcomes = _folds(run_dir, results)
    trained = compare_trained(run_dir, results.files, results.created, AU_RESULTS_FILE)
    problem = trained.retrained or chain_problem(
        run_dir, results.files, record.identity, {o.index: o.run_sha256 for o in outcomes},
        predictions_name=AU_PREDICTIONS_FILE, record_name=AU_RESULTS_FILE,
        recorded=trained.recorded)
    if problem:
        raise reject(problem)
    part = au_identity_disagreement(results, record.identity)
    if part:
        raise reject(f"its {part} is not the one run.json's identity records (the identity "
                     "the fold files were trained for)")
    problem = _fold_problem(results, outcomes)
    if problem:
        raise reject(problem)
    try:
        stored = read_user_bytes(run_dir / AU_PREDICTIONS_FILE, "AU predictions table")
        table = parse_user_csv(stored, run_dir / AU_PREDICTIONS_FILE, "AU predictions table",
                               keep_default_na=False,
                               dtype={"sample_id": str, "database": str, "subject": str})
    except UnreadableFile as exc:
        raise reject(f"{AU_PREDICTIONS_FILE} {exc.reason}") from None
    if list(table.columns) != list(AU_PREDICTION_COLUMNS):
        raise reject(f"{AU_PREDICTIONS_FILE}'s columns are not {', '.join(AU_PREDICTION_COLUMNS)}")
    check_fold_record(run_dir, results.protocol.name, results.dataset.n_samples, outcomes,
                      table)  # what run refuses to train on, as far as files show it
    rows = np.concatenate([o.test_index for o in outcomes]).astype(np.int64)
    if len(table) != len(rows):
        raise reject(f"{AU_PREDICTIONS_FILE} has {len(table)} rows; the fold files test "
                     f"{len(rows)} samples")
    place = {int(row): (str(db), str(subject)) for row, db, subject in
             zip(rows, table["database"], table["subject"], strict=True)}
    rebuilt = predictions_table(outcomes, tuple(results.au_set), place.__getitem__)
    if rebuilt.to_csv(index=False).encode() != stored:
        raise reject(f"{AU_PREDICTIONS_FILE} is not the table of the fold files' labels and "
                     "last-epoch predictions")
    for outcome in outcomes:
        key = tuple(outcome.key)
        for row in outcome.test_index:
            db, subject = place[int(row)]
            if key[0] != db or (len(key) == 2 and key[1] != subject):
                raise reject(f"{AU_PREDICTIONS_FILE} puts a sample of fold {'/'.join(key)} "
                             f"under {db}/{subject}")
    problem = _records_problem(results, outcomes, table)
    if problem:
        raise reject(problem)
    try:
        check_environment(results)
        check_plugins(results)
    except ProvenanceError as exc:
        raise reject(str(exc)) from None
    return results, audits, table
