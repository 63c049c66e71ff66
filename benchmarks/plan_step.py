"""One real training step of each model the GPU plan trains, timed, with its rate and floor.

The 2026-11-26 plan gave MMNet-release and HSTA-release 85 and 59 minutes a seed PREDICTED
from their FLOPs at HTNet's measured rate, never measured: at the chip's rate their FLOPs
take 2 and 1.3 minutes, so the prediction said more about HTNet's utilisation than about
theirs. A window's first minute now measures them (``train_matrix.py`` calls
:func:`measure_model` for every model of :data:`PLAN_MODELS`): a fold-epoch of the composite
(436 random samples of the feature's stored shape, the recipe's batches, merbench's
optimiser, the model's ``augment``) timed over a few real steps on the device, and the plan
(``gpu_plan.predict``) uses that figure for the rest of the window.

Each figure comes with what the machine can do (:func:`machine_rates`: a large matrix
product's FLOP/s in the precision and a device copy's bytes/s, measured in the same
process) and the setting's floor (:func:`floor_s`): its training FLOPs at that rate plus the
optimiser's memory traffic (Adam reads and writes every fp32 weight, gradient and both
moments: 28 bytes a parameter a step) at that bandwidth. Achieved against floor says how far
a setting is from the chip, not only how long it takes.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any

import torch
from gpu_plan import FOLDS_MEASURED
from step_timing import (
    FLOP_BATCH,
    TRAIN_SAMPLES,
    StepTime,
    extrapolate_epoch,
    recipe_batches,
    stored_inputs,
    training_flops,
)
from torch import nn

from merbench.training.torch_trainer import build_optimizer, model_param_groups

# The GPU plan's models other than HTNet (which the matrix measures at every K), each with
# the feature its job trains on (None: the model's declared one).
PLAN_MODELS: dict[str, str | None] = {
    "mmnet-release": None, "hsta-release": None, "alexnet-flow": None,
    "causalnet": "causalnet-release", "offapexnet": None,
}
ADAM_BYTES_PER_PARAMETER = 28  # read + write of weight, m and v, read of the gradient: fp32


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def machine_rates(device: str, precision: str = "bf16") -> dict[str, float]:
    """Matrix-product FLOP/s in ``precision`` and copy bytes/s (read + write), measured
    here: the rates a floor is computed at. Sizes are the device tool's (8192^3, 4 GiB
    copies) on CUDA, small on a CPU (the rehearsal only needs the code to run)."""
    n, copy_bytes, repeats = (8192, 2**32, 10) if device.startswith("cuda") else (512, 2**26, 3)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    sync(device)
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    sync(device)
    flops = 2 * n**3 * repeats / (time.perf_counter() - started)
    del a, b
    source = torch.empty(copy_bytes // 4, device=device, dtype=torch.float32)
    target = torch.empty_like(source)
    target.copy_(source)
    sync(device)
    started = time.perf_counter()
    for _ in range(repeats):
        target.copy_(source)
    sync(device)
    bandwidth = 2 * copy_bytes * repeats / (time.perf_counter() - started)
    del source, target
    return {"matmul_flops_per_s": flops, "copy_bytes_per_s": bandwidth}


def floor_s(flops_per_sample: float, parameters: int, steps: int, rates: dict[str, float],
            samples: int = TRAIN_SAMPLES) -> float:
    """A fold-epoch's least seconds: its training FLOPs at the matrix-product rate plus the
    optimiser's traffic, ``steps`` times, at the copy bandwidth."""
    return (flops_per_sample * samples / rates["matmul_flops_per_s"]
            + steps * parameters * ADAM_BYTES_PER_PARAMETER / rates["copy_bytes_per_s"])


def _step(model: nn.Module, optimizer: torch.optim.Optimizer, x_pool: torch.Tensor,
          y_pool: torch.Tensor, batch: int, precision: str, device: str,
          generator: torch.Generator) -> StepTime:
    """One training step as merbench's trainer takes it, on ``device``, timed in two parts."""
    sync(device)
    started = time.perf_counter()
    index = torch.randperm(len(x_pool), generator=generator)[:batch].to(x_pool.device)
    inputs = x_pool[index].float()
    augment = getattr(model, "augment", None)
    if augment is not None:
        inputs = augment(inputs, generator)
    optimizer.zero_grad(set_to_none=True)
    autocast = (torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16)
                if precision == "bf16" else nullcontext())
    with autocast:
        loss = nn.functional.cross_entropy(model(inputs).float(), y_pool[index])
    loss.backward()
    sync(device)
    middle = time.perf_counter()
    optimizer.step()
    sync(device)
    return StepTime(batch, middle - started, time.perf_counter() - middle)


