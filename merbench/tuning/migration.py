"""``merbench migrate`` of a tuning: ``tune.json`` of layout 1, whose runs were folders, or
of layout 2, whose runs are packed in ``runs.tar.xz`` but not digested, to layout 3, which
records each packed file's SHA-256 (``archived``), registered with the shared ``migrate``
(:mod:`merbench.results.upgrade`) by the tuning's home. One step per older layout, as every
file's migrations are (:mod:`merbench.results.migrations`): 1 to 2 packs the runs, 2 to 3
digests the archive."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.results.migrations import version_of
from merbench.results.result_files import RESULTS_FILE
from merbench.results.schema import read_json
from merbench.tuning.archive import (
    PACKED_FOLDERS,
    archived_digests,
    pack_runs,
    remove_packed,
)
from merbench.tuning.record import TUNE_SCHEMA
from merbench.tuning.written import archive_missing


def tune_2_to_3(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``tune.json`` layout 2 -> 3: ``archived``, each file ``runs.tar.xz`` holds with its
    SHA-256, read from the archive as it is now (a repeated member refused, as every reader
    of the archive refuses it); nothing else changes."""
    return {**data, "schema_version": 3, "archived": archived_digests(folder)}


def _named_runs(data: dict[str, Any]) -> list[str]:
    """The run folders a layout-1 ``tune.json`` (``data``, as read) names: each trial's
    runs and each outer fold's chosen one (names of another type left to ``validate``)."""
    named: list[str] = []
    outers = data.get("outer")
    for outer in outers if isinstance(outers, list) else []:
        if not isinstance(outer, dict):
            continue
        trials = outer.get("trials")
        for trial in trials if isinstance(trials, list) else []:
            runs = trial.get("runs") if isinstance(trial, dict) else None
            named.extend(run for run in runs or () if isinstance(run, str))
        if isinstance(outer.get("final_run"), str):
            named.append(outer["final_run"])
    return named


def _check_unpacked(path: Path, data: dict[str, Any]) -> None:
    """Every run a layout-1 ``tune.json`` (``path``) names is a finished run folder beside
    it, before any is packed: a tuning whose ``trials/`` was gone was packed into an empty
    ``runs.tar.xz`` and recorded as layout 3, digests and all, so the runs could no longer
    be put back where a layout-1 reader looks for them (pass 84v, V10)."""
    for name in PACKED_FOLDERS:
        if (path.parent / name).is_symlink():  # what it points to is not the tuning's
            raise MerbenchError(f"{path.parent / name} is a symbolic link (to "
                                f"{os.readlink(path.parent / name)}); put the folder itself "
                                "in its place, then migrate the tuning")
    named = _named_runs(data)
    if not named:
        raise MerbenchError(f"{path} names no run folder, where merbench tune names one for "
                            "each trial; it is not migrated (fix or remove it)")
    for run in named:
        if not (path.parent / run / RESULTS_FILE).is_file():
            raise MerbenchError(f"{path} names run folder '{run}', which is not a finished "
                                f"run in {path.parent} (no {run}/{RESULTS_FILE}); put the "
                                "tuning's run folders back as merbench tune wrote them, "
                                "then migrate it")


def upgrade_tuning(path: Path) -> bool:
    """A tuning's ``tune.json`` (``path``) to the current layout: a layout-1 tuning's run
    folders packed into ``runs.tar.xz`` first, then ``tune.json`` rewritten with the
    archive's digests, then the folders removed (a kill in between leaves layout 1 whole,
    or the archive and the folders both, which the next migrate packs again); False where
    ``path`` is current already."""
    data = read_json(path, "tuning results file")
    if data.get("kind") != "tune" or version_of(data) not in (1, 2, TUNE_SCHEMA):
        raise MerbenchError(f"{path} is no tuning of a layout merbench knows (kind "
                            f"{data.get('kind')!r}, schema_version "
                            f"{data.get('schema_version')!r}); fix or remove it")
    version = version_of(data)
    if version == TUNE_SCHEMA:
        return False
    if version == 1:  # 1 -> 2: the runs packed, the only change
        _check_unpacked(path, data)
        pack_runs(path.parent)
    elif (missing := archive_missing(path.parent)) is not None:
        # validate's, status's and show's line: migrate said "runs.tar.xz is missing;
        # publish the whole tuning folder" (pass 84w, the rest of pass 84v's V3)
        raise MerbenchError(f"{path.parent}: {missing}")
    atomic_write_json(path, tune_2_to_3({**data, "schema_version": 2}, path.parent),
                      compact=True)
    if version == 1:
        remove_packed(path.parent)
    return True


__all__ = ["tune_2_to_3", "upgrade_tuning"]
