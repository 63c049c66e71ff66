"""``export --layout`` writes a training set the authors' code learns from, so a dataset of
one class is refused as ``run`` refuses it, in run's words: ``frame-pairs`` (the real onset /
apex pairs, unlabelled, for ``export --compare``) was written as HTNet's layout with every
sample in class folder ``0``, which the authors' script reads as "negative"."""

from __future__ import annotations

from pathlib import Path

import pytest

from merbench.export.layouts import LAYOUTS


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache of the test's own: before the refusal, the flows were computed into it."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.realdata
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_an_unlabelled_dataset_is_no_training_layout(real_data: Path, tmp_path: Path, cli,
                                                     layout: str) -> None:
    pairs = ("-d", "frame-pairs", "--data-root", real_data / "samples" / "onset_apex_pairs")
    code, said, err = cli("export", *pairs, "--layout", layout, "--out", tmp_path / "lay",
                          "--workers", "1", "--quiet")
    assert code == 2 and said == "" and err.count("\n") == 1, err
    assert err == ("merbench: error: dataset 'frame-pairs': every sample is of class "
                   f"'unlabelled'; a training layout (--layout {layout}) needs samples of two "
                   "classes at least, or there is nothing to tell apart; to compare its "
                   "preprocessing with a release, give --compare RELEASE_DIR instead of "
                   "--layout\n")
    assert not (tmp_path / "lay").exists()  # nothing written
