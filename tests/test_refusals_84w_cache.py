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

