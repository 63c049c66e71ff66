"""``cache clear`` refusing a cache that holds something merbench did not write gives a fix
that works for what is there: a stray inside one of merbench's stores is named for removal;
beside the stores, the stores are named by their paths. It said ``rm -r ROOT/features/NAME``
of a stray in the ``plugin-options`` store, a path that is not there."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from merbench.base.cache import clear_cache
from merbench.base.errors import MerbenchError
from tests.test_refusals_84w_cache import _extract


def _refusal(root: Path) -> str:
    with pytest.raises(MerbenchError) as caught:
        clear_cache(root=root)
    return str(caught.value)


def _store(root: Path) -> Path:
    return next(p for p in (root / "features").iterdir() if p.is_dir())


def _shard(root: Path) -> Path:
    return next(p for p in _store(root).iterdir() if p.is_dir())


def test_a_stray_in_a_store_is_named_and_removing_it_clears(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _extract(root)
    stray = _shard(root) / "x.npz.swp"
    stray.touch()
    said = _refusal(root)
    assert said.endswith(f"remove it (rm -r {shlex.quote(str(stray))}), then clear"), said
    assert "NAME" not in said
    stray.unlink()  # the fix, followed
    assert [info.name for info in clear_cache(root=root)] == ["row-sum"]


def test_many_strays_name_the_stores_holding_them(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _extract(root)
    for number in range(4):
        (_shard(root) / f"x{number}.swp").touch()
    said = _refusal(root)
    assert said.endswith(f"remove what merbench did not write from {_store(root)}, then "
                         "clear"), said


def test_something_beside_the_stores_names_the_stores_themselves(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _extract(root)
    (root / "notes.txt").write_text("mine")
    said = _refusal(root)
    assert said.endswith(f"or delete merbench's stores by hand (rm -r {_store(root)})"), said
    assert "rm -r" not in said.split("notes.txt")[0]
