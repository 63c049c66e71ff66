"""Pass 84v, V2, V3, V4 and V10: tunings of the older ``tune.json`` layouts (1: runs
unpacked in ``trials/``; 2: ``runs.tar.xz`` without digests) and ``merbench migrate`` of
them: migrate packs no tuning whose runs are gone (V10), and ``status``, ``show`` and
``validate`` say one line of each fault with a fix that works (V2, V3, V4).
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

#: a small committed tuning (a test-scored search of six runs), copied by each test
COMMITTED = Path(__file__).parents[1] / "leaderboards" / "results" / "tunings" / \
    "ststnet-composite" / "test-scored"


def _layout(folder: Path, version: int) -> None:
    """``folder``'s ``tune.json`` made layout ``version``: no ``archived`` digests (2), and
    for 1 its runs unpacked beside it and ``runs.tar.xz`` removed."""
    if version == 1:
        with tarfile.open(folder / "runs.tar.xz") as archive:
            archive.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter")
                                          else {}))  # type: ignore[arg-type]
        (folder / "runs.tar.xz").unlink()
    path = folder / "tune.json"
    data = json.loads(path.read_text())
    data.pop("archived")
    path.write_text(json.dumps({**data, "schema_version": version}))


def _tuning(tmp_path: Path, version: int, name: str = "t") -> Path:
    folder = Path(shutil.copytree(COMMITTED, tmp_path / name))
    _layout(folder, version)
    return folder


def test_migrate_packs_no_layout_1_tuning_whose_runs_are_gone(tmp_path: Path, cli) -> None:
    """V10: a layout-1 tuning without ``trials/`` was packed into an empty ``runs.tar.xz``
    and recorded as layout 3 (rc 0), its runs no longer restorable where layout 1 keeps
    them; migrate refuses it, leaving it as it was, and a ``trials/`` that is a link is told
    to be put back as the folder itself."""
    folder = _tuning(tmp_path, 1)
    shutil.rmtree(folder / "trials")
    before = (folder / "tune.json").read_bytes()
    code, out, err = cli("migrate", folder)
    assert code == 2 and f"{folder}/tune.json names run folder 'trials/" in err and \
        "put the tuning's run folders back as merbench tune wrote them" in err, (out, err)
    assert (folder / "tune.json").read_bytes() == before
    assert not (folder / "runs.tar.xz").exists()
    source = _tuning(tmp_path, 1, "source")
    os.symlink(source / "trials", folder / "trials")
    code, out, err = cli("migrate", folder)
    assert code == 2 and f"{folder}/trials is a symbolic link (to {source}/trials); put the " \
        "folder itself in its place" in err, (out, err)
    assert not (folder / "runs.tar.xz").exists()
