"""What one training run of each composite model costs: CPU hours a seed and GPU seconds a fold.

The docs, the leaderboard's "not run yet" rows (``merbench/leaderboard/costs.py``) and the GPU
plan (``gpu_plan.py``) must say from measurement which runs a CPU core makes and which wait
for a GPU (the project's rule: up to about two hours a seed on one core is CPU work). For
every torch model whose feature the MEGC2019 composite can give, plus CausalNet on
``causalnet-release`` and ``timm-resnet18``, on ONE thread, with random inputs of the
feature's stored shape and dtype (no licensed data), it measures (``step_timing.py``
times the steps and counts the FLOPs):

- parameters, and training FLOPs a sample: one forward + backward under ``FlopCounterMode``
  (matmuls, convolutions, attention only: no element-wise work, norms or optimiser step);
- CPU seconds a fold-epoch: 436 training samples (442 less a test subject) in the batches
  merbench's trainer cuts, with its optimiser (``build_optimizer``, the model's
  ``param_groups``), the model's ``augment`` and the stored dtype converted each batch; one
  untimed warm-up step, a few timed steps extrapolated to the epoch, plus the prediction of
  the 6 test samples merbench makes every epoch. Where the recipe's batch would not fit a
  few steps into ``--max-seconds``, a micro-batch is timed instead: forward + backward
  scaled linearly to the batch, the optimiser step (timed apart) counted once a step;
- CPU hours a seed on one core (x epochs x 68 folds) and the verdict, CPU or GPU work;
- GPU seconds a fold: ``gpu_figures.json``'s figure where a GPU session timed the model,
  else PREDICTED from FLOPs at the effective rate of HTNet's measured fold, plus an ASSUMED
  floor of ``STEP_FLOOR_S`` a step (launches, which FLOPs miss for tiny models).

    python benchmarks/model_costs.py [--models a,b] [--quick] [--max-seconds 60]
        [--json PATH | --write]

``--quick``: parameters and FLOPs only (for tests). ``--write``: the package's
``merbench/leaderboard/model_costs.json``, every model timed, on an otherwise idle machine.
sklearn models have no epochs and are listed as such.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gpu_plan
import torch
from step_timing import (
    CPU_KEYS,
    FLOP_BATCH,
    TRAIN_SAMPLES,
    recipe_batches,
    stored_inputs,
    time_cpu,
    training_flops,
)

from merbench.leaderboard.costs import CPU_WORK_HOURS  # the page's rule, one definition

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "gpu_figures.json"
PACKAGE_COSTS = HERE.parent / "merbench" / "leaderboard" / "model_costs.json"
DATASET = "composite"
FOLDS = gpu_plan.FOLDS_PER_SEED
STEP_FLOOR_S = 1e-3  # ASSUMED GPU time a step at least takes (launches); not measured
# Models outside the automatic choice, with the feature they are costed on.
EXTRA_MODELS = {"causalnet": "causalnet-release", "timm-resnet18": None}


def composite_models(registries: Any, provides: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """{torch model: feature} for every model whose declared feature ``provides`` can feed
    (plus ``EXTRA_MODELS``), and the sklearn ones (no epochs, out of scope)."""
    torch_models: dict[str, str] = {}
    sklearn: list[str] = []
    for name in registries.models.names():
        meta = registries.models.get(name).meta
        if meta.feature not in registries.features or \
                registries.features.get(meta.feature).meta.unmet_needs(tuple(provides)):
            continue
        if meta.kind == "torch":
            torch_models[name] = meta.feature
        else:
            sklearn.append(name)
    for name, feature in EXTRA_MODELS.items():
        torch_models[name] = feature or registries.models.get(name).meta.feature
    return dict(sorted(torch_models.items())), sorted(sklearn)


def cpu_hours_per_seed(seconds_per_fold_epoch: float, epochs: int, folds: int = FOLDS) -> float:
    return seconds_per_fold_epoch * epochs * folds / 3600


def verdict(cpu_hours: float | None) -> str | None:
    """The project's rule: a seed within about two hours on one core is CPU work."""
    if cpu_hours is None:
        return None
    return "CPU work" if cpu_hours <= CPU_WORK_HOURS else "GPU work"


