"""The feature cache: keys, damaged entries, resuming, and `merbench cache info|clear`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from merbench.cache import FeatureCache, cache_info, clear_cache
from merbench.dataset import InMemoryDataset
from merbench.errors import MerbenchError
from merbench.features import Sample, SampleExtractor
from merbench.features.extraction import extract_samples
from merbench.meta import FeatureMeta

META = FeatureMeta(name="row-sum", version=1, description="sum of each row", citation="test",
                   needs=("rows",), shape=(2,))


class RowSum(SampleExtractor):
    """A cheap per-sample feature that counts its computations."""

    sources = ("rows",)

    def __init__(self, scale: float = 1.0, fail_on: str | None = None) -> None:
        self.scale, self.fail_on, self.calls = scale, fail_on, 0

    @property
    def params(self) -> dict[str, Any]:
        return {"scale": self.scale}

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        if sample_id == self.fail_on:
            raise MerbenchError(f"sample {sample_id} is broken; fix it")
        self.calls += 1
        rows = inputs["rows"].astype(np.float32)
        return Sample(np.array([rows.sum(), rows.max()]) * self.scale,
                      {"big": bool(rows.sum() > 40)})

    def summarise(self, sample_ids, notes):
        big = [s for s, n in zip(sample_ids, notes, strict=True) if n["big"]]
        return {"n_big": len(big)}, f"{len(big)} big"


def _dataset(n: int = 6) -> InMemoryDataset:
    samples = pd.DataFrame({"sample_id": [f"x{i}" for i in range(n)], "database": "lab",
                            "subject": [f"s{i % 3}" for i in range(n)], "label": 0})
    rows = np.arange(n * 4, dtype=np.int64).reshape(n, 4)
    return InMemoryDataset("rows", samples, ("a",), {"rows": rows})


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(folder))
    return folder


def test_key_depends_on_inputs_version_and_params(tmp_path: Path) -> None:
    inputs = {"a": np.arange(6, dtype=np.uint8).reshape(2, 3)}
    base = FeatureCache("f", 1, {"p": 1}, tmp_path)
    assert base.key(inputs) == FeatureCache("f", 1, {"p": 1}, tmp_path).key(
        {"a": inputs["a"].copy()})
    others = [FeatureCache("f", 2, {"p": 1}, tmp_path).key(inputs),
              FeatureCache("f", 1, {"p": 2}, tmp_path).key(inputs),
              FeatureCache("g", 1, {"p": 1}, tmp_path).key(inputs),
              base.key({"a": inputs["a"].reshape(3, 2)}),
              base.key({"b": inputs["a"]}),
              base.key({"a": inputs["a"] + 1})]
    assert len({base.key(inputs), *others}) == 7


def test_damaged_entries_are_detected(tmp_path: Path) -> None:
    cache = FeatureCache("f", 1, {}, tmp_path)
    cache.store("ab12", np.arange(4, dtype=np.float32), {"face": "found"})
    values, notes = cache.load("ab12")
    assert values.tolist() == [0, 1, 2, 3] and notes == {"face": "found"}
    assert cache.load("cd34") is None
    path = cache.path("ab12")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a write cut off half-way
    assert cache.load("ab12") is False
    # A readable file whose values no longer match the stored checksum.
    with open(path, "wb") as handle:
        np.savez(handle, values=np.ones(4, dtype=np.float32),
                 notes=np.frombuffer(b"{}", dtype=np.uint8), sha256=np.array("0" * 64))
    assert cache.load("ab12") is False


def test_second_extraction_reads_the_cache_and_repairs_damage(cache_dir: Path) -> None:
    dataset = _dataset()
    first = RowSum()
    got = extract_samples(META, first, dataset, workers=1)
    assert first.calls == 6
    assert got.report["extraction"]["n_computed"] == 6
    assert got.report["n_big"] == 3 and got.summary.startswith("3 big; 0 of 6")
    second = RowSum()
    again = extract_samples(META, second, dataset, workers=1)
    assert second.calls == 0 and again.report["extraction"]["n_from_cache"] == 6
    np.testing.assert_array_equal(got.values, again.values)
    assert again.report["n_big"] == 3  # notes come back from the cache too
    entry = next((cache_dir / "features" / "row-sum").glob("*/*.npz"))
    entry.write_bytes(b"not an npz")
    third = RowSum()
    repaired = extract_samples(META, third, dataset, workers=1)
    assert third.calls == 1
    assert repaired.report["extraction"]["n_damaged_recomputed"] == 1
    assert "1 damaged cache entries replaced" in repaired.summary
    np.testing.assert_array_equal(got.values, repaired.values)
    other = RowSum(scale=2.0)  # other parameters: other entries
    assert extract_samples(META, other, dataset, workers=1).values[1, 0] == 2 * got.values[1, 0]
    assert other.calls == 6


def test_an_interrupted_extraction_resumes(cache_dir: Path) -> None:
    dataset = _dataset()
    broken = RowSum(fail_on="x3")
    with pytest.raises(MerbenchError, match="x3"):
        extract_samples(META, broken, dataset, workers=1)
    assert broken.calls == 3
    resumed = RowSum()
    done = extract_samples(META, resumed, dataset, workers=1)
    assert resumed.calls == 3 and done.report["extraction"]["n_from_cache"] == 3


def test_parallel_extraction_equals_sequential(cache_dir: Path) -> None:
    dataset = _dataset(9)
    sequential = extract_samples(META, RowSum(), dataset, workers=1, use_cache=False)
    parallel = extract_samples(META, RowSum(), dataset, workers=2)
    np.testing.assert_array_equal(sequential.values, parallel.values)
    assert parallel.report["extraction"]["workers"] == 2
    assert parallel.report["extraction"]["n_computed"] == 9
    assert len(list((cache_dir / "features" / "row-sum").glob("*/*.npz"))) == 9
    with pytest.raises(MerbenchError, match="sample x4 is broken"):
        extract_samples(META, RowSum(fail_on="x4", scale=3.0), dataset, workers=2)


def test_cache_info_and_clear(cache_dir: Path, cli) -> None:
    extract_samples(META, RowSum(), _dataset(), workers=1)
    FeatureCache("other", 1, {}).store("ab" * 32, np.zeros(2), {})
    landmarks = cache_dir / "landmarks68" / "ab"
    landmarks.mkdir(parents=True)
    (landmarks / "abcd.npz").write_bytes(b"x")
    keep = cache_dir / "notes"
    keep.mkdir()
    (keep / "mine.txt").write_text("not a cache entry")
    stores = {info.name: info.entries for info in cache_info()}
    assert stores == {"row-sum": 6, "other": 1, "landmarks68": 1}
    code, out, err = cli("cache", "info")
    assert code == 0 and "row-sum" in out and "landmarks68" in out and " 8 " in out
    code, out, err = cli("cache", "clear", "--feature", "nope")
    assert code == 2 and err.count("\n") == 1 and "row-sum" in err
    code, out, err = cli("cache", "clear", "--feature", "row-sum")
    assert code == 0 and "cleared 6 entries" in out
    assert {info.name for info in cache_info()} == {"other", "landmarks68"}
    assert [info.name for info in clear_cache()] == ["other", "landmarks68"]
    assert cache_info() == [] and (keep / "mine.txt").exists()
    code, out, err = cli("cache", "info")
    assert code == 0 and "empty" in out
