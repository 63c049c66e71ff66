"""The executor registry: every ``--executor`` name has an executor that says it is that one,
and code asks an entry what it needs to know instead of comparing names."""

from __future__ import annotations

from merbench.runner.execute import choose_executor
from merbench.runner.executor_kinds import EXECUTOR_KINDS, side_by_side
from merbench.runner.spec import EXECUTORS, RunSettings


def test_every_executor_name_chooses_the_executor_of_that_entry() -> None:
    assert EXECUTORS == tuple(EXECUTOR_KINDS) == ("local", "ray")
    for name, kind in EXECUTOR_KINDS.items():
        executor = choose_executor(RunSettings(executor=name))
        assert executor.kind is kind and kind.name == name


def test_only_ray_trains_side_by_side_and_only_local_reads_this_machines_files() -> None:
    assert [(k.name, k.side_by_side, k.reads_local_files) for k in EXECUTOR_KINDS.values()] \
        == [("local", False, True), ("ray", True, False)]
    assert side_by_side("ray") and not side_by_side("local")
    assert not side_by_side("slurm")  # no such executor: a damaged file, say
