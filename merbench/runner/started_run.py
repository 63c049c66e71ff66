"""A started run: what an executor needs to train a run's pending folds.

:func:`~merbench.runner.execute.start_run` makes it once the run's directory is this
process's, its features are read and its finished folds restored;
:func:`~merbench.runner.task_run.finish_run` writes its results once every fold is done. It
lives apart from both so that the executors, which train it, import neither
:mod:`~merbench.runner.execute` nor each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.protocols import Fold
from merbench.results.model import EngineRecord
from merbench.results.rundir import RunDirectory
from merbench.runner.data import RunData
from merbench.runner.identity import RunIdentity
from merbench.runner.train import Trainer


@dataclass
class StartedRun:
    """A run whose directory this process holds, with its features read and its finished
    folds restored. ``engine`` is the engine chosen for its pending folds until an executor
    has trained them; :func:`~merbench.runner.execute.execute` then records the one they
    ended with (fewer folds at once after running out of memory, the executor and its
    threads)."""

    data: RunData
    identity: RunIdentity
    run_dir: RunDirectory
    trainer: Trainer
    engine: EngineRecord
    pending: list[Fold]
    done: dict[int, FoldOutcome]
    started: float
    feature_report: dict[str, Any]

    def save(self, trained: list[FoldOutcome]) -> None:
        """Keep folds as they finish: their files, then the progress hooks."""
        for fold_outcome in trained:
            fold_outcome = self.run_dir.save_fold(fold_outcome)
            self.done[fold_outcome.index] = fold_outcome
            self.trainer.notify("merbench_fold_finished", run=self.trainer.info,
                                fold=fold_outcome)
