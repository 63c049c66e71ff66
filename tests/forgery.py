"""Editing a finished run the way a careful forger would: every file that states a fact
changed together, so that each check comparing two files is satisfied.

Tests use it to show that such a copy still fails where it must (``merbench audit``, the
official sample list, pinned providers), and that texts a page shows are inert.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.codec import from_json, to_json
from merbench.results.manifest import run_manifest
from merbench.results.model import Results
from merbench.results.rundir import RunDirectory
from merbench.verification.provenance import implied_identity, tested_fingerprint


def edit_results(run_dir: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to ``results.json`` alone, as a careless forger would."""
    path = run_dir / "results.json"
    results = json.loads(path.read_text())
    change(results)
    path.write_text(json.dumps(results))


def rejection(path: Path) -> str:
    """Why validate rejects ``path`` (the test fails if it accepts it)."""
    import pytest

    from merbench.kinds import kind_of, result_kinds
    from merbench.verification.validate import ResultRejected

    kind = kind_of(path) or result_kinds()[0]  # no kind's file: the emotion run's check says
    with pytest.raises(ResultRejected) as caught:
        kind.validate(path)
    return caught.value.reason


def rewrite_run(run_dir: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``edit`` to ``results.json``, then make the dataset fingerprint the one its
    fold files give and ``run.json``'s identity the one the results imply."""
    path = run_dir / "results.json"
    results = json.loads(path.read_text())
    edit(results)
    store = RunDirectory(run_dir)
    folds = [store.load_fold(i) for i in range(results["protocol"]["n_folds"])]
    assert all(f is not None for f in folds)
    frame = pd.read_csv(run_dir / "predictions.csv", dtype={"sample_id": str, "subject": str,
                                                             "database": str})
    ids = np.concatenate([f.sample_ids for f in folds]).astype(str)  # type: ignore[union-attr]
    fingerprint = tested_fingerprint(results["dataset"]["n_samples"],
                                     results["dataset"]["classes"], folds,  # type: ignore[arg-type]
                                     frame.set_index("sample_id").loc[ids])
    if fingerprint is not None:
        results["dataset"]["fingerprint"] = fingerprint
    path.write_text(json.dumps(results, indent=2))
    run_file = run_dir / "run.json"
    record = json.loads(run_file.read_text())
    record["identity"] = implied_identity(from_json(Results, results))
    record["config"]["model"] = results["model"]["name"]
    record["config"]["seed"] = results["seed"]
    run_file.write_text(json.dumps(record, indent=2))
    reseal(run_dir)


def reseal(run_dir: Path) -> None:
    """Bind the run's files to one another again after an edit, as a thorough forger would:
    each fold file names run.json's identity, and results.json's manifest the files' digests
    (nothing to do for a run written before the manifest)."""
    path = run_dir / "results.json"
    results = json.loads(path.read_text())
    if results.get("files") is None:
        return
    store = RunDirectory(run_dir)
    n_folds = results["protocol"]["n_folds"]
    for index in range(n_folds):
        fold = store.load_fold(index)
        assert fold is not None
        store.save_fold(fold)  # now naming the identity run.json records
    results["files"] = run_manifest(run_dir, n_folds,
                                    (run_dir / "predictions.csv").read_bytes())
    path.write_text(json.dumps(results, indent=2))


def edit_folds(run_dir: Path, change: Callable[[FoldOutcome], FoldOutcome],
               epochs: int | None = None) -> None:
    """Rewrite every fold file with ``change`` applied, then write results.json and
    predictions.csv again from them as ``merbench run`` does when it finds every fold
    finished (the forger's ``--resume``), then make every file agree (:func:`rewrite_run`):
    the class counts and sample-list fingerprint the edited folds give. ``epochs`` also
    claims that many epochs in run.json (for padded predictions)."""
    import merbench
    from merbench.runner.spec import RunSpec

    store = RunDirectory(run_dir)
    record = to_json(store.read_run_file())
    if epochs is not None:
        record["config"]["epochs"] = epochs
        record["identity"]["hyperparameters"]["epochs"] = epochs
        (run_dir / "run.json").write_text(json.dumps(record, indent=2))
    for index in range(record["n_folds"]):
        fold = store.load_fold(index)
        assert fold is not None
        store.save_fold(change(fold))
    (run_dir / "results.json").unlink()
    (run_dir / "predictions.csv").unlink()
    spec = RunSpec.from_dict(record["config"])
    # the forger's merbench skips --resume's check that restored labels are the data's
    with mock.patch("merbench.runner.execute.check_restored_labels"):
        merbench.run(**{**spec.to_dict(), "out": run_dir})

    def counts(results: dict[str, Any]) -> None:
        folds = [store.load_fold(i) for i in range(results["protocol"]["n_folds"])]
        labels = np.concatenate([f.y_true for f in folds if f is not None])
        results["dataset"]["class_counts"] = np.bincount(
            labels, minlength=len(results["dataset"]["classes"])).tolist()

    rewrite_run(run_dir, counts)


def swap_labels(fold: FoldOutcome, a: int = 0, b: int = 1) -> FoldOutcome:
    """Classes ``a`` and ``b`` exchanged in the fold's true labels (and inner-val labels)."""
    def swapped(y: np.ndarray) -> np.ndarray:
        return np.where(y == a, b, np.where(y == b, a, y))

    return replace(fold, y_true=swapped(fold.y_true),
                   val_y_true=None if fold.val_y_true is None else swapped(fold.val_y_true))


def relabel_first_sample(fold: FoldOutcome) -> FoldOutcome:
    """The fold's first test sample given the class the model predicted last (so that the
    forged run scores better)."""
    y = fold.y_true.copy()
    y[0] = fold.epoch_predictions[-1, 0]
    return replace(fold, y_true=y)


def padded(epochs: int) -> Callable[[FoldOutcome], FoldOutcome]:
    """Stored predictions padded to ``epochs`` rows by repeating the last epoch's."""
    def pad(fold: FoldOutcome) -> FoldOutcome:
        rows = fold.epoch_predictions
        extra = np.repeat(rows[-1:], epochs - len(rows), axis=0)
        return replace(fold, epoch_predictions=np.concatenate([rows, extra]))

    return pad
