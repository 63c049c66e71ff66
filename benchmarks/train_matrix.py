"""Steady-state training speed on CUDA: eager against captured epochs, K folds at once, precision.

``train_speed.py --matrix`` runs this: for HTNet's paper configuration and one small model
(STSTNet; a model ``merbench run`` never trains fold-parallel is left out: ``not_batched``),
each setting of the matrix trains composite-sized folds (442 samples, random
pixels: the speed does not depend on them) with merbench's fold-parallel engine, eagerly
(``FoldsStep``) or replaying one captured CUDA graph an epoch (``CapturedFoldsStep``), in
fp32, tf32 and bf16 (K = 1 is that step with one fold: merbench trains a lone fold with its
sequential trainer, eagerly, which does the same work). Start-up (building K models, the
first epoch, the capture) is timed
apart from the steady state (the median epoch after it). It also checks that the captured
fp32 epochs give the eager ones' weights bit for bit, and profiles one eager epoch. One JSON
holds every figure; ``gpu_session.py`` plans from it.

First, though, it measures what the plan has no figure for: the machine's own rates and a
real fold-epoch of every other model of the plan (``plan_step.py``: MMNet-release,
HSTA-release, AlexNet, CausalNet, OFF-ApexNet, fp32 and bf16), so a window's plan uses
measured minutes for them. Every row reports its achieved TFLOP/s and its floor (FLOPs at
the measured matrix-product rate plus Adam's traffic at the measured copy bandwidth).
``--device cpu`` is the rehearsal's (``gpu_session.py --device cpu``): the plan models'
steps on micro-batches and nothing CUDA-only, so the code a window runs has run before.

    python benchmarks/train_matrix.py --json OUT.json [--budget-s 240] [--epochs 8]
        [--device cuda] [--only MODEL:PRECISION,... [--base MATRIX.json]]

``--only`` is a window's short measurement (``gpu_session.py``, issue 81: a window with runs
left spends its time training): only the models named, each at its job's precision, HTNet
at two K captured (after the check that captured epochs are the eager ones) and one eager,
the others one fold at a time; ``--base`` keeps the rows of a matrix measured on the same
device (the committed one) beside them, so the plan has both.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from gpu_plan import FOLD_PARALLEL_MODELS, FOLDS_MEASURED
from merbench_cnn.ststnet import STSTNet
from merbench_htnet.htnet import HTNet
from plan_step import (
    PLAN_MODELS,
    floor_s,
    machine_rates,
    measure_folds,
    measure_model,
    rate_line,
)
from step_timing import FLOP_BATCH, training_flops
from torch import nn

from merbench.meta import TrainRecipe
from merbench.training.captured_step import CapturedFoldsStep
from merbench.training.epoch_loop import set_epoch_lr
from merbench.training.fold_parallel import (
    FoldsStep,
    FoldTask,
    folds_that_fit,
    why_not_batchable,
)

MODELS: dict[str, tuple[Callable[[], nn.Module], TrainRecipe]] = {
    "htnet": (HTNet, TrainRecipe(epochs=800, batch_size=256, lr=5e-5, optimizer="adam")),
    "ststnet": (STSTNet, TrainRecipe(epochs=800, batch_size=256, lr=5e-5,
                                               optimizer="adam")),
}


def composite_like(k: int, seed: int = 0) -> list[FoldTask]:
    """K folds shaped like the composite's: 442 samples, a test subject of 6 or 7."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (442, 3, 28, 28)).astype(np.uint8)
    y = rng.integers(0, 3, 442)
    tasks = []
    for i in range(k):
        n_test = 6 + i % 2
        lo = (i * 7) % (442 - n_test)
        keep = np.r_[0:lo, lo + n_test:442]
        tasks.append(FoldTask(x[keep], y[keep], x[lo:lo + n_test], seed=i))
    return tasks


def sync() -> None:
    torch.cuda.synchronize()


