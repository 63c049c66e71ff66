"""Saved-weights mode (``--weights DIR``): evaluate one checkpoint per LOSO fold, train nothing.

Nothing is trained, so nothing about training may be asked for, and every fold's checkpoint
must be found before anything runs. The run's identity records a digest of each
checkpoint, so other weights in the same folder make another run.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from merbench.errors import MerbenchError
from merbench.protocols import Fold
from merbench.run.data import RunData
from merbench.run.spec import RunSpec


def check_evaluation(spec: RunSpec, is_torch: bool) -> None:
    """Refuse what evaluating saved models cannot do."""
    if spec.executor == "ray":
        raise MerbenchError("--weights evaluates saved checkpoints, which only this machine "
                            "holds; run it with --executor local")
    if not is_torch:
        raise MerbenchError(f"--weights loads torch checkpoints, and model '{spec.model}' is "
                            "a scikit-learn estimator; leave out --weights")
    for option in ("epochs", "lr"):
        if getattr(spec, option) is not None:
            raise MerbenchError(f"--weights evaluates saved models without training; leave "
                                f"out --{option}")
    for flag in ("shuffle_train_labels", "fused_optimizer"):
        if getattr(spec, flag):
            raise MerbenchError("--weights evaluates saved models without training; leave out "
                                f"--{flag.replace('_', '-')}")
    if spec.selection != "fixed":
        raise MerbenchError(f"--weights gives one prediction per sample and no epoch to "
                            f"select; leave out --selection {spec.selection}")
    if not Path(str(spec.weights)).is_dir():
        raise MerbenchError(f"--weights {spec.weights} is not a folder; give the folder that "
                            "holds one checkpoint per test fold (<subject>.pth under LOSO, "
                            "<database>.pth under lodo)")


def locate_weights(directory: Path, folds: list[Fold]) -> dict[int, Path]:
    """Each fold's checkpoint; every missing one is named before anything runs."""
    from merbench.training.checkpoints import fold_checkpoint

    subjects = Counter(f.key[-1] for f in folds)
    found = {f.index: fold_checkpoint(directory, f.key, subjects[f.key[-1]] > 1) for f in folds}
    missing = [f for f in folds if found[f.index] is None]
    if missing:
        names = ", ".join(
            "/".join((*f.key[:-1], f"{f.key[-1]}.pth")) if subjects[f.key[-1]] > 1
            else f"{f.key[-1]}.pth" for f in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise MerbenchError(
            f"--weights {directory} lacks the checkpoint of {len(missing)} of {len(folds)} "
            f"folds: {names}{more}; each test fold needs its own checkpoint, named after "
            "its key's last part (<subject>.pth under LOSO, <database>/<subject>.pth where "
            "two databases share a subject id, <database>.pth under lodo)"
        )
    return {index: path for index, path in found.items() if path is not None}


def check_weight_files(data: RunData) -> None:
    """Every fold's checkpoint read and fitted to the model before the first fold: a file
    that is damaged, holds code or belongs to another model is one error while nothing is
    written yet."""
    import torch

    from merbench.training.checkpoints import check_weight_files as check_files

    assert data.weight_files is not None
    with torch.device("meta"):  # shapes only, for the key and shape check
        model = data.build_model()
    check_files(model, [data.weight_files[f.index] for f in data.folds],
                f"model '{data.plan.model.meta.name}'")


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
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]
