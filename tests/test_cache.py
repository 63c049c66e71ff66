"""The feature cache: keys, damaged entries, resuming, and `merbench cache info|clear`, which
clears only what merbench wrote and refuses a cache folder holding anything else."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from merbench.base.cache import MANIFEST, FeatureCache, _remove_store, cache_info, clear_cache
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


def test_a_few_samples_are_extracted_here_by_default(cache_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """By default one worker per core, and one per 16 samples at most: a pool's processes
    spend a second each importing before their first sample, which nine samples never pay
    back (the suite's runs started a pool for each small raw dataset). Asked for, a pool
    is what is asked."""
    from merbench.features import extraction

    monkeypatch.setattr(extraction, "usable_cores", lambda: 8)
    assert [extraction.default_workers(n) for n in (1, 9, 31, 32, 100, 1000)] == \
        [1, 1, 1, 2, 6, 8]
    assert extraction.default_workers() == 8
    found = extract_samples(META, RowSum(), _dataset(9))
    assert found.report["extraction"]["workers"] == 1


def _real_cache(root: Path) -> None:
    """A cache as merbench writes it: two feature stores and a per-item store beside them."""
    extract_samples(META, RowSum(), _dataset(), workers=1, cache_root=root)
    FeatureCache("other", 1, {}, root).store("ab" * 32, np.zeros(2), {})
    FeatureCache("landmarks68", 1, {}, root, store="landmarks68").store("cd" * 32,
                                                                        np.zeros(2), {})


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (links not followed) with a file's bytes."""
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() and not p.is_symlink()
            else None for p in sorted(root.rglob("*"))}


def test_stores_carry_a_manifest_naming_merbench(cache_dir: Path) -> None:
    _real_cache(cache_dir)
    manifest = json.loads((cache_dir / "features" / "row-sum" / MANIFEST).read_text())
    assert manifest["written_by"] == "merbench" and manifest["schema"] == 1
    assert manifest["kind"] == "feature-cache-store" and manifest["store"] == "features/row-sum"
    assert json.loads((cache_dir / "landmarks68" / MANIFEST).read_text())["store"] == \
        "landmarks68"
    # A folder that already holds files without a manifest is refused, never adopted.
    old = cache_dir / "features" / "old" / "ab"
    old.mkdir(parents=True)
    (old / f"{'ab' * 32}.npz").write_bytes(b"an older merbench's entry")
    with pytest.raises(MerbenchError, match=r"merbench-store.json' is missing"):
        FeatureCache("old", 1, {}, cache_dir).store("cd" * 32, np.zeros(2), {})
    assert not (cache_dir / "features" / "old" / MANIFEST).exists()
    assert [p.name for p in old.iterdir()] == [f"{'ab' * 32}.npz"]
    # An empty folder holds nothing of anyone's: merbench marks it when it starts the store.
    (cache_dir / "features" / "empty").mkdir()
    FeatureCache("empty", 1, {}, cache_dir).store("cd" * 32, np.zeros(2), {})
    assert (cache_dir / "features" / "empty" / MANIFEST).is_file()


def test_cache_info_and_clear(cache_dir: Path, cli) -> None:
    _real_cache(cache_dir)
    stores = {info.name: info.entries for info in cache_info()}
    assert stores == {"row-sum": 6, "other": 1, "landmarks68": 1}
    code, out, err = cli("cache", "info")
    assert code == 0 and "row-sum" in out and "landmarks68" in out and " 8 " in out
    assert "did not write" not in out
    code, out, err = cli("cache", "clear", "--feature", "nope")
    assert code == 2 and err.count("\n") == 1 and "row-sum" in err
    code, out, err = cli("cache", "clear", "--feature", "row-sum")
    assert code == 0 and "cleared 6 entries" in out
    assert {info.name for info in cache_info()} == {"other", "landmarks68"}
    assert [info.name for info in clear_cache()] == ["other", "landmarks68"]
    assert cache_info() == []
    code, out, err = cli("cache", "info")
    assert code == 0 and "empty" in out
    code, out, err = cli("cache", "clear")
    assert code == 0 and "nothing to clear" in out


