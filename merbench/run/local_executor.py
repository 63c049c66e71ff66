"""The local executor: a run's pending folds trained in this process, group by group.

Each group's folds are saved as soon as it finishes. When a group runs out of memory, the
same folds train fewer at a time; a single fold that does is an error that keeps every
finished fold.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

from merbench.errors import MerbenchError
from merbench.protocols import Fold
from merbench.results.model import EngineRecord
from merbench.run.engine import fold_groups, lowered, run_threads
from merbench.threads import apply_threads

if TYPE_CHECKING:
    from merbench.run.execute import StartedRun


def train_locally(run: StartedRun) -> None:
    """Train every pending fold of ``run`` here, with the threads chosen for this machine."""
    threads = run_threads(run.data, run.pending)
    previous = None
    if threads is not None:
        run.engine = replace(run.engine, threads=threads)
        previous = apply_threads(threads.count)
    try:
        run.engine = _train_pending(run, run.pending, run.engine)
    finally:
        if previous is not None:  # a Python caller's own setting, as it was
            apply_threads(previous)


def _train_pending(run: StartedRun, pending: list[Fold], engine: EngineRecord) -> EngineRecord:
    """Train every pending fold, saving each group as it finishes; returns the engine as it
    ended (lowered after running out of memory)."""
    from merbench.training.device import is_out_of_memory

    data, trainer = run.data, run.trainer
    groups = fold_groups(data, pending, engine.folds_at_once)
    trainer.states.warn_if_not_continued(groups)
    while groups:
        group = groups.pop(0)
        try:
            trained = trainer.train(group)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            if len(group) == 1:
                raise out_of_memory_error(run, group[0], exc) from None
        else:
            run.save(trained)
            run.run_dir.discard_partial([fold.index for fold in group])
            continue
        # Too many folds at once for the device's memory: the same folds, fewer at a time
        # (the same training; in fp32 without dropout the same numbers, otherwise other
        # dropout masks or roundings, as engine.same_numbers_as_sequential says).
        k = (len(group) + 1) // 2
        release_memory(data.plan.device)
        warn_lowered(data.plan.device, len(group), k)
        engine = lowered(engine, k)
        groups = fold_groups(data, [f for g in [group, *groups] for f in g], k)
    return engine


def out_of_memory_error(run: StartedRun, fold: Fold, exc: BaseException) -> MerbenchError:
    """The one line for a single fold that ran out of memory, wherever it ran."""
    plan = run.data.plan
    fix = ("free the device or use a smaller --batch-size" if plan.trains_in_epochs
           else "free memory on this machine")
    return MerbenchError(
        f"{plan.device} ran out of memory training fold {fold.label} of model "
        f"'{plan.spec.model}' ({first_line(exc)}); {fix}; every finished fold is kept in "
        f"{run.run_dir.path}")


def warn_lowered(device: str, n: int, k: int) -> None:
    warnings.warn(f"{device} ran out of memory training {n} folds at once; training the "
                  f"remaining folds {k} at a time", RuntimeWarning, stacklevel=2)


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def release_memory(device: str) -> None:
    """Give back what a failed attempt left allocated, before trying with fewer folds."""
    import gc

    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
