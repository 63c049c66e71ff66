"""The executor protocol: where a run's pending folds train.

An executor takes started runs and trains every pending fold of each, group by group (the
groups the run's engine chose: one fold, or K trained together), in this process
(:class:`~merbench.runner.local_executor.LocalExecutor`) or as Ray tasks
(:class:`~merbench.runner.ray_executor.RayExecutor`). It decides where folds train, never what
they compute (every group goes through :func:`~merbench.runner.fold_work.compute`) or how they
are recorded: it hands each finished group to ``on_group``, which saves it, and each finished
run with the engine record it ended with to ``on_run``. It writes nothing into the runs it is
handed; :func:`~merbench.runner.execute.execute` records what it reports. So a run started on
one executor can be resumed on the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.model import EngineRecord
from merbench.runner.executor_kinds import ExecutorKind
from merbench.runner.started_run import StartedRun

#: a group of a run's folds has finished: its outcomes, to be kept before anything else trains
GroupTrained = Callable[[StartedRun, list[FoldOutcome]], None]
#: every fold of a run is done: the run, and the engine record its folds ended with
RunTrained = Callable[[StartedRun, EngineRecord], None]


class Executor(Protocol):
    """Trains the pending folds of started runs somewhere."""

    @property
    def kind(self) -> ExecutorKind:
        """This executor's entry in :data:`~merbench.runner.executor_kinds.EXECUTOR_KINDS`."""
        ...

    def train(self, runs: Sequence[StartedRun], on_group: GroupTrained,
              on_run: RunTrained) -> None:
        """Train every pending fold of ``runs``: ``on_group`` as each group finishes,
        ``on_run`` with the engine record the run ended with as its last group has (at once
        for a run with nothing pending). That callback is the one report of a run's engine:
        on Ray runs finish, and are written, before the call returns."""
        ...
