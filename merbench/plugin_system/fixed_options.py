"""Registering variants of one factory: some of its options fixed, the others its own.

Kept apart from :mod:`merbench.plugin_system.entry`, which re-exports it, so that module
stays a size one can read."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def fixed_options(factory: Callable[..., Any], /, **fixed: Any) -> Callable[..., Any]:
    """``factory`` with some keyword options fixed, for registering variants of one class
    under several names (e.g. a model and its variant for another input). The fixed
    options are left out of its signature, so ``--model-opt`` cannot change them and the
    core's option checks list only the others."""
    signature = inspect.signature(factory)
    unknown = sorted(set(fixed) - set(signature.parameters))
    if unknown:
        raise TypeError(f"{getattr(factory, '__name__', factory)} has no option(s) "
                        f"{', '.join(unknown)}")

    def build(**options: Any) -> Any:
        return factory(**fixed, **options)

    build.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for p in signature.parameters.values() if p.name not in fixed])
    # what it wraps: the plugin whose code a failure of this model is in is the factory's
    # (plugin_fault.code_package), not this module's
    build.__wrapped__ = factory  # type: ignore[attr-defined]
    return build
