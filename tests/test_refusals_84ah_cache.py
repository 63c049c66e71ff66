"""Pass 84ah, AH4: a cache entry that is a link to, or a copy of, another sample's entry.

Such an entry was read by ``extract`` (and ``run``) as this sample's values, exit 0, "read
from the cache", while ``cache info`` called the link a thing merbench did not write. A link
where an entry belongs is now one judgement of extract, info and clear, never read through;
each entry records its key, and one read under another key is damaged, recomputed and
replaced. Entries written before they recorded their key are computed once more.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from pathlib import Path

import numpy as np
import pytest

from merbench.base.cache import FeatureCache, survey_cache
from merbench.base.errors import MerbenchError
from merbench.features.extraction import extract_samples
from tests.test_refusals_84w_cache import META, RowSum, _dataset
from tests.test_refusals_84x_cache import _one_judgement, _tree


def _entries(root: Path) -> list[Path]:
    return sorted((root / "features" / "row-sum").glob("*/*.npz"))


def _true_values() -> np.ndarray:
    return extract_samples(META, RowSum(), _dataset(), workers=1, use_cache=False).values


def _link_words(link: Path, target: Path) -> str:
    return (f"'{link}' is a symbolic link (to {target}) where a cache entry belongs, and "
            "merbench keeps its cache inside the cache folder only; remove the link (rm "
            f"{shlex.quote(str(link))}), which leaves what it leads to as it is, and the "
            "entry is computed again")


def test_an_entry_linked_to_another_samples_entry_is_one_judgement_never_read(
        cached: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(cached))
    entries = _entries(cached)
    link, target = entries[2], entries[3]
    link.unlink()
    os.symlink(target, link)
    kept = target.read_bytes()
    _one_judgement(cached, cli, _link_words(link, target), "cannot use the feature cache")
    assert target.read_bytes() == kept and link.is_symlink()  # nothing written through it
    link.unlink()  # the fix said works
    again = RowSum()
    got = extract_samples(META, again, _dataset(), workers=1, cache_root=cached)
    assert again.calls == 1
    np.testing.assert_array_equal(got.values, _true_values())


@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_where_an_entry_belongs_is_refused_by_load_itself(
        cached: Path, tmp_path: Path, dangling: bool) -> None:
    """A link made after the store was checked is not read (nor replaced) either."""
    cache = FeatureCache("row-sum", 1, {}, cached)
    cache.check()
    entries = _entries(cached)
    link = entries[0]
    target = tmp_path / "gone.npz" if dangling else entries[1]
    link.unlink()
    os.symlink(target, link)
    with pytest.raises(MerbenchError) as caught:
        cache.load(link.name[:-4])
    assert str(caught.value) == ("cannot use the feature cache: "
                                 f"{_link_words(link, target)}")


def test_a_link_in_a_store_at_the_root_is_one_judgement_of_info_and_clear(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(root))
    points = FeatureCache("landmarks68", 1, {}, root, store="landmarks68")
    for key in ("ab" * 32, "cd" * 32):
        points.store(key, np.zeros(2), {})
    link, target = points.path("ab" * 32), points.path("cd" * 32)
    link.unlink()
    os.symlink(target, link)
    words = _link_words(link, target)
    assert survey_cache(root).damaged == [words]
    with pytest.raises(MerbenchError) as caught:
        points.check()
    assert str(caught.value) == f"cannot use the feature cache: {words}"
    code, out, _err = cli("cache", "info")
    assert code == 0 and words in out and "did not write" not in out
    code, _out, err = cli("cache", "clear")
    assert code == 2 and words in err and link.is_symlink()


def test_a_store_at_the_root_behind_a_link_is_one_judgement_of_extract_and_info(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A root-level store moved elsewhere and linked back: extract refused it in the link's
    words while info called it a thing merbench did not write."""
    root = tmp_path / "cache"
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(root))
    points = FeatureCache("landmarks68", 1, {}, root, store="landmarks68")
    points.store("ab" * 32, np.zeros(2), {})
    (root / "landmarks68").rename(tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", root / "landmarks68")
    with pytest.raises(MerbenchError) as caught:
        points.check()
    words = str(caught.value).split(": ", 1)[1]  # after "cannot write the feature cache"
    assert survey_cache(root).damaged == [words] and not survey_cache(root).foreign
    code, out, _err = cli("cache", "info")
    assert code == 0 and words in out and "did not write" not in out, out


def test_a_link_named_as_no_entry_is_merely_not_merbenchs(cached: Path) -> None:
    shard = _entries(cached)[0].parent
    os.symlink(_entries(cached)[1], shard / "notes.txt")
    FeatureCache("row-sum", 1, {}, cached).check()
    survey = survey_cache(cached)
    assert not survey.damaged
    assert survey.foreign == [f"features/row-sum/{shard.name}/notes.txt"]


def test_an_entry_copied_from_another_samples_is_damaged_and_replaced(cached: Path) -> None:
    entries = _entries(cached)
    entries[5].write_bytes(entries[4].read_bytes())
    entries[1].rename(entries[0])  # an entry renamed over another
    again = RowSum()
    got = extract_samples(META, again, _dataset(), workers=1, cache_root=cached)
    assert again.calls == 3
    assert got.report["extraction"]["n_damaged_recomputed"] == 2
    assert "3 computed (2 damaged cache entries replaced)" in got.summary
    np.testing.assert_array_equal(got.values, _true_values())
    third = RowSum()
    extract_samples(META, third, _dataset(), workers=1, cache_root=cached)
    assert third.calls == 0  # replaced under their own keys


def _checksum(values: np.ndarray, notes: bytes) -> str:
    """An entry's checksum of its values and notes, as entries have always had it."""
    digest = hashlib.sha256(f"{values.dtype.str}|{values.shape}|".encode())
    digest.update(np.ascontiguousarray(values).tobytes())
    digest.update(notes)
    return digest.hexdigest()


def _without_key(path: Path) -> None:
    """Rewrite the entry as entries were written before they recorded their key."""
    with np.load(path) as stored:
        values, notes = np.array(stored["values"]), stored["notes"].tobytes()
    with open(path, "wb") as handle:
        np.savez(handle, values=values, notes=np.frombuffer(notes, dtype=np.uint8),
                 sha256=np.array(_checksum(values, notes)))


def test_an_entry_written_before_entries_recorded_their_key_is_computed_once(
        cached: Path) -> None:
    entries = _entries(cached)
    for entry in entries:
        _without_key(entry)
    entries[5].write_bytes(entries[4].read_bytes())  # a copy among them is not read either
    again = RowSum()
    got = extract_samples(META, again, _dataset(), workers=1, cache_root=cached)
    assert again.calls == 6 and got.report["extraction"]["n_damaged_recomputed"] == 0
    np.testing.assert_array_equal(got.values, _true_values())
    with np.load(entries[5]) as stored:
        assert str(stored["key"]) == entries[5].name[:-4]
        assert json.loads(stored["notes"].tobytes()) == {}
    third = RowSum()
    extract_samples(META, third, _dataset(), workers=1, cache_root=cached)
    assert third.calls == 0


def test_nothing_else_in_the_tree_is_touched_by_a_refused_link(cached: Path) -> None:
    entries = _entries(cached)
    entries[0].unlink()
    os.symlink(entries[1], entries[0])
    before = _tree(cached)
    with pytest.raises(MerbenchError, match="where a cache entry belongs"):
        extract_samples(META, RowSum(), _dataset(), workers=1, cache_root=cached)
    assert _tree(cached) == before
