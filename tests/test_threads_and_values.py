"""Two things a run chooses or checks for the machine and data it finds: torch's CPU threads
(merbench/training/threads.py) and the digest of the input values it trains on
(merbench/runner/values.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from interrupt import stopping_after

import merbench
import merbench.runner.execute as execute
from merbench.base.errors import MerbenchError
from merbench.results.codec import to_json
from merbench.training.threads import (
    SMALL_MODEL_PARAMETERS,
    _cgroup_quota,
    busy_cores,
    choose_threads,
)

SMALL = {"subjects": 4, "samples_per_subject": 6}


def _run(out: Path, **options):  # type: ignore[no-untyped-def]
    return merbench.run(model=options.pop("model", "ststnet"), dataset="synthetic",
                        dataset_options=SMALL, epochs=options.pop("epochs", 2), device="cpu",
                        out=out, **options)


def test_the_thread_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # the suite sets it (conftest)
    big = SMALL_MODEL_PARAMETERS * 10
    assert choose_threads(3, big, usable=8, busy=5).count == 3  # --threads wins
    small = choose_threads(None, SMALL_MODEL_PARAMETERS - 1, usable=8, busy=0)
    assert (small.count, small.cause) == (1, "small-model")
    assert choose_threads(None, big, usable=8, busy=0).count == 8
    assert choose_threads(None, big, usable=8, busy=0, processes=3).count == 2
    busy = choose_threads(None, big, usable=2, busy=1)
    assert (busy.count, busy.cause) == (1, "free-cores")
    assert choose_threads(None, big, usable=2, busy=7).count == 1  # never fewer than one
    assert choose_threads(None, None, usable=1, busy=0, processes=4).count == 1
    # the share of the cores given in the environment wins over the machine's look, never
    # over --threads; a value that is not a whole number >= 1 is not a share
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    given = choose_threads(None, big, usable=8, busy=0)
    assert (given.count, given.cause, given.reason) == (3, "environment", "OMP_NUM_THREADS=3")
    assert choose_threads(None, SMALL_MODEL_PARAMETERS - 1, usable=8, busy=0).count == 3
    assert choose_threads(2, big, usable=8, busy=0).cause == "asked"
    # OpenMP's own syntax, which the console's check accepts, counts too: its first level
    for spelled in ("+3", " 3 ", "3,2", "+3, 1"):
        monkeypatch.setenv("OMP_NUM_THREADS", spelled)
        assert choose_threads(None, big, usable=8, busy=0).count == 3, spelled
    for unusable in ("0", "two", "", "\uff13", "0,2", "9" * 5000):
        monkeypatch.setenv("OMP_NUM_THREADS", unusable)
        assert choose_threads(None, big, usable=8, busy=0).cause == "usable-cores"


def test_busy_cores_are_the_load_average_less_this_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import merbench.training.threads as threads

    # this process counted as much of the load as it has used a core lately: a command
    # just started beside one busy process sees that process (the README's demo took 2
    # threads beside it, 3.3x slower than 1); one that has trained for a minute is itself
    for load, own, busy in ((0.2, 0.0, 0), (1.4, 1.0, 0), (1.3, 0.05, 1), (2.6, 1.0, 2),
                            (7.0, 1.0, 6), (7.0, 0.0, 7)):
        monkeypatch.setattr(threads.os, "getloadavg", lambda load=load: (load, 0.0, 0.0))
        assert busy_cores(own) == busy, load
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.3, 0.0, 0.0))
    assert busy_cores() == (1 if threads.own_load() < 0.3 else 0)

    def unknown() -> tuple[float, float, float]:
        raise OSError("no load average here")

    monkeypatch.setattr(threads.os, "getloadavg", unknown)
    assert busy_cores() == 0


def test_the_cgroup_quota_is_read(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert _cgroup_quota(tmp_path) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert _cgroup_quota(tmp_path) is None
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("200000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert _cgroup_quota(tmp_path) == 2.0
    assert _cgroup_quota(tmp_path / "none") is None


def test_a_run_records_and_restores_its_threads(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # merbench's own rule, not the suite's
    before = torch.get_num_threads()
    seen = []

    class Watch:
        @merbench.hookimpl
        def merbench_fold_finished(self, run, fold) -> None:  # type: ignore[no-untyped-def]
            seen.append(torch.get_num_threads())

    from merbench.plugin_system.manager import load_plugins

    result = _run(tmp_path / "a", plugins=load_plugins(extra=[("watch", Watch())]))
    threads = result.results.engine.threads
    assert threads.count == 1 and threads.cause == "small-model"
    assert set(seen) == {1}
    assert torch.get_num_threads() == before  # a Python caller's setting is left as it was
    asked = _run(tmp_path / "b", threads=2)
    assert to_json(asked.results.engine.threads) == {"count": 2, "cause": "asked",
                                                    "reason": "--threads 2"}
    with pytest.raises(MerbenchError, match="threads must be at least 1"):
        _run(tmp_path / "c", threads=0)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    given = _run(tmp_path / "d")
    assert to_json(given.results.engine.threads) == {"count": 1, "cause": "environment",
                                                    "reason": "OMP_NUM_THREADS=1"}


def test_the_cli_says_the_threads(tmp_path: Path, cli) -> None:
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "2",
                         "--dataset-opt", "subjects=4", "--device", "cpu", "--threads", "1",
                         "--out", str(tmp_path / "r"), "--quiet")
    assert code == 0, err
    assert "CPU threads: 1 (--threads 1" in out


def test_a_run_resumed_on_changed_values_is_refused(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        _run(out, plugins=stopping_after(2))
    recorded = json.loads((out / "run.json").read_text())["feature_values"]
    assert len(recorded) == 24
    original = execute.model_input

    def one_sample_changed(data, identity, on_progress=None):  # type: ignore[no-untyped-def]
        values, report = original(data, identity, on_progress)
        values = np.array(values, copy=True)
        values[5] = values[5] + 1  # as if a flow image had changed on disk
        return values, report

    monkeypatch.setattr(execute, "model_input", one_sample_changed)
    changed = list(recorded)[5]  # recorded in sample order
    with pytest.raises(MerbenchError, match=r"1 of 24 samples changed") as refused:
        _run(out)
    assert changed in str(refused.value) and "restore them" in str(refused.value)
    assert len(list((out / "folds").glob("*.npz"))) == 2  # nothing lost
    monkeypatch.setattr(execute, "model_input", original)
    finished = _run(out)  # the data as it was: the run goes on
    assert finished.results.folds_resumed == 2
    assert finished.results.feature.values_sha256


def test_unrecorded_values_are_recorded_not_refused(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        _run(out, plugins=stopping_after(1))
    record = json.loads((out / "run.json").read_text())
    (out / "run.json").write_text(json.dumps({**record, "feature_values": None}))
    assert _run(out).results.folds_resumed == 1  # as a migrated run.json says
    assert json.loads((out / "run.json").read_text())["feature_values"] == \
        record["feature_values"]
