"""A small sweep on Ray with two worker processes against the same sweep run sequentially.

Both arms are ``merbench sweep`` of one plan (STSTNet, ``--seeds`` 0-3, reduced epochs, on
the composite release when ``--data`` is given, else the embedded synthetic dataset), each
into a fresh folder of its own, in this one invocation:

- **sequential**: ``merbench sweep PLAN --threads 1`` (the local executor: one run after
  another, one fold at a time, one thread);
- **ray**: a Ray head started here with ``--workers`` CPUs (``ray start --head --num-cpus
  N``, stopped afterwards), and ``merbench sweep PLAN --threads 1 --executor ray
  --ray-address`` it: every fold of every run is a one-CPU task, N at a time.

Each arm's wall time includes its start-up (Ray's workers import torch and merbench). The
two must give the same predictions, which the script checks, and it prints the ratio
sequential / ray with the machine and a JSON line::

    python benchmarks/ray_sweep.py [--data PATH] [--seeds 0,1,2,3] [--epochs 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{os.cpu_count()}-core {line.split(':', 1)[1].strip()}"
    except OSError:
        pass
    return f"{os.cpu_count()}-core {platform.processor() or platform.machine()}"


def _plan(folder: Path, seeds: list[int], epochs: int, data: Path | None) -> Path:
    dataset = "composite" if data is not None else "synthetic"
    root = f'data_root = "{data}"\n' if data is not None else ""
    plan = folder / "plan.toml"
    plan.write_text(f'out = "results"\n[[runs]]\nmodel = "ststnet"\ndataset = "{dataset}"\n'
                    f"seeds = {seeds}\nepochs = {epochs}\n{root}")
    return plan


def _sweep(plan: Path, *extra: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "merbench", "sweep", str(plan), "--threads",
                           "1", "--quiet", *extra], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"merbench sweep failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def _predictions(out: Path) -> dict[str, pd.DataFrame]:
    return {str(p.parent.relative_to(out)): pd.read_csv(p)
            for p in sorted(out.glob("*/seed-*/predictions.csv"))}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop_cluster(temp: Path) -> None:
    """Kill this script's Ray processes only: their command lines name its temp folder."""
    import signal

    for _ in range(20):
        ours = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and str(temp) in (entry / "cmdline").read_text(
                        errors="replace"):
                    ours.append(int(entry.name))
            except OSError:
                continue
        if not ours:
            return
        for pid in ours:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None,
                        help="the folder holding the release's composite/, as --data-root "
                        "(default: synthetic data)")
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the Ray head")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RAY_AUTH_MODE": "disabled",
           "RAY_USAGE_STATS_ENABLED": "0"}
    ray = str(Path(sys.executable).with_name("ray"))
    work = Path(tempfile.mkdtemp(prefix="mbsweep", dir="/tmp"))
    try:
        for arm in ("sequential", "ray"):
            (work / arm).mkdir()
        sequential_plan = _plan(work / "sequential", seeds, args.epochs, args.data)
        ray_plan = _plan(work / "ray", seeds, args.epochs, args.data)
        sequential = _sweep(sequential_plan, env=env)
        address = f"127.0.0.1:{_free_port()}"
        subprocess.run([ray, "start", "--head", "--port", address.rsplit(":", 1)[1],
                        "--num-cpus", str(args.workers), "--include-dashboard=false",
                        "--disable-usage-stats", "--temp-dir", str(work / "ray-temp")],
                       check=True, capture_output=True, env=env)
        try:
            on_ray = _sweep(ray_plan, "--executor", "ray", "--ray-address", address, env=env)
        finally:
            _stop_cluster(work / "ray-temp")
        ours = _predictions(work / "ray" / "results")
        theirs = _predictions(work / "sequential" / "results")
        same = ours.keys() == theirs.keys() and all(ours[k].equals(theirs[k]) for k in ours)
        if not same:
            sys.exit("the Ray sweep's predictions differ from the sequential sweep's")
        import torch

        import merbench

        report = {"benchmark": "ray_sweep", "machine": _cpu(), "torch": torch.__version__,
                  "merbench": merbench.__version__,
                  "dataset": "composite" if args.data else "synthetic", "model": "ststnet",
                  "seeds": seeds, "epochs": args.epochs, "ray_workers": args.workers,
                  "sequential_s": round(sequential, 1), "ray_s": round(on_ray, 1),
                  "ratio": round(sequential / on_ray, 2), "same_predictions": same}
        print(f"{report['machine']}, torch {report['torch']}: STSTNet on "
              f"{report['dataset']}, seeds {args.seeds}, {args.epochs} epochs")
        print(f"  sequential (local executor)      {sequential:8.1f} s")
        print(f"  Ray, {args.workers} one-CPU workers          {on_ray:8.1f} s")
        print(f"  ratio                            {sequential / on_ray:8.2f}x "
              "(same predictions)")
        print(json.dumps(report))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
