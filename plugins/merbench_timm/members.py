"""The members of the ``timm-<arch>`` and ``timm-face-<arch>`` families: one per timm
architecture, made when a run names it.

A member's metadata says which architecture it is and which timm built it (the description
names timm's version). Its ``built_from`` puts timm's version, and the SHA-256 of a
``pretrained_path`` file, in every run's identity, so a run never mixes two timm releases
or two weight files under one name (a different file at the same path is another run).
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from importlib import metadata
from pathlib import Path
from typing import Any

from merbench.api import (
    MerbenchError,
    ModelMeta,
    fixed_options,
    opened_user_file,
)
from merbench_timm.plugin import FACE, FLOW

#: What each family feeds the network, and the side of that input at the feature's defaults.
FLOW_SIZE = 28  # flow-uvos: (3, 28, 28), strain / v / u, 0..255
FACE_SIZE = 224  # apex-face: (3, 224, 224) RGB uint8 at its default size
#: what a ``pretrained_path`` file is called in the bounded reader's refusals
WEIGHTS_FILE = "pretrained weights file (.pth, .bin or .safetensors)"


def flow_member(arch: str) -> tuple[ModelMeta, Any, Any]:
    """``timm-<arch>``: the architecture on the 28x28 flow image."""
    return _member(FLOW, arch, FLOW_SIZE, "the 28x28 flow image")


def face_member(arch: str) -> tuple[ModelMeta, Any, Any]:
    """``timm-face-<arch>``: the architecture on the apex face."""
    return _member(FACE, arch, FACE_SIZE, "the apex face")


def _member(family: ModelMeta, arch: str, native_size: int, seen: str
            ) -> tuple[ModelMeta, Any, Any]:
    from merbench_timm.network import build_timm_model

    check_architecture(arch, family.name)
    meta = dataclasses.replace(
        family, name=f"{family.name}-{arch}",
        description=f"timm {timm_version()} architecture {arch} on {seen}")
    factory = fixed_options(build_timm_model, arch=arch, family=family.name,
                            native_size=native_size)
    return meta, factory, built_from


def check_architecture(arch: str, family: str) -> None:
    """One clear line unless ``arch`` is a timm architecture."""
    import timm

    if "." in arch:
        raise MerbenchError(f"model '{family}-{arch}': give the architecture without a weight "
                            f"tag ('{family}-{arch.split('.')[0]}'); weights cannot be "
                            "downloaded during a run, give a local file with --model-opt "
                            "pretrained_path=FILE")
    if not timm.is_model(arch):
        close = difflib.get_close_matches(arch, timm.list_models(), n=3)
        hint = f" — did you mean {', '.join(f'{family}-{c}' for c in close)}?" if close else ""
        raise MerbenchError(f"unknown timm architecture '{arch}' in model '{family}-{arch}'"
                            f"{hint} ('python -c \"import timm; print(timm.list_models())\"' "
                            "lists them)")


def timm_version() -> str:
    return metadata.version("timm")


def built_from(options: dict[str, Any]) -> dict[str, str]:
    """timm's version, and the SHA-256 of the ``pretrained_path`` file when one is given."""
    found = {"timm": timm_version()}
    path = options.get("pretrained_path")
    if path:
        found["pretrained_sha256"] = file_sha256(Path(str(path)))
    return found


def file_sha256(path: Path) -> str:
    """The SHA-256 of a weights file, read in chunks through the one bounded reader, whose
    words name what the path is when it is no regular file (``/dev/zero`` was said to be "no
    such file", pass 84ad AD6)."""
    digest = hashlib.sha256()
    with opened_user_file(path, WEIGHTS_FILE) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
