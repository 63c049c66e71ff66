"""Training one group of folds: alone (sequential engine), or together (fold-parallel).

Each fold gets the same inputs and seed whichever engine trains it; a torch model is trained
in epochs with every epoch's test predictions kept, saved weights are evaluated once, and a
scikit-learn estimator is fitted once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from merbench.protocols import Fold
from merbench.run.data import RunData
from merbench.run.fold_inputs import fold_inputs, outcome
from merbench.run.notify import Notifier
from merbench.run.saved_states import SavedStates
from merbench.runinfo import FoldOutcome, RunInfo


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

    def train(self, group: list[Fold]) -> list[FoldOutcome]:
        if len(group) == 1:
            return [self.train_fold(group[0])]
        return self.train_together(group)

    def _epoch_done(self, fold: Fold, epoch: int) -> None:
        self.notify("merbench_epoch_finished", run=self.info, fold_index=fold.index,
                    epoch=epoch)

    def train_fold(self, fold: Fold) -> FoldOutcome:
        data, plan = self.data, self.data.plan
        started = time.perf_counter()
        inputs = fold_inputs(data, fold, self.features, self.labels)
        report, checkpoint = None, None
        if data.weight_files is not None:
            from merbench.training.torch_trainer import evaluate_weights

            assert plan.recipe is not None
            predictions = evaluate_weights(data.build_model, data.weight_files[fold.index],
                                           inputs.x_test, device=plan.device,
                                           batch_size=plan.recipe.batch_size,
                                           model_name=plan.model.meta.name,
                                           precision=plan.spec.precision)
            self._epoch_done(fold, 1)
        elif plan.recipe is not None:
            from merbench.training.torch_trainer import train_fold

            checkpoint = self.states.checkpoint([fold], [inputs.seed])
            predictions = train_fold(data.build_model, plan.recipe, inputs.x_train,
                                     inputs.y_train, inputs.x_test, device=plan.device,
                                     seed=inputs.seed,
                                     on_epoch=lambda epoch: self._epoch_done(fold, epoch),
                                     precision=plan.spec.precision,
                                     fused_optimizer=plan.spec.fused_optimizer,
                                     checkpoint=checkpoint)
        else:
            from merbench.training.estimator import fit_predict

            fitted = fit_predict(data.build_model, inputs.x_train, inputs.y_train,
                                 inputs.x_test, seed=inputs.seed, groups=inputs.groups)
            predictions, report = fitted.predictions, fitted.report
            self._epoch_done(fold, 1)
        before = checkpoint.seconds_before if checkpoint is not None else 0.0
        return outcome(data, inputs, self.labels, predictions,
                       before + time.perf_counter() - started, self.device_name, report)

    def train_together(self, folds: list[Fold]) -> list[FoldOutcome]:
        """Train ``folds`` at once with the fold-parallel engine; each fold's outcome is what
        the sequential path would give. Time is shared equally among the folds."""
        from merbench.training.fold_parallel import FoldTask, train_folds

        data, plan = self.data, self.data.plan
        assert plan.recipe is not None
        started = time.perf_counter()
        inputs = [fold_inputs(data, fold, self.features, self.labels) for fold in folds]
        tasks = [FoldTask(i.x_train, i.y_train, i.x_test, i.seed) for i in inputs]
        checkpoint = self.states.checkpoint(folds, [i.seed for i in inputs])
        predictions = train_folds(
            data.build_model, plan.recipe, tasks, device=plan.device,
            on_epoch=lambda position, epoch: self._epoch_done(folds[position], epoch),
            precision=plan.spec.precision, fused_optimizer=plan.spec.fused_optimizer,
            checkpoint=checkpoint)
        before = checkpoint.seconds_before if checkpoint is not None else 0.0
        seconds = (before + time.perf_counter() - started) / len(folds)
        return [outcome(data, i, self.labels, p, seconds, self.device_name,
                        folds_at_once=len(folds))
                for i, p in zip(inputs, predictions, strict=True)]
