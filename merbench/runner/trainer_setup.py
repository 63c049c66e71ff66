"""What a run's folds train with, set up once: the labels, the device's name, the
:class:`~merbench.plugin_system.runinfo.RunInfo` the hooks are told, the saved states and the
:class:`~merbench.runner.train.Trainer`.

:func:`~merbench.runner.execute.start_run` sets it up for a run, and ``merbench audit``
(:mod:`merbench.audit`) for the folds it trains again in a scratch directory: one set-up, so
an audit trains each fold exactly as the run trained it.
"""

from __future__ import annotations

import numpy as np

from merbench.plugin_system.runinfo import RunInfo
from merbench.results.rundir import RunDirectory
from merbench.runner.data import RunData
from merbench.runner.identity import RunIdentity
from merbench.runner.notify import Notifier
from merbench.runner.plan import Plan
from merbench.runner.saved_states import SavedStates
from merbench.runner.train import Trainer
from merbench.training.device import describe_device


def device_name(plan: Plan) -> str:
    """Where the run's folds train, as result files name it: a GPU with its hardware name
    (this imports torch), an estimator's ``cpu``."""
    return describe_device(plan.device) if plan.is_torch else "cpu"


def set_up_trainer(data: RunData, identity: RunIdentity, run_dir: RunDirectory,
                   features: np.ndarray, notify: Notifier, *, folds_to_train: int) -> Trainer:
    """The trainer of the run ``data`` describes, on the model input ``features``, saving
    unfinished folds' states in ``run_dir``; ``folds_to_train`` of its folds are left to
    train (what the hooks are told)."""
    plan, spec = data.plan, data.plan.spec
    device = device_name(plan)
    info = RunInfo(run_dir=run_dir.path, model=spec.model, dataset=spec.dataset,
                   protocol=spec.protocol, n_folds=len(data.folds),
                   folds_to_train=folds_to_train, epochs=plan.epochs, device=device,
                   trains=spec.weights is None)
    return Trainer(data, features, data.labels, info, device, notify,
                   SavedStates(data, identity, run_dir))
