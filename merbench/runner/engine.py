"""Choosing how folds train: one at a time, or K at once with the fold-parallel engine.

The choice decides the run time, never the numbers (except with dropout or bf16/tf32, where
folds trained together draw other masks or round differently, which the record says). It is
a typed :class:`~merbench.results.model.EngineRecord`, written into the results and
printed: ``cause`` is the code programs read, ``reason`` the sentence people read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from merbench.base.errors import TooLargeToBuild
from merbench.protocols import Fold
from merbench.results.model import EngineCause, EngineRecord, ThreadRecord
from merbench.runner.data import RunData
from merbench.runner.fold_inputs import hold_out_subjects
from merbench.training.seeding import fold_seed
from merbench.training.threads import choose_threads


def _new_class_per_build(data: RunData, model: Any) -> str | None:
    """Why folds cannot train together when the model's factory makes a new class on every
    call (a class defined inside it: ordinary Python, pass 84m's M4): torch stacks the K
    folds' weights only from models of one class. One fold at a time trains it the same, so
    the run goes on that way and says why. None: two builds give one class."""
    try:
        again = data.meta_model()  # the run's one build on the meta device
    except Exception:  # a factory that needs real tensors (weights it loads): as before
        return None
    if type(again) is type(model):
        return None
    return (f"its factory makes a new class on each call ({type(model).__qualname__}), "
            "and folds trained together need one class; one fold at a time trains it the "
            "same (define the class at module level to train its folds together)")


def _sequential(cause: EngineCause, reason: str) -> EngineRecord:
    return EngineRecord(mode="sequential", folds_at_once=1, cause=cause, reason=reason)


def default_parallel(device: str) -> bool:
    """Whether folds train together unless asked otherwise: on CUDA, where one fold leaves
    the device idle; not on a CPU, where vmap measured slower than one fold at a time."""
    return device.startswith("cuda")


def choose_engine(data: RunData, pending: list[Fold]) -> EngineRecord:
    """Sequential or fold-parallel, how many folds at once, and why."""
    plan = data.plan
    asked = plan.settings.parallel_folds
    fused = plan.fused_optimizer() if plan.trains_in_epochs else None
    if not pending:
        return EngineRecord(mode="none", folds_at_once=0, cause="restored",
                            reason="every fold was restored", fused_optimizer=fused,
                            captured=False if plan.trains_in_epochs else None)
    if not plan.trains_in_epochs:
        return (_sequential("evaluates-weights", "nothing to train in epochs") if plan.is_torch
                else _sequential("estimator", "a scikit-learn estimator is fitted once per fold"))
    engine = _choose_training(data, pending, asked)
    # the captured step is the fold-parallel engine's: a fold trained alone stays eager, and
    # so does a model whose augmentation draws on the CPU every step (_choose_training)
    return replace(engine, fused_optimizer=fused,
                   captured=plan.captures() and engine.mode == "fold-parallel"
                   and engine.captured is not False)


def _choose_training(data: RunData, pending: list[Fold], asked: int | None) -> EngineRecord:
    plan = data.plan
    model_name = plan.spec.model
    if asked == 1:
        return _sequential("asked", "--parallel-folds 1")
    if asked is None and not default_parallel(plan.device):
        return _sequential("cpu-default", "on a CPU one fold at a time is faster "
                           "(benchmarks/train_speed.py); --parallel-folds K trains K at once")
    # deferred: torch (through training.fold_parallel), which a CPU run's choice never needs
    from merbench.training.fold_parallel import folds_that_fit, has_dropout, why_not_batchable

    model = data.build_model()
    reason = why_not_batchable(model) or _new_class_per_build(data, model)
    if reason is not None:
        return _sequential("not-batchable",
                           f"model '{model_name}' cannot train folds together: {reason}")
    dropout = has_dropout(model)
    if dropout and asked is None:
        return _sequential("dropout", f"model '{model_name}' has dropout, and folds trained "
                           "together draw other dropout masks than one at a time; "
                           "--parallel-folds K trains it fold-parallel anyway")
    k = asked if asked is not None else folds_that_fit(model, plan.device)
    k = max(1, min(k, len(pending)))
    if k == 1:
        return (_sequential("one-fold-left", "one fold left") if len(pending) <= 1
                else _sequential("one-fold-fits", "one fold fits in memory"))
    return EngineRecord(mode="fold-parallel", folds_at_once=k,
                  cause="asked" if asked is not None else "memory",
                  reason=f"set by {'--parallel-folds' if asked is not None else 'free memory'}",
                  same_numbers_as_sequential=not dropout and plan.spec.precision == "fp32",
                  captured=False if getattr(model, "augment", None) is not None else None)


def run_threads(data: RunData, pending: list[Fold]) -> ThreadRecord | None:
    """The CPU threads torch trains or evaluates with (None: nothing of torch runs here)."""
    plan = data.plan
    if not plan.is_torch or not pending:
        return None
    n_parameters = None
    if plan.settings.threads is None:
        try:
            model = data.meta_model()
            n_parameters = sum(int(p.numel()) for p in model.parameters())
        except TooLargeToBuild:  # a fold's build says it, with what the run kept
            n_parameters = None
    return choose_threads(plan.settings.threads, n_parameters)


def fold_groups(data: RunData, pending: list[Fold], k: int) -> list[list[Fold]]:
    """Folds to train together: at most ``k``, with equal batches per epoch."""
    if k <= 1:
        return [[fold] for fold in pending]
    # deferred: torch (through training.fold_parallel), only when folds train together
    from merbench.training.fold_parallel import plan_groups
    from merbench.training.torch_trainer import has_batchnorm

    plan = data.plan
    merge_single = has_batchnorm(data.meta_model()) is not None
    n_train = [len(fold.train) for fold in pending]
    if plan.spec.selection == "inner-val":  # held-out subjects shrink each training set
        n_train = [len(hold_out_subjects(data, f, fold_seed(plan.spec.seed, f.key))[0])
                   for f in pending]
    assert plan.recipe is not None  # only torch training groups folds
    return [[pending[i] for i in group]
            for group in plan_groups(n_train, plan.recipe.batch_size, k, merge_single)]
