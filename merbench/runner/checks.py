"""The checks of a run's options: each value alone, then the combinations.

What is checked against the registries while resolving names stays where the name is
resolved (a dataset option against the dataset, ``--feature`` against the model's input
shape in :mod:`merbench.runner.plan`, ``--data-root`` as the dataset opens); everything else
is here.

:func:`check_values` needs nothing but the options, so ``merbench run``, ``merbench
extract`` and a sweep plan's entries call it before any plugin is asked; the other checks
need what planning resolved (the model's kind, its recipe, the device) and
:func:`merbench.runner.plan.plan_run` calls each where it has that. Each refusal is one line
that names the option and the fix; the command-line tests compare them word for word.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.whole_numbers import number_shown
from merbench.meta import (
    DATA_ORDERS,
    LR_TOO_SMALL,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_LR,
    MIN_LR,
    TrainRecipe,
)
from merbench.results.out_folders import read_places, refuse_out_place, refuse_read_place
from merbench.runner.executor_kinds import EXECUTOR_KINDS
from merbench.runner.given_values import check_finite, check_seed
from merbench.runner.ray_address import check_reachable
from merbench.runner.spec import EXECUTORS, PRECISIONS, RunSettings, RunSpec, flag
from merbench.scores.selection import POLICIES, check_reportable
from merbench.training.device import check_device_name

# The bounds past which an option cannot be meant (MAX_EPOCHS, MAX_BATCH_SIZE, MAX_LR, MIN_LR)
# live in merbench.meta, whose TrainRecipe and ReducedSetting refuse the same values at load.

#: the most folds trained at once: each holds its own model and optimiser state, and the
#: composite's LOSO, the largest a GPU session trains together, has 68 (pass 84u, U9:
#: --parallel-folds 1000000000 was taken without a word)
MAX_PARALLEL_FOLDS = 1_024
#: the longest --checkpoint-every, a week of minutes: a save that far apart saves nothing a
#: run would go on from (1e300 was taken without a word, pass 84u, U9)
MAX_CHECKPOINT_MINUTES = 7 * 24 * 60


def max_threads() -> int:
    """More threads than four per core only wait for one another (and each costs a stack:
    100,000 fail to start at all)."""
    return 4 * (os.cpu_count() or 1)


def check_process_count(name: str, value: int | None) -> None:
    """``--threads`` or ``--workers``: at least 1, at most :func:`max_threads` (None: left
    out); ``run`` and ``audit`` take them alike."""
    if value is None:
        return
    if value < 1:
        raise MerbenchError(f"{flag(name)} must be at least 1 (got {value})")
    problem = too_large(name, value)
    if problem is not None:
        raise MerbenchError(problem)


def too_large(name: str, value: int, written: str | None = None) -> str | None:
    """The line for a whole-number option (the field ``name``) above its largest value, or
    None. The value is said as ``written`` where the command line gave it as text: ``--epochs
    1e9`` is "got 1e9", not the thousand-separated int it reads as ("--folds 9e99" was
    said in 100 digits, pass 84j Q12); a value from Python or a file is said as the int, as
    a plan writes it (``5000``, not "5,000": pass 84v, V14)."""
    got = str(value) if written is None else written.strip()
    if name in ("threads", "workers") and value > max_threads():
        return (f"{flag(name)} must be at most {max_threads()} (4 per core of this machine; "
                f"got {got}); leave it out to let merbench choose")
    if name == "epochs" and value > MAX_EPOCHS:
        return (f"--epochs must be at most {MAX_EPOCHS:,} (got {got}): every epoch's test "
                "predictions are kept in memory and on disk")
    if name == "parallel_folds" and value > MAX_PARALLEL_FOLDS:
        return (f"--parallel-folds must be at most {MAX_PARALLEL_FOLDS:,} (got {got}): each "
                "fold trained at once holds its own model; leave it out to train as many as "
                "free memory holds")
    if name == "batch_size" and value > MAX_BATCH_SIZE:
        return (f"--batch-size must be at most {MAX_BATCH_SIZE:,} (got {got}): more samples "
                "than any dataset holds; leave it out to use the model's own")
    return None


def check_values(spec: RunSpec, settings: RunSettings) -> None:
    """Reject impossible option values before anything is built."""
    check_settings_values(settings)
    positive = {"epochs": spec.epochs, "batch_size": spec.batch_size,
                "inner_val_subjects": spec.inner_val_subjects}
    for name, value in positive.items():
        if value is not None and value < 1:
            raise MerbenchError(f"{flag(name)} must be at least 1 (got {value})")
    if spec.lr is not None and not (spec.lr > 0 and math.isfinite(spec.lr)):
        raise MerbenchError(f"--lr must be a positive number (got {number_shown(spec.lr)})")
    if spec.lr is not None and spec.lr > MAX_LR:
        raise MerbenchError(f"--lr must be at most {MAX_LR:g} (got {number_shown(spec.lr)}): "
                            "a step that large overflows the weights' 32-bit numbers")
    if spec.lr is not None and spec.lr < MIN_LR:
        raise MerbenchError(f"--lr must be at least {MIN_LR:g} (got {number_shown(spec.lr)}): "
                            f"{LR_TOO_SMALL}")
    for name in ("epochs", "batch_size"):
        value = getattr(spec, name)
        problem = None if value is None else too_large(name, value)
        if problem is not None:
            raise MerbenchError(problem)
    check_seed(spec.seed, "--seed")
    for name in ("model_options", "dataset_options", "feature_options", "protocol_options"):
        check_finite(getattr(spec, name), flag(name), texts_later=True)
    if spec.selection not in POLICIES and spec.selection != "authors":
        # only what --selection takes: per-metric-best is recorded, never a run's own
        taken = ", ".join(name for name, policy in POLICIES.items() if policy.reportable)
        raise MerbenchError(f"unknown selection policy '{spec.selection}'; available: "
                            f"{taken}, or authors (the model's authors' own)")
    if spec.selection in POLICIES:
        check_reportable(spec.selection, f"--selection {spec.selection} picks")
    if spec.data_order is not None and spec.data_order not in DATA_ORDERS:
        raise MerbenchError(f"unknown --data-order '{spec.data_order}'; use "
                            f"{' or '.join(DATA_ORDERS)}")
    if spec.precision not in PRECISIONS:
        raise MerbenchError(f"unknown --precision '{spec.precision}'; use "
                            f"{' or '.join(PRECISIONS)}")
    if EXECUTOR_KINDS[settings.executor].connects_to_address:  # before any data is read
        check_reachable(settings.ray_address)


def check_settings_values(settings: RunSettings) -> None:
    """The values of where and how fast a run trains, refused on their own: ``merbench
    sweep`` checks those its command line gives before its plan's entries, so a bad
    ``--ray-address`` or ``--checkpoint-every`` is said as the option's, never blamed on
    the plan's first entry ("sw.toml: runs[0] (...): --ray-address applies with ...")."""
    for name in ("parallel_folds", "workers", "threads"):
        value = getattr(settings, name)
        if name in ("threads", "workers"):
            check_process_count(name, value)
        elif value is not None and value < 1:
            raise MerbenchError(f"{flag(name)} must be at least 1 (got {value}); 1 trains one "
                                "fold at a time")
        elif value is not None and (problem := too_large(name, value)) is not None:
            raise MerbenchError(problem)
    if not (settings.checkpoint_every >= 0 and math.isfinite(settings.checkpoint_every)):
        raise MerbenchError(f"--checkpoint-every must be a number of minutes >= 0 (got "
                            f"{number_shown(settings.checkpoint_every)}); 0 saves no "
                            "unfinished fold")
    if settings.checkpoint_every > MAX_CHECKPOINT_MINUTES:
        raise MerbenchError(f"--checkpoint-every must be at most {MAX_CHECKPOINT_MINUTES:,} "
                            f"minutes, a week (got {number_shown(settings.checkpoint_every)}); "
                            "0 saves no unfinished fold")
    if settings.executor not in EXECUTORS:
        raise MerbenchError(f"unknown --executor '{settings.executor}'; use "
                            f"{' or '.join(EXECUTORS)}")
    if settings.ray_address is not None and not settings.ray_address.strip():
        raise MerbenchError("--ray-address is empty; give the head's HOST:PORT (e.g. "
                            "10.0.0.5:6379), or leave it out to start Ray on this machine")
    for kind in EXECUTOR_KINDS.values():  # another executor's setting: refused, not ignored
        for name in kind.own_settings:
            if kind.name != settings.executor and getattr(settings, name) is not None:
                raise MerbenchError(f"{flag(name)} applies with --executor {kind.name}; give "
                                    f"--executor {kind.name}, or leave {flag(name)} out")
    if settings.gpus_per_task is not None and not 0 < settings.gpus_per_task <= 1:
        raise MerbenchError(f"--gpus-per-task must be a share of one GPU, more than 0 and at "
                            f"most 1 (got {number_shown(settings.gpus_per_task)})")
    check_device_name(settings.device)


