"""Pass 84x, X3 and X4: the feature cache's one judgement across extract, info and clear.

X3: a store, or a shard folder of one, that is a symbolic link was read and written through
by ``extract`` (an entry landed in ``/tmp``), while ``cache info`` and ``cache clear`` called
the link a thing merbench did not write; all three now name the link and how to remove it.

X4: a store without its ``merbench-store.json`` was read and written by ``extract`` (the
marker never written back) while ``cache clear`` refused it as an older merbench's store and
``cache info`` counted it as a thing merbench did not write; all three now say the same.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import numpy as np
import pytest

from merbench.base.cache import MANIFEST, FeatureCache
from merbench.base.errors import MerbenchError
from merbench.features.extraction import extract_samples
from tests.test_refusals_84w_cache import META, RowSum, _dataset, _extract


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _one_judgement(cached: Path, cli, words: str, prefix: str) -> None:
    """extract refuses before computing anything; info and clear say the same words."""
    before = _tree(cached)
    extractor = RowSum()
    with pytest.raises(MerbenchError) as caught:
        extract_samples(META, extractor, _dataset(), workers=1, cache_root=cached)
    assert str(caught.value) == f"{prefix}: {words}"
    assert extractor.calls == 0
    code, out, err = cli("cache", "info")
    assert code == 0 and err == ""
    assert f"{cached}: {words}; until then 'merbench cache clear' refuses" in out
    assert "did not write" not in out
    for args in (("cache", "clear"), ("cache", "clear", "--feature", "other")):
        code, out, err = cli(*args)
        assert code == 2 and out == ""
        assert err == (f"merbench: error: refusing to clear the cache {cached}: {words}; "
                       "nothing was deleted\n")
    assert _tree(cached) == before


@pytest.mark.parametrize("where", ["shard", "store", "features"])
def test_a_link_in_the_cache_is_one_judgement_and_nothing_is_written_through_it(
        cached: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch,
        where: str) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    FeatureCache("other", 1, {}, cached).store("ab" * 32, np.zeros(2), {})
    store = cached / "features" / "row-sum"
    shard = sorted(store.glob("*/*.npz"))[0].parent
    link = {"shard": shard, "store": store, "features": cached / "features"}[where]
    elsewhere = tmp_path / "elsewhere"
    if where == "shard":
        elsewhere.mkdir()
        computed = 0
        for entry in shard.iterdir():
            entry.unlink()
            computed += 1
        shard.rmdir()
    else:
        os.rename(link, elsewhere)
    os.symlink(elsewhere, link)
    kept = _tree(elsewhere)
    role = {"shard": "the store's shard folder", "store": "the store's folder",
            "features": "a folder of the cache"}[where]
    words = (f"'{link}' is a symbolic link (to {elsewhere}) where {role} belongs, and "
             "merbench keeps its cache inside the cache folder only; remove the link (rm "
             f"{shlex.quote(str(link))}), which leaves what it leads to as it is, and its "
             "entries are computed again")
    prefix = ("cannot use the feature cache" if where == "shard" else
              "cannot write the feature cache")
    _one_judgement(cached, cli, words, prefix)
    assert _tree(elsewhere) == kept  # nothing written through the link
    link.unlink()  # the fix said works
    assert _extract(cached).calls == (computed if where == "shard" else 6)
    code, out, _err = cli("cache", "clear")
    assert code == 0 and "cleared" in out


def test_a_store_without_its_marker_is_one_judgement(cached: Path, cli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    FeatureCache("other", 1, {}, cached).store("ab" * 32, np.zeros(2), {})
    store = cached / "features" / "row-sum"
    marker = store / MANIFEST
    marker.unlink()
    sorted(store.glob("*/*.npz"))[0].unlink()  # one entry to compute: extract would write
    words = (f"the store marker '{marker}' is missing, as in a store an older merbench wrote "
             f"or a folder not merbench's, so merbench cannot tell that '{store}' is its "
             f"cache store; if it is, delete the store (rm -r {shlex.quote(str(store))}) "
             "and its entries are computed again, or move it away")
    _one_judgement(cached, cli, words, "cannot use the feature cache")
    with pytest.raises(MerbenchError, match=r"the store marker .* is missing"):
        FeatureCache("row-sum", 1, {}, cached).store("cd" * 32, np.zeros(2), {})
    assert not marker.exists()


def test_a_folder_in_features_holding_files_is_judged_as_a_store_without_its_marker(
        cached: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where extract would use a store, a folder of anyone's is refused by it as one."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    mine = cached / "features" / "mine"
    (mine / "ab").mkdir(parents=True)
    (mine / "ab" / "notes.npz").write_bytes(b"mine")
    with pytest.raises(MerbenchError, match=r"^cannot use the feature cache: the store marker "
                                            r".*/mine/merbench-store.json' is missing"):
        FeatureCache("mine", 1, {}, cached).check()
    code, out, _err = cli("cache", "info")
    assert code == 0 and f"'{mine / MANIFEST}' is missing" in out and "did not write" not in out
    code, _out, err = cli("cache", "clear")
    assert code == 2 and f"'{mine / MANIFEST}' is missing" in err
    assert (mine / "ab" / "notes.npz").read_bytes() == b"mine"
