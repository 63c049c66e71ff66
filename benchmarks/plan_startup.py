"""How long ``merbench run`` takes to start: from process start to its first finished
epoch, and planning alone, for a baseline checkout against this one, in the same sitting.

Planning a run used to import the model's module to read its factory's signature, and with
it torch (1.73 s of planning's 1.75 s under cProfile). Now planning reads the options from
metadata (``merbench/plugin_system/options_cache.py``) and torch loads only when the data
and the model need it. This script times both checkouts the same way, alternating, each
measurement a fresh Python process that imports the checkout through ``PYTHONPATH``:

- **first epoch**: the README's demo command with ``--epochs 1 --threads 1``, from the
  moment the process is started until the ``merbench_epoch_finished`` hook fires (a plugin
  added in the process, which then ends it);
- **planning**: ``load_plugins`` and ``plan_run`` of the same command in a fresh process,
  timed inside it, with whether torch is in ``sys.modules`` afterwards;
- **cold planning** (this checkout only): the same after deleting the option cache, so the
  options are read by a child process, as on a first run or the first after an edit;
- ``python -X importtime`` of the planning process: how many modules it loads, and torch's
  cumulative import time if it is among them;
- **metrics import**: ``import merbench.scores.metrics`` in a fresh process, timed inside it, with
  whether scikit-learn (which the scores once came from) is loaded afterwards.

Both checkouts share one fresh cache folder (``MERBENCH_CACHE_DIR``) that one unmeasured run
of each fills first, so neither pays for extracting features. Prints a table and one JSON
line (``--json FILE`` writes it too); ratios are baseline over this checkout.

    python benchmarks/plan_startup.py --baseline /work/base-tree --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gpu_plan import cpu_name

ROOT = Path(__file__).resolve().parents[1]
DEMO = ["--model", "htnet", "--dataset", "synthetic", "--epochs", "1", "--lr", "5e-4",
        "--model-opt", "dim=32", "--model-opt", "block_repeats=[1,1,1]", "--threads", "1"]

# the command line in this process, with one more plugin that ends it at the first epoch
FIRST_EPOCH = r"""
import os, sys, types
try:
    import merbench.plugin_system.manager as plugins
except ImportError:  # a baseline from before merbench's modules were grouped in packages
    import merbench.plugins as plugins
load = plugins.load_plugins

def stop(run, fold_index, epoch):
    print("FIRST-EPOCH", flush=True)
    os._exit(0)

def with_stop(*args, extra=(), **kwargs):
    marker = types.ModuleType("first_epoch")  # a plugin object pluggy can hash
    marker.merbench_epoch_finished = stop
    return load(*args, extra=[*extra, ("first-epoch", marker)], **kwargs)

plugins.load_plugins = with_stop
from merbench.cli import main
sys.exit(main(sys.argv[1:]))
"""

# planning alone, timed inside the process
PLAN = r"""
import json, sys, time
start = time.perf_counter()
try:
    from merbench.plugin_system.manager import load_plugins
except ImportError:  # a baseline from before merbench's modules were grouped in packages
    from merbench.plugins import load_plugins
from merbench.runner.plan import plan_run
from merbench.runner.spec import RunSettings, RunSpec
imported = time.perf_counter()
plugins = load_plugins()
loaded = time.perf_counter()
spec = RunSpec(model="htnet", dataset="synthetic", epochs=1, lr=5e-4,
               model_options={"dim": 32, "block_repeats": [1, 1, 1]})
plan_run(spec, RunSettings(threads=1), plugins)
planned = time.perf_counter()
print("PLAN " + json.dumps({"import": imported - start, "load": loaded - imported,
                            "plan": planned - loaded, "total": planned - start,
                            "torch": "torch" in sys.modules}))
"""


# the scores' module alone: what every run and every reader of results loads to score
METRICS = r"""
import json, sys, time
start = time.perf_counter()
try:
    import merbench.scores.metrics
except ImportError:  # a baseline from before merbench's modules were grouped in packages
    import merbench.metrics
print("METRICS " + json.dumps({"import": time.perf_counter() - start,
                               "sklearn": "sklearn" in sys.modules}))