def check_paths(settings: RunSettings, dataset_options: Mapping[str, Any]) -> None:
    """The paths a run is given, as far as the paths alone tell, before any data is read
    (and before ``merbench run`` says it reads it): an ``--out`` that is (in) a system folder,
    no folder, or (in) the data it reads (the data root, a sheet its dataset options name:
    ``extract --save`` and ``predict --out`` refused that place while a run wrote itself
    into the dataset's own folders), a ``--features`` file that is not there or no regular
    file."""
    if settings.out is not None:
        refuse_out_place(Path(settings.out))
        read = read_places({"data_root": settings.data_root,
                            "dataset_options": dataset_options})
        refuse_read_place(Path(settings.out), "--out", read.items())
    if settings.features is not None:
        # deferred: pandas (through features.saved_file), which only a features file needs
        from merbench.features.saved_file import check_features_path

        check_features_path(settings.features)


def check_model_options(spec: RunSpec, is_torch: bool) -> None:
    """The model's options, as far as the run itself decides them: the number of classes,
    and an estimator's ``random_state`` (training.estimator sets every one of them to the
    fold's seed, so a run recorded with random_state=5 trained as one with 7 did)."""
    for key in sorted(spec.model_options, key=lambda k: k != "num_classes"):
        reason = run_owned(key, is_torch)
        if reason is None:
            continue
        if key == "num_classes":  # even at its default
            raise MerbenchError(f"{reason}; do not set num_classes")
        raise MerbenchError(f"model '{spec.model}': {reason}; leave out --model-opt {key} "
                            "and give --seed instead")


