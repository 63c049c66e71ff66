"""This machine's memory, and the refusal of a model its options make larger than that.

A count option set huge (``--model-opt pc_depth=1000000000``) was taken, and the model was
built block by block for ever, on the meta device for ``convert-weights`` as for a run
(pass 84ad): nothing fails to allocate while each block is small. Two guards refuse it in
the words a model too large to allocate gets
(:func:`merbench.plugin_system.plugin_fault.too_large`), since the fix is the same option
made smaller: a shipped model estimates its weights from its options before it builds
anything (:func:`refuse_beyond_memory`), and while any plugin's model is built the bytes
of the parameters and buffers it registers are summed (:func:`weights_counted`), for a
third-party model that checks nothing. Both raise :class:`TooLargeToBuild`, which the
plugin's entry words with the options given.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import math
import os
import sys
from collections.abc import Callable, Iterator
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

from merbench.base.errors import TooLargeToBuild

#: bytes of one float32 weight, what a model's parameters are built as
FLOAT_BYTES = 4


#: the most parameters and buffers one model may register while it is built: five times what
#: the largest of timm's networks registers (about 2,000: efficientnet_l2, hrnet_w64). A
#: model past it is built in a loop with no end (a count option set huge, or a plugin's
#: fault); counted by bytes alone, a real build of modest layers was refused only once it
#: had taken the machine's free memory, about 100 s on, where this count stops it in a
#: second or two
MOST_TENSORS = 10_000

#: where the kernel shows this process's control group's files (a module constant, so a
#: test can point it at a folder of its own)
CGROUP_ROOT = Path("/sys/fs/cgroup")

#: a control group's limit from this many bytes up is no limit: cgroup v1 writes "none" as
#: the largest page-aligned 64-bit number (9223372036854771712), not as a word
NO_LIMIT = 1 << 62


def machine_memory(unknown: float = math.inf) -> float:
    """This machine's memory in bytes, or the limit of the control group it runs in where
    that is smaller (a container's: past it the kernel kills the process, whatever memory
    the machine has); ``unknown`` where the system says neither (no limit, unless a plugin's
    estimate would rather assume one)."""
    try:
        whole: float = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        whole = unknown
    return min(whole, cgroup_memory())


def _cgroup_file(name: str, limit: int) -> str | None:
    """The text of the control group's file ``name`` (its first ``limit`` bytes: the
    kernel's, short), or None where there is none (not Linux, no container, the other
    cgroup version's layout)."""
    try:
        with open(CGROUP_ROOT / name, "rb") as file:  # bounded: ``limit`` bytes
            return file.read(limit).decode("ascii")
    except (OSError, UnicodeDecodeError):
        return None


def _cgroup_number(names: tuple[str, ...]) -> float | None:
    """The number in the first of the control group's files ``names`` there is (infinite
    for "max", a number too large to be one, or another layout: no limit read rather than a
    wrong one), or None where there is none of them (not Linux, no container)."""
    text = next((text for name in names if (text := _cgroup_file(name, 64)) is not None),
                None)
    if text is None:
        return None
    try:
        number = int(text.strip())
    except ValueError:  # "max", or another layout
        return math.inf
    return math.inf if number >= NO_LIMIT or number < 0 else float(number)


def cgroup_memory() -> float:
    """The memory limit of this process's control group in bytes (cgroup v2's
    ``memory.max``, else v1's ``memory/memory.limit_in_bytes``), infinite where there is
    none: "max", a number too large to be one, or no such file (not Linux, no container)."""
    limit = _cgroup_number(("memory.max", "memory/memory.limit_in_bytes"))
    return math.inf if limit is None or limit <= 0 else limit


def _cgroup_cache() -> float:
    """The bytes of files cached in this process's control group that the kernel can give
    back before it kills anything (``memory.stat``'s ``file`` less ``shmem``, v1's
    ``total_cache`` less ``total_shmem``: shared memory and tmpfs count as files but are
    not given back without swap); counted in its use, so no bound on what a build can take;
    0 where they cannot be read."""
    for name, cache, shared in (("memory.stat", "file", "shmem"),
                                ("memory/memory.stat", "total_cache", "total_shmem")):
        text = _cgroup_file(name, 1 << 16)
        if text is None:
            continue
        found = {words[0]: int(words[1]) for line in text.splitlines()
                 if len(words := line.split()) == 2 and words[1].isdigit()}
        return float(max(0, found.get(cache, 0) - found.get(shared, 0)))
    return 0.0


def _cgroup_free() -> float:
    """What this process's control group may still take before the kernel kills it: its
    limit less what it uses now (``memory.current``, v1's ``memory.usage_in_bytes``) other
    than cached files; infinite where it has no limit or its use cannot be read."""
    limit = cgroup_memory()
    used = _cgroup_number(("memory.current", "memory/memory.usage_in_bytes"))
    if math.isinf(limit) or used is None or math.isinf(used):
        return math.inf
    return max(0.0, limit - max(0.0, used - _cgroup_cache()))


