"""``merbench migrate`` of a tuning: ``tune.json`` of layout 1, whose runs were folders, to
layout 2, whose runs are packed in ``runs.tar.xz`` (the only change), registered with the
shared ``migrate`` (:mod:`merbench.results.upgrade`) by the tuning's home."""

from __future__ import annotations

from pathlib import Path

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.results.migrations import version_of
from merbench.results.schema import read_json
from merbench.tuning.archive import pack_runs, remove_packed
from merbench.tuning.record import TUNE_SCHEMA


def upgrade_tuning(path: Path) -> bool:
    """Tuning layout 1 to 2: its run folders packed into ``runs.tar.xz``, then ``tune.json``
    rewritten as layout 2, then the folders removed (a kill in between leaves layout 1 whole,
    or the archive and the folders both, which the next migrate packs again); False where
    ``path`` is of layout 2 already."""
    data = read_json(path, "tuning results file")
    if data.get("kind") != "tune" or version_of(data) not in (1, TUNE_SCHEMA):
        raise MerbenchError(f"{path} is no tuning of a layout merbench knows (kind "
                            f"{data.get('kind')!r}, schema_version "
                            f"{data.get('schema_version')!r}); fix or remove it")
    if version_of(data) == TUNE_SCHEMA:
        return False
    pack_runs(path.parent)
    atomic_write_json(path, {**data, "schema_version": TUNE_SCHEMA})
    remove_packed(path.parent)
    return True


__all__ = ["upgrade_tuning"]