def measure(model: str, k: int, precision: str, captured: bool, epochs: int) -> dict[str, Any]:
    build, recipe = MODELS[model]
    recipe = replace(recipe, epochs=epochs + 2)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    sync()
    started = time.perf_counter()
    kind = CapturedFoldsStep if captured else FoldsStep

    def on_device() -> nn.Module:  # initialised on the GPU: fast, and the speed is the same
        with torch.device("cuda"):
            return build()

    step = kind(on_device, recipe, composite_like(k), device="cuda", precision=precision,
                fused_optimizer=False)
    sync()
    built = time.perf_counter() - started
    times = []
    for epoch in range(recipe.epochs):
        set_epoch_lr(step.optimizer, recipe, epoch)
        sync()
        t0 = time.perf_counter()
        loss = step.train_epoch()
        step.predict()
        step.check_finite(loss, epoch)
        step.epochs_finished(epoch + 1, wait=True)
        sync()
        times.append(time.perf_counter() - t0)
    steady = statistics.median(times[2:])
    return {"model": model, "k": k, "precision": precision, "captured": captured,
            "build_s": round(built, 3), "first_epochs_s": [round(t, 4) for t in times[:2]],
            "epoch_s": round(steady, 5), "fold_epoch_ms": round(1000 * steady / k, 3),
            "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
            "minutes_68x800": round(68 * 800 * steady / k / 60, 2)}


def same_weights(model: str, k: int, epochs: int) -> dict[str, Any]:
    """Train eagerly and captured from the same seeds; compare every weight bit for bit."""
    build, recipe = MODELS[model]
    recipe = replace(recipe, epochs=epochs)
    steps = []
    for kind in (FoldsStep, CapturedFoldsStep):
        step = kind(build, recipe, composite_like(k), device="cuda", precision="fp32",
                    fused_optimizer=False)
        predictions = []
        for epoch in range(epochs):
            set_epoch_lr(step.optimizer, recipe, epoch)
            loss = step.train_epoch()
            predictions.append(step.predict().clone())
            step.check_finite(loss, epoch)
        step.epochs_finished(epochs, wait=True)
        steps.append((step, torch.stack(predictions)))
    (eager, p_eager), (graph, p_graph) = steps
    differing = [name for name in eager.params
                 if not torch.equal(eager.params[name], graph.params[name])]
    largest = max((float((eager.params[n] - graph.params[n]).abs().max()) for n in differing),
                  default=0.0)
    return {"model": model, "k": k, "epochs": epochs, "tensors": len(eager.params),
            "differing_tensors": len(differing), "largest_difference": largest,
            "same_predictions": bool(torch.equal(p_eager, p_graph))}


def profile(model: str, k: int, precision: str) -> dict[str, Any]:
    build, recipe = MODELS[model]
    recipe = replace(recipe, epochs=3)
    step = FoldsStep(build, recipe, composite_like(k), device="cuda", precision=precision,
                     fused_optimizer=False)
    step.train_epoch()
    step.predict()
    sync()
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile
    with torch_profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        step.train_epoch()
        step.predict()
        sync()
    events = prof.key_averages()
    rows = sorted(events, key=lambda e: e.device_time_total, reverse=True)[:25]
    table = [{"name": e.key[:80], "calls": e.count,
              "device_ms": round(e.device_time_total / 1000, 3)} for e in rows]
    kernels = sum(e.count for e in events if e.device_type == torch.autograd.DeviceType.CUDA)
    device_total = sum(e.self_device_time_total for e in events) / 1000
    return {"model": model, "k": k, "precision": precision, "kernels": kernels,
            "device_ms": round(device_total, 2), "top": table}


def with_rates(row: dict[str, Any], flops_per_sample: float, parameters: int,
               rates: dict[str, dict[str, float]]) -> dict[str, Any]:
    """An HTNet row with its achieved TFLOP/s and its floor at this machine's rates (bf16
    rows at the bf16 matrix-product rate, the others at fp32's)."""
    rate = rates["bf16" if row["precision"] == "bf16" else "fp32"]
    fold_epoch_s = row["fold_epoch_ms"] / 1000
    floor = floor_s(flops_per_sample, parameters, 2, rate)  # 436 samples: two batches of 256
    return {**row, "fold_epoch_s": fold_epoch_s, "achieved_tflops":
            round(flops_per_sample * 436 / fold_epoch_s / 1e12, 3),
            "floor_fold_epoch_s": round(floor, 6),
            "times_floor": round(fold_epoch_s / floor, 2),
            "minutes_68_folds": row["minutes_68x800"]}


