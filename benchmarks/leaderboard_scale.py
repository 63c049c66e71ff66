"""The leaderboard at the field's scale (issue 83): how ``leaderboard build``, ``list`` and
``export`` grow with the number of results, cold (no validation record in the cache) and warm.

The results are real: tiny runs of first-party models (STSTNet and OFF-ApexNet on the
synthetic dataset, 4 subjects of 6 samples, 2 epochs: a "reduced" setting, shown apart from the
ranked rows) under LOSO and LODO, each configuration (model, protocol, learning rate) with
three seeds, as the field publishes them. They are made once into ``--work`` (about 0.6 s a
run on the 2-core EPYC, resumed where a call stopped) and the first N copied into a results
folder of N runs for each size; no research data is read or copied.

    python benchmarks/leaderboard_scale.py --work /tmp/merbench-scale --sizes 50,200,1000
        [--committed] [--json FILE]

Each command runs as a user runs it (``python -m merbench ...``, its own process), with the
cache in a folder of its own: "cold" is an empty cache, "warm" the same command again. The
wall time and the user CPU of each (the CPU is what a busy machine does not change) are
printed as a Markdown table and written to ``--json``, with the load average before each.
``--committed`` also times ``leaderboards/results``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("ststnet", "offapexnet")
PROTOCOLS = ("loso", "lodo")
SEEDS = (0, 1, 2)
SMALL = {"subjects": 4, "samples_per_subject": 6}
EPOCHS = 2


def configurations(n_runs: int) -> list[tuple[str, str, float, int]]:
    """(model, protocol, lr, seed) of the first ``n_runs`` runs: configurations in turn, each
    with its three seeds, so any prefix of whole configurations has three seeds a row."""
    runs: list[tuple[str, str, float, int]] = []
    step = 0
    while len(runs) < n_runs:
        lr = round(1e-4 * (1 + step), 6)
        for model in MODELS:
            for protocol in PROTOCOLS:
                runs += [(model, protocol, lr, seed) for seed in SEEDS]
        step += 1
    return runs[:n_runs]


def run_name(model: str, protocol: str, lr: float, seed: int) -> str:
    return f"{model}-{protocol}-lr{lr:g}/seed-{seed}"


def generate(work: Path, n_runs: int) -> None:
    """Train the first ``n_runs`` runs into ``work/runs`` (those finished are kept)."""
    import merbench  # deferred: timing the commands needs no torch in this process

    started = time.monotonic()
    for i, (model, protocol, lr, seed) in enumerate(configurations(n_runs)):
        out = work / "runs" / run_name(model, protocol, lr, seed)
        if (out / "results.json").is_file():
            continue
        if out.exists():
            shutil.rmtree(out)  # cut off before it finished: made again whole
        merbench.run(model=model, dataset="synthetic", protocol=protocol, out=out, seed=seed,
                     epochs=EPOCHS, lr=lr, device="cpu", dataset_options=SMALL)
        if i % 50 == 49:
            print(f"generated {i + 1} of {n_runs} runs ({time.monotonic() - started:.0f} s)",
                  flush=True)


def results_folder(work: Path, n_runs: int) -> Path:
    """``work/results-N``: copies of the first N runs (the same files the runs folder has)."""
    folder = work / f"results-{n_runs}"
    for model, protocol, lr, seed in configurations(n_runs):
        name = run_name(model, protocol, lr, seed)
        if not (folder / name / "results.json").is_file():
            shutil.copytree(work / "runs" / name, folder / name, dirs_exist_ok=True)
    return folder


def benchmarks(work: Path) -> Path:
    """Benchmark definitions of the synthetic dataset (one per protocol), for build and
    export; the shipped ones are of the real datasets."""
    folder = work / "benchmarks"
    folder.mkdir(parents=True, exist_ok=True)
    for protocol in PROTOCOLS:
        (folder / f"synthetic-{protocol}.json").write_text(json.dumps({
            "id": f"synthetic-{protocol}", "title": f"Synthetic {protocol.upper()}",
            "dataset": "synthetic", "protocol": protocol,
            "classes": ["negative", "positive", "surprise"], "dataset_options": SMALL,
            "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1", "uar"],
            "columns": [{"scope": "overall", "label": "All"}]}))
    return folder


def timed(command: list[str], cache: Path) -> dict[str, Any]:
    """Wall time and user CPU of ``merbench COMMAND`` in its own process."""
    env = dict(os.environ, MERBENCH_CACHE_DIR=str(cache))
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "merbench", *command], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): "
                         f"{done.stderr.strip().splitlines()[-1:]}")
    return {"wall_s": round(wall, 2), "user_s": round(after.ru_utime - before.ru_utime, 2),
            "load": round(load, 2)}


def measure(label: str, results: Path, site: Path, cache: Path, bench_dir: Path | None,
            bench_id: str) -> dict[str, Any]:
    """Build, list and export of ``results``, each cold (its cache emptied first) then warm."""
    extra = [] if bench_dir is None else ["--benchmarks", str(bench_dir)]
    commands = {
        "build": ["leaderboard", "build", "--results", str(results), "--out", str(site), *extra],
        "list": ["leaderboard", "list", "--results", str(results), *extra],
        "export": ["leaderboard", "export", bench_id, "--results", str(results), *extra],
    }
    found: dict[str, Any] = {"label": label}
    for name, command in commands.items():
        shutil.rmtree(cache, ignore_errors=True)
        found[f"{name} cold"] = timed(command, cache)
        found[f"{name} warm"] = timed(command, cache)
        print(f"{label}: {name} cold {found[f'{name} cold']}, warm {found[f'{name} warm']}",
              flush=True)
    return found


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/merbench-scale"))
    parser.add_argument("--sizes", default="50,200,1000")
    parser.add_argument("--committed", action="store_true",
                        help="also time leaderboards/results")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    generate(args.work, max(sizes))
    bench_dir = benchmarks(args.work)
    rows = []
    if args.committed:
        rows.append(measure("committed", ROOT / "leaderboards" / "results",
                            args.work / "site-committed", args.work / "cache-committed",
                            None, "composite-3class-loso"))
    for size in sizes:
        rows.append(measure(f"{size} runs", results_folder(args.work, size),
                            args.work / f"site-{size}", args.work / f"cache-{size}",
                            bench_dir, "synthetic-loso"))
    machine = f"{_cpu_name()}, {os.cpu_count()} cores"
    print(f"\n{machine}; wall s (user CPU s), load average before each in the JSON\n")
    heads = [key for key in rows[0] if key != "label"]
    print("| results | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    for row in rows:
        print(f"| {row['label']} | " + " | ".join(
            f"{row[key]['wall_s']} ({row[key]['user_s']})" for key in heads) + " |")
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
