"""merbench's choice of CPU threads (merbench/training/threads.py) against torch's default of
one per core, on an idle machine and beside processes that keep cores busy.

Each configuration runs ``merbench run`` in a fresh process (the README's demo setting by
default, fewer epochs) and times it end to end; the competing processes are plain Python
busy loops, one per core they occupy, started before and stopped after each timed run. The
ratio that matters is torch's default over merbench's choice, in the same condition of the
same sitting. Prints a table and one JSON line (``--json FILE`` writes it too).

    python benchmarks/threads.py --epochs 20 --repeats 2 --competitors 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO = ["--model", "htnet", "--dataset", "synthetic", "--lr", "5e-4", "--model-opt", "dim=32",
        "--model-opt", "block_repeats=[1,1,1]"]
SMALL = ["--model", "ststnet", "--dataset", "synthetic"]
BUSY = "while True:\n    pass\n"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def timed_run(model_args: list[str], epochs: int, threads: int | None) -> tuple[float, dict]:
    """Seconds for one ``merbench run`` in a fresh process, and its engine record."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "merbench", "run", *model_args, "--epochs", str(epochs),
                   "--device", "cpu", "--out", out, "--quiet"]
        if threads is not None:
            command += ["--threads", str(threads)]
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        engine = json.loads((Path(out) / "results.json").read_text())["engine"]
    return seconds, engine


def measure(model_args: list[str], epochs: int, competitors: int, repeats: int) -> dict:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(competitors)]
    try:
        if busy:
            time.sleep(65)  # the one-minute load average merbench reads catches up
        default, chosen, engine = [], [], {}
        for _ in range(repeats):  # alternating, so drift hits both alike
            default.append(timed_run(model_args, epochs, cores)[0])
            seconds, engine = timed_run(model_args, epochs, None)
            chosen.append(seconds)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    return {"competitors": competitors, "torch_default_threads": cores,
            "merbench_threads": engine.get("threads"),
            "torch_default_s": statistics.median(default), "merbench_s": statistics.median(chosen),
            "speedup": statistics.median(default) / statistics.median(chosen)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--competitors", type=int, default=1,
                        help="busy processes in the loaded condition")
    parser.add_argument("--model", choices=("demo", "ststnet"), default="demo")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    model_args = DEMO if args.model == "demo" else SMALL
    rows = [measure(model_args, args.epochs, n, args.repeats)
            for n in (0, args.competitors)]
    print(f"{'condition':<22}{'torch default':>15}{'merbench':>11}{'ratio':>8}  merbench's threads")
    for row in rows:
        label = "idle" if not row["competitors"] else f"{row['competitors']} busy process(es)"
        print(f"{label:<22}{row['torch_default_s']:>13.1f} s{row['merbench_s']:>9.1f} s"
              f"{row['speedup']:>7.2f}x  {row['merbench_threads']}")
    report = {"benchmark": "threads", "model": args.model, "epochs": args.epochs,
              "repeats": args.repeats, "cpu": cpu_name(), "cores": os.cpu_count(),
              "python": platform.python_version(), "rows": rows}
    line = json.dumps(report)
    print(line)
    if args.json:
        args.json.write_text(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