"""


def environment(checkout: Path, cache: Path) -> dict[str, str]:
    """This process's environment with ``checkout`` first on the import path (every process
    starts in an empty folder, ``cache``'s parent: ``python -c`` imports from the working
    folder before ``PYTHONPATH``, and this checkout must not stand in for the baseline)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(checkout), str(checkout / "plugins")])
    env["MERBENCH_CACHE_DIR"] = str(cache)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def first_epoch(checkout: Path, cache: Path) -> float:
    """Seconds from starting ``merbench run`` (the demo, one epoch) to its first epoch."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-c", FIRST_EPOCH, "run", *DEMO, "--out", out, "--quiet"]
        start = time.perf_counter()
        process = subprocess.Popen(command, env=environment(checkout, cache), cwd=cache.parent,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdout is not None
        seconds = None
        for line in process.stdout:
            if line.strip() == "FIRST-EPOCH":
                seconds = time.perf_counter() - start
                break
        _, err = process.communicate()
        if seconds is None:
            raise SystemExit(f"{checkout}: the run ended before its first epoch:\n{err[-2000:]}")
    return seconds


def planning(checkout: Path, cache: Path, *flags: str) -> tuple[dict[str, Any], str]:
    """The planning process's own timings, and what it wrote to stderr."""
    done = subprocess.run([sys.executable, *flags, "-c", PLAN], env=environment(checkout, cache),
                          cwd=cache.parent, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("PLAN ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{checkout}: planning failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len("PLAN "):]), done.stderr


def metrics_import(checkout: Path, cache: Path) -> dict[str, Any]:
    """Seconds to import ``merbench.scores.metrics`` in a fresh process, and whether scikit-learn
    came with it."""
    done = subprocess.run([sys.executable, "-c", METRICS], env=environment(checkout, cache),
                          cwd=cache.parent, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("METRICS ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{checkout}: importing merbench.scores.metrics failed:\n"
                         f"{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len("METRICS "):])
    return result


def import_evidence(checkout: Path, cache: Path) -> dict[str, Any]:
    """``-X importtime`` of the planning process: modules loaded, and torch's cumulative
    import time in seconds when it is one of them (None when it is not)."""
    _, err = planning(checkout, cache, "-X", "importtime")
    rows = [line.split("|") for line in err.splitlines() if line.startswith("import time:")]
    names = {row[2].strip(): int(row[1]) for row in rows[1:] if len(row) == 3}
    torch = names.get("torch")
    return {"modules": len(names), "torch_import_s": None if torch is None else torch / 1e6,
            "ray": "ray" in names}


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, default=Path("/work/base-tree"),
                        help="the checkout to compare with (its merbench/ and plugins/)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the JSON line here")
    args = parser.parse_args()
    arms = {"baseline": args.baseline.resolve(), "this": ROOT}
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="plan-startup-"))
    cache = workdir / "cache"
    try:
        for checkout in arms.values():  # features extracted, options read: not timed
            first_epoch(checkout, cache)
            planning(checkout, cache)
        epochs: dict[str, list[float]] = {arm: [] for arm in arms}
        plans: dict[str, list[dict[str, Any]]] = {arm: [] for arm in arms}
        metrics: dict[str, list[dict[str, Any]]] = {arm: [] for arm in arms}
        cold: list[dict[str, Any]] = []
        for _ in range(args.repeats):
            for arm, checkout in arms.items():
                epochs[arm].append(first_epoch(checkout, cache))
                plans[arm].append(planning(checkout, cache)[0])
                metrics[arm].append(metrics_import(checkout, cache))
            shutil.rmtree(cache / "plugin-options", ignore_errors=True)
            cold.append(planning(ROOT, cache)[0])
        evidence = {arm: import_evidence(checkout, cache) for arm, checkout in arms.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report: dict[str, Any] = {
        "cpu": cpu_name(), "cores": os.cpu_count(), "repeats": args.repeats,
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "command": "merbench run " + " ".join(DEMO),
        "first_epoch_s": {arm: summary(values) for arm, values in epochs.items()},
        "planning_s": {arm: summary([p["plan"] for p in values])
                       for arm, values in plans.items()},
        "planning_process_s": {arm: summary([p["total"] for p in values])
                               for arm, values in plans.items()},
        "cold_planning_s": summary([p["plan"] for p in cold]),
        "metrics_import_s": {arm: summary([m["import"] for m in values])
                             for arm, values in metrics.items()},
        "sklearn_with_metrics": {arm: any(m["sklearn"] for m in values)
                                 for arm, values in metrics.items()},
        "torch_after_planning": {arm: any(p["torch"] for p in values)
                                 for arm, values in plans.items()}
                                | {"cold": any(p["torch"] for p in cold)},
        "importtime": evidence}
    for key in ("first_epoch_s", "planning_s", "planning_process_s", "metrics_import_s"):
        report[key]["ratio"] = (report[key]["baseline"]["median"]
                                / report[key]["this"]["median"])
    print(f"{report['cpu']}, {report['cores']} cores, load average "
          f"{report['load_average'][0]} -> {report['load_average'][1]}, "
          f"{args.repeats} repeats, medians (min-max)")
    print(f"{'':34}{'baseline':>22}{'this':>22}{'ratio':>8}")
    for key, label in (("first_epoch_s", "process start to first epoch"),
                       ("planning_process_s", "planning process (imports too)"),
                       ("planning_s", "plan_run alone"),
                       ("metrics_import_s", "import merbench.scores.metrics")):
        cells = [f"{report[key][arm]['median']:.3f} ({report[key][arm]['min']:.2f}-"
                 f"{report[key][arm]['max']:.2f})" for arm in arms]
        print(f"{label:34}{cells[0]:>22}{cells[1]:>22}{report[key]['ratio']:>7.2f}x")
    print(f"{'plan_run, option cache deleted':34}{'':>22}"
          f"{report['cold_planning_s']['median']:>22.3f}")
    for arm in arms:
        seen = evidence[arm]
        torch = "no torch" if seen["torch_import_s"] is None else \
            f"torch ({seen['torch_import_s']:.2f} s cumulative)"
        print(f"-X importtime, planning, {arm}: {seen['modules']} modules, {torch}")
        sklearn = "with" if report["sklearn_with_metrics"][arm] else "without"
        print(f"import merbench.scores.metrics, {arm}: {sklearn} scikit-learn")
    line = json.dumps(report)
    print(line)
    if args.json:
        args.json.write_text(line + "\n")


if __name__ == "__main__":
    main()
