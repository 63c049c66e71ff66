"""``--executor ray`` on a real Ray cluster: the same numbers as a local run, a worker node
killed mid-run, Ctrl-C, resuming across executors, and the errors a user meets.

The cluster is real: a head and a second worker node started with ``ray start`` on this
machine's loopback, each with one CPU, in a temporary folder of their own; every process of
it is killed afterwards, whatever the outcome. It is started once for the module (a Ray
start takes seconds) and serves its tests in file order: the one that kills its worker node
comes last (the suite distributes whole files, ``--dist loadfile``, so one worker runs them
all, in order, with one cluster and one reference run). HTNet's small configuration has no
dropout, so a fold's predictions are bit-identical wherever it trains (CPU, fp32, one thread).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_TUNING
from interrupt import stop_signals_as_default, stopping_after

from merbench.results.model import EngineRecord
from merbench.tuning.archive import unpack_runs

RUN = ["run", "--model", "htnet", "--dataset", "synthetic", "--model-opt", "dim=32",
       "--model-opt", "block_repeats=[1,1,1]", "--threads", "1", "--quiet"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "RAY_AUTH_MODE": "disabled",
       "RAY_USAGE_STATS_ENABLED": "0"}
RAY = str(Path(sys.executable).with_name("ray"))


def merbench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "merbench", *args], capture_output=True,
                          text=True, env=ENV, timeout=timeout)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "merbench", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV,
                            preexec_fn=stop_signals_as_default)


def predictions(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "predictions.csv").sort_values("sample_id",
                                                               ignore_index=True)


def fold_arrays(run_dir: Path) -> dict[str, np.ndarray]:
    found = {}
    for path in sorted((run_dir / "folds").glob("fold-*.npz")):
        with np.load(path) as data:
            found[path.name] = data["epoch_predictions"]
    return found


def run_here(out: Path, **options: Any) -> None:
    """RUN for 40 epochs, in this process with the local executor (``options``: plugins)."""
    import merbench as api

    api.run(model="htnet", dataset="synthetic", epochs=40, threads=1, device="cpu", out=out,
            model_options={"dim": 32, "block_repeats": [1, 1, 1]}, **options)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same run trained in this process, fold by fold."""
    out = tmp_path_factory.mktemp("local") / "run"
    run_here(out)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            title = (entry / "comm").read_text().strip()
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = (parent, f"{cmdline} {title}")
    return found


