"""Reading a run's fold files: merbench's bounded reader against NumPy's own ``np.load``.

Every command that looks at a finished run (``status``, ``validate``, ``show``, ``audit``,
the leaderboard) reads each of its fold files, ``status`` three times, and the test suite
reads the same committed runs thousands of times in one process. merbench reads a fold file
through its bounded reader (``merbench.results.user_npz``): a regular file only, every
array's declared size checked before anything is allocated, never unpickling, and the
parsed arrays remembered by the file's bytes. This times, in one process and on the same
files, pass by pass:

- the baseline: ``dict(np.load(path))`` (no checks at all);
- ``read_user_npz`` on files it has not read before (its memo cleared each pass);
- ``read_user_npz`` on files it read before (the same bytes read again, not parsed);

and prints each as milliseconds a file and as a ratio to the baseline (median of the
passes). The machine is named with the figures; they move with its load, the ratios less.

    python benchmarks/fold_reading.py [--results leaderboards/results] [--passes 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from merbench.results import user_npz
from merbench.results.user_npz import read_user_npz


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            return next((line.split(":", 1)[1].strip() for line in info
                         if line.startswith("model name")), platform.processor())
    except OSError:
        return platform.processor() or platform.machine()


def _timed(read: Callable[[Path], Any], files: list[Path], before: Callable[[], None]) -> float:
    before()
    start = time.process_time()
    for path in files:
        read(path)
    return (time.process_time() - start) / len(files) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path("leaderboards/results"))
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--files", type=int, default=user_npz.MEMO_ENTRIES // 2,
                        help="fold files read a pass (within the memo's size)")
    args = parser.parse_args()
    files = sorted(args.results.glob("*/seed-*/folds/fold-*.npz"))[:args.files]
    if not files:
        raise SystemExit(f"no fold files under {args.results}/*/seed-*/folds")

    def nothing() -> None:
        pass

    def forget() -> None:
        user_npz._remembered.cache_clear()

    def numpy_load(path: Path) -> Any:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}

    def merbench_read(path: Path) -> Any:
        return read_user_npz(path, "fold file")

    for path in files[:5]:  # warm: imports, the page cache
        numpy_load(path), merbench_read(path)
    cases = {"np.load (baseline)": (numpy_load, nothing),
             "read_user_npz, first read": (merbench_read, forget),
             "read_user_npz, read again": (merbench_read, nothing)}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.passes):
        for name, (read, before) in cases.items():
            times[name].append(_timed(read, files, before))
    print(f"{len(files)} fold files of {args.results}, {args.passes} passes; {_cpu_model()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    base = times["np.load (baseline)"]
    for name, values in times.items():
        ratio = statistics.median(v / b for v, b in zip(values, base, strict=True))
        print(f"  {name:28} {statistics.median(values):6.3f} ms a file   x{ratio:.2f}")


if __name__ == "__main__":
    main()
