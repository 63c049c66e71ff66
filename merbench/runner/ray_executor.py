"""The Ray executor: each fold, or each group of folds trained together, is a Ray task.

The driver (this process) has planned every run, read its data, computed its features and
holds its run directory. It puts each distinct feature array into Ray's object store once,
submits one task per group with the resources it declares, and reports each group's folds
as its task returns, to be saved through the run directory as a local run's are, so
identity, resume, ``merbench status``, selection and ``results.json`` are those of a local
run, and a run can move between executors. Workers need merbench and the model's plugin
installed, never the data folder: a task carries its folds' row indices and labels and the
model's name, options and package (:class:`~merbench.runner.fold_work.GroupWork`), and
computes with the same :func:`~merbench.runner.fold_work.compute` as a local run.

Resources of a task: ``--threads`` CPUs (default 1), on CUDA the model's ``gpu_share`` of a
GPU (``--gpus-per-task``; a fold-parallel group sized to fill a GPU asks for a whole one)
with the task's GPU memory capped at that share, since Ray does not divide GPU memory, and
an estimate of the memory it needs. A task whose worker or node dies is submitted again, at
most :data:`ATTEMPTS` times in all, with a warning each time; a fold that fails for its own
reason is reported as a local run reports it; Ctrl-C cancels every outstanding task, and
every fold already saved is kept. Connecting, with merbench's stop signals and terminal kept
from Ray's hands, is :mod:`~merbench.runner.ray_connection`'s.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError, TooLargeToBuild, first_line
from merbench.protocols import Fold
from merbench.results.model import EngineRecord, ThreadRecord
from merbench.runner.engine import fold_groups
from merbench.runner.executor import GroupTrained, RunTrained
from merbench.runner.executor_kinds import RAY, ExecutorKind
from merbench.runner.fold_work import Computed, GroupWork, compute
from merbench.runner.out_of_memory import fewer_at_a_time
from merbench.runner.ray_connection import connected
from merbench.runner.ray_head import POLL_S, ClusterGone, Head, head_of
from merbench.runner.spec import RunSettings
from merbench.runner.started_run import StartedRun
from merbench.training.device import is_out_of_memory
from merbench.training.threads import apply_threads

ATTEMPTS = 3  # tries of a task whose worker died, the first included
BASE_MEMORY = 512 * 2**20  # bytes a worker needs beyond its arrays and model: torch itself


def _compute_in_worker(work: GroupWork, features: Any) -> list[Computed]:
    """A task's body, in a Ray worker: threads, the GPU Ray assigned and capped to the
    task's share, then the same computation as a local run."""
    if work.threads is not None:
        apply_threads(work.threads)
    if work.device.startswith("cuda"):
        import torch  # deferred: only a CUDA task needs torch here

        work = replace(work, device="cuda")  # Ray's CUDA_VISIBLE_DEVICES names the GPU
        # every GPU task has a worker process of its own (max_calls=1), so the cap is set
        # once per process; a whole GPU is capped at 1, the CUDA default
        torch.cuda.set_per_process_memory_fraction(min(1.0, work.gpu_share or 1.0))
    return compute(work, features)


@dataclass
class _Task:
    run: StartedRun
    group: list[Fold]
    attempt: int = 1


#: what befell a task whose worker or node went away, by Ray's error for it (the more
#: specific first), in merbench's words: ``{folds}`` the task's folds, ``{times}`` how often
_WENT_AWAY = {
    "WorkerCrashedError": "the Ray worker training fold {folds} died{times}",
    "NodeDiedError": "the node training fold {folds} died{times}",
    "LocalRayletDiedError": "Ray's node on this machine died{times} while fold {folds} trained",
    "OwnerDiedError": "Ray lost what fold {folds} returned{times}",
    "ObjectLostError": "Ray lost what fold {folds} returned{times}",
    "RaySystemError": "Ray failed{times} while fold {folds} trained",
    "OutOfMemoryError": "Ray stopped the worker training fold {folds}{times} as its node was "
                        "low on memory",
}


