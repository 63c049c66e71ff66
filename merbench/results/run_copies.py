"""What a finished run is, to tell a copy of it from another run: its run identity and its
predictions.

merbench trains bit for bit on a CPU, so two folders holding the same run identity
(``run.json``'s ``identity``: model, feature, data, protocol, hyperparameters and seed) and
the same predictions are one training, wherever each lies: a ``cp -r`` of a run, the run
again on another machine, or the seed run a ``--seeds`` folder holds beside the same
command's single run. The leaderboard counts such copies once (``leaderboard/copies.py``
settles them as reproductions) and ``merbench compare`` refuses to test one against another
(a run against itself is no comparison, and it takes a share of Holm's correction from the
others). Both read a run's predictions here, so the two never disagree on what a copy is;
this sits below both (the pages are a layer above compare).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.manifest import identity_sha256
from merbench.results.run_files import load_folds
from merbench.results.rundir import RunDirectory


def fold_digests(run_dir: Path, n_folds: int,
                 folds: Sequence[FoldOutcome] | None = None) -> list[str]:
    """Each fold's per-epoch predictions (test, then any inner-validation rows) with the
    samples they are of, as a SHA-256: what two copies must share to be one training.
    ``folds``: the run's fold files as its validation loaded them, where the caller holds
    them (reading every fold file again is most of the cost), else they are loaded."""
    digests = []
    for fold in load_folds(run_dir, n_folds) if folds is None else folds:
        digest = hashlib.sha256()
        digest.update("\n".join(map(str, fold.sample_ids)).encode())
        digest.update(fold.epoch_predictions.astype("int64").tobytes())
        if fold.val_predictions is not None:
            digest.update(fold.val_predictions.astype("int64").tobytes())
        digests.append(digest.hexdigest())
    return digests


def what_run(run_dir: Path, predictions: Sequence[str]) -> tuple[str, ...]:
    """The run in ``run_dir`` by what it is: the digest of its run identity, then
    ``predictions`` (the digests of what its kind's copies share: an emotion run's
    :func:`fold_digests`, an action-unit run's predictions file). Equal for two folders
    exactly when one is a copy of the other. Read from a run that validated: its
    ``run.json`` is the one its result records."""
    identity = RunDirectory(Path(run_dir)).read_run_file().identity
    return (identity_sha256(identity), *predictions)