def gpu_rate(flops_per_sample: float, seconds_per_fold: float, epochs: int,
             samples: int = TRAIN_SAMPLES) -> float:
    """Effective training FLOP/s of a measured fold (every overhead included)."""
    return flops_per_sample * samples * epochs / seconds_per_fold


def predict_gpu_seconds(flops_per_sample: float, epochs: int, steps_per_epoch: int,
                        rate: float, floor_s: float = STEP_FLOOR_S,
                        samples: int = TRAIN_SAMPLES) -> float:
    """A fold's GPU seconds from its FLOPs at ``rate``, plus the assumed floor a step."""
    return flops_per_sample * samples * epochs / rate + floor_s * steps_per_epoch * epochs


def measured_figure(model: str, figures: dict[str, Any], models: Sequence[str]
                    ) -> tuple[str, dict[str, Any]] | None:
    """The first ``gpu_figures.json`` job that measured ``model``: one named after it, or
    ``model-<setting>`` that is not itself a model's name (``htnet-reference``, not
    ``mmnet-release`` for ``mmnet``) and no other precision (``-tf32``, ``-bf16``)."""
    jobs = figures.get("jobs", {})
    keys = [model] if model in jobs else []
    keys += [k for k in jobs if k.startswith(f"{model}-") and k not in models
             and not k.endswith(("-tf32", "-bf16"))]
    return (keys[0], jobs[keys[0]]) if keys else None


def add_gpu(name: str, entry: dict[str, Any], rate: float | None, figures: dict[str, Any],
            models: Sequence[str]) -> dict[str, Any]:
    """``entry`` with its GPU seconds a fold and their source: measured where a session
    timed the model, else predicted from its FLOPs (None without a calibration); the FLOPs
    prediction is kept beside a measured figure, to show how far off it is."""
    flops, epochs, steps = entry["flops_per_sample"], entry["epochs"], entry["steps_per_epoch"]
    predicted = None if rate is None else predict_gpu_seconds(flops, epochs, steps, rate)
    found = measured_figure(name, figures, models)
    if found is not None:
        key, figure = found
        seconds: float | None = float(figure["seconds_per_fold"])
        source = (f"measured ({key}: {figure.get('device', '?')}, "
                  f"{figure.get('measured', '?')}, {figure.get('engine', '')})")
    elif rate is None:
        seconds, source = None, "no measured figure and no calibration"
    else:
        seconds, source = predicted, (
            f"predicted from FLOPs ({rate / 1e12:.1f} TFLOP/s effective, calibrated on "
            f"HTNet's measured fold, plus an assumed {STEP_FLOOR_S * 1e3:g} ms a step)")
    return {**entry, "gpu_s_per_fold": None if seconds is None else round(seconds, 3),
            "gpu_source": source,
            "gpu_s_predicted_from_flops": None if predicted is None else round(predicted, 3)}


def cost_of(name: str, feature: str, registries: Any, *, quick: bool,
            budget_s: float) -> dict[str, Any]:
    """One model's entry of the JSON document, without its GPU figures (:func:`add_gpu`)."""
    import merbench

    recipe = registries.models.get(name).meta.recipe
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = merbench.create_model(name, num_classes=3)
    feature_meta = registries.features.get(feature).meta
    x = stored_inputs(feature_meta, FLOP_BATCH, generator)
    flops = training_flops(model, x, torch.randint(0, 3, (FLOP_BATCH,), generator=generator))
    batches = recipe_batches(model, recipe)
    cpu: dict[str, Any] = dict.fromkeys(CPU_KEYS)
    if not quick:
        x_pool = stored_inputs(feature_meta, TRAIN_SAMPLES, generator)
        y_pool = torch.randint(0, 3, (TRAIN_SAMPLES,), generator=generator)
        cpu = time_cpu(model, recipe, x_pool, y_pool, budget_s, generator)
    cpu_h = None if quick else \
        round(cpu_hours_per_seed(cpu["cpu_s_per_fold_epoch"], recipe.epochs), 3)
    entry = {
        "feature": feature, "input_shape": list(x.shape[1:]),
        "input_dtype": str(x.dtype).removeprefix("torch."),
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": recipe.epochs, "batch_size": recipe.batch_size,
        "steps_per_epoch": len(batches), "flops_per_sample": flops / FLOP_BATCH,
        **cpu, "cpu_h_per_seed": cpu_h, "verdict": verdict(cpu_h)}
    del model
    gc.collect()
    return entry


