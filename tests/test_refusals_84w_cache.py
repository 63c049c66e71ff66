"""Pass 84w, W5 and W6: the feature cache's refusals.

W5: a folder where a cache entry belongs, or a file where a store (or its shard folder)
belongs, stopped ``extract`` with the system's words ("Is a directory", "File exists") and
"set MERBENCH_CACHE_DIR to a writable folder", though the folder was writable; the refusal
now names the thing in the way and how to remove it.

W6: a store whose ``merbench-store.json`` is damaged was read and written by ``extract``,
left out of ``cache info``'s table and named by ``cache clear`` as a folder "merbench did not
write"; all three now say the same of the marker file.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from merbench.base.cache import MANIFEST, FeatureCache
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.features import Sample, SampleExtractor
from merbench.features.extraction import extract_samples
from merbench.meta import FeatureMeta

META = FeatureMeta(name="row-sum", version=1, description="sum of each row", citation="test",
                   needs=("rows",), shape=(2,))


class RowSum(SampleExtractor):
    """A cheap per-sample feature that counts its computations."""

    sources = ("rows",)

    def __init__(self) -> None:
        self.calls = 0

    @property
    def params(self) -> dict[str, Any]:
        return {}

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        self.calls += 1
        rows = inputs["rows"].astype(np.float32)
        return Sample(np.array([rows.sum(), rows.max()]), {})

    def summarise(self, sample_ids, notes):
        return {}, ""


def _dataset(n: int = 6) -> InMemoryDataset:
    samples = pd.DataFrame({"sample_id": [f"x{i}" for i in range(n)], "database": "lab",
                            "subject": [f"s{i % 3}" for i in range(n)], "label": 0})
    rows = np.arange(n * 4, dtype=np.int64).reshape(n, 4)
    return InMemoryDataset("rows", samples, ("a",), {"rows": rows})


def _extract(root: Path) -> RowSum:
    extractor = RowSum()
    extract_samples(META, extractor, _dataset(), workers=1, cache_root=root)
    return extractor


@pytest.fixture
def cached(tmp_path: Path) -> Path:
    """A cache root holding every entry of row-sum."""
    root = tmp_path / "cache"
    _extract(root)
    return root


# ------------------------------------------------------------------------------- W5


def test_an_entry_that_is_a_folder_is_named_with_how_to_remove_it(cached: Path) -> None:
    entry = sorted((cached / "features" / "row-sum").glob("*/*.npz"))[0]
    entry.unlink()
    entry.mkdir()
    with pytest.raises(MerbenchError) as caught:
        _extract(cached)
    said = str(caught.value)
    assert said == (f"cannot write the feature cache: '{entry}', a cache entry, is a folder; "
                    f"delete it (rm -r {shlex.quote(str(entry))}) and the entry is computed "
                    "again")
    assert "Is a directory" not in said and "MERBENCH_CACHE_DIR" not in said
    entry.rmdir()  # the fix said works: the next extraction computes that entry alone
    assert _extract(cached).calls == 1


@pytest.mark.parametrize("where", ["features/row-sum", "features", "features/row-sum/SHARD"])
def test_a_file_where_a_folder_of_the_cache_belongs_is_named(cached: Path, where: str) -> None:
    shard = sorted((cached / "features" / "row-sum").glob("*/*.npz"))[0].parent.name
    blocker = cached / where.replace("SHARD", shard)
    if blocker.name == shard:
        for entry in blocker.iterdir():
            entry.unlink()
        blocker.rmdir()
    else:
        os.rename(blocker, cached.parent / "moved")
    blocker.write_text("mine")
    extractor = RowSum()
    with pytest.raises(MerbenchError) as caught:
        extract_samples(META, extractor, _dataset(), workers=1, cache_root=cached)
    said = str(caught.value)
    assert said.startswith(f"cannot write the feature cache: '{blocker}' is a file where ")
    assert said.endswith(f"; move it away or delete it (rm {shlex.quote(str(blocker))})")
    assert "File exists" not in said and "Not a directory" not in said
    assert "MERBENCH_CACHE_DIR" not in said and blocker.read_text() == "mine"
    if blocker.name != shard:  # refused before computing anything
        assert extractor.calls == 0


def test_the_store_that_is_a_fifo_is_named_as_one(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    (root / "features").mkdir(parents=True)
    os.mkfifo(root / "features" / "row-sum")
    with pytest.raises(MerbenchError, match=r"row-sum' is a fifo where the store's folder "):
        _extract(root)


def test_a_cache_root_that_is_a_file_keeps_its_own_fix(tmp_path: Path) -> None:
    root = tmp_path / "file"
    root.write_text("not a folder")
    with pytest.raises(MerbenchError, match=r"cannot write the feature cache in .*; set "
                                            r"MERBENCH_CACHE_DIR to a writable folder"):
        FeatureCache("row-sum", 1, {}, root).store("ab" * 32, np.zeros(2), {})



# ------------------------------------------------------------------------------- W6


def _damage(marker: Path, how: str) -> None:
    marker.unlink()
    if how == "a fifo":
        os.mkfifo(marker)
    elif how == "a folder":
        marker.mkdir()
    else:
        marker.write_bytes(DAMAGE[how])


DAMAGE = {"truncated": b"{", "nested too deep": b"[" * 60_000, "empty": b"",
          "someone else's JSON": b'{"written_by": "me"}'}


@pytest.mark.parametrize("how", [*DAMAGE, "a fifo", "a folder"])
def test_a_damaged_marker_is_one_judgement_across_extract_info_and_clear(
        cached: Path, cli, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    FeatureCache("other", 1, {}, cached).store("ab" * 32, np.zeros(2), {})
    store = cached / "features" / "row-sum"
    marker = store / MANIFEST
    _damage(marker, how)
    said_as = "damaged" if how in DAMAGE else how
    words = (f"the store marker '{marker}' is {said_as}, so merbench cannot tell that "
             f"'{store}' is its cache store; if it is, delete the store (rm -r "
             f"{shlex.quote(str(store))}) and its entries are computed again, or move it away")
    before = sorted(str(p.relative_to(cached)) for p in cached.rglob("*"))
    extractor = RowSum()
    with pytest.raises(MerbenchError) as caught:  # neither read nor written
        extract_samples(META, extractor, _dataset(), workers=1, cache_root=cached)
    assert str(caught.value) == f"cannot use the feature cache: {words}"
    assert extractor.calls == 0
    with pytest.raises(MerbenchError, match="cannot use the feature cache: the store marker"):
        FeatureCache("row-sum", 1, {}, cached).store("cd" * 32, np.zeros(2), {})
    code, out, err = cli("cache", "info")
    assert code == 0 and err == "" and "other" in out
    assert f"{cached}: {words}; until then 'merbench cache clear' refuses" in out
    assert "did not write" not in out
    for args in (("cache", "clear"), ("cache", "clear", "--feature", "other")):
        code, out, err = cli(*args)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert err == (f"merbench: error: refusing to clear the cache {cached}: {words}; "
                       "nothing was deleted\n")
    assert sorted(str(p.relative_to(cached)) for p in cached.rglob("*")) == before
    # the fix said works: the store deleted, extract computes it again and clear clears all
    shutil.rmtree(store)
    assert _extract(cached).calls == 6
    code, out, err = cli("cache", "clear")
    assert code == 0 and "cleared 7 entries" in out


def test_a_marker_of_another_store_is_said_as_one(cached: Path, cli,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A store renamed under the root keeps a marker naming its old place."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    os.rename(cached / "features" / "row-sum", cached / "features" / "renamed")
    with pytest.raises(MerbenchError, match=r"marks the store 'features/row-sum', not "
                                            r"'features/renamed' \(moved or copied\)"):
        FeatureCache("renamed", 1, {}, cached).check()
    code, _out, err = cli("cache", "clear")
    assert code == 2 and "marks the store 'features/row-sum'" in err


def test_a_good_marker_and_a_new_store_are_used_as_before(cached: Path) -> None:
    assert _extract(cached).calls == 0  # read back, the marker trusted
    FeatureCache("new", 1, {}, cached).check()  # no folder yet: nothing to refuse
    assert not (cached / "features" / "new").exists()
