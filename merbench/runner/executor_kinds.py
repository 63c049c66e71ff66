"""The kinds of executor, by their ``--executor`` name: where a run's folds train, and what
that means to the code around them.

This table is the one place code tells backends apart by name (the results model spells the
same names once more, as the values a file's ``engine.executor`` may hold): ``--executor`` takes its
choices from it (:data:`merbench.runner.spec.EXECUTORS`), each entry names the class that
implements it (:class:`~merbench.runner.local_executor.LocalExecutor`,
:class:`~merbench.runner.ray_executor.RayExecutor`), which names the entry back, and code
that must behave differently on one asks its entry (:attr:`ExecutorKind.side_by_side`,
:attr:`ExecutorKind.reads_local_files`, :func:`side_by_side`) instead of comparing names.
It imports nothing of ``merbench.runner``: the spec reads it, and the executors, which train
runs the spec plans, import the spec. So the implementation is named as
``"module:Class"`` and imported only when a run chooses it (:meth:`ExecutorKind.build`):
a local run loads nothing of Ray's executor, and adding an executor is one entry here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

# as ``EngineRecord.executor`` records it in results.json
ExecutorName = Literal["local", "ray"]


@dataclass(frozen=True)
class ExecutorKind:
    """What one executor is, as far as code other than its own needs to know."""

    name: ExecutorName
    #: groups of folds train at the same time (of one run, and of every run handed over at
    #: once): the runs of a ``--seeds`` run or a sweep are all opened first so their folds
    #: train together, which run failed is not the first unfinished one, and a run's folds'
    #: seconds may add up to more than its wall time (at most the number of folds times it)
    side_by_side: bool
    #: folds train where this process's files are, so a run may use files only this machine
    #: holds (``--weights DIR``)
    reads_local_files: bool
    #: it connects to the cluster ``--ray-address`` names, which a run's plan asks about
    #: before reading any data (:mod:`merbench.runner.ray_address`)
    connects_to_address: bool
    #: the run settings only this executor uses (``RunSettings`` fields): given with
    #: another executor they are refused, not ignored (``--ray-address`` without ``--executor
    #: ray`` trained locally as if it were not there)
    own_settings: tuple[str, ...]
    #: the class that implements it, ``"module:Class"``, with a ``for_settings(settings)``
    #: constructor; imported by :meth:`build` only
    implementation: str

    def build(self, settings: Any) -> Any:
        """The executor for a run's ``settings`` (a ``RunSettings``), its module imported
        now: an :class:`~merbench.runner.executor.Executor`, which this module cannot name
        (the executors import it)."""
        module, _, name = self.implementation.partition(":")
        return getattr(importlib.import_module(module), name).for_settings(settings)


LOCAL = ExecutorKind("local", side_by_side=False, reads_local_files=True,
                     connects_to_address=False, own_settings=(),
                     implementation="merbench.runner.local_executor:LocalExecutor")
RAY = ExecutorKind("ray", side_by_side=True, reads_local_files=False,
                   connects_to_address=True, own_settings=("ray_address", "gpus_per_task"),
                   implementation="merbench.runner.ray_executor:RayExecutor")

#: every executor by its ``--executor`` name
EXECUTOR_KINDS: dict[str, ExecutorKind] = {kind.name: kind for kind in (LOCAL, RAY)}


def side_by_side(name: str) -> bool:
    """Whether the executor called ``name`` (``--executor``, or ``engine.executor`` in a
    results file) trains groups side by side. A name no executor has is refused elsewhere
    (by the spec's checks, or as a damaged file) and does not."""
    kind = EXECUTOR_KINDS.get(name)
    return kind is not None and kind.side_by_side
