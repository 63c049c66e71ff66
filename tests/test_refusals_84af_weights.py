"""Leftovers of pass 84af's weight guards: the machine's memory read without the limit of
the container it runs in (its control group), a third-party model that checks nothing
refused on a real build only once it had taken the free memory, timm's ViT and Swin
refused for a too-large input only where their activations failed to allocate, Ray's
task-size build of a too-large model untested, and NaN test logits unchecked on the
CUDA-graph path."""

from __future__ import annotations

import math
from collections import deque
from pathlib import Path
from typing import Any

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


class _ModestLayers:
    """A third-party model that checks nothing: a count of modest layers, each allocated
    for real, far more than any network has (the test's count stands for one without end:
    by their bytes the free memory would be taken first)."""

    built = 0

    @classmethod
    def model(cls, num_classes: int = 3, layers: int = 5_000) -> Any:
        from torch import nn

        class Stacked(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.blocks = nn.ModuleList()
                for _ in range(layers):
                    self.blocks.append(nn.Linear(16, 16))
                    cls.built += 1
                self.head = nn.Linear(16, num_classes)

        return Stacked()


def test_a_model_registering_more_tensors_than_any_network_is_refused_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused from the registration past the count, with the bytes nowhere near this
    machine's free memory: not a layer more is built."""
    import torch  # noqa: F401  # as a plugin's module would: counted where torch is loaded

    from merbench.base.errors import TooLargeToBuild
    from merbench.meta import ModelMeta, TrainRecipe
    from merbench.plugin_system.entry import Entry, Origin

    monkeypatch.setattr(memory, "MOST_TENSORS", 400)  # two tensors a layer
    meta = ModelMeta(name="stacked", version=1, description="d", citation="none",
                     feature="flow-uvos", recipe=TrainRecipe(epochs=1, batch_size=8, lr=0.1))
    entry = Entry(meta, _ModestLayers.model, Origin("p", "pkg", "1"))
    with pytest.raises(TooLargeToBuild) as refused:
        entry.create("model", num_classes=3)
    assert _ModestLayers.built == 200  # the 201st layer's weight was the 401st tensor
    assert str(refused.value) == ("model 'stacked' of plugin 'p' (package pkg 1) ran out of "
                                  "memory while being built, with no options given; free "
                                  "memory, or report it to the authors of pkg, or skip the "
                                  "plugin with --no-plugin p")
    with pytest.raises(TooLargeToBuild, match=r"cannot be built with layers=1000: it would "
                                              r"need more memory than this machine has; give "
                                              r"a smaller layers"):
        entry.create("model", num_classes=3, layers=1000)
    assert len(list(entry.create("model", num_classes=3, layers=150).parameters())) == 302


class _DoneEvent:
    """A CUDA event the device has passed: what the captured engine waits on, on no GPU."""

    def query(self) -> bool:
        return True

    def synchronize(self) -> None:
        return None

    def record(self, _stream: Any) -> None:
        return None


def _epoch_queued(logits: Any) -> Any:
    """A captured engine's host side queuing its first epoch's end (``check_finite``, which
    the epoch loop calls after each replay): its losses finite, its test logits ``logits``
    (folds, samples, classes), the device done with it (a CUDA event that says so). The
    engine, with its epochs checked."""
    import torch

    from merbench.meta import TrainRecipe
    from merbench.training.captured_step import CapturedFoldsStep

    step = object.__new__(CapturedFoldsStep)  # its __init__ builds on a CUDA device
    step.pending, step.finished, step.device = deque(), 0, "cpu"
    step.static_loss = torch.zeros(logits.shape[0])
    step.host_loss = torch.zeros((1, logits.shape[0]))
    step.static_logits, step.host_logits = logits, None
    step.recipe = TrainRecipe(epochs=1, batch_size=8, lr=0.1)
    zeros = torch.zeros
    with pytest.MonkeyPatch.context() as patch:  # pinned host memory and events need CUDA
        patch.setattr(torch, "zeros", lambda *a, pin_memory=False, **k: zeros(*a, **k))
        patch.setattr(torch.cuda, "Event", _DoneEvent)
        patch.setattr(torch.cuda, "current_stream", lambda _device: None)
        step.check_finite(None, 0)
    return step


def test_nan_test_logits_stop_a_captured_run_naming_the_fold_and_count() -> None:
    """The graph's predictions were never checked: NaN logits argmax'ed to the first class
    and were scored, where the eager engine stops the fold in these words."""
    import torch

    from merbench.training.model_output import NotFiniteAtTest

    logits = torch.zeros((3, 5, 4))
    logits[1, 2:4, 0] = float("nan")
    with pytest.raises(NotFiniteAtTest) as refused:
        _epoch_queued(logits)
    assert str(refused.value) == "its forward gave NaN logits for 2 test samples of fold 1"
    logits[1, 2:4, 0] = float("inf")
    with pytest.raises(NotFiniteAtTest, match="infinite logits for 2 test samples of fold 1"):
        _epoch_queued(logits)
    assert _epoch_queued(torch.zeros((3, 5, 4))).epochs_finished(1, wait=True) == 1


def test_rays_task_size_says_a_model_too_large_to_build_in_one_line() -> None:
    """Ray's task size builds the model on the meta device before any task is sent: a model
    its options make too large was a TooLargeToBuild traceback there (89564f6a made it the
    options' line). In this process, with the real HTNet entry: no cluster is asked."""
    from types import SimpleNamespace

    import numpy as np
    import torch
    from test_ray import ENGINE

    from merbench.base.errors import MerbenchError, TooLargeToBuild
    from merbench.plugin_system.manager import default_plugins
    from merbench.runner.ray_executor import _resources

    entry = default_plugins().registries.models.get("htnet")
    plan = SimpleNamespace(is_torch=True, device="cpu", settings=SimpleNamespace(threads=1))

    def on_meta(**options: object) -> object:  # RunData.meta_model's build, in outline
        with torch.device("meta"):
            return entry.create("model", num_classes=3, **options)

    run = SimpleNamespace(trainer=SimpleNamespace(features=np.zeros((4, 3), np.float32)),
                          data=SimpleNamespace(plan=plan, meta_model=lambda: on_meta(
                              block_repeats=1_000_000_000)))
    with pytest.raises(MerbenchError) as refused:
        _resources(run, ENGINE, [SimpleNamespace(label="casme2/sub01")])  # type: ignore[arg-type]
    assert not isinstance(refused.value, TooLargeToBuild)  # no fewer folds at once help
    assert str(refused.value) == (
        "model 'htnet' cannot be built with block_repeats=1000000000: it would need more "
        "memory than this machine has; give a smaller block_repeats")
    run.data.meta_model = lambda: on_meta(dim=8, block_repeats=[1, 1, 1])
    asked = _resources(run, ENGINE, [SimpleNamespace(label="casme2/sub01")])  # type: ignore[arg-type]
    assert asked["num_cpus"] == 1 and asked["memory"] > 0


@pytest.mark.parametrize(("name", "size"), [("timm-vit_tiny_patch16_224", 512),
                                            ("timm-face-swin_tiny_patch4_window7_224", 448)])
def test_a_transformer_too_large_an_input_size_is_estimated_before_it_is_built(
        monkeypatch: pytest.MonkeyPatch, name: str, size: int) -> None:
    """A machine of 64 MB cannot take one such sample through a tiny ViT (a 1025-token
    attention map a head in each of 12 blocks) or Swin: refused from the estimate, in the
    words a CNN's too-large input gets, before the network is built at that size (this
    machine could have built and run it)."""
    import merbench_timm.input_sizes as input_sizes
    import merbench_timm.network as network

    from merbench.plugin_system.manager import default_plugins

    built: list[int] = []
    create = network._create
    monkeypatch.setattr(network, "_create", lambda timm, name, arch, side, options: (
        built.append(side), create(timm, name, arch, side, options))[1])
    monkeypatch.setattr(input_sizes, "machine_memory", lambda unknown=0: 64 << 20)
    entry = default_plugins().registries.models.get(name)
    with pytest.raises(MemoryError) as refused:
        entry.create("model", num_classes=3, input_size=size)
    assert str(refused.value) == (f"model '{name}' cannot be built with input_size={size}: "
                                  "it would need more memory than this machine has; give a "
                                  "smaller input_size")
    assert built == []
    monkeypatch.setattr(input_sizes, "machine_memory", lambda unknown=0: 1 << 40)
    assert entry.create("model", num_classes=3, input_size=size).built_size == size


def test_a_vits_memory_grows_with_the_square_of_its_tokens(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Twice the side is four times the tokens and sixteen times each attention map: the
    estimate grows faster than the area, where a CNN's grows with it."""
    import merbench_timm.input_sizes as input_sizes
    import timm
    from merbench_timm.network import _estimate_tokens

    needs = []

    def said(unknown: float = 0) -> float:
        return 0.0  # every estimate refused: its figure read from the line

    monkeypatch.setattr(input_sizes, "machine_memory", said)
    for side in (896, 1792):
        with pytest.raises(MemoryError) as refused:
            _estimate_tokens(timm, "vit_tiny_patch16_224",
                             {"num_classes": 3, "in_chans": 3, "drop_rate": 0.0}, side)
        needs.append(int(str(refused.value).split()[-2].replace(",", "")))
    assert needs[1] > 10 * needs[0]
    _estimate_tokens(timm, "resnet18", {"num_classes": 3, "in_chans": 3, "drop_rate": 0.0},
                     1792)  # no tokens: its layers are measured once built


@pytest.mark.parametrize(("files", "left"), [
    ({"memory.max": "1073741824\n", "memory.current": "805306368\n"}, 256 << 20),  # v2
    ({"memory/memory.limit_in_bytes": "1073741824\n",
      "memory/memory.usage_in_bytes": "1073741824\n"}, 0),  # v1, all of it taken
    # cached files count in the use, and the kernel gives them back first
    ({"memory.max": "1073741824\n", "memory.current": "805306368\n",
      "memory.stat": "anon 268435456\nfile 536870912\n"}, 768 << 20),
    ({"memory/memory.limit_in_bytes": "1073741824\n",
      "memory/memory.usage_in_bytes": "1073741824\n",
      "memory/memory.stat": "cache 1\ntotal_cache 1073741824\n"}, 1 << 30),
    # shared memory (a tmpfs, /dev/shm) counts as files but is not given back
    ({"memory.max": "1073741824\n", "memory.current": "805306368\n",
      "memory.stat": "anon 268435456\nfile 536870912\nshmem 268435456\n"}, 512 << 20),
])
def test_the_free_memory_is_what_the_container_has_left(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
        left: int) -> None:
    """A container on a large machine: the machine's free memory is no bound on what the
    build may take before the kernel kills it; its control group's limit less its use is."""
    monkeypatch.setattr(memory, "CGROUP_ROOT", tmp_path)
    for name, text in files.items():
        _cgroup(tmp_path, name, text)
    assert memory.memory_free() == left


def test_the_free_memory_without_a_containers_use_is_the_machines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "CGROUP_ROOT", tmp_path)
    _cgroup(tmp_path, "memory.max", "max\n")
    _cgroup(tmp_path, "memory.current", "1024\n")
    assert 0 < memory.memory_free() < math.inf
    assert memory.memory_free() > 1 << 20


#: a factory that imports torch itself, run where nothing has loaded torch yet
_LAZY_FACTORY = """
import sys
from merbench.base import memory
from merbench.base.errors import TooLargeToBuild
assert "torch" not in sys.modules
memory.MOST_TENSORS = 400
built = 0

def model(layers=5_000):
    global built
    from torch import nn
    blocks = nn.ModuleList()
    for _ in range(layers):
        blocks.append(nn.Linear(16, 16))
        built += 1
    return blocks

try:
    with memory.weights_counted(), memory.weights_counted():  # a build within a build
        model()
except TooLargeToBuild:
    print("refused", built)
else:
    print("built", built)
import torch
print(torch.__spec__.loader is not None and type(torch.__loader__).__name__)
"""


def test_a_factory_importing_torch_itself_is_counted_too() -> None:
    """The registration hooks were set only where torch was already loaded: a factory that
    imports it itself (a plugin keeping ``merbench list`` free of torch) built its 5,000
    layers uncounted. Now its 201st layer's weight, the 401st tensor, is refused, and
    torch keeps its own loader."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _LAZY_FACTORY], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["refused 200", "SourceFileLoader"], done
