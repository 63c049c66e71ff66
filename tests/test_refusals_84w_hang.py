"""Pass 84w, W17: ``extract --workers 2`` stopped by SIGTERM ends, and leaves no process.

It said it was interrupted and then never ended (a second signal did nothing): the stop
waited on the pool's workers, which never went; its forkserver and workers outlived even a
SIGKILL. The extraction here is a slow per-sample feature on three synthetic subjects,
stopped once its first sample is in the cache, while its second worker is mostly still
starting: the stop that was lost there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from interrupt import stop_signals_as_default

from merbench.cli.progress import INTERRUPTED_EXTRACTION

SLOW = """
    import time
    from merbench.api import FeatureMeta, SampleExtractor, hookimpl

    class Slow(SampleExtractor):
        sources = ("flow_uvos",)

        def compute(self, inputs, sample_id):
            time.sleep(0.2)
            return inputs["flow_uvos"].astype("float32").transpose(2, 0, 1)

    @hookimpl
    def merbench_register_features(registry):
        registry.add(FeatureMeta(name="slow-flow", version=1, description="slow",
                                 citation="none", needs=("flow_uvos",), shape=(3, 28, 28)),
                     Slow)
"""


def _alive_in_group(group: int) -> dict[int, str]:
    """The processes of process group ``group`` that still run, with their command lines
    (zombies left to an init that does not reap them count as ended)."""
    alive = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == group and fields[0] != "Z":
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                alive[int(entry.name)] = command
        except (OSError, ValueError):
            continue  # ended while read
    return alive


def test_sigterm_ends_a_pool_extraction_and_its_workers(
        make_dist: Callable[..., None], tmp_path: Path) -> None:
    make_dist("slowplug", "slow", "mb_slow", SLOW)
    cache = tmp_path / "cache"
    entries = cache / "features" / "slow-flow"  # synthetic's own cache is beside it
    path = [str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p),
           "MERBENCH_CACHE_DIR": str(cache)}
    process = subprocess.Popen(
        [sys.executable, "-m", "merbench", "extract", "--dataset", "synthetic", "--dataset-opt",
         "subjects=3", "--feature", "slow-flow", "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=stop_signals_as_default, start_new_session=True)
    group = process.pid  # a new session: the command, its forkserver and its workers
    try:
        deadline = time.monotonic() + 120
        while not any(entries.rglob("*.npz")) and process.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.02)
        # the first sample is in the cache: the pool runs, its second worker mostly starting
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        _, err = process.communicate(timeout=30)
        took = time.monotonic() - sent
        deadline = time.monotonic() + 5
        while _alive_in_group(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _alive_in_group(group)
    finally:
        if process.poll() is None:
            process.kill()
        for pid in _alive_in_group(group):  # what this test started, ended by id
            os.kill(pid, signal.SIGKILL)
    assert took < 10, f"ended {took:.1f} s after SIGTERM"
    assert process.returncode == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1] == INTERRUPTED_EXTRACTION, err
    assert "Traceback" not in err, err
    assert not left, left
    assert any(entries.rglob("*.npz"))  # what was computed is kept


def test_a_stopped_pool_leaves_none_of_its_threads_behind(tmp_path: Path) -> None:
    """The pool's manager thread holds the last references to its queues' named semaphores
    once the pool lets go of them: a stop that ended the process while it still ran left
    multiprocessing's resource tracker to print "leaked semaphore objects" after merbench's
    last line. When the stop reaches the command, the pool's threads have ended."""
    from merbench.features.extraction import extract_samples
    from tests.test_refusals_84w_cache import META, RowSum, _dataset

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    before = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt):
        extract_samples(META, RowSum(), _dataset(12), workers=2, cache_root=tmp_path,
                        on_progress=stop)
    assert [t for t in threading.enumerate() if t.is_alive() and t not in before] == []