def _went_away(ray: Any, exc: BaseException) -> str | None:
    """What befell the task, as :data:`_WENT_AWAY` says it, where it failed because its
    worker or node went away (Ray's memory monitor killing a worker whose node ran out of
    host memory included); None where it failed for its own reason. Ray's own text (a node
    ID, a dashboard to check, a command to run) is not the user's to act on."""
    for name, words in _WENT_AWAY.items():
        kind = getattr(ray.exceptions, name, None)
        if kind is not None and isinstance(exc, kind):
            return words
    return None


def _worker_died(ray: Any, exc: BaseException) -> bool:
    """Whether the task failed because its worker or node went away."""
    return _went_away(ray, exc) is not None


def _features_key(features: Any) -> str:
    """The same array, put into the object store once for every run that trains on it (a
    ``--seeds`` run's seeds, a sweep's models on one feature)."""
    array = np.ascontiguousarray(features)
    digest = hashlib.sha256(array.view(np.uint8).reshape(-1).data)
    return f"{array.dtype.str}{array.shape}{digest.hexdigest()}"


def _resources(run: StartedRun, engine: EngineRecord, group: list[Fold]) -> dict[str, Any]:
    """What a group's task asks Ray for: CPUs, a share of a GPU, memory."""
    plan = run.data.plan
    settings = plan.settings
    cpus = settings.threads or 1
    gpus = 0.0
    if plan.is_torch and plan.device.startswith("cuda"):
        share = settings.gpus_per_task or plan.model.meta.gpu_share
        gpus = 1.0 if engine.cause == "memory" and len(group) > 1 \
            else min(1.0, share * len(group))
    features = run.trainer.features
    memory = BASE_MEMORY + 2 * features.nbytes + len(group) * _model_bytes(run)
    return {"num_cpus": cpus, "num_gpus": gpus, "memory": int(memory)}


def _model_bytes(run: StartedRun) -> int:
    """Weights, gradients and two optimiser moments of a float32 model (0: an estimator)."""
    if not run.data.plan.is_torch:
        return 0
    try:
        model = run.data.meta_model()
    except TooLargeToBuild as exc:  # before any task: the options' line, not a traceback
        raise MerbenchError(str(exc)) from None
    return 16 * sum(int(p.numel()) for p in model.parameters())


def _check_fits(ray: Any, asks: list[dict[str, Any]]) -> None:
    """Refuse tasks no node of the cluster could ever take (Ray would wait for ever)."""
    nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
    for ask in asks:
        if any(n.get("CPU", 0) >= ask["num_cpus"] and n.get("GPU", 0) >= ask["num_gpus"]
               and n.get("memory", math.inf) >= ask["memory"] for n in nodes):
            continue
        gpu = f", {ask['num_gpus']:g} GPU" if ask["num_gpus"] else ""
        raise MerbenchError(
            f"no node of the Ray cluster has {ask['num_cpus']} CPU{gpu} and "
            f"{ask['memory'] / 2**30:.1f} GiB of memory free for one task; add such a node, "
            "or ask for less (--threads, --gpus-per-task, --parallel-folds)")


