"""What lifecycle hooks are told about a run, about each finished fold and about each
finished result of any kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RunInfo:
    """A run as reporters see it."""

    run_dir: Path
    model: str
    dataset: str
    protocol: str
    n_folds: int
    folds_to_train: int
    epochs: int
    device: str
    #: False: saved weights are evaluated (``--weights``), nothing trained, so a reporter
    #: says "evaluated", not "trained"
    trains: bool = True


@dataclass(frozen=True)
class FoldOutcome:
    """One finished fold: its test samples and the prediction after every epoch.

    ``epoch_predictions`` has shape (epochs, n_test); row e is the prediction after epoch
    e + 1, so any selection policy can be applied later without retraining. Runs with
    inner validation also keep the held-out training subjects' predictions (``val_*``).
    ``fit_report`` is what a scikit-learn estimator reported about its fit (its
    ``fit_report_``, e.g. the hyper-parameters an inner search chose), or None.
    ``folds_at_once`` is how many folds trained together with this one (1: alone), or None
    in a fold file written before merbench recorded it: a resumed run may mix engines, and
    with dropout the engine decides the random masks. ``run_sha256`` is the digest of the
    run identity a fold file says it was trained for (None: not recorded). ``trained_with`` is
the code its file says trained it: an audit takes the comparison it may loosen from these
facts, which the run's manifest and an audit's signature cover, never from ``results.json``.
    """

    index: int
    key: tuple[str, ...]
    test_index: np.ndarray
    sample_ids: np.ndarray
    y_true: np.ndarray
    epoch_predictions: np.ndarray
    n_train: int
    seconds: float
    device: str
    restored: bool = False
    val_index: np.ndarray | None = None
    val_y_true: np.ndarray | None = None
    val_predictions: np.ndarray | None = None
    fit_report: dict[str, Any] | None = None
    folds_at_once: int | None = None
    run_sha256: str | None = None  # as read from a fold file: the run it was trained for
    finished: str | None = None  # when its fold file was written (UTC); None: not yet
    # the code that trained it, as its fold file records (merbench, git_commit, torch,
    # scikit_learn); None: not yet written, or a file written before merbench recorded it
    trained_with: dict[str, str | None] | None = None


@dataclass(frozen=True)
class FinishedResult:
    """A result of any kind whose result file was just written, as
    ``merbench_result_finished`` tells it: one record for every kind, so a plugin that
    uploads or summarises results follows them all through one hook.

    ``kind`` is the kind's name as every command says it (``"emotion run"``, ``"tuning"``;
    ``merbench.kinds.RESULT_KINDS`` lists them); ``record`` is exactly the JSON object written
    to ``folder / result_file`` (read it, never change it: every plugin is given the same
    object); ``run`` is the run as the other lifecycle hooks were told it where the kind
    trains one (an emotion or action-unit run), else None."""

    kind: str
    folder: Path
    result_file: str  # "results.json", "str.json", "tune-seeds.json"
    record: dict[str, Any]
    run: RunInfo | None = None

    @property
    def path(self) -> Path:
        """The result file."""
        return self.folder / self.result_file
