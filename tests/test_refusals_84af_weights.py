"""Leftovers of pass 84af's weight guards: the machine's memory read without the limit of
the container it runs in (its control group), a third-party model that checks nothing
refused on a real build only once it had taken the free memory, timm's ViT and Swin
refused for a too-large input only where their activations failed to allocate, Ray's
task-size build of a too-large model untested, and NaN test logits unchecked on the
CUDA-graph path."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from merbench.base import memory

GIB = 1 << 30


def _cgroup(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


@pytest.mark.parametrize(("name", "text", "limit"), [
    ("memory.max", "2147483648\n", 2 * GIB),  # cgroup v2
    ("memory.max", "max\n", math.inf),
    ("memory/memory.limit_in_bytes", "1073741824\n", GIB),  # cgroup v1
    ("memory/memory.limit_in_bytes", "9223372036854771712\n", math.inf),  # v1's "none"
    ("memory.max", "garbage\n", math.inf),
])
def test_a_control_groups_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        name: str, text: str, limit: float) -> None:
    monkeypatch.setattr(memory, "CGROUP_ROOT", tmp_path)
    _cgroup(tmp_path, name, text)
    assert memory.cgroup_memory() == limit


def test_the_machines_memory_is_the_containers_where_that_is_smaller(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "CGROUP_ROOT", tmp_path)
    whole = memory.machine_memory()  # no control group's files: the machine's
    assert 0 < whole < math.inf
    _cgroup(tmp_path, "memory.max", "1048576\n")
    assert memory.machine_memory() == 1 << 20
    assert memory.machine_memory(unknown=4 * GIB) == 1 << 20
    with pytest.raises(memory.TooLargeToBuild):  # the shipped models' estimate reads it too
        memory.refuse_beyond_memory(1 << 19)
    _cgroup(tmp_path, "memory.max", f"{int(whole) * 4}\n")
    assert memory.machine_memory() == whole