def run_owned(key: str, is_torch: bool, seed: str = "--seed") -> str | None:
    """Why the model option ``key`` is the run's to set, not the user's, or None where it
    is theirs: one reason for every place that gives model options (``--model-opt``, a
    tuning file's ``[space]``, which said ``--model-opt`` and no file: pass 84q, Q9).
    ``seed``: what the seed is called where the option was given."""
    if key == "num_classes":
        return "the number of classes comes from the dataset"
    if not is_torch and (key == "random_state" or key.endswith("__random_state")):
        return f"merbench sets {key} itself, seeding each fold from {seed}"
    return None


# what an estimator cannot take: a sweep's [defaults] leave them out for one (sweep.plan_file)
ESTIMATOR_LACKS = ("epochs", "batch_size", "lr", "data_order", "precision", "selection",
                   "fused_optimizer")


def check_training(spec: RunSpec, settings: RunSettings, is_torch: bool) -> None:
    """What an estimator or saved weights cannot do (epochs, precision, epoch selection, an
    optimiser step) is refused by name."""
    if spec.weights is not None:
        check_evaluation(spec, settings, is_torch)
    if is_torch:
        return
    for option in ("epochs", "batch_size", "lr", "data_order"):
        if getattr(spec, option) is not None:
            raise MerbenchError(f"model '{spec.model}' is a scikit-learn estimator and "
                                f"has no --{option.replace('_', '-')}; leave it out")
    if spec.precision != "fp32":
        raise MerbenchError(f"model '{spec.model}' is a scikit-learn estimator and "
                            "computes in its own precision; leave out --precision "
                            f"{spec.precision}")
    if spec.selection != "fixed":
        raise MerbenchError(f"model '{spec.model}' is fitted once, so it has one "
                            "prediction per sample and no epoch to select; leave out "
                            f"--selection {spec.selection}")
    if spec.fused_optimizer:
        raise MerbenchError(f"model '{spec.model}' is a scikit-learn estimator and has "
                            "no optimiser step; leave out --fused-optimizer")


