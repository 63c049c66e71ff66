"""A cache folder that a refused command made, taken away again when it holds only what
planning keeps there.

The cache root is made at its first write, but planning writes before anything is computed:
the options of the plugins' factories (:mod:`merbench.plugin_system.options_cache`). So a
command refused while it planned (a feature the dataset cannot give, an ``--out`` it may
not use) left a new cache folder, and the folders above it, behind: a stranger in the folder
the user named, which the next command could refuse as something it did not write. A
refused command that made the root takes it away where it holds merbench's store of plugin
options alone; anything computed (features, validation records) stays, as it saves the next
try its work, and so does anything merbench did not write or a store another command is
writing now (:func:`merbench.base.cache.clear_cache` leaves those).
"""

from __future__ import annotations

import os
from pathlib import Path

from merbench.base.cache_env import default_cache_dir
from merbench.base.errors import MerbenchError
from merbench.plugin_system.options_cache import STORE as OPTIONS_STORE

#: the stores a command writes before it computes anything
_PLANNING_STORES = frozenset({OPTIONS_STORE})


def folders_to_make() -> list[Path]:
    """The cache root and each folder above it that is not there now, the root first; none
    where the root is there (or no cache root can be named: the command says so itself)."""
    try:
        root = default_cache_dir()
    except (MerbenchError, RuntimeError, OSError):  # no home folder, a value no folder has
        return []
    missing: list[Path] = []
    for folder in (root, *root.parents):
        if os.path.lexists(folder):
            break
        missing.append(folder)
    return missing


def take_back(made: list[Path]) -> None:
    """Remove what a refused command made of ``made`` (:func:`folders_to_make`, asked when
    it started), where the root holds nothing but the stores planning writes; each folder
    above it goes too while it is empty. Whatever cannot be removed is left as it is: the
    refusal the user sees is the command's own."""
    if not made or not made[0].is_dir():
        return
    # deferred: numpy, which 'merbench list' need not load
    from merbench.base.cache import clear_cache, survey_cache

    root = made[0]
    try:
        survey = survey_cache(root)
        if survey.foreign or survey.damaged or not survey.stores or any(
                info.name not in _PLANNING_STORES or info.path.parent != root
                for info in survey.stores):
            return
        clear_cache(root=root)  # only merbench's marked stores, none being written
    except MerbenchError:
        return
    for folder in made:
        try:
            folder.rmdir()  # fails where anything appeared meanwhile: left as it is
        except OSError:
            return
