"""The registry's ``option_check`` of the raw databases: a ``classes`` naming none of the
database's class sets, said when the options are checked (planning a run, reading a
benchmark definition), not only when the dataset is built from its files.

A benchmark definition is read without the data, so a definition's ``"classes": true``,
``2.5`` or ``"five"`` loaded as a benchmark no run could be of (0 runs, and a page whose
command ``merbench run`` refuses: pass 84p, P4). The class sets are each database module's
own (``CLASS_SETS``, or its ``SheetDatabase``'s), looked up by the registered name."""

from __future__ import annotations

import importlib
from typing import Any

from merbench_datasets.rawframes import class_set_fault

#: registered name -> the module holding its class sets
_MODULES = {"casme2": "casme2", "samm": "samm", "smic": "smic", "casme3": "casme3",
            "casme": "casme1", "4dme": "fourdme", "mmew": "mmew", "casme3c": "casme3c"}


def class_sets(name: str) -> dict[str, tuple[str, ...]] | None:
    """The class sets of the raw database registered as ``name``, or None (not one here)."""
    module_name = _MODULES.get(name)
    if module_name is None:
        return None
    module = importlib.import_module(f"merbench_datasets.{module_name}")
    database = getattr(module, "DATABASE", None)
    sets = getattr(module, "CLASS_SETS", None) if database is None else database.class_sets
    return dict(sets) if sets is not None else None


def check_classes(name: str, options: dict[str, Any]) -> str | None:
    """Why ``options``' ``classes`` names no class set of ``name``, or None."""
    sets = class_sets(name)
    if "classes" not in options or sets is None:
        return None
    return class_set_fault(options["classes"], sets)