def check_fused_step(spec: RunSpec, recipe: TrainRecipe) -> None:
    """``--fused-optimizer`` only for an optimiser that has the step, on a torch that has it
    on a CPU."""
    if not spec.fused_optimizer:
        return
    # deferred: it imports torch, which only a plan that asks for the fused step needs
    from merbench.training.torch_trainer import FUSABLE_OPTIMIZERS, fused_step_on_cpu

    if recipe.optimizer not in FUSABLE_OPTIMIZERS:
        raise MerbenchError(f"--fused-optimizer is a step of {' and '.join(FUSABLE_OPTIMIZERS)}, "
                            f"and model '{spec.model}' trains with {recipe.optimizer}; leave "
                            "it out")
    if not fused_step_on_cpu():
        # deferred: torch, loaded by torch_trainer above, for its version
        import torch

        raise MerbenchError(f"--fused-optimizer needs torch 2.4 or newer on a CPU (this is "
                            f"torch {torch.__version__}); upgrade torch or leave it out")


def check_evaluation(spec: RunSpec, settings: RunSettings, is_torch: bool) -> None:
    """Refuse what evaluating saved models (``--weights``) cannot do."""
    if not EXECUTOR_KINDS[settings.executor].reads_local_files:  # check_values knows the name
        raise MerbenchError("--weights evaluates saved checkpoints, which only this machine "
                            "holds; run it with --executor local")
    if not is_torch:
        raise MerbenchError(f"--weights loads torch checkpoints, and model '{spec.model}' is "
                            "a scikit-learn estimator; leave out --weights")
    for option in ("epochs", "lr"):
        if getattr(spec, option) is not None:
            raise MerbenchError(f"--weights evaluates saved models without training; leave "
                                f"out --{option}")
    for name in ("shuffle_train_labels", "fused_optimizer"):
        if getattr(spec, name):
            raise MerbenchError("--weights evaluates saved models without training; leave out "
                                f"--{name.replace('_', '-')}")
    if spec.selection != "fixed":
        raise MerbenchError(f"--weights gives one prediction per sample and no epoch to "
                            f"select; leave out --selection {spec.selection}")
    weights = Path(str(spec.weights))
    if not os.path.lexists(weights):
        raise MerbenchError(f"--weights {spec.weights} does not exist; give the folder that "
                            "holds one checkpoint per test fold (<subject>.pth under LOSO, "
                            "<database>.pth under lodo)")
    if not weights.is_dir():
        raise MerbenchError(f"--weights {spec.weights} is not a folder; give the folder that "
                            "holds one checkpoint per test fold (<subject>.pth under LOSO, "
                            "<database>.pth under lodo)")


def check_eager(device: str) -> None:
    """``--eager`` only where epochs would be captured: on CUDA. A CPU run took it without a
    word (pass 84u, U9), as --gpus-per-task without ray is not."""
    if not device.startswith("cuda"):
        raise MerbenchError(f"--eager applies on CUDA, where epochs are replayed as captured "
                            f"graphs, and the run is on {device}; give --device cuda, or "
                            "leave --eager out")


def check_precision(spec: RunSpec, device: str) -> None:
    """TensorFloat-32 only where there are CUDA matrix products."""
    if spec.precision == "tf32" and not device.startswith("cuda"):
        raise MerbenchError(f"--precision tf32 is a CUDA matrix-product mode and the "
                            f"run is on {device}; use fp32 or bf16 there")