def test_a_real_cache_is_cleared_completely(cache_dir: Path, cli) -> None:
    _real_cache(cache_dir)
    shard = next((cache_dir / "features" / "row-sum").glob("*/*.npz")).parent
    # what a killed write leaves: merbench's own temporary files, in a shard and a store
    (shard / f".{'ab' * 32}.npz.999999.x1.merbench-tmp").write_bytes(b"half")
    (cache_dir / "landmarks68" / f".{MANIFEST}.999999.x2.merbench-tmp").write_bytes(b"{")
    code, out, err = cli("cache", "clear")
    assert code == 0, err
    assert "cleared 8 entries" in out and "other, row-sum, landmarks68" in out
    assert _snapshot(cache_dir) == {"features": None}  # the root and features/ stay, empty


# Each case alone must make `cache clear` refuse: (path under the root, what it holds). A
# store whose marker is damaged or missing (a folder of files in features/), or a link where
# a store belongs, is refused too, in extract's words (test_refusals_84w_cache,
# test_refusals_84x_cache).
FOREIGN = {
    "a folder of dot-files": (".java/.userPrefs/.user.lock", b""),
    "a dot-file": (".profile", b"export PATH"),
    "a file": ("passwd", b"root:x:0:0"),
    "an empty foreign folder in features/": ("features/empty/", None),
    "a file in a store": ("features/row-sum/README", b"mine"),
    "a file in a shard": ("landmarks68/cd/mine.txt", b"mine"),
    "a dot-file in a store": ("features/other/.hidden", b"mine"),
}


@pytest.mark.parametrize("case", FOREIGN)
def test_a_root_holding_anything_else_is_refused_and_nothing_deleted(
        cache_dir: Path, cli, case: str) -> None:
    _real_cache(cache_dir)
    relative, data = FOREIGN[case]
    path = cache_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        path.mkdir()
    else:
        path.write_bytes(data)
    before = _snapshot(cache_dir)
    code, out, err = cli("cache", "clear")
    assert code == 2 and err.count("\n") == 1 and out == ""
    assert "refusing to clear" in err and "nothing was deleted" in err
    top = relative.rstrip("/").split("/")
    assert repr("/".join(top[:2] if top[0] == "features" else top[:1])) in err or \
        repr(relative) in err
    with pytest.raises(MerbenchError, match="nothing was deleted"):
        clear_cache()
    assert _snapshot(cache_dir) == before
    code, out, err = cli("cache", "info")
    assert code == 0 and "did not write" in out and "refuse" in out
    # one store's clear minds only what lies inside that store: it deletes nothing else
    code, out, err = cli("cache", "clear", "--feature", "row-sum")
    if relative.startswith("features/row-sum/"):
        assert code == 2 and "refusing to clear" in err and repr(relative) in err, err
        assert _snapshot(cache_dir) == before
    else:
        assert code == 0 and "row-sum" in out, err
        assert os.path.lexists(path) and not (cache_dir / "features" / "row-sum").exists()


def test_a_link_in_the_root_is_refused_and_its_target_kept(cache_dir: Path, tmp_path: Path,
                                                          cli) -> None:
    _real_cache(cache_dir)
    elsewhere = tmp_path / "elsewhere"
    FeatureCache("theirs", 1, {}, elsewhere).store("ab" * 32, np.zeros(2), {})
    os.symlink(elsewhere / "features" / "theirs", cache_dir / "features" / "theirs")
    before, kept = _snapshot(cache_dir), _snapshot(elsewhere)
    code, _out, err = cli("cache", "clear")
    link = cache_dir / "features" / "theirs"
    assert code == 2 and f"'{link}' is a symbolic link (to {os.readlink(link)}) where" in err
    assert _snapshot(cache_dir) == before and _snapshot(elsewhere) == kept


def test_a_store_moved_elsewhere_is_not_taken_for_one(cache_dir: Path, cli) -> None:
    _real_cache(cache_dir)
    (cache_dir / "features" / "other").rename(cache_dir / "features" / "renamed")
    code, _out, err = cli("cache", "clear")
    assert code == 2 and "'features/renamed'" in err
    assert (cache_dir / "features" / "renamed" / MANIFEST).is_file()