def measure_model(name: str, feature: str | None, device: str, precision: str,
                  rates: dict[str, float], *, steps: int = 4,
                  micro_batch: int | None = None) -> dict[str, Any]:
    """A fold-epoch of ``name`` on ``device``: real steps timed after one warm-up, scaled to
    the recipe's batches (``micro_batch``: steps of that size instead, scaled linearly: a
    CPU rehearsal), with its FLOPs, achieved rate, floor and minutes a 68-fold seed."""
    import merbench
    from merbench.plugin_system.manager import load_plugins

    registries = load_plugins().registries
    meta = registries.models.get(name).meta
    feature_meta = registries.features.get(feature or meta.feature).meta
    recipe = meta.recipe
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = merbench.create_model(name, num_classes=3)
    flops = training_flops(model, stored_inputs(feature_meta, FLOP_BATCH, generator),
                           torch.randint(0, 3, (FLOP_BATCH,), generator=generator)) / FLOP_BATCH
    model = model.to(device)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    built = time.perf_counter()
    optimizer = build_optimizer(model_param_groups(model, recipe), recipe, device)
    x_pool = stored_inputs(feature_meta, TRAIN_SAMPLES, generator).to(device)
    y_pool = torch.randint(0, 3, (TRAIN_SAMPLES,), generator=generator).to(device)
    batches = recipe_batches(model, recipe)
    sizes = [micro_batch] if micro_batch else batches
    model.train()
    _step(model, optimizer, x_pool, y_pool, sizes[0], precision, device, generator)  # warm-up
    timed = [_step(model, optimizer, x_pool, y_pool, sizes[i % len(sizes)], precision, device,
                   generator) for i in range(steps)]
    warm_s = time.perf_counter() - built
    epoch_s = extrapolate_epoch(timed, batches)
    parameters = sum(p.numel() for p in model.parameters())
    floor = floor_s(flops, parameters, len(batches), rates)
    peak = (torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else None)
    del model, optimizer, x_pool, y_pool
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return {"model": name, "feature": feature_meta.name, "precision": precision,
            "device": device, "k": 1, "epochs": recipe.epochs,
            "batch_size": recipe.batch_size, "steps_per_epoch": len(batches),
            "steps_timed": len(timed), "micro_batch": micro_batch,
            "parameters": parameters, "flops_per_sample": flops,
            "fold_epoch_s": round(epoch_s, 5), "build_and_first_steps_s": round(warm_s, 3),
            "achieved_tflops": round(flops * TRAIN_SAMPLES / epoch_s / 1e12, 3),
            "floor_fold_epoch_s": round(floor, 6),
            "times_floor": round(epoch_s / floor, 2) if floor > 0 else None,
            "peak_gib": None if peak is None else round(peak, 2),
            "minutes_68_folds": round(68 * recipe.epochs * epoch_s / 60, 2)}


def measure_folds(name: str, feature: str | None, device: str, precision: str,
                  rates: dict[str, float], k: int = FOLDS_MEASURED) -> dict[str, Any]:
    """``k`` folds of ``name`` trained together by merbench's fold-parallel engine (eager:
    a model that augments is never captured): one epoch of the recipe's batches after a
    warm-up epoch, on composite-sized random folds, as a row like :func:`measure_model`'s
    with ``k`` and a fold's share of the epoch (``fold_epoch_s``). ``by_default``: whether
    ``merbench run`` trains the model so unasked (no dropout); a model with dropout does
    only with ``--parallel-folds``."""
    import numpy as np

    import merbench
    from merbench.plugin_system.manager import load_plugins
    from merbench.training.epoch_loop import set_epoch_lr
    from merbench.training.fold_parallel import FoldsStep, FoldTask, has_dropout

    registries = load_plugins().registries
    meta = registries.models.get(name).meta
    feature_meta = registries.features.get(feature or meta.feature).meta
    recipe = meta.recipe
    generator = torch.Generator().manual_seed(0)
    x = stored_inputs(feature_meta, TRAIN_SAMPLES + 7, generator).numpy()
    y = np.asarray(torch.randint(0, 3, (TRAIN_SAMPLES,), generator=generator))
    tasks = [FoldTask(x[:TRAIN_SAMPLES], y, x[TRAIN_SAMPLES:], seed=i) for i in range(k)]

    def build() -> nn.Module:
        return merbench.create_model(name, num_classes=3)

    with torch.device("meta"):  # shapes only
        model = build()
        parameters = sum(p.numel() for p in model.parameters())
        by_default = not has_dropout(model)
    flops = training_flops(build(), stored_inputs(feature_meta, FLOP_BATCH, generator),
                           torch.randint(0, 3, (FLOP_BATCH,), generator=generator)) / FLOP_BATCH
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    step = FoldsStep(build, recipe, tasks, device=device, precision=precision,
                     fused_optimizer=False)
    times = []
    for epoch in range(2):  # a warm-up epoch, then the one timed
        sync(device)
        began = time.perf_counter()
        set_epoch_lr(step.optimizer, recipe, epoch)
        step.check_finite(step.train_epoch(), epoch)
        step.predict()
        sync(device)
        times.append(time.perf_counter() - began)
    warm_s = time.perf_counter() - started - times[-1]
    epoch_s = times[-1] / k
    steps = len(step.bounds)
    floor = floor_s(flops, parameters, steps, rates)
    peak = (torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else None)
    del step
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return {"model": name, "feature": feature_meta.name, "precision": precision,
            "device": device, "k": k, "by_default": by_default, "epochs": recipe.epochs,
            "batch_size": recipe.batch_size, "steps_per_epoch": steps,
            "parameters": parameters, "flops_per_sample": flops,
            "fold_epoch_s": round(epoch_s, 5),
            "build_and_first_steps_s": round(warm_s / k, 3),
            "achieved_tflops": round(flops * TRAIN_SAMPLES / epoch_s / 1e12, 3),
            "floor_fold_epoch_s": round(floor, 6),
            "times_floor": round(epoch_s / floor, 2) if floor > 0 else None,
            "peak_gib": None if peak is None else round(peak, 2),
            "minutes_68_folds": round(68 * recipe.epochs * epoch_s / 60, 2)}


def rate_line(row: dict[str, Any]) -> str:
    """One matrix row as the terminal shows it: time, achieved rate and the floor."""
    return (f"{row['model']:<14} K={row.get('k', 1):<3} {row['precision']:<5} "
            f"{1000 * row['fold_epoch_s']:9.2f} ms a fold-epoch, "
            f"{row['achieved_tflops']:7.2f} TFLOP/s, floor {1000 * row['floor_fold_epoch_s']:.2f}"
            f" ms ({row['times_floor']}x), {row['minutes_68_folds']:.1f} min a seed")
