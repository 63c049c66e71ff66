"""The search itself is Optuna's: its samplers propose, its pruners stop; merbench scores.

A study lives in memory and is rebuilt on every start from the trials' run folders (each
finished run is read back, not trained), so it needs no storage of its own and a killed
tuning resumes where it stopped. For that to give the same trials as an uninterrupted
search, nothing may depend on a sampler's internal random state: each trial is asked of a
sampler made afresh with a seed derived from the tuning's sampler seed, the outer fold and
the trial's number (:func:`sampler_for`; the grid sampler, whose only randomness is the order
it shuffles the grid into, with one seed for all of a study's trials). What a sampler
proposes is then a function of the study's history alone, which is the same however often
the process started.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from merbench.tuning.space import Parameter, TuneSpec


def _optuna() -> Any:
    # deferred: Optuna (and its SQLAlchemy), which only a tuning loads
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def optuna_version() -> str:
    return str(_optuna().__version__)


def _encoded(value: Any) -> str:
    """A choice as Optuna holds it: JSON text, so lists and tables can be choices too."""
    return json.dumps(value, sort_keys=True)


def distributions(space: tuple[Parameter, ...]) -> dict[str, Any]:
    """Each parameter as an Optuna distribution."""
    optuna = _optuna()
    found: dict[str, Any] = {}
    for p in space:
        if p.choices is not None:
            found[p.name] = optuna.distributions.CategoricalDistribution(
                [_encoded(c) for c in p.choices])
        elif p.integer:
            found[p.name] = optuna.distributions.IntDistribution(
                int(p.low or 0), int(p.high or 0), log=p.log, step=p.step or 1)
        else:
            found[p.name] = optuna.distributions.FloatDistribution(
                float(p.low or 0), float(p.high or 0), log=p.log)
    return found


def decoded(space: tuple[Parameter, ...], params: dict[str, Any]) -> dict[str, Any]:
    """A trial's values as the run options take them (choices back from their JSON text),
    in the space's order."""
    found = {}
    for p in space:
        value = params[p.name]
        found[p.name] = (json.loads(value) if p.choices is not None
                         else int(value) if p.integer else float(value))
    return found


def trial_seed(sampler_seed: int, outer: int, number: int) -> int:
    """The seed of the sampler that proposes trial ``number`` of outer fold ``outer``."""
    return int(np.random.SeedSequence([sampler_seed, outer, number]).generate_state(1)[0])


def sampler_for(spec: TuneSpec, outer: int, number: int) -> Any:
    optuna = _optuna()
    seed = trial_seed(spec.sampler_seed, outer, number)
    if spec.sampler == "grid":
        # the grid sampler shuffles the grid with its seed and walks it by the trials' grid
        # ids: one seed for all of a study's trials, or trial n would read another shuffle
        # than the trials before it and could repeat one of their configurations
        grid = {p.name: [_encoded(v) if p.choices is not None else v for v in p.grid()]
                for p in spec.space}
        return optuna.samplers.GridSampler(grid, seed=trial_seed(spec.sampler_seed, outer, 0))
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    # TPE models the trials so far once a few exist; fewer trials than its default ten
    # start-up ones would make it a random search throughout
    return optuna.samplers.TPESampler(seed=seed,
                                      n_startup_trials=max(1, min(10, spec.trials // 3)))


def pruner_of(spec: TuneSpec, steps: int) -> Any:
    """The pruner that stops a poor trial between its inner folds (the steps); none when a
    trial has one step (a test-scored trial: its whole outer run)."""
    optuna = _optuna()
    if spec.pruner == "none" or steps < 2:
        return optuna.pruners.NopPruner()
    if spec.pruner == "successive-halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)


def new_study(spec: TuneSpec, steps: int) -> Any:
    optuna = _optuna()
    return optuna.create_study(direction="maximize", pruner=pruner_of(spec, steps),
                               sampler=sampler_for(spec, 0, 0))


def ask(study: Any, spec: TuneSpec, outer: int, number: int) -> Any:
    """Trial ``number`` of ``study``, proposed by its own freshly seeded sampler."""
    study.sampler = sampler_for(spec, outer, number)
    return study.ask(distributions(spec.space))


def tell(study: Any, trial: Any, score: float | None) -> None:
    """Record a trial's end: its score, or pruned (``score`` None). The sampler is set to
    one that does nothing when a trial ends: Optuna's grid sampler would stop the study
    once the grid is used up, which only works inside ``study.optimize``."""
    optuna = _optuna()
    study.sampler = optuna.samplers.RandomSampler(seed=0)
    if score is None:
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    else:
        study.tell(trial, score)