def memory_free() -> float:
    """The memory a new allocation can take now, in bytes: the kernel's available memory and
    free swap (``/proc/meminfo``), or :func:`machine_memory` where the system does not say;
    less, in a container, where its control group has less left of its limit (a batch job's
    share of a large node: the node's free memory is no bound on it)."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()  # bounded: the kernel's, short
        kib = {line.split(":")[0]: int(line.split()[1]) for line in lines if line.count(":")}
        free = float((kib["MemAvailable"] + kib.get("SwapFree", 0)) * 1024)
    except (OSError, ValueError, IndexError, KeyError):  # not Linux, or another layout
        free = machine_memory()
    return min(free, _cgroup_free())


def refuse_beyond_memory(weights: int) -> None:
    """Raise :class:`TooLargeToBuild` where ``weights`` float32 values (a model's estimate
    from its options, before it builds anything) would not fit in this machine's memory.
    Compared as whole numbers: a billion blocks' count is beyond any float's exactness but
    not beyond a Python int."""
    if weights * FLOAT_BYTES > machine_memory():
        raise TooLargeToBuild("the model's options would need more memory than this machine "
                              "has for its weights alone")


class _Counter:
    """The sums :func:`weights_counted` keeps, and torch's registration hooks that add to
    them once torch is loaded."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}  # the same tensor registered again is counted once
        self.totals = {"meta": 0, "cpu": 0}
        self.limits: dict[str, float] = {}
        self.hooks: list[Any] = []

    def start(self, torch: Any) -> None:
        self.limits = {"meta": machine_memory(), "cpu": min(machine_memory(), memory_free())}
        registry = torch.nn.modules.module
        self.hooks = [registry.register_module_parameter_registration_hook(self.count),
                      registry.register_module_buffer_registration_hook(self.count)]

    def count(self, _module: Any, _name: str, tensor: Any) -> None:
        where = None if tensor is None else tensor.device.type
        if where not in self.totals:
            return
        held = tensor.numel() * tensor.element_size()
        self.totals[where] += held - self.seen.get(id(tensor), 0)
        self.seen[id(tensor)] = held
        if self.totals[where] > self.limits[where] or len(self.seen) > MOST_TENSORS:
            raise TooLargeToBuild("the model being built would need more memory than this "
                                  "machine has")

    def stop(self) -> None:
        for hook in self.hooks:
            hook.remove()


class _WhenLoaded(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Calls ``then(module)`` once the module ``name`` has been imported, where it is first
    imported while this finder is first on ``sys.meta_path``: a factory that imports torch
    itself (a plugin keeping ``merbench list`` free of torch's import) builds its model
    counted too. The module keeps its own loader: it is put back before its code runs.
    Blocks within blocks (a factory building another registered part) each put one on
    ``sys.meta_path``: the first asked calls every watcher's ``then``, and none asks
    another (two asking each other recursed without end)."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self._name, self._then = name, then
        self._loader: importlib.abc.Loader | None = None
        self._thens: list[Callable[[ModuleType], None]] = []

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self._name or self._loader is not None:
            return None
        watchers = [f for f in sys.meta_path if isinstance(f, _WhenLoaded) and f._name == fullname]
        spec = next((found for finder in sys.meta_path if not isinstance(finder, _WhenLoaded)
                     and (find := getattr(finder, "find_spec", None)) is not None
                     and (found := find(fullname, path, target)) is not None), None)
        if spec is None or spec.loader is None:
            return spec
        self._loader, spec.loader = spec.loader, self
        self._thens = [watcher._then for watcher in watchers]
        return spec

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        assert self._loader is not None
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        assert self._loader is not None
        module.__loader__ = module.__spec__.loader = self._loader  # type: ignore[union-attr]
        self._loader.exec_module(module)
        for then in self._thens:
            then(module)


@contextlib.contextmanager
def weights_counted() -> Iterator[None]:
    """Within the block, every parameter and buffer a torch module registers is counted
    (torch's global registration hooks), and :class:`TooLargeToBuild` raised from the
    registration that takes the sum past this machine's memory, or the count of distinct
    tensors past :data:`MOST_TENSORS`: a model built block by block is stopped long before
    it would be finished, on the meta device too, where nothing is allocated. Tensors
    allocated in this machine's memory count against what was free when the build started
    (:func:`memory_free`): by the sum of its whole memory, the refusal would come once that
    memory was taken. A device's own memory (a GPU's) is not counted: torch says when it
    runs out. Where torch is not loaded yet, nothing is imported for it (a scikit-learn
    model's factory does not pay for torch's import): the count starts if the factory
    imports torch itself."""
    counter = _Counter()
    torch = sys.modules.get("torch")
    watch = None
    if torch is not None:
        counter.start(torch)
    else:
        watch = _WhenLoaded("torch", counter.start)
        sys.meta_path.insert(0, watch)
    try:
        yield
    finally:
        if watch is not None and watch in sys.meta_path:
            sys.meta_path.remove(watch)
        counter.stop()
