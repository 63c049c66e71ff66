"""The registry's ``option_check`` of the raw databases: a ``classes`` naming none of the
database's class sets, said when the options are checked (planning a run, reading a
benchmark definition), not only when the dataset is built from its files.

A benchmark definition is read without the data, so a definition's ``"classes": true``,
``2.5`` or ``"five"`` loaded as a benchmark no run could be of (0 runs, and a page whose
command ``merbench run`` refuses: pass 84p, P4). The class sets are each database module's
own (``CLASS_SETS``, or its ``SheetDatabase``'s), looked up by the registered name.

The other named choice, the frame tree (``frames``; MEGC2019's ``casme2_frames``, CASME II's
tree inside it), is checked the same way: a definition's ``"frames": "bogus"`` loaded as a
0-run benchmark, and MEGC2019's run refusal named ``frames``, an option the user had not
written (pass 84q, Q6)."""

from __future__ import annotations

import importlib
import json
from typing import Any

from merbench_datasets.rawframes import class_set_fault

#: registered name -> the module holding its class sets
_MODULES = {"casme2": "casme2", "samm": "samm", "smic": "smic", "casme3": "casme3",
            "casme": "casme1", "4dme": "fourdme", "mmew": "mmew", "casme3c": "casme3c"}
#: registered name -> (its option naming a frame tree, the database whose trees it names)
_FRAME_OPTIONS = {"megc2019": ("casme2_frames", "casme2")}


def _database_choice(name: str, module_attribute: str, database_attribute: str) -> Any:
    """A choice table of the raw database registered as ``name`` (its class sets, its frame
    trees): the module's ``module_attribute``, or its ``SheetDatabase``'s
    ``database_attribute`` where the module declares one; None for a name not here."""
    module_name = _MODULES.get(name)
    if module_name is None:
        return None
    module = importlib.import_module(f"merbench_datasets.{module_name}")
    database = getattr(module, "DATABASE", None)
    if database is None:
        return getattr(module, module_attribute, None)
    return getattr(database, database_attribute)


def class_sets(name: str) -> dict[str, tuple[str, ...]] | None:
    """The class sets of the raw database registered as ``name``, or None (not one here)."""
    sets = _database_choice(name, "CLASS_SETS", "class_sets")
    return dict(sets) if sets is not None else None


def check_classes(name: str, options: dict[str, Any]) -> str | None:
    """Why ``options``' ``classes`` names no class set of ``name``, or None."""
    sets = class_sets(name)
    if "classes" not in options or sets is None:
        return None
    return class_set_fault(options["classes"], sets)


def frame_trees(name: str) -> tuple[str, ...] | None:
    """The frame trees (``cropped``, ``raw``, ...) of the raw database registered as
    ``name``, or None (not one here, or one without a choice of tree)."""
    trees = _database_choice(name, "TREES", "trees")
    return tuple(trees) if trees else None


def check_frames(name: str, options: dict[str, Any]) -> str | None:
    """Why the frame tree ``options`` names (``frames``, or MEGC2019's ``casme2_frames``) is
    none of the database's, or None. The value is quoted as JSON writes it, the option as the
    user wrote it."""
    option, database = _FRAME_OPTIONS.get(name, ("frames", name))
    trees = frame_trees(database)
    if option not in options or trees is None or options[option] in trees:
        return None
    choices = " or ".join(f"{option}={tree}" for tree in trees)
    whose = "its" if database == name else f"{database}'s"
    return (f"{option} {json.dumps(options[option], default=str)} is none of {whose} frame "
            f"trees; choose --dataset-opt {choices}")


def check_choices(name: str, options: dict[str, Any]) -> str | None:
    """The raw databases' ``option_check``: the class set (:func:`check_classes`), then the
    frame tree (:func:`check_frames`)."""
    return check_classes(name, options) or check_frames(name, options)
