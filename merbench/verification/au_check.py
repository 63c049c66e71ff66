"""``merbench validate`` of an AU run: every number of ``au-results.json`` recomputed from
its fold files.

An AU run's fold files hold each test sample's AU label code and the AUs predicted present
after every epoch (:mod:`merbench.results.au_file`). Validation checks the chain the
emotion runs' validation checks (``au-results.json``'s manifest names exactly the run's
files and their digests, each fold file was trained for the ``run.json`` identity), that
the identity's task is the file's (AU set, label hash), that ``au-predictions.csv`` is the
fold files' last epoch, sample by sample, and then scores the fold files again with
:func:`merbench.au_scoring.score_au`, the function the run used: a forged F1, positive
count or interval, an edited prediction or label, is refused with the file named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.au_scoring import score_au
from merbench.errors import MerbenchError
from merbench.results.au_file import (
    AU_PREDICTIONS_FILE,
    AU_RESULTS_FILE,
    AUResults,
    read_au_results,
)
from merbench.results.codec import to_json
from merbench.results.manifest import chain_problem
from merbench.results.run_files import ResultRejected
from merbench.results.rundir import RunDirectory
from merbench.runinfo import FoldOutcome


def _folds(run_dir: Path, results: AUResults) -> list[FoldOutcome]:
    folder = RunDirectory(run_dir)
    outcomes = []
    for index in range(results.protocol.n_folds):
        try:
            outcome = folder.load_fold(index)
        except MerbenchError as exc:
            raise ResultRejected(run_dir / AU_RESULTS_FILE, str(exc)) from None
        if outcome is None:
            raise ResultRejected(run_dir / AU_RESULTS_FILE,
                                 f"fold file {index} of {results.protocol.n_folds} is missing")
        outcomes.append(outcome)
    return outcomes


def _identity_disagreement(results: AUResults, identity: dict[str, Any]) -> str | None:
    """Which part of ``results`` says another run than ``identity`` (what ``run.json``
    records and every fold file's digest names): a page shows a run under its model,
    options, feature, data, folds, recipe and seed, so none may be edited apart from the
    predictions."""
    task = identity.get("task") or {}
    stated = {
        "model": {"name": results.model.name, "version": results.model.version,
                  "options": results.model.options,
                  **({"built_from": results.model.built_from} if results.model.built_from
                     else {})},
        "feature": {"name": results.feature.name, "version": results.feature.version,
                    "options": results.feature.options},
        "dataset": {"name": results.dataset.name, "version": results.dataset.version,
                    "options": results.dataset.options,
                    "fingerprint": results.dataset.fingerprint},
        "protocol": {"name": results.protocol.name, "version": results.protocol.version,
                     "options": results.protocol.options,
                     "folds_fingerprint": results.protocol.folds_fingerprint},
        "seed": results.seed, "shuffle_train_labels": results.shuffle_train_labels,
        "hyperparameters": results.hyperparameters.recorded(),
    }
    for name, value in stated.items():
        if to_json(value) != identity.get(name):
            return name.replace("_", " ")
    if (task.get("name"), task.get("au_set"), task.get("labels")) != (
            "au", results.au_set, results.dataset.labels_sha256):
        return "AU set or label hash"
    return None


def validate_au_run(path: Path) -> AUResults:
    """The AU results at ``path`` (the file or its run folder), every number recomputed;
    :class:`ResultRejected` naming the first thing that does not hold."""
    results_file = path / AU_RESULTS_FILE if path.is_dir() else path
    run_dir = results_file.parent

    def reject(reason: str) -> ResultRejected:
        return ResultRejected(results_file, reason)

    try:
        results = read_au_results(results_file)
        record = RunDirectory(run_dir).read_run_file()
    except MerbenchError as exc:
        raise reject(str(exc)) from None
    if results.files is None:
        raise reject("it names no files (manifest); publish the run as merbench wrote it")
    outcomes = _folds(run_dir, results)
    problem = chain_problem(run_dir, results.files, record.identity,
                            {o.index: o.run_sha256 for o in outcomes},
                            predictions_name=AU_PREDICTIONS_FILE)
    if problem:
        raise reject(problem)
    disagreement = _identity_disagreement(results, record.identity)
    if disagreement:
        raise reject(f"its {disagreement} is not the one run.json's identity records (the "
                     "identity the fold files were trained for)")
    try:
        table = pd.read_csv(run_dir / AU_PREDICTIONS_FILE, keep_default_na=False,
                            dtype={"sample_id": str, "database": str, "subject": str})
    except (OSError, ValueError) as exc:
        raise reject(f"{AU_PREDICTIONS_FILE} is unreadable ({exc})") from None
    y_true = np.concatenate([o.y_true for o in outcomes]).astype(np.int64)
    y_pred = np.concatenate([o.epoch_predictions[-1] for o in outcomes]).astype(np.int64)
    ids = np.concatenate([o.sample_ids.astype(str) for o in outcomes])
    if len(table) != len(ids) or list(table["sample_id"]) != list(ids) \
            or list(table["y_true"].astype(np.int64)) != list(y_true) \
            or list(table["y_pred"].astype(np.int64)) != list(y_pred):
        raise reject(f"{AU_PREDICTIONS_FILE} is not the fold files' labels and last-epoch "
                     "predictions")
    keys = [tuple(o.key) for o in outcomes for _ in o.sample_ids]
    for (db, subject), key in zip(table[["database", "subject"]].itertuples(index=False),
                                  keys, strict=True):
        if (len(key) == 2 and (db, subject) != key) or (len(key) == 1 and subject != key[0]):
            raise reject(f"{AU_PREDICTIONS_FILE} puts a sample of fold {'/'.join(key)} "
                         f"under {db}/{subject}")
    scored = score_au(y_true, y_pred, table, results.au_set)
    for name, mine, theirs in (("overall", scored.overall, results.overall),
                               ("per_database", scored.per_database, results.per_database),
                               ("intervals", scored.intervals, results.intervals)):
        if to_json(mine) != to_json(theirs):
            raise reject(f"its {name} scores are not those of its fold files (recomputed "
                         "from the stored predictions)")
    if results.protocol.n_samples != len(ids) or results.dataset.n_scored != len(ids):
        raise reject("its sample counts are not its fold files'")
    return results
