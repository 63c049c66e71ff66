"""Make this Python import only what the GPU machines' image holds, for a rehearsal on a CPU.

``gpu_session.py --rehearse`` puts this folder first on ``PYTHONPATH`` of every step it runs,
so every Python process of the rehearsal (pytest, the speed matrix, ``merbench run`` and
``merbench tune``) starts with this file as its ``sitecustomize``. A top-level import of an
installed distribution that is neither in the image (``benchmarks/gpu_image_packages.txt``)
nor carried as a wheel (``benchmarks/gpu_wheels.txt``), nor required by one of those as
installed here (:func:`gpu_wheels.allowed_distributions`), then fails as it would there
(``ModuleNotFoundError``), here on the CPU rather than in a lent GPU window: the 2026-11-26
window lost its tests to ``cryptography``, which the image lacks. Every refusal is also
appended to ``$MERBENCH_GPU_GUARD_LOG`` when set, since code that treats a package as
optional swallows the error. The merbench checkout itself travels, so its own modules pass.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))
import gpu_wheels  # noqa: E402  (beside this folder)

sys.path.remove(str(_HERE.parent))
_allowed: set[str] | None = None
_passed: set[str] = set()
_owners: dict[str, list[str]] | None = None


def _distributions(module: str) -> list[str] | None:
    global _owners, _allowed
    if _owners is None:
        from importlib.metadata import packages_distributions

        _owners = packages_distributions()
        _allowed = gpu_wheels.allowed_distributions()
    return _owners.get(module)


class _ImageOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if "." in fullname or fullname in _passed or fullname in sys.stdlib_module_names:
            return None
        owners = _distributions(fullname)
        assert _allowed is not None
        if owners is None or any(gpu_wheels.is_allowed(o, _allowed) for o in owners):
            _passed.add(fullname)  # the repository's own, or a package the image has
            return None
        message = (f"'{fullname}' (distribution {', '.join(sorted(set(owners)))}) is not in "
                   "the GPU image (benchmarks/gpu_image_packages.txt) nor carried as a "
                   "wheel (benchmarks/gpu_wheels.txt)")
        log = os.environ.get("MERBENCH_GPU_GUARD_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"{sys.argv[0]}: {message}\n")
        raise ModuleNotFoundError(message, name=fullname)


sys.meta_path.insert(0, _ImageOnly())
