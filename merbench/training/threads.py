"""How many CPU threads a run's torch operations use, chosen for the machine it runs on.

PyTorch starts one intra-op thread per core it sees, whatever else the machine is doing and
whatever the model. Both cost dearly: the README's demo took 231 to 336 s with torch's
default threads while other processes kept the cores busy, and 18 s with one thread
(benchmarks/threads.py measures the rule below against torch's default). OpenMP threads that
wait for a core spin, so every thread beyond the cores actually free slows all of them. The
rule, in order:

1. ``--threads N`` is taken as it is.
2. Else ``OMP_NUM_THREADS`` set in the environment to a whole number >= 1: the share of the
   cores the user (or a test runner with one worker per core) gave this process, as the
   user guide tells people who start processes side by side to do. Without this rule an
   idle-looking machine (the load average lags by a minute) gave each of two parallel
   processes every core. A value OpenMP cannot take (``abc``, ``0``, more than
   :data:`THREADS_PER_CORE` a core) is refused before any command loads torch
   (:func:`thread_variable_problem`).
3. The cores this process may use: its CPU affinity (``taskset``, a batch scheduler's
   allocation) and its cgroup CPU quota (a container's ``--cpus``), whichever is fewer.
4. Divided by the processes merbench starts side by side (extraction workers).
5. A model under :data:`SMALL_MODEL_PARAMETERS` parameters gets one thread: its operations
   are too small to split well (STSTNet: 10 % faster with two threads on an idle 2-core
   machine, 2.3x slower beside one busy process).
6. Less the cores other processes keep busy (the one-minute load average, less this process
   itself): a shared machine leaves fewer cores free than it has.

The choice is recorded in the results' engine (``engine.threads``); it changes the run time,
not the numbers.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from merbench.base.literal import literal
from merbench.results.model import ThreadRecord

SMALL_MODEL_PARAMETERS = 100_000
#: OMP_NUM_THREADS may ask for up to this many threads a core of the machine: more only
#: waits on itself, and OMP_NUM_THREADS=99999 made torch map a stack per thread until it
#: failed with "failed to map segment" deep inside an import
THREADS_PER_CORE = 4
# OpenMP's own syntax: a whole number (a leading + and spaces allowed), or a list for nested
# levels ("4,2"); libgomp takes these and prints "Invalid value" for anything else; ASCII
# digits only: libgomp refuses a full-width "３" that \d would take
_OMP_VALUE = re.compile(r"^\s*\+?[0-9]+\s*(,\s*\+?[0-9]+\s*)*$")


def thread_variable_problem(environ: Mapping[str, str] = os.environ,
                            cores: int | None = None) -> str | None:
    """What is wrong with ``OMP_NUM_THREADS`` in ``environ``, in merbench's words, or None
    (unset, or OpenMP's syntax for 1 to ``cores`` x :data:`THREADS_PER_CORE` threads). The
    command line asks before any command loads torch: torch's OpenMP library reads it at
    import and printed its own "Invalid value" line twice for ``abc``, ``0`` or an empty value,
    and a huge count failed an import with a traceback."""
    value = environ.get("OMP_NUM_THREADS")
    if value is None:
        return None
    most = (cores or os.cpu_count() or 1) * THREADS_PER_CORE
    fix = f"give a whole number from 1 to {most}, or unset it"
    if not value.strip():
        return f"OMP_NUM_THREADS is set but empty; {fix}"
    # a count of more than nine digits is more than any machine's, and Python refuses to
    # read one of over 4,300 (a traceback): such a count is taken as "too many" unread
    counts = ([int(part) if len(part.strip(" +\t")) <= 9 else 10 ** 9
               for part in value.split(",")] if _OMP_VALUE.match(value) else [])
    shown = literal(value.strip()[:40] + ("..." if len(value.strip()) > 40 else ""),
                    one_line=True)
    if not counts or min(counts) < 1:
        return f"OMP_NUM_THREADS={shown} is not a number of threads; {fix}"
    if counts[0] > most:
        return (f"OMP_NUM_THREADS={shown} is more threads than this machine's "
                f"{most // THREADS_PER_CORE} cores can use; {fix}")
    return None


def _cgroup_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs the cgroup quota allows (cgroup v2 ``cpu.max``, else v1 ``cfs_quota_us``)."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]  # bounded: the kernel's
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())  # bounded: kernel
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())  # bounded: kernel
        return None if quota_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None


def usable_cores(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """Cores this process may run on: its affinity and its cgroup quota, whichever is less
    (a fractional quota rounds up: 1.5 CPUs keep two threads busy part of the time)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(cgroup_root)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def environment_threads() -> int | None:
    """The first level's count in ``OMP_NUM_THREADS`` (``4``, ``+4`` and ``4,2`` all give 4,
    as OpenMP reads them), or None where it holds no count of at least 1 (torch then falls
    back on its own default too). The same syntax :func:`thread_variable_problem` lets
    through: a ``+2`` or ``4,2`` it accepted was otherwise ignored here, and the thread
    choice fell to torch's default."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    if not _OMP_VALUE.match(value):  # ASCII digits only, as OpenMP reads them
        return None
    first = value.split(",")[0].strip(" \t+")
    # at most nine digits: int() of over 4,300 raised, and merbench.run has no console
    # script to check the variable first
    if len(first) > 9 or int(first) < 1:
        return None
    return int(first)


def own_load() -> float:
    """What this process adds to the one-minute load average, about: the share of a core it
    has used, at most one a thread of its own, over at most the last minute. A process that
    has just started (reading its data, a few seconds of CPU) adds almost nothing yet, so
    counting it as a whole core took a busy neighbour for this process and chose two
    threads beside it, 3.3 times slower than one (the README's demo, 2-core AMD EPYC)."""
    times = os.times()
    used = times.user + times.system
    return min(1.0, used / 60.0)


def busy_cores(own: float | None = None) -> int:
    """Cores other processes keep busy: the one-minute load average, less this process's
    own part of it (:func:`own_load`)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0
    mine = own_load() if own is None else own
    return max(0, int(load - mine + 0.5))


def choose_threads(asked: int | None, n_parameters: int | None = None, *,
                   processes: int = 1, usable: int | None = None,
                   busy: int | None = None) -> ThreadRecord:
    """The intra-op threads for one of ``processes`` processes training a model of
    ``n_parameters`` (None: not a torch model, or not known)."""
    if asked is not None:
        return ThreadRecord(asked, "asked", f"--threads {asked}")
    given = environment_threads()
    if given is not None:
        return ThreadRecord(given, "environment", f"OMP_NUM_THREADS={given}")
    usable = usable_cores() if usable is None else usable
    share = max(1, usable // max(1, processes))
    of = f"{usable} usable cores" + (f" / {processes} processes" if processes > 1 else "")
    if n_parameters is not None and n_parameters < SMALL_MODEL_PARAMETERS:
        return ThreadRecord(1, "small-model", f"{n_parameters:,} parameters, under "
                            f"{SMALL_MODEL_PARAMETERS:,}: more threads gain little alone and "
                            "cost much beside other work")
    busy = busy_cores() if busy is None else busy
    if busy and share > 1:
        count = max(1, share - busy)
        return ThreadRecord(count, "free-cores", f"{of}, {busy} kept busy by other "
                            "processes (load average)")
    return ThreadRecord(share, "usable-cores", of)


def apply_threads(count: int) -> int | None:
    """Set torch's intra-op threads and OpenCV's, where this process has loaded them, to
    ``count``; returns torch's previous setting (None: torch not loaded), for callers that
    restore it."""
    torch, cv2 = sys.modules.get("torch"), sys.modules.get("cv2")
    previous = None
    if torch is not None:
        previous = int(torch.get_num_threads())
        torch.set_num_threads(count)
    if cv2 is not None:
        cv2.setNumThreads(count)
    return previous


#: the variables that give numpy's and scipy's bundled BLAS libraries their thread count
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS",)


def set_blas_threads(environ: MutableMapping[str, str] = os.environ) -> None:
    """Give the BLAS library numpy and scipy bundle (OpenBLAS) a thread count before either
    is imported, where the user set none: ``OMP_NUM_THREADS``'s count, else one. OpenBLAS
    starts one thread per core as its library loads and allocates a buffer for each; under a
    low address-space limit (``ulimit -v 300000``) that load-time setup looped in its
    allocator forever, inside an import, where no SIGTERM handler runs (pass 84ag, AG3).
    ``--threads`` cannot set it: parsing a command line's numbers already loads numpy; and
    merbench's heavy numbers are torch's, whose threads :func:`choose_threads` chooses,
    while numpy's matrix products here are small."""
    count = str(environment_threads() or 1)
    for name in BLAS_THREAD_VARIABLES:
        environ.setdefault(name, count)
