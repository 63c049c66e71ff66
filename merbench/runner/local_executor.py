"""The local executor: each run's pending folds trained in this process, group by group,
one run after another.

Each group's folds are reported (and so saved) as soon as it finishes, and the state the
trainer kept of it while it trained is then discarded. When a group runs out of memory, the
same folds train fewer at a time (:mod:`merbench.runner.out_of_memory`). A stop signal that
comes once a group's epochs have all trained waits until its fold files are written
(:func:`merbench.training.epoch_end_stop.finish_fold_first`): those folds are finished, not
left as saved states to train again.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import replace

from merbench.results.model import EngineRecord
from merbench.runner.engine import fold_groups, run_threads
from merbench.runner.executor import GroupTrained, RunTrained
from merbench.runner.executor_kinds import LOCAL, ExecutorKind
from merbench.runner.out_of_memory import fewer_at_a_time
from merbench.runner.spec import RunSettings
from merbench.runner.started_run import StartedRun
from merbench.training.device import is_out_of_memory
from merbench.training.epoch_end_stop import finish_fold_first
from merbench.training.threads import apply_threads


class LocalExecutor:
    """Trains folds in this process, with the threads chosen for this machine."""

    kind: ExecutorKind = LOCAL

    @classmethod
    def for_settings(cls, settings: RunSettings) -> LocalExecutor:
        return cls()

    def train(self, runs: Sequence[StartedRun], on_group: GroupTrained,
              on_run: RunTrained) -> None:
        for run in runs:
            on_run(run, _train_run(run, on_group))


def _train_run(run: StartedRun, on_group: GroupTrained) -> EngineRecord:
    """Train every pending fold of ``run``; the engine it ended with, its threads recorded."""
    engine = run.engine
    threads = run_threads(run.data, run.pending)
    previous = None
    if threads is not None:
        engine = replace(engine, threads=threads)
        previous = apply_threads(threads.count)
    try:
        return _train_pending(run, engine, on_group)
    finally:
        if previous is not None:  # a Python caller's own setting, as it was
            apply_threads(previous)


def _train_pending(run: StartedRun, engine: EngineRecord,
                   on_group: GroupTrained) -> EngineRecord:
    """Train every pending fold, reporting each group as it finishes; returns the engine as
    it ended (fewer folds at once after running out of memory)."""
    data, trainer = run.data, run.trainer
    groups = fold_groups(data, run.pending, engine.folds_at_once)
    trainer.states.warn_if_not_continued(groups)
    while groups:
        group = groups.pop(0)
        # a stop once the group's epochs have all trained waits for its fold files
        with finish_fold_first():
            try:
                trained = trainer.train(group)
            except Exception as exc:
                if not is_out_of_memory(exc):
                    raise
                engine = fewer_at_a_time(run, engine, group, exc)
            else:
                on_group(run, trained)
                run.run_dir.discard_partial([fold.index for fold in group])
                continue
        # out of the handler, so the failed attempt's frames no longer hold its tensors
        _release_memory(data.plan.device)
        groups = fold_groups(data, [f for g in [group, *groups] for f in g],
                             engine.folds_at_once)
    return engine


def _release_memory(device: str) -> None:
    """Give back what a failed attempt left allocated, before trying with fewer folds."""
    gc.collect()
    if device.startswith("cuda"):
        import torch  # deferred: needed only on CUDA

        torch.cuda.empty_cache()