def htnet_cost() -> tuple[float, int]:
    """HTNet's training FLOPs a sample and its parameters."""
    model = HTNet()
    x = torch.rand(FLOP_BATCH, 3, 28, 28) * 255
    return (training_flops(model, x, torch.zeros(FLOP_BATCH, dtype=torch.long)) / FLOP_BATCH,
            sum(p.numel() for p in model.parameters()))


def not_batched() -> dict[str, str]:
    """The matrix's models that ``merbench run`` never trains fold-parallel, and why: their
    settings would time an engine no run uses. STSTNet was one until issue 81 (BatchNorm,
    now masked per fold; its forward's channels-last copy, which vmap cannot make, is now
    skipped for a batched tensor); none is now."""
    reasons = {}
    for name, (build, _) in MODELS.items():
        with torch.device("meta"):  # shapes only
            reason = why_not_batchable(build())
        if reason is not None:
            reasons[name] = reason
    return reasons


def only_plan(only: str, cuda: bool) -> list[tuple[str, Any]]:
    """The matrix's items for ``--only`` (``model:precision,...``): HTNet on CUDA at K = 16
    and 8 captured and 8 eager after the captured-against-eager check (on a CPU, none: those
    settings are CUDA's); every other model one fold at a time (``plan_step.measure_model``)."""
    plan: list[tuple[str, Any]] = []
    for item in filter(None, only.split(",")):
        model, _, precision = item.partition(":")
        precision = precision or "fp32"
        if model == "htnet" and not cuda:
            continue  # its settings are CUDA's; a CPU rehearsal's HTNet jobs train it
        if model == "htnet":
            if ("same", ("htnet", 2, 3)) not in plan:
                plan.append(("same", ("htnet", 2, 3)))
            plan += [("measure", ("htnet", 16, precision, True)),
                     ("measure", ("htnet", 8, precision, True)),
                     ("measure", ("htnet", 8, precision, False))]
        else:
            if cuda and model in FOLD_PARALLEL_MODELS:  # K at once first (issue 81): a
                # window's short measurement may end before the next item
                plan.append(("plan", (model, PLAN_MODELS.get(model), precision,
                                      FOLDS_MEASURED)))
            plan.append(("plan", (model, PLAN_MODELS.get(model), precision)))
    return plan