def test_an_old_store_without_a_manifest_is_named_with_how_to_remove_it(
        cache_dir: Path, cli) -> None:
    _real_cache(cache_dir)
    (cache_dir / "features" / "row-sum" / MANIFEST).unlink()  # as merbench wrote it before
    before = _snapshot(cache_dir)
    code, _out, err = cli("cache", "clear")
    assert code == 2 and err.count("\n") == 1
    marker = cache_dir / "features" / "row-sum" / MANIFEST
    assert f"the store marker '{marker}' is missing, as in a store an older merbench" in err
    assert f"rm -r {cache_dir / 'features' / 'row-sum'}" in err
    assert _snapshot(cache_dir) == before


def test_a_cache_path_that_is_a_file_is_an_error_not_empty(tmp_path: Path, cli,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cache"
    path.write_text("not a folder")
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(path))
    for action in ("info", "clear"):
        code, out, err = cli("cache", action)
        assert code == 2 and err.count("\n") == 1 and out == ""
        assert f"MERBENCH_CACHE_DIR={path} is a file, not a folder" in err
        assert "empty" not in err
    assert path.read_text() == "not a folder"


def test_a_missing_cache_is_nothing_to_clear(cache_dir: Path, cli) -> None:
    code, out, err = cli("cache", "clear")
    assert code == 0 and out == f"no cache at {cache_dir}: nothing to clear\n" and err == ""
    code, out, err = cli("cache", "info")
    assert code == 0 and "nothing has been cached there yet" in out and "empty" not in out
    assert not cache_dir.exists()


def test_clearing_deletes_only_what_it_checked_and_keeps_the_store_marked(
        cache_dir: Path) -> None:
    """Something written into a store between the check and the deletion (an extraction
    running meanwhile, or anyone's) is neither deleted nor left in an unmarked folder."""
    _real_cache(cache_dir)
    store = cache_dir / "features" / "row-sum"
    stray = next(store.glob("*/*.npz")).parent / "arrived-meanwhile.txt"
    stray.write_text("mine")
    with pytest.raises(MerbenchError, match=r"could not finish clearing .*row-sum.* again"):
        _remove_store(store)
    assert stray.read_text() == "mine" and (store / MANIFEST).is_file()
    assert not list(stray.parent.glob("*.npz"))  # the entries beside it were merbench's
    stray.unlink()
    assert {info.name for info in clear_cache()} == {"row-sum", "other", "landmarks68"}
    assert _snapshot(cache_dir) == {"features": None}


def test_an_entry_written_as_the_last_one_goes_keeps_the_store_marked(
        cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest goes last; if an entry arrives just then, the manifest comes back, so
    the next clear still knows the store for merbench's."""
    _real_cache(cache_dir)
    store = cache_dir / "features" / "other"
    late = store / "ef" / f"{'ef' * 32}.npz"
    real_unlink = Path.unlink

    def unlink_then_write(self: Path, missing_ok: bool = False) -> None:
        real_unlink(self, missing_ok=missing_ok)
        if self.name == MANIFEST:
            late.parent.mkdir()
            late.write_bytes(b"written by an extraction meanwhile")

    with monkeypatch.context() as patch, \
            pytest.raises(MerbenchError, match="could not finish clearing"):
        patch.setattr(Path, "unlink", unlink_then_write)
        _remove_store(store)
    assert late.is_file() and (store / MANIFEST).is_file()
    assert {info.name: info.entries for info in cache_info()}["other"] == 1


def test_clear_leaves_a_store_a_command_is_writing(cache_dir: Path, cli) -> None:
    """``cache clear`` during an extract deleted the entries the extract then reported as
    cached (pass 84k, R19): a store a live writer holds is refused, nothing deleted."""
    writer = FeatureCache("busy", 1, {}, cache_dir)
    writer.store("ab" * 32, np.zeros(2), {})
    code, out, err = cli("cache", "clear")
    assert code == 2 and err == (
        f"merbench: error: a merbench command is writing the store 'busy' of the cache in "
        f"{cache_dir} now; nothing was cleared: run 'merbench cache clear' again once that "
        "command has ended\n"), err
    assert [info.entries for info in cache_info()] == [1]
    del writer  # the command has ended
    code, out, err = cli("cache", "clear")
    assert code == 0 and "cleared 1 entries" in out, err