class RayExecutor:
    """Trains folds as Ray tasks on the cluster at ``address`` (None: ``$RAY_ADDRESS``, else
    a new instance on this machine), every run handed over at once."""

    kind: ExecutorKind = RAY

    def __init__(self, address: str | None) -> None:
        self.address = address

    @classmethod
    def for_settings(cls, settings: RunSettings) -> RayExecutor:
        return cls(settings.ray_address)

    def train(self, runs: Sequence[StartedRun], on_group: GroupTrained,
              on_run: RunTrained) -> None:
        engines = {id(run): self._engine(run) for run in runs}
        with connected(self.address) as ray:
            head = Head(head_of(ray, self.address), self.address, runs)
            _train(ray, runs, engines, on_group, on_run, head)

    def _engine(self, run: StartedRun) -> EngineRecord:
        """The engine ``run``'s pending folds start with here: on Ray, with the threads
        each task asks for."""
        if not run.pending:
            return run.engine
        engine = replace(run.engine, executor=self.kind.name)
        if not run.data.plan.is_torch:
            return engine
        asked = run.data.plan.settings.threads
        count = asked or 1
        return replace(engine, threads=ThreadRecord(
            count, "asked" if asked else "usable-cores",
            f"--threads {count}" if asked else "one CPU per Ray task (--threads N asks for N)"))


def _train(ray: Any, runs: Sequence[StartedRun], engines: dict[int, EngineRecord],
           on_group: GroupTrained, on_run: RunTrained, head: Head) -> None:
    """Submit every group of ``runs`` at once, report each as its task returns and each run
    as its last group has; ``engines`` (by ``id`` of the run) ends as each run ended. The
    cluster's ``head`` is asked while nothing returns and after a worker or node died, so a
    cluster that stopped ends the run in merbench's line, not Ray's fatal one a minute later."""
    # A worker that has started CUDA stays on its first GPU whatever Ray assigns later
    # (and keeps its memory cap), so a GPU task gets a fresh worker process; CPU tasks
    # reuse workers, whose start-up (importing torch) would otherwise dominate small folds.
    on_cpu = ray.remote(_compute_in_worker)
    on_gpu = ray.remote(max_calls=1)(_compute_in_worker)
    features = _put_features(ray, [run for run in runs if run.pending])
    outstanding: dict[Any, _Task] = {}
    asks: dict[int, dict[str, Any]] = {}

    def submit(task: _Task) -> None:
        run = task.run
        inputs = run.trainer.inputs(task.group)
        ask = _resources(run, engines[id(run)], task.group)
        work = run.trainer.work(task.group, inputs, gpu_share=ask["num_gpus"] or None)
        if work.threads is None:
            work = replace(work, threads=ask["num_cpus"])
        remote = on_gpu if ask["num_gpus"] else on_cpu
        ref = remote.options(max_retries=0, **ask).remote(work, features[id(run)])
        outstanding[ref] = task

    left: dict[int, int] = {}
    tasks = []
    for run in runs:
        groups = fold_groups(run.data, run.pending, engines[id(run)].folds_at_once)
        left[id(run)] = len(groups)
        tasks += [_Task(run, group) for group in groups]
        if not groups:
            on_run(run, engines[id(run)])
    for task in tasks:
        asks.setdefault(id(task.run), _resources(task.run, engines[id(task.run)], task.group))
    _check_fits(ray, list(asks.values()))
    try:
        for task in tasks:
            submit(task)
        while outstanding:
            ready, _ = ray.wait(list(outstanding), num_returns=1, timeout=POLL_S)
            if not ready:
                head.check()
                continue
            task = outstanding.pop(ready[0])
            run = task.run
            try:
                computed = ray.get(ready[0])
            except Exception as exc:
                if _worker_died(ray, exc):
                    head.check(wait=True)  # not tried again on a cluster that has stopped
                again, engines[id(run)] = _after_failure(ray, task, exc, engines[id(run)])
                for retry in again:
                    left[id(run)] += 1
                    submit(retry)
                left[id(run)] -= 1
                continue
            _save(task, computed, on_group)
            left[id(run)] -= 1
            if left[id(run)] == 0:
                on_run(run, engines[id(run)])
    except BaseException as exc:
        # Ctrl-C, or a fold that failed: nothing more trains, but groups that have
        # already returned are saved first, so no finished fold is thrown away
        _save_returned(ray, outstanding, on_group)
        if isinstance(exc, ClusterGone):  # said with the folds just saved; none to cancel
            raise ClusterGone(head.stopped()) from None
        for ref in outstanding:
            ray.cancel(ref, force=True)
        raise