def with_base(report: dict[str, Any], base_file: str | None) -> None:
    """``report`` started from the rows of ``base_file``, a matrix measured on the same
    device (another device's rows would be planned as this one's: refused)."""
    if base_file is None:
        return
    with open(base_file) as handle:
        base = json.load(handle)
    if base.get("device") != report["device"]:
        raise SystemExit(f"--base {base_file} was measured on {base.get('device')}, not on "
                         f"{report['device']}; give none (the window measures its own)")
    for key in ("settings", "same_numbers", "plan_models", "htnet_folds_that_fit",
                "htnet_floor", "not_batched", "profiles", "errors"):
        if key in base:
            report[key] = list(base[key]) if isinstance(base[key], list) else base[key]
    report["base"] = f"{base_file} ({base.get('torch', 'torch ?')})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", required=True)
    parser.add_argument("--budget-s", type=float, default=240.0)
    parser.add_argument("--epochs", type=int, default=8, help="steady-state epochs timed")
    parser.add_argument("--ks", default="1,4,8,16,fit",
                        help="folds at once for HTNet (fit: as many as merbench would fit in "
                             "free memory, at most 68)")
    parser.add_argument("--device", default="cuda",
                        help="cuda (a window), or cpu (its rehearsal: the plan models' steps "
                             "on micro-batches, nothing CUDA-only)")
    parser.add_argument("--only", default=None, metavar="MODEL:PRECISION,...",
                        help="measure only these (a window's models with no figure here)")
    parser.add_argument("--base", default=None,
                        help="with --only: a matrix measured on this device whose rows the "
                             "report keeps")
    args = parser.parse_args(argv)
    cuda = args.device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        parser.error("the matrix measures CUDA training; torch sees no CUDA device here "
                     "(--device cpu rehearses it)")
    deadline = time.monotonic() + args.budget_s
    report: dict[str, Any] = {
        "device": torch.cuda.get_device_name(0) if cuda else args.device,
        "torch": torch.__version__, "host": platform.processor() or platform.machine(),
        "settings": [], "plan_models": [], "errors": []}

    def save() -> None:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)

    if args.only is not None:
        with_base(report, args.base)
        short(args, report, cuda, deadline, save)
        return
    rates = {precision: machine_rates(args.device, precision) for precision in ("bf16", "fp32")}
    report["rates"] = {p: {k: round(v, 1) for k, v in r.items()} for p, r in rates.items()}
    print(json.dumps({"rates": report["rates"]}), flush=True)
    plan: list[tuple[str, Any]] = [  # a CPU rehearsal: the fp32 steps only
        ("plan", (name, feature, precision)) for precision in ("fp32", "bf16")[:2 if cuda else 1]
        for name, feature in PLAN_MODELS.items()]
    if cuda:  # and K at once, for the plan models the fold-parallel engine takes (issue 81)
        plan += [("plan", (name, PLAN_MODELS[name], precision, FOLDS_MEASURED))
                 for precision in ("fp32", "bf16") for name in FOLD_PARALLEL_MODELS]
        with torch.device("meta"):  # shapes only
            fit = min(68, folds_that_fit(HTNet(), "cuda"))
        ks = sorted({fit if v == "fit" else int(v) for v in args.ks.split(",")})
        report["htnet_folds_that_fit"] = fit
        plan.append(("same", ("htnet", 2, 3)))
        for k in sorted(ks, key=lambda k: (k != 8, k != 1, -k)):  # 8, then 1, then the rest
            for precision in ("bf16", "tf32", "fp32"):
                for captured in (True, False):
                    plan.append(("measure", ("htnet", k, precision, captured)))
            if k == 8:
                plan.append(("profile", ("htnet", 8, "fp32")))
        for precision in ("fp32", "bf16"):
            for captured in (True, False):
                plan.append(("measure", ("ststnet", 68, precision, captured)))
        plan += [("same", ("ststnet", 8, 20)), ("profile", ("htnet", 8, "bf16"))]
    report["not_batched"] = not_batched()
    plan = [(what, setting) for what, setting in plan
            if what == "plan" or setting[0] not in report["not_batched"]]
    htnet_flops, htnet_parameters = htnet_cost()
    run_steps(plan, report, cuda, deadline, save, rates, (htnet_flops, htnet_parameters),
              args.device, epochs=args.epochs, quiet=False)
    report["htnet_floor"] = {
        p: {"flops_per_sample": htnet_flops, "parameters": htnet_parameters,
            "fold_epoch_s": round(floor_s(htnet_flops, htnet_parameters, 2, rates[p]), 6),
            "minutes_68x800": round(68 * 800 * floor_s(htnet_flops, htnet_parameters, 2,
                                                       rates[p]) / 60, 2)}
        for p in ("bf16", "fp32")}
    for row in [r for r in report["settings"] if r["model"] == "htnet"]:
        print(rate_line(row) + f" (captured: {row['captured']})")
    print(f"HTNet floor, 68 x 800: {report['htnet_floor']['bf16']['minutes_68x800']} min in "
          f"bf16, {report['htnet_floor']['fp32']['minutes_68x800']} in fp32", flush=True)
    save()