def calibration(htnet_flops: float, htnet_epochs: int, figures: dict[str, Any],
                names: Sequence[str]) -> dict[str, Any] | None:
    """The effective GPU rate from HTNet's measured fold; None when ``gpu_figures.json``
    has no HTNet figure."""
    found = measured_figure("htnet", figures, names)
    if found is None:
        return None
    key, entry = found
    seconds = float(entry["seconds_per_fold"])
    return {"flops_per_s": gpu_rate(htnet_flops, seconds, htnet_epochs), "calibrated_on": key,
            "device": entry.get("device"), "seconds_per_fold": seconds, "epochs": htnet_epochs,
            "htnet_flops_per_sample": htnet_flops, "train_samples": TRAIN_SAMPLES,
            "step_floor_s": STEP_FLOOR_S,
            "note": "rate = HTNet's FLOPs a sample x train samples x epochs / its measured "
                    "seconds a fold (every overhead of that run folded in); a prediction "
                    "adds step_floor_s a step, an ASSUMED launch floor, not a measurement"}


def machine(load_before: float) -> dict[str, Any]:
    """What the CPU figures were taken on (the model name as /proc/cpuinfo gives it)."""
    return {"cpu": gpu_plan.cpu_name(), "cores": os.cpu_count(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "load_before": load_before,
            "load_after": os.getloadavg()[0]}


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def document(models: dict[str, dict[str, Any]], sklearn: Sequence[str],
             gpu: dict[str, Any] | None, load_before: float, quick: bool) -> dict[str, Any]:
    """The JSON document (schema_version 1), as ``merbench/leaderboard/costs.py`` reads it."""
    return {
        "schema_version": 1,
        "about": "What one training run of each composite model costs (benchmarks/"
                 "model_costs.py): FLOPs count matmuls/convolutions/attention only; CPU "
                 "seconds on one thread with random inputs of the stored shape, extrapolated "
                 "from a few steps; GPU seconds measured where gpu_figures.json has the model, "
                 "else predicted from FLOPs" + (" (QUICK: no CPU timing)" if quick else ""),
        "machine": machine(load_before), "measured": datetime.date.today().isoformat(),
        "merbench": git_commit(), "dataset": DATASET, "protocol": "loso", "folds": FOLDS,
        "train_samples_per_fold": TRAIN_SAMPLES, "gpu_rate": gpu, "models": models,
        "not_measured": {name: "sklearn: no epochs" for name in sklearn}}


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(doc: dict[str, Any]) -> str:
    """The plain-text table printed to stdout."""
    head = (f"{'model':19}{'params':>12}{'GFLOP/smp':>11}{'ep':>6}{'batch':>6}{'s/fold-ep':>11}"
            f"{'steps':>9}{'CPU h/seed':>11}{'GPU s/fold':>11}  {'GPU':10}{'verdict':9}")
    lines = [head, "-" * len(head)]
    for name, e in doc["models"].items():
        steps = "-" if e["cpu_steps_timed"] is None else str(e["cpu_steps_timed"]) + (
            f"@{e['cpu_micro_batch']}" if e["cpu_micro_batch"] else "")
        how = "measured" if e["gpu_source"].startswith("measured") else "predicted"
        lines.append(f"{name:19}{e['parameters']:>12,}{e['flops_per_sample'] / 1e9:>11.4f}"
                     f"{e['epochs']:>6}{e['batch_size']:>6}"
                     f"{_fmt(e['cpu_s_per_fold_epoch'], '.3f'):>11}{steps:>9}"
                     f"{_fmt(e['cpu_h_per_seed'], '.2f'):>11}{_fmt(e['gpu_s_per_fold'], '.1f'):>11}"
                     f"  {how:10}{e['verdict'] or '-':9}")
    lines += [f"{name:19}(sklearn: no epochs)" for name in doc["not_measured"]]
    lines.append("steps: timed steps (@N: on a micro-batch of N, forward+backward scaled "
                 "linearly to the batch); FLOPs: matmul/conv/attention only, forward+backward")
    if doc["gpu_rate"]:
        rate = doc["gpu_rate"]
        lines.append(f"GPU prediction: {rate['flops_per_s'] / 1e12:.1f} TFLOP/s effective "
                     f"({rate['calibrated_on']}, {rate['seconds_per_fold']:g} s a fold measured) "
                     f"+ {rate['step_floor_s'] * 1e3:g} ms a step ASSUMED")
    return "\n".join(lines)


def measure(registries: Any, chosen: dict[str, str], sklearn: Sequence[str], *,
            quick: bool, budget_s: float, figures: dict[str, Any], load_before: float,
            htnet_flops: float | None = None,
            progress: Callable[[str], None] = print) -> dict[str, Any]:
    """The document for the ``chosen`` models; the GPU rate from ``htnet_flops`` (counted
    here when HTNet is not among them and none is given)."""
    names = registries.models.names()
    models = {}
    for name, feature in chosen.items():
        started = time.perf_counter()
        models[name] = cost_of(name, feature, registries, quick=quick, budget_s=budget_s)
        progress(f"{name}: {time.perf_counter() - started:.1f} s")
    if htnet_flops is None:
        htnet = models.get("htnet") or cost_of("htnet", "htnet-regions", registries,
                                               quick=True, budget_s=0)
        htnet_flops = htnet["flops_per_sample"]
    gpu = calibration(htnet_flops, registries.models.get("htnet").meta.recipe.epochs,
                      figures, names)
    rate = None if gpu is None else gpu["flops_per_s"]
    models = {name: add_gpu(name, entry, rate, figures, names) for name, entry in models.items()}
    return document(models, sklearn, gpu, load_before, quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=None, help="comma-separated subset")
    parser.add_argument("--quick", action="store_true", help="parameters and FLOPs only")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="CPU timing budget a model (default 60)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--json", default=None, help="also write the document here")
    target.add_argument("--write", action="store_true", help="write the package's "
                        "model_costs.json (every model, timed; on an idle machine)")
    args = parser.parse_args(argv)
    if args.write and (args.quick or args.models):
        parser.error("--write ships every model's timed figures: no --quick or --models")
    load_before = os.getloadavg()[0]
    torch.set_num_threads(1)
    from merbench.plugin_system.manager import default_plugins

    registries = default_plugins().registries
    everything, sklearn = composite_models(registries,
                                           registries.datasets.get(DATASET).meta.provides)
    chosen = everything
    if args.models:
        wanted = [m.strip() for m in args.models.split(",") if m.strip()]
        unknown = [m for m in wanted if m not in everything and m not in sklearn]
        if unknown:
            parser.error(f"not a composite model: {', '.join(unknown)} "
                         f"(choose from {', '.join([*everything, *sklearn])})")
        chosen = {m: everything[m] for m in wanted if m in everything}
        sklearn = [m for m in wanted if m in sklearn]
    if load_before > 1.5 and not args.quick:
        print(f"note: load average {load_before:.2f}: the CPU timings are taken under load")
    figures = json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
    doc = measure(registries, chosen, sklearn, quick=args.quick, budget_s=args.max_seconds,
                  figures=figures, load_before=load_before,
                  progress=lambda line: print(line, flush=True))
    print(table(doc))
    path = PACKAGE_COSTS if args.write else (Path(args.json) if args.json else None)
    if path is not None:
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
