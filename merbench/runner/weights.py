"""Saved-weights mode (``--weights DIR``) when the run starts: evaluate one checkpoint per
fold, train nothing.

Nothing is trained, so nothing about training may be asked for (refused when the run is
planned, :func:`merbench.runner.checks.check_evaluation`), and every fold's checkpoint must be
found before anything runs (:func:`merbench.runner.data.locate_weights`). Here, as the run
starts: every checkpoint read and fitted to the model, and a digest of each for the run's
identity, so other weights in the same folder make another run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from merbench.plugin_system.plugin_fault import too_large
from merbench.results.user_files import opened_user_file
from merbench.runner.data import RunData


def check_weight_files(data: RunData) -> None:
    """Every fold's checkpoint read and fitted to the model before the first fold: a file
    that is damaged, holds code or belongs to another model is one error while nothing is
    written yet."""
    # deferred: torch (through training.checkpoints), which only --weights runs load
    from merbench.training.checkpoints import check_weight_files as check_files
    from merbench.training.checkpoints import shapes_only

    assert data.weight_files is not None
    entry = data.plan.model
    model = shapes_only(data.build_model, lambda: too_large(  # as a fold's build says it
        "model", entry.meta.name, entry.origin, data.plan.spec.model_options))
    dataset = f"dataset '{data.plan.inputs.dataset.meta.name}'"
    said = f"{dataset} has {data.n_classes} classes" if data.n_outputs == data.n_classes \
        else f"the run scores {data.n_outputs} outputs on {dataset}"
    check_files(model, [data.weight_files[f.index] for f in data.folds],
                f"model '{data.plan.model.meta.name}'", (data.n_outputs, said))


def changed_checkpoints(ours: dict[str, Any], stored: Any) -> list[str]:
    """The fold labels whose checkpoint digest differs between two identities, when that is
    all that differs (otherwise [])."""
    if not isinstance(stored, dict) or not isinstance(stored.get("weights"), dict) or \
            not isinstance(ours.get("weights"), dict):
        return []
    if {**stored, "weights": None} != {**ours, "weights": None}:
        return []
    return sorted(label for label, digest in ours["weights"].items()
                  if stored["weights"].get(label) != digest)


def file_digest(path: Path) -> str:
    """The first 16 hex digits of a file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with opened_user_file(path, "weights file") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]