def short(args: argparse.Namespace, report: dict[str, Any], cuda: bool, deadline: float,
          save: Callable[[], None]) -> None:
    """``--only``: the named models' rows, each saved as it is measured (a window's Ctrl-C
    keeps what was measured), within the budget."""
    plan = only_plan(args.only, cuda)
    precisions = sorted({"bf16" if s[-2 if w == "measure" else -1] == "bf16" else "fp32"
                         for w, s in plan if w != "same"} or {"fp32"})
    rates = {p: machine_rates(args.device, p) for p in precisions}
    report.setdefault("rates", {}).update(
        {p: {k: round(v, 1) for k, v in r.items()} for p, r in rates.items()})
    htnet = htnet_cost() if any(w == "measure" for w, _ in plan) else None
    run_steps(plan, report, cuda, deadline, save, rates, htnet, args.device,
              epochs=min(args.epochs, 3), quiet=True)
    save()


def _emulated_bf16(device: str, precision: str) -> bool:
    """Whether a bf16 step on ``device`` is one a CPU without AVX-512 emulates: one step of
    MMNet took 112 s there (5 s in fp32), past the whole measurement's minute, so a CPU
    rehearsal on such a machine failed its measurement step and CI with it. A GPU window
    never measures on a CPU; the rehearsal still takes a step of every model, in fp32, its
    row saying so."""
    return precision == "bf16" and not device.startswith("cuda") and \
        not torch.backends.cpu.get_cpu_capability().startswith("AVX512")


def run_steps(plan: list[tuple[str, Any]], report: dict[str, Any], cuda: bool, deadline: float,
              save: Callable[[], None], rates: dict[str, dict[str, float]],
              htnet: tuple[float, int] | None, device: str, *, epochs: int,
              quiet: bool) -> None:
    """Each step of ``plan`` measured into ``report`` and saved as it ends (a window's Ctrl-C
    keeps what was measured), within the budget; a step that fails (out of memory, or any
    error) is recorded and the others go on. ``quiet`` (``--only``): a rate line a step,
    not its whole record."""
    for what, setting in plan:
        if time.monotonic() > deadline:
            report["errors"].append(f"budget spent before {what} {setting}")
            break
        try:
            if what == "plan":
                name, feature, precision, *together = setting
                if _emulated_bf16(device, precision):  # its step taken, in fp32
                    report["errors"].append(f"{name} {precision}: measured in fp32, this CPU "
                                            f"({torch.backends.cpu.get_cpu_capability()}) "
                                            "computes bf16 in software")
                    precision = "fp32"
                rate = rates["bf16" if precision == "bf16" else "fp32"]
                result = (measure_folds(name, feature, device, precision, rate, together[0])
                          if together else
                          measure_model(name, feature, device, precision, rate,
                                        steps=4 if cuda else 1,
                                        micro_batch=None if cuda else 2))
                report["plan_models"].append(result)
                print(rate_line(result), flush=True)
                continue
            if what == "same":
                result = same_weights(*setting)
                report.setdefault("same_numbers", []).append(result)
            elif what == "profile":
                result = profile(*setting)
                report.setdefault("profiles", []).append(result)
            else:
                model, k, precision, captured = setting
                result = measure(model, k, precision, captured, epochs=epochs)
                if result["model"] == "htnet":
                    assert htnet is not None
                    result = with_rates(result, *htnet, rates)
                report["settings"].append(result)
            if quiet and what == "measure":
                print(rate_line(result) + f" (K = {result['k']}, captured: "
                      f"{result['captured']})", flush=True)
            elif not quiet:
                print(json.dumps(result if what != "profile" else
                                 {k: v for k, v in result.items() if k != "top"}
                                 | {"top": result["top"][:12]}), flush=True)
        except torch.cuda.OutOfMemoryError:
            report["errors"].append(f"out of memory: {what} {setting}")
            print(f"out of memory: {what} {setting}", flush=True)
        except Exception as exc:  # a setting that fails must not lose the others
            report["errors"].append(f"{what} {setting}: {type(exc).__name__}: {exc}")
            print(f"FAILED {what} {setting}: {type(exc).__name__}: {exc}", flush=True)
        finally:
            if cuda:
                torch.cuda.empty_cache()
            save()

if __name__ == "__main__":
    main()
