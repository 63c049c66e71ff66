"""Training one group of folds: alone (sequential engine), or together (fold-parallel).

Each fold gets the same inputs and seed whichever engine trains it and wherever it runs: the
:class:`Trainer` describes a group as a :class:`~merbench.runner.fold_work.GroupWork`, which
:func:`~merbench.runner.fold_work.compute` runs here (local executor) or in a Ray worker, and
turns what comes back into fold outcomes. A torch model is trained in epochs with every
epoch's test predictions kept, saved weights are evaluated once, and a scikit-learn
estimator is fitted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from merbench.plugin_system.runinfo import FoldOutcome, RunInfo
from merbench.protocols import Fold
from merbench.runner.data import RunData
from merbench.runner.fold_inputs import FoldInputs, fold_inputs, outcome
from merbench.runner.fold_work import (
    Computed,
    FoldRows,
    GroupWork,
    ModelSource,
    WorkKind,
    compute,
)
from merbench.runner.notify import Notifier
from merbench.runner.saved_states import SavedStates


@dataclass
class Trainer:
    """What every group of one run trains with."""

    data: RunData
    features: np.ndarray
    labels: np.ndarray
    info: RunInfo
    device_name: str
    notify: Notifier
    states: SavedStates
    threads: int | None = None

    def inputs(self, group: list[Fold]) -> list[FoldInputs]:
        return [fold_inputs(self.data, fold, self.features, self.labels) for fold in group]

    def work(self, group: list[Fold], inputs: list[FoldInputs],
             gpu_share: float | None = None) -> GroupWork:
        """``group`` as work another process can compute from the features alone."""
        data, plan = self.data, self.data.plan
        kind: WorkKind = ("fit" if plan.recipe is None
                          else "evaluate" if data.weight_files is not None else "train")
        rows = tuple(FoldRows(index=i.fold.index, seed=i.seed, train=i.train,
                              y_train=i.y_train,
                              evaluate=(i.fold.test if i.val is None
                                        else np.concatenate([i.fold.test, i.val])),
                              groups=i.groups,
                              weights=(None if data.weight_files is None
                                       else data.weight_files[i.fold.index]))
                     for i in inputs)
        return GroupWork(kind=kind,
                         model=ModelSource.of(plan.model, plan.spec.model_options,
                                              data.n_outputs),
                         recipe=plan.recipe, device=plan.device,
                         precision=plan.spec.precision,
                         fused_optimizer=plan.spec.fused_optimizer,
                         captured=plan.captures(), folds=rows,
                         threads=self.threads, gpu_share=gpu_share, task=plan.task)

    def outcomes(self, inputs: list[FoldInputs], computed: list[Computed]) -> list[FoldOutcome]:
        """The fold outcomes of a group's computed predictions."""
        at_once = len(inputs)
        return [outcome(self.data, i, self.labels, c.predictions, c.seconds, c.device_name,
                        c.report, folds_at_once=at_once)
                for i, c in zip(inputs, computed, strict=True)]

    def train(self, group: list[Fold]) -> list[FoldOutcome]:
        """Train ``group`` in this process, saving its state as it goes (``SavedStates``)."""
        inputs = self.inputs(group)
        work = self.work(group, inputs)
        checkpoint = None
        if work.kind == "train":
            checkpoint = self.states.checkpoint(group, [i.seed for i in inputs])
        before = checkpoint.seconds_before if checkpoint is not None else 0.0

        def epoch_done(position: int, epoch: int) -> None:
            self.notify("merbench_epoch_finished", run=self.info,
                        fold_index=group[position].index, epoch=epoch)

        computed = compute(work, self.features, on_epoch=epoch_done, checkpoint=checkpoint,
                           seconds_before=before)
        return self.outcomes(inputs, computed)
