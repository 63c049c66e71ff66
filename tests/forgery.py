"""Editing a finished run the way a careful forger would: every file that states a fact
changed together, so that each check comparing two files is satisfied.

Tests use it to show that such a copy still fails where it must (``merbench audit``, the
official sample list, pinned providers), and that texts a page shows are inert.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.results.provenance import implied_identity, tested_fingerprint
from merbench.results.rundir import RunDirectory


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
    record["identity"] = implied_identity(results)
    record["config"]["model"] = results["model"]["name"]
    record["config"]["seed"] = results["seed"]
    run_file.write_text(json.dumps(record, indent=2))