def _put_features(ray: Any, runs: list[StartedRun]) -> dict[int, Any]:
    """Each run's features as an object-store reference, one object per distinct array."""
    refs: dict[str, Any] = {}
    by_run: dict[int, Any] = {}
    for run in runs:
        key = _features_key(run.trainer.features)
        if key not in refs:
            try:
                refs[key] = ray.put(run.trainer.features)
            except ray.exceptions.RayError as exc:
                raise MerbenchError(
                    f"Ray could not hold the features of {run.run_dir.path} in its object "
                    f"store ({type(exc).__name__}: {first_line(exc)}); start the head with a "
                    "larger --object-store-memory, or sweep fewer features at once") from None
        by_run[id(run)] = refs[key]
    return by_run


def _save(task: _Task, computed: list[Computed], on_group: GroupTrained) -> None:
    """A returned group's folds, reported (and so saved) as a local run reports them."""
    run = task.run
    for fold, done in zip(task.group, computed, strict=True):
        # a worker reports no epochs as they go: the fold's last, now
        run.trainer.notify("merbench_epoch_finished", run=run.trainer.info,
                           fold_index=fold.index, epoch=int(done.predictions.shape[0]))
    on_group(run, run.trainer.outcomes(run.trainer.inputs(task.group), computed))


def _save_returned(ray: Any, outstanding: dict[Any, _Task], on_group: GroupTrained) -> None:
    """Save every group whose task has returned but was not yet collected, and take it out
    of ``outstanding``; failures among them are left for the caller's error."""
    if not outstanding:
        return
    try:
        ready, _ = ray.wait(list(outstanding), num_returns=len(outstanding), timeout=0)
    except Exception:  # a lost connection: nothing more can be collected
        return
    for ref in ready:
        task = outstanding.pop(ref)
        try:
            computed = ray.get(ref, timeout=0)
        except Exception:
            continue
        _save(task, computed, on_group)


def _after_failure(ray: Any, task: _Task, exc: BaseException,
                   engine: EngineRecord) -> tuple[list[_Task], EngineRecord]:
    """The tasks to submit after ``task`` failed with ``exc``, and its run's ``engine`` from
    now on: itself again when its worker died, its folds fewer at a time when they ran out
    of memory; otherwise the fold's own error, raised as a local run raises it."""
    run, group = task.run, task.group
    labels = ", ".join(fold.label for fold in group)
    cause = getattr(exc, "cause", None) if isinstance(exc, ray.exceptions.RayTaskError) \
        else None
    # the device's out-of-memory error inside the task; Ray's own OutOfMemoryError (its
    # memory monitor killed the worker for the node's host memory) is a worker that died
    if cause is not None and is_out_of_memory(cause):
        engine = fewer_at_a_time(run, engine, group, cause)
        return ([_Task(run, part) for part in fold_groups(run.data, group,
                                                          engine.folds_at_once)], engine)
    if (went := _went_away(ray, exc)) is not None:
        if task.attempt >= ATTEMPTS:
            raise MerbenchError(
                f"{went.format(folds=labels, times=f' {ATTEMPTS} times')}; every finished "
                f"fold is kept in {run.run_dir.path}; run the same command again to go on"
            ) from None
        warnings.warn(f"{went.format(folds=labels, times='')}; trying again "
                      f"({task.attempt + 1} of {ATTEMPTS})", RuntimeWarning, stacklevel=2)
        return [_Task(run, group, task.attempt + 1)], engine
    if cause is not None:
        raise cause
    if isinstance(exc, ray.exceptions.RayError):
        raise MerbenchError(
            f"Ray could not run fold {labels} ({type(exc).__name__}: {first_line(exc)}); "
            f"every finished fold is kept in {run.run_dir.path}; run the same command again "
            "to go on") from None
    raise exc
