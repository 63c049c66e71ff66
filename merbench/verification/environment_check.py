"""The environment ``results.json`` records, cross-checked as far as other facts reach.

``environment`` says where a run happened; most of it (the git commit, the platform string)
nothing else in a run repeats, but some of it has a second source: the fold files name the
device each fold trained on, the model's kind says whether torch or scikit-learn ran it, a
torch build's local version (``+cpu``, ``+cu130``) says which CUDA it has, CUDA devices exist
only with a CUDA build and MPS only on macOS, and a first-party plugin's version is the
merbench version. Each of those must agree, so an edited device or torch version is refused
with one line. What has no second source is checked for sense only (a version that looks
like a version); a forgery that edits every file consistently is ``merbench audit``'s.
"""

from __future__ import annotations

import re

from merbench.plugin_system.entry import FIRST_PARTY
from merbench.results.model import EnvironmentRecord
from merbench.results.run_record import RunRecord
from merbench.runner.executor_kinds import side_by_side
from merbench.verification.provenance import ProvenanceError, recorded_providers

# How merbench names a device in result files (merbench.training.device.describe_device): a
# CUDA device with its hardware name, the others as asked.
_DEVICE = re.compile(r"^(cpu|mps|(cuda)(:\d+)? \(.+\))$")
# A release version as Python packages write it: 2.14.1, 2.5.0a0+git1234, 2.4.0.dev20240101
_VERSION = re.compile(r"^\d+\.\d+[.\-a-z0-9]*(\+[a-z0-9.]+)?$")
# torch's local version names its build: +cpu has no CUDA, +cu130 is CUDA 13.0
_CUDA_BUILD = re.compile(r"\+cu(\d+)(\d)$")


def check_environment(results: RunRecord) -> None:
    """Raise :class:`ProvenanceError` at the first statement of ``results.environment`` that
    the fold records, the model's kind or the torch build contradict (an emotion run's
    ``results.json`` or an AU run's ``au-results.json``: the same records)."""
    env = results.environment
    for field, value in (("python", env.python), ("numpy", env.numpy)):
        _version(field, value)
    _check_libraries(results.model.kind, env)
    _check_devices(results)
    _check_merbench_version(results)


def _version(field: str, value: str | None) -> None:
    if value is not None and not _VERSION.match(value):
        raise ProvenanceError(f"environment.{field} is {value!r}, which is not a version "
                              "number; publish the run as it was written")


def _check_libraries(kind: str, env: EnvironmentRecord) -> None:
    """The library that trained the model is recorded, and torch's build and CUDA agree."""
    _version("torch", env.torch)
    _version("scikit_learn", env.scikit_learn)
    if kind == "torch" and env.torch is None:
        raise ProvenanceError("environment.torch is null, but a torch model trained; "
                              "publish the run as it was written")
    if kind == "sklearn" and env.scikit_learn is None:
        raise ProvenanceError("environment.scikit_learn is null, but a scikit-learn "
                              "estimator was fitted; publish the run as it was written")
    if env.torch is None:
        if env.cuda is not None:
            raise ProvenanceError(f"environment.cuda is {env.cuda!r} without torch, which is "
                                  "where merbench reads it from")
        return
    build = _CUDA_BUILD.search(env.torch)
    if env.torch.endswith("+cpu") and env.cuda is not None:
        raise ProvenanceError(f"environment.torch {env.torch} is a CPU build, yet "
                              f"environment.cuda is {env.cuda!r}")
    if build is not None and env.cuda != f"{build.group(1)}.{build.group(2)}":
        raise ProvenanceError(f"environment.torch {env.torch} is built for CUDA "
                              f"{build.group(1)}.{build.group(2)}, yet environment.cuda is "
                              f"{env.cuda!r}")


def _kind_of(device: str) -> str:
    return device.split(" ", 1)[0].split(":", 1)[0]


def _check_devices(results: RunRecord) -> None:
    """Every device is one merbench names; each fold this process trained ran on the
    environment's device (under Ray, on one of its kind: Ray picks the GPU); a CUDA device
    needs a CUDA build of torch, MPS a Mac, and an estimator is fitted on the CPU."""
    env = results.environment
    for where, device in [("environment.device", env.device),
                          *((f"folds[{f.index}].device", f.device) for f in results.folds)]:
        if not _DEVICE.match(device):
            raise ProvenanceError(f"{where} is {device!r}, not a device merbench names (cpu, "
                                  "mps, or cuda with its hardware name)")
        if results.model.kind == "sklearn" and device != "cpu":
            raise ProvenanceError(f"{where} is {device!r}, but a scikit-learn estimator is "
                                  "fitted on the cpu")
    ray = results.engine is not None and side_by_side(results.engine.executor)
    for fold in results.folds:
        if fold.resumed:
            continue  # trained by an earlier process, whose environment is not this one's
        same = _kind_of(fold.device) == _kind_of(env.device) if ray else \
            fold.device == env.device
        if not same:
            raise ProvenanceError(
                f"fold {'/'.join(fold.key)} trained on {fold.device}, but "
                f"environment.device says the run trained on {env.device}; publish the run "
                "as it was written")
    kind = _kind_of(env.device)
    if kind == "cuda" and env.cuda is None and "+rocm" not in (env.torch or ""):
        raise ProvenanceError(f"environment.device is {env.device}, but environment.cuda "
                              "is null: that torch has no CUDA")
    if kind == "mps" and not env.platform.startswith("macOS"):
        raise ProvenanceError(f"environment.device is mps, which only macOS has, but "
                              f"environment.platform is {env.platform}")


def _check_merbench_version(results: RunRecord) -> None:
    """A plugin merbench ships has merbench's version: the recorded merbench is theirs."""
    said = results.environment.merbench
    for section, _, provider in recorded_providers(results):
        if provider is None or provider.package != FIRST_PARTY or provider.version is None \
                or said is None:
            continue
        if provider.version != said:
            raise ProvenanceError(f"{section}.provider says merbench {provider.version} "
                                  f"but environment.merbench says {said}")


__all__ = ["check_environment"]
