"""Pass 84af, AF4: a Ray cluster whose head stopped in the middle of a run.

merbench warned with Ray's whole NodeDiedError text, tried the fold again on the cluster that
was gone, and a minute later Ray's C++ ended the process with its own fatal line, nothing said
of the folds kept. Now the warning is merbench's, and a head that no longer answers stops the
run at once with one line: which cluster, the folds kept, how to go on. What tells the head is
gone is monkeypatched here; a real cluster is too slow for the suite.
"""

from __future__ import annotations

import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("ray")

from merbench.base.errors import MerbenchError
from merbench.runner import ray_executor, ray_head
from merbench.runner.ray_address import head_answers
from merbench.runner.ray_head import ClusterGone, Head

HEAD = "127.0.0.1:6391"


def _run(done: int = 2, folds: int = 6, path: str = "runs/x") -> Any:
    """A fake run of ``folds`` folds, ``done`` of them finished and saved."""
    fold_list = [SimpleNamespace(index=i, label=f"syn2/s{i:02d}") for i in range(folds)]
    return SimpleNamespace(done=dict.fromkeys(range(done)), run_dir=SimpleNamespace(
        path=Path(path)), data=SimpleNamespace(folds=fold_list), pending=fold_list[done:])


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """time as ray_head sees it: ``sleep`` moves it on, nothing waits."""
    now = [100.0]
    monkeypatch.setattr(ray_head.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(ray_head.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    return now


def test_a_head_that_stays_silent_stops_the_run_with_what_is_kept(clock: list[float]) -> None:
    asked: list[str] = []
    head = Head(HEAD, HEAD, [_run()], answers=lambda where: asked.append(where) is not None)
    with pytest.raises(ClusterGone) as stop:
        head.check(wait=True)
    assert str(stop.value) == (
        "the Ray cluster at 127.0.0.1:6391 stopped (its head no longer answers); 2 of 6 "
        "folds are kept in runs/x; start the cluster again (or leave out --ray-address) and "
        "run the same command again, or merbench run --resume runs/x")
    assert isinstance(stop.value, MerbenchError) and asked[0] == HEAD
    assert clock[0] - 100.0 == pytest.approx(ray_head.GONE_S)  # long before Ray's 60 s


def test_a_head_silent_for_a_moment_is_not_gone(clock: list[float]) -> None:
    """Only a head silent for GONE_S seconds has stopped: one that answers again goes on,
    and a check that does not wait says nothing until the grace has passed."""
    answers = iter([False, False, True])
    head = Head(HEAD, HEAD, [_run()], answers=lambda _: next(answers))
    head.check(wait=True)
    assert head.silent_since is None
    head = Head(HEAD, HEAD, [_run()], answers=lambda _: False)
    head.check()
    clock[0] += ray_head.GONE_S - 1
    head.check()
    clock[0] += 1
    with pytest.raises(ClusterGone, match=r"stopped \(its head no longer answers\); 2 of 6"):
        head.check()
    Head(None, None, [_run()], answers=lambda _: False).check(wait=True)  # not watched


def test_the_line_names_where_the_address_came_from(clock: list[float],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", HEAD)
    line = Head(HEAD, None, [_run()]).stopped()
    assert "start the cluster again (or unset RAY_ADDRESS)" in line
    monkeypatch.delenv("RAY_ADDRESS")
    assert Head(HEAD, None, [_run()]).stopped().startswith(
        "the Ray instance this run started on this machine stopped (its head no longer "
        "answers); 2 of 6 folds are kept in runs/x; run the same command again, or merbench "
        "run --resume runs/x")
    assert Head(HEAD, HEAD, [_run(done=0)]).stopped() == (
        "the Ray cluster at 127.0.0.1:6391 stopped before any fold finished (its head no "
        "longer answers); start the cluster again (or leave out --ray-address) and run the "
        "same command again")
    assert "3 of the 12 folds of its 2 runs are kept;" in Head(
        HEAD, HEAD, [_run(), _run(done=1, path="runs/y")]).stopped()


def test_the_head_is_asked_with_a_plain_connection() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert head_answers(f"127.0.0.1:{port}")
    assert not head_answers(f"127.0.0.1:{port}", timeout=0.5)  # closed now
    assert not head_answers("not an address")


def _task(attempt: int = 1) -> Any:
    return ray_executor._Task(_run(), [SimpleNamespace(label="syn2/s01")], attempt)


ENGINE = SimpleNamespace(folds_at_once=1)


def test_a_node_that_died_is_warned_of_in_merbench_words() -> None:
    import ray

    died = ray.exceptions.NodeDiedError(
        "Task failed because the node it was running on is dead or unavailable. Node IP: "
        "192.0.2.2, node ID: 6646adcc. This can happen if the node was preempted")
    with pytest.warns(RuntimeWarning, match=r"^the node training fold syn2/s01 died; "
                                            r"trying again \(2 of 3\)$"):
        again, _ = ray_executor._after_failure(ray, _task(), died, ENGINE)
    assert [t.attempt for t in again] == [2]
    with pytest.raises(MerbenchError, match=r"^the node training fold syn2/s01 died 3 "
                                            r"times; every finished fold is kept in runs/x; "
                                            r"run the same command again to go on$"):
        ray_executor._after_failure(ray, _task(attempt=3), died, ENGINE)
    lost = ray.exceptions.OwnerDiedError("ab" * 14, None, "call site")
    with pytest.warns(RuntimeWarning, match=r"^Ray lost what fold syn2/s01 returned; trying"):
        ray_executor._after_failure(ray, _task(), lost, ENGINE)


class _FakeRay:
    """Ray as _train uses it: every task still running, or failed with ``error``."""

    def __init__(self, clock: list[float], error: BaseException | None = None) -> None:
        import ray

        self.clock = clock
        self.exceptions = ray.exceptions
        self.error = error
        self.submitted: list[str] = []
        self.cancelled: list[str] = []

    def remote(self, fn: Any = None, **_: Any) -> Any:
        def options(**_: Any) -> Any:
            return SimpleNamespace(remote=lambda *a: self._submit())
        made = SimpleNamespace(options=options)
        return made if fn is not None else (lambda _fn: made)

    def _submit(self) -> str:
        self.submitted.append(f"ref{len(self.submitted)}")
        return self.submitted[-1]

    def wait(self, refs: list[str], num_returns: int, timeout: float) -> tuple[list, list]:
        if self.error is not None and num_returns == 1:
            return refs[:1], refs[1:]
        self.clock[0] += timeout  # nothing returned within the timeout
        return [], refs

    def get(self, ref: str, timeout: float | None = None) -> Any:
        raise self.error or AssertionError("nothing returned")

    def cancel(self, ref: str, force: bool) -> None:
        self.cancelled.append(ref)


@pytest.mark.parametrize("died", [False, True], ids=["silent", "node-died"])
def test_a_run_whose_head_is_gone_stops_without_trying_again(
        died: bool, clock: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    """While nothing returns, and after a node died, the head is asked; once it is gone the
    run stops with the line, no task is submitted again and none is cancelled."""
    import ray

    monkeypatch.setattr(ray_executor, "fold_groups",
                        lambda data, pending, n: [[f] for f in pending])
    monkeypatch.setattr(ray_executor, "_put_features", lambda ray, runs: {id(r): 0 for r in runs})
    monkeypatch.setattr(ray_executor, "_resources",
                        lambda run, engine, group: {"num_cpus": 1, "num_gpus": 0, "memory": 1})
    monkeypatch.setattr(ray_executor, "_check_fits", lambda ray, asks: None)
    run = _run(done=5)
    run.trainer = SimpleNamespace(inputs=lambda group: None,
                                  work=lambda group, inputs, gpu_share: SimpleNamespace(threads=1))
    fake = _FakeRay(clock, ray.exceptions.NodeDiedError("node ID: 6646adcc") if died else None)
    head = Head(HEAD, HEAD, [run], answers=lambda _: False)
    with pytest.raises(ClusterGone, match=r"^the Ray cluster at 127.0.0.1:6391 stopped \(its "
                                          r"head no longer answers\); 5 of 6 folds are kept"):
        ray_executor._train(fake, [run], {id(run): ENGINE}, lambda *a: None,  # type: ignore[arg-type]
                            lambda *a: None, head)
    assert fake.submitted == ["ref0"] and fake.cancelled == []
