"""A cache store a newer merbench wrote (its marker's schema above this one's) is said as
such by extract, info and clear, with the fix that keeps it: upgrade, or another cache
folder. It was called "damaged" and its deletion advised, which would take a shared cache's
entries from the newer merbench that wrote them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from merbench.base.cache import MANIFEST
from merbench.base.errors import MerbenchError
from merbench.features.extraction import extract_samples
from tests.test_refusals_84w_cache import META, RowSum, _dataset, _extract


def test_a_store_of_a_newer_merbench_is_kept_and_said_as_such(tmp_path: Path, cli,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    root = tmp_path / "cache"
    _extract(root)
    store = root / "features" / "row-sum"
    marker = store / MANIFEST
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "schema": 2}))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    said = (f"the cache store '{store}' was written by a newer merbench (store schema 2; this "
            "one reads 1): upgrade merbench, or set MERBENCH_CACHE_DIR to another folder; "
            "this merbench leaves the store as it is")
    with pytest.raises(MerbenchError) as caught:
        extract_samples(META, RowSum(), _dataset(), workers=1, cache_root=root)
    assert said in str(caught.value) and "delete" not in str(caught.value), caught.value
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(root))
    code, out, err = cli("cache", "info")
    assert said in out + err and "rm -r" not in out + err, (out, err)
    code, out, err = cli("cache", "clear")
    assert code == 2 and said in err and "rm -r" not in err, err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