def _tree(root: int, processes: dict[int, tuple[int, str]]) -> list[int]:
    tree, frontier = [root], [root]
    while frontier:
        children = [p for p, (parent, _) in processes.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Cluster:
    """A head and one worker node on the loopback, each with one CPU."""

    def __init__(self) -> None:
        self.temp = Path(tempfile.mkdtemp(prefix="mbray", dir="/tmp"))  # short: socket paths
        self.port, self.worker_port = _free_port(), _free_port()
        self.address = f"127.0.0.1:{self.port}"

    def start(self) -> None:
        config = json.dumps({"health_check_period_ms": 500,
                             "health_check_failure_threshold": 4})
        for args in (["--head", "--port", str(self.port), "--include-dashboard=false",
                      "--temp-dir", str(self.temp), "--system-config", config],
                     ["--address", self.address, "--node-manager-port",
                      str(self.worker_port)]):
            done = subprocess.run([RAY, "start", *args, "--num-cpus", "1",
                                   "--disable-usage-stats"], capture_output=True, text=True,
                                  env=ENV, timeout=120)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    def worker_node(self) -> tuple[int, dict[int, tuple[int, str]]]:
        """The worker node's raylet pid, with the process table."""
        processes = _processes()
        mark = f"--node_manager_port={self.worker_port}"
        raylets = [p for p, (_, cmd) in processes.items() if "raylet" in cmd and mark in cmd]
        assert len(raylets) == 1, raylets
        return raylets[0], processes

    def stop(self) -> None:
        """Kill every process of this cluster (its folder is in their command lines)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ours = [p for p, (_, cmd) in _processes().items()
                    if str(self.temp) in cmd and p != os.getpid()]
            if not ours:
                break
            _kill([pid for root in ours for pid in _tree(root, _processes())])
            time.sleep(0.5)
        shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    made = Cluster()
    try:
        made.start()
        yield made
    finally:
        made.stop()


def test_an_unreachable_address_is_one_line(tmp_path: Path, cli) -> None:
    """In this process: the refusal is the plan's, before Ray is imported or connected
    (a ``merbench`` process of its own cost 3.5 s of torch's import and checked no more)."""
    code, _, err = cli(*RUN, "--epochs", "1", "--executor", "ray", "--ray-address",
                       f"127.0.0.1:{_free_port()}", "--out", tmp_path / "x")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "no Ray cluster answers at 127.0.0.1:" in lines[0]
    assert "ray start --head" in lines[0]
    code, _, err = cli(*RUN, "--executor", "ray", "--ray-address", "nowhere",
                       "--out", tmp_path / "y")
    assert code == 2 and "is not HOST:PORT" in err


def test_saved_weights_are_refused_on_ray_when_planned(tmp_path: Path, cli) -> None:
    """--weights reads checkpoints only this machine holds: refused before any data is read
    or a Ray instance starts (in this process, as the line and the status are the same)."""
    (tmp_path / "weights").mkdir()
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--weights",
                       tmp_path / "weights", "--executor", "ray", "--out", tmp_path / "x")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "--weights evaluates saved checkpoints, which only this machine holds; run it " \
           "with --executor local" in lines[0]
    assert not (tmp_path / "x").exists()


def test_without_ray_the_executor_says_how_to_install_it(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from merbench.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    status = main([*RUN, "--epochs", "1", "--executor", "ray", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert status == 2 and "pip install 'merbench[ray]'" in err, err


def test_merbench_never_imports_ray() -> None:
    code = ("import sys, merbench, merbench.api, merbench.cli; "
            "merbench.cli.build_parser(); print('ray' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


# a child that runs merbench's console script with Ray's connect replaced by STOPPED_WHILE_
# STARTING's body: Ray's logger warns, and the process sends itself SIGTERM, as while Ray starts
STOPPED_WHILE_STARTING = """
import ctypes, logging, os, signal, sys, threading, time
import ray._private.worker as worker
from merbench.cli import console
connect, mark, how = worker.connect, sys.argv[1], sys.argv[2]
def connecting(*args, **kwargs):
    logging.getLogger("ray._private.worker").warning("Ray's own warning")
    open(mark, "w").write(str(time.monotonic()))
    if how == "native":  # as Ray waiting in its native code on its stopped processes
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # the Timer's thread's
        ctypes.CDLL(None).sleep(60)
    os.kill(os.getpid(), signal.SIGTERM)
    return connect(*args, **kwargs)
worker.connect = connecting
sys.argv = ["merbench", *sys.argv[3:]]
console()
"""


def test_a_stop_while_ray_starts_stops_at_once_with_merbench_s_line(
        cluster: Cluster, tmp_path: Path) -> None:
    """SIGTERM while ray.init runs stops the run as Ctrl-C does, within seconds: merbench's
    'interrupted' line and status 143, although Ray makes SIGTERM sys.exit(15) while it
    starts (status 15, no line); where Ray's start never returns to Python (its
    processes stopped by the same signal: 30 s), the process ends after 3 s with a line of
    its own. Ray's own log lines (its auth warning on every local start) never reach the
    terminal. (The module's cluster: a connection is quicker than a local start.)"""
    begun = "merbench: interrupted — it stopped before training began"
    for how, said in (("python", begun),
                      ("native", "merbench: interrupted while Ray was starting — nothing")):
        mark, out = tmp_path / f"{how}.sent", tmp_path / how
        done = subprocess.run(
            [sys.executable, "-c", STOPPED_WHILE_STARTING, str(mark), how, *RUN, "--epochs",
             "1", "--executor", "ray", "--ray-address", cluster.address, "--out", str(out)],
            capture_output=True, text=True, env=ENV, timeout=120,
            preexec_fn=stop_signals_as_default)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 128 + signal.SIGTERM and len(lines) == 1, done.stderr
        took = time.monotonic() - float(mark.read_text())
        assert lines[0].startswith(said) and took < 10, (took, done.stderr)
        assert not (out / "folds").exists()


# a child that runs merbench's console script with a SIGTERM sent to it while Ray shuts down,
# after the run's last fold is saved: once the driver's core worker has stopped (which sets
# SIGTERM to its default in native code), when merbench's handler is in place again (within
# RESTORE_S; before the fix it never was until the shutdown ended), then a pause standing in
# for the second or more a local instance's processes take to stop
STOPPED_WHILE_SHUTTING_DOWN = """
import os, signal, sys, time
import ray._private.state as state
from merbench.cli import console
disconnect = state.GlobalState.disconnect
def handled():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("SigCgt:"))
    return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
def disconnecting(self):
    deadline = time.monotonic() + 2
    while not handled() and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.3)
    return disconnect(self)
state.GlobalState.disconnect = disconnecting
sys.argv = ["merbench", *sys.argv[1:]]
console()
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_stop_while_ray_shuts_down_says_what_is_kept(cluster: Cluster, tmp_path: Path,
                                                        cli) -> None:
    """SIGTERM while Ray shuts down after the last fold is saved (Ray's shutdown sets
    SIGTERM to its default, and stopping a local instance takes a second or more) stops the
    run with merbench's one line saying what is kept, status 143, where it ended the
    command at once with no word; the folds stay, and resuming finishes the run."""
    out = tmp_path / "stopped"
    done = subprocess.run(
        [sys.executable, "-c", STOPPED_WHILE_SHUTTING_DOWN, *RUN, "--epochs", "1",
         "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
         "--executor", "ray", "--ray-address", cluster.address, "--out", str(out)],
        capture_output=True, text=True, env=ENV, timeout=120,
        preexec_fn=stop_signals_as_default)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 128 + signal.SIGTERM and len(lines) == 1, \
        (done.returncode, done.stderr)
    kept = _folds(out)
    assert lines[0] == (f"merbench: interrupted — {len(kept)} of {len(kept)} folds are "
                        f"finished and kept in {out}; run the same command again to resume")
    code, _, err = cli("run", "--resume", out, "--executor", "local", "--quiet")
    assert code == 0 and (out / "results.json").exists(), err
    assert _folds(out) == kept


def _folds(out: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in (out / "folds").glob("fold-*.npz")}


@pytest.mark.slow
def test_a_run_goes_from_the_local_executor_to_ray_and_back_keeping_its_folds(
        cluster: Cluster, local_run: Path, tmp_path: Path, cli) -> None:
    """A run interrupted on the local executor goes on as Ray tasks on the cluster, keeping
    its folds; SIGTERM to the Ray driver (what SLURM or Kubernetes sends it; merbench treats
    it as Ctrl-C, and tests/test_fold_checkpoint.py sends the local executor each signal)
    cancels the outstanding tasks and keeps every saved fold, exit status 143, although
    ray.init installs a SIGTERM handler of its own that ended the driver at once; the same
    run then finishes on the local executor, to the local run's numbers. (One run through
    both ways: two runs, one each way, cost 15 s more and showed nothing this does not.)
    The first interruption happens in this process, as Ctrl-C's KeyboardInterrupt after
    the first fold (tests/test_run.py sends the local executor a real SIGINT)."""
    out = tmp_path / "local-ray-local"
    with pytest.raises(KeyboardInterrupt):
        run_here(out, plugins=stopping_after(1))
    first = _folds(out)
    assert len(first) == 1 and not (out / "results.json").exists()
    running = start("run", "--resume", str(out), "--executor", "ray", "--ray-address",
                    cluster.address)
    try:  # SIGTERM once Ray has saved a fold of its own
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and running.poll() is None and \
                len(_folds(out)) <= len(first):
            time.sleep(0.2)
        running.send_signal(signal.SIGTERM)
        _, stderr = running.communicate(timeout=120)
    finally:
        if running.poll() is None:
            running.kill()
    assert running.returncode == 128 + signal.SIGTERM, stderr
    assert "interrupted" in stderr and "run the same command again to resume" in stderr
    kept = _folds(out)
    assert len(first) < len(kept) < 6 and not (out / "results.json").exists()
    assert all(kept[name] == content for name, content in first.items())
    code, _, err = cli("run", "--resume", out, "--executor", "local", "--threads", "1")
    assert code == 0, err
    assert all((out / "folds" / name).read_bytes() == content for name, content in kept.items())
    pd.testing.assert_frame_equal(predictions(out), predictions(local_run))
    results = json.loads((out / "results.json").read_text())
    assert results["engine"]["executor"] == "local" and results["folds_resumed"] == len(kept)


@pytest.mark.slow
def test_a_killed_worker_node_loses_no_fold(cluster: Cluster, local_run: Path,
                                            tmp_path: Path, cli) -> None:
    """On the cluster, every fold's every epoch equals the local run's and the results
    report the same numbers, even when the worker node (its raylet and workers) is killed
    while it trains a fold, after another fold was saved: the task is tried again on the
    head, the run completes and no saved fold is lost or rewritten. (One Ray run for both:
    a second, undisturbed, cost 21 s and showed nothing this one does not; a local Ray
    instance, no address, is started by tests/test_sweep.py's Ray sweep, to the same
    numbers.)"""
    out = tmp_path / "cluster"
    running = start(*RUN, "--epochs", "40", "--executor", "ray", "--ray-address",
                    cluster.address, "--out", str(out))
    try:
        deadline, killed, saved = time.monotonic() + 300, False, {}
        while time.monotonic() < deadline and running.poll() is None:
            files = sorted((out / "folds").glob("fold-*.npz")) if out.exists() else []
            raylet, processes = cluster.worker_node()
            busy = [p for p in _tree(raylet, processes) if "_compute_in_worker" in
                    processes.get(p, (0, ""))[1]]
            if files and busy:
                saved = {f.name: f.read_bytes() for f in files}
                _kill(_tree(raylet, processes))
                killed = True
                break
            time.sleep(0.2)
        assert killed, "the worker node never trained a fold after one was saved"
        _, stderr = running.communicate(timeout=400)
    finally:
        if running.poll() is None:
            running.kill()
    assert running.returncode == 0, stderr
    assert re.search(r"^merbench: warning: (the Ray worker|the node) training fold \S+ died; "
                     r"trying again \(2 of 3\)$", stderr, re.MULTILINE), stderr
    for name, content in saved.items():
        assert (out / "folds" / name).read_bytes() == content  # kept as it was
    ours, theirs = fold_arrays(out), fold_arrays(local_run)
    assert ours.keys() == theirs.keys() and len(ours) == 6
    for name in ours:
        np.testing.assert_array_equal(ours[name], theirs[name])
    pd.testing.assert_frame_equal(predictions(out), predictions(local_run))
    ray_results = json.loads((out / "results.json").read_text())
    local_results = json.loads((local_run / "results.json").read_text())
    assert ray_results["metrics_by_policy"] == local_results["metrics_by_policy"]
    assert ray_results["engine"]["threads"]["count"] == 1
    assert cli("validate", out)[0] == 0


# the engine of the fake run's group: one fold at a time
ENGINE = EngineRecord(mode="sequential", folds_at_once=1, cause="asked",
                      reason="--parallel-folds 1")


def _failed(cause: BaseException, *, attempt: int = 1, crash: bool = False):
    """A one-fold task of a fake run, and the error its ObjectRef raised."""
    from types import SimpleNamespace

    import ray

    from merbench.runner.ray_executor import _Task

    plan = SimpleNamespace(device="cuda", trains_in_epochs=True,
                           spec=SimpleNamespace(model="htnet", model_options={}))
    run = SimpleNamespace(data=SimpleNamespace(plan=plan), run_dir=SimpleNamespace(
        path=Path("runs/x")), done=[0])  # a fold finished before: it is kept
    fold = SimpleNamespace(label="casme2/sub01")
    error = (ray.exceptions.WorkerCrashedError() if crash
             else ray.exceptions.RayTaskError("_compute_in_worker", "Traceback ...", cause))
    return _Task(run, [fold], attempt), error  # type: ignore[arg-type]


def test_a_fold_that_fails_on_a_worker_fails_as_it_would_locally() -> None:
    """The worker's own error comes back as the error a local run raises: merbench's one
    line as it is; out of memory as the local one line naming the fold; a worker that keeps
    dying, tried 3 times, then one line that says the finished folds are kept."""
    import ray
    import torch

    from merbench.base.errors import MerbenchError
    from merbench.runner.ray_executor import _after_failure

    task, error = _failed(MerbenchError("training diverged: loss is nan at epoch 3"))
    with pytest.raises(MerbenchError, match=r"^training diverged: loss is nan at epoch 3$"):
        _after_failure(ray, task, error, ENGINE)
    task, error = _failed(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate"))
    with pytest.raises(MerbenchError, match=r"cuda ran out of memory training fold "
                                            r"casme2/sub01 of model 'htnet'.*kept in runs/x"):
        _after_failure(ray, task, error, ENGINE)
    task, error = _failed(RuntimeError(), crash=True)
    with pytest.warns(RuntimeWarning, match=r"trying again \(2 of 3\)"):
        again, engine = _after_failure(ray, task, error, ENGINE)
    assert [t.attempt for t in again] == [2] and again[0].group == task.group
    assert engine == ENGINE
    task, error = _failed(RuntimeError(), attempt=3, crash=True)
    with pytest.raises(MerbenchError, match=r"^the Ray worker training fold casme2/sub01 "
                                            r"died 3 times; every finished fold is kept in "
                                            r"runs/x; run the same command again to go on$"):
        _after_failure(ray, task, error, ENGINE)


def test_host_memory_kills_are_retried_and_other_ray_errors_are_one_line() -> None:
    """Ray's memory monitor killing a worker (host memory, not the fold's device) is a worker
    that died, tried again; any other Ray error is one line that keeps the finished folds."""
    import ray

    from merbench.base.errors import MerbenchError
    from merbench.runner.ray_executor import _after_failure

    task, _ = _failed(RuntimeError())
    with pytest.warns(RuntimeWarning, match=r"^Ray stopped the worker training fold "
                                            r"casme2/sub01 as its node was low on memory; "
                                            r"trying again \(2 of 3\)$"):
        again, _ = _after_failure(ray, task, ray.exceptions.OutOfMemoryError("node low on memory"),
                                  ENGINE)
    assert [t.attempt for t in again] == [2]
    with pytest.raises(MerbenchError, match=r"^Ray could not run fold casme2/sub01 "
                                            r"\(GetTimeoutError: .*kept in runs/x"):
        _after_failure(ray, task, ray.exceptions.GetTimeoutError("fetch timed out"), ENGINE)


def test_a_group_out_of_memory_on_a_worker_trains_fewer_at_once_as_locally() -> None:
    """Two folds that ran out of memory together go again one at a time, and the run's
    engine says so, by the same policy as a local run's."""
    import dataclasses

    import ray
    import torch

    from merbench.runner.ray_executor import _after_failure, _Task

    task, error = _failed(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate"))
    pair = _Task(task.run, [*task.group, task.group[0]])
    together = dataclasses.replace(ENGINE, mode="fold-parallel", folds_at_once=2)
    with pytest.warns(RuntimeWarning, match=r"^cuda ran out of memory training 2 folds at "
                                            r"once; training the remaining folds 1 at a time$"):
        again, engine = _after_failure(ray, pair, error, together)
    assert [t.group for t in again] == [[f] for f in pair.group]
    assert engine == dataclasses.replace(together, folds_at_once=1,
                                         lowered_after_out_of_memory_from=2)


def test_groups_that_returned_are_saved_before_the_rest_is_cancelled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """At Ctrl-C or a failure, the tasks that have returned are collected and saved; one
    whose result is an error is not saved, and a lost connection collects nothing. (The
    Ctrl-C test above reaches this only when a task returns in that instant.)"""
    from types import SimpleNamespace

    from merbench.runner import ray_executor

    saved: list[tuple[object, object]] = []
    monkeypatch.setattr(ray_executor, "_save",
                        lambda task, computed, on_group: saved.append((task, computed)))

    def get(ref: str, timeout: float) -> str:
        if ref == "failed":
            raise RuntimeError("the task's own error")
        return f"{ref} computed"

    ray = SimpleNamespace(wait=lambda refs, num_returns, timeout: (["done", "failed"], ["busy"]),
                          get=get)
    outstanding = {"done": "task 1", "busy": "task 2", "failed": "task 3"}
    ray_executor._save_returned(ray, outstanding, lambda *_: None)  # type: ignore[arg-type]
    assert saved == [("task 1", "done computed")] and outstanding == {"busy": "task 2"}

    def lost(refs: list[str], num_returns: int, timeout: float) -> None:
        raise ConnectionError("the cluster went away")

    ray_executor._save_returned(SimpleNamespace(wait=lost), outstanding,  # type: ignore[arg-type]
                                lambda *_: None)
    assert outstanding == {"busy": "task 2"} and len(saved) == 1


def test_one_array_is_put_once_for_every_run_that_trains_on_it() -> None:
    from types import SimpleNamespace

    import numpy as np

    from merbench.runner.ray_executor import _put_features

    flow = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    runs = [SimpleNamespace(trainer=SimpleNamespace(features=array), run_dir=None)
            for array in (flow, flow.copy(), flow.astype(np.float64), flow + 1)]
    put: list[object] = []
    fake = SimpleNamespace(put=lambda array: put.append(array) or len(put),
                           exceptions=SimpleNamespace(RayError=RuntimeError))
    refs = _put_features(fake, runs)  # type: ignore[arg-type]
    assert len(put) == 3 and [refs[id(r)] for r in runs] == [1, 1, 2, 3]


def test_a_worker_refuses_a_model_built_from_other_files(tmp_path: Path) -> None:
    """A timm member's pretrained file is read where the fold runs: another file there (or
    none) would train under the driver's digest, so the worker refuses the fold."""
    import torch

    from merbench.base.errors import MerbenchError
    from merbench.plugin_system.manager import default_plugins
    from merbench.runner.fold_work import ModelSource

    weights = tmp_path / "resnet18.pth"
    entry = default_plugins().registries.models.get("timm-resnet18")
    network = entry.create("model", num_classes=3).network
    torch.save(network.state_dict(), weights)
    source = ModelSource.of(entry, {"pretrained_path": str(weights)}, 3)
    assert "pretrained_sha256" in str(source.built_from)
    travelled = pickle.loads(pickle.dumps(source))  # as Ray sends it: no registry entry
    torch.save({k: v + 1 for k, v in network.state_dict().items()}, weights)
    with pytest.raises(MerbenchError, match=r"is built from .* where this fold ran and from "
                                            r".* where the run was started"):
        travelled()


TUNING = TINY_TUNING  # the kinds' example search: a test-scored one there, nested here


def _tuning_record(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / "tune.json").read_text())
    for key in ("created", "wall_time_s"):
        data.pop(key)
    # the packed files' digests differ as their times do; the files packed are the same
    data["archived"] = sorted(data["archived"])
    return data


@pytest.mark.slow
def test_a_tuning_on_ray_tries_chooses_and_scores_as_locally(cluster: Cluster,
                                                              tmp_path: Path, cli) -> None:
    """merbench tune --executor ray: each step's runs (one per outer fold) are Ray tasks at
    once, and the trials, their scores, the choices and the outer predictions are the local
    tuning's."""
    space = tmp_path / "tiny.toml"
    space.write_text(TUNING)
    code, _, err = cli("tune", space, "--out", tmp_path / "local", "--threads", "1", "--quiet")
    assert code == 0, err
    on_ray = merbench("tune", str(space), "--out", str(tmp_path / "ray"), "--executor", "ray",
                      "--ray-address", cluster.address, "--threads", "1", "--quiet")
    assert on_ray.returncode == 0, on_ray.stderr
    assert _tuning_record(tmp_path / "ray") == _tuning_record(tmp_path / "local")
    assert (tmp_path / "ray" / "predictions.csv").read_bytes() == \
        (tmp_path / "local" / "predictions.csv").read_bytes()
    unpack_runs(tmp_path / "ray", tmp_path / "ray-runs")
    retrained = next((tmp_path / "ray-runs" / "final" / "000-syn1-s01").glob("trial-*"))
    engine = json.loads((retrained / "results.json").read_text())["engine"]
    assert engine["executor"] == "ray"
