"""Choosing the device a torch model trains on."""

from __future__ import annotations

import re

from merbench.base.errors import MerbenchError, message_of

#: ASCII digits only: ``\d`` took `cuda:٠` (an Arabic-Indic zero), which no number option takes
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:[0-9]+)?)$")


def check_device_name(name: str) -> None:
    """Reject a device name that can never work, before anything is loaded, named by its
    option as ``--precision`` and ``--executor`` are: a sweep plan's entry says it by its
    key from that (``runs[0] device: ...``), and "unknown device" named none."""
    if not _DEVICE.match(name):
        raise MerbenchError(
            f"unknown --device '{name}'; use auto, cpu, cuda, cuda:N or mps"
        )


def resolve_device(name: str) -> str:
    """``auto`` means CUDA when present, else CPU; an unavailable device is an error."""
    check_device_name(name)
    import torch  # deferred: torch, which an estimator's run never loads

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise MerbenchError(
                f"--device {name} was asked for, but torch sees no CUDA GPU here; "
                "use --device cpu (or auto)"
            )
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise MerbenchError(
                f"--device {name}: this machine has {torch.cuda.device_count()} GPU(s); "
                f"use cuda:0 .. cuda:{torch.cuda.device_count() - 1}"
            )
    if name == "mps" and not torch.backends.mps.is_available():
        raise MerbenchError("--device mps was asked for, but MPS is not available; use cpu")
    return name


def describe_device(device: str) -> str:
    """The device with its hardware name, for result files."""
    import torch  # deferred: torch, which an estimator's run never loads

    if device.startswith("cuda"):
        return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"
    return device


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an allocation failure: torch's on a GPU, its CPU allocator's, or
    Python's own."""
    import torch  # deferred: torch, which an estimator's run never loads

    text = message_of(exc)  # a plugin's exception whose own __str__ raises says nothing
    return isinstance(exc, (torch.OutOfMemoryError, MemoryError)) or (
        isinstance(exc, RuntimeError) and any(
            sign in text for sign in ("can't allocate memory", "out of memory",
                                      "CUBLAS_STATUS_ALLOC_FAILED", "CUDNN_STATUS_ALLOC_FAILED",
                                      "CUDNN_STATUS_NOT_ENOUGH_WORKSPACE")))
