"""What a run trained on, down to the values: one digest per sample's input.

The run identity (:mod:`merbench.runner.identity`) names the samples, labels, feature and
options, but not the numbers a feature computes from the files: a flow image changed on disk
after a run began would be continued with the old folds restored and the new values training
the rest, and nothing would say so. So each process in a run directory digests every sample's
input once it has it (the identity is known before extraction, the values only after) and
compares them with those the directory recorded; a run with any finished fold or saved state
is refused on changed values, naming the samples. Hashing a sample's values is cheap beside
extracting them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.results.rundir import RunDirectory, anew

SHOWN = 3  # changed samples named in the error


def sample_digests(values: Any, sample_ids: list[str]) -> dict[str, str]:
    """Sample id -> the first 16 hex digits of SHA-256 over its values' dtype, shape and
    bytes (so the same numbers in another dtype or shape are another input)."""
    digests = {}
    for sample_id, value in zip(sample_ids, values, strict=True):
        array = np.ascontiguousarray(np.asarray(value))
        head = f"{array.dtype.str}{array.shape}".encode()
        digests[sample_id] = hashlib.sha256(head + array.tobytes()).hexdigest()[:16]
    return digests


def values_sha256(digests: dict[str, str]) -> str:
    """One digest of every sample's values, for the results' provenance."""
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()


def check_feature_values(run_dir: RunDirectory, digests: dict[str, str]) -> None:
    """Record ``digests`` in ``run.json``, or refuse when the directory already holds work
    trained on other values."""
    stored = run_dir.read_run_file().feature_values
    if stored == digests:
        return
    if isinstance(stored, dict) and run_dir.has_results():
        changed = sorted(s for s in digests if stored.get(s) != digests[s])
        shown = ", ".join(changed[:SHOWN]) + (", ..." if len(changed) > SHOWN else "")
        raise MerbenchError(
            f"{run_dir.path} was trained on other input values than the data gives now: "
            f"{len(changed)} of {len(digests)} samples changed ({shown}), so the data or the "
            "feature's code changed since it started; restore them to continue this run, or "
            f"{anew(run_dir.path)}")
    run_dir.record_feature_values(digests)
