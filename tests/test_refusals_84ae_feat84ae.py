"""Pass 84ae, AE1 and AE2: a feature's option and a features file past what fits.

AE1: ``size`` of apex-face, flow-and-apex, onset-apex-224 and hsta-clip had a lower bound
only; ``size=1e9`` failed in numpy's or OpenCV's words ("array is too big", "Failed to
allocate"), blamed on the plugin with "report it to the authors". It is now refused when the
feature is built, in tvl1-uvos's words, as are onset-apex-224's ``jitter_frames`` and
hsta-clip's ``candidates`` past what a sample's frames can give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import one_line


def _extract(cli: Any, real_data: Path, feature: str, option: str) -> tuple[int, str]:
    if feature in ("apex-face", "flow-and-apex"):
        data = ("-d", "composite", "--data-root", real_data / "composite")
    else:
        data = ("-d", "frame-pairs", "--data-root", real_data / "samples" / "onset_apex_pairs")
    code, _, err = cli("extract", *data, "-f", feature, "-q", "--workers", "1",
                       "--feature-opt", option, "--save", "x.npz", "--force")
    return code, one_line(err)


@pytest.mark.parametrize("feature", ["apex-face", "flow-and-apex", "onset-apex-224",
                                     "hsta-clip"])
def test_a_huge_size_is_refused_as_the_features_option(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any, real_data: Path,
        feature: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, line = _extract(cli, real_data, feature, "size=1e9")
    assert code == 2 and line == (
        f"merbench: error: feature '{feature}' cannot be built with size=1000000000: size must "
        "be a whole number of pixels from 16 to 1024 (got 1000000000); change the option"), line
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize(("feature", "option", "said"), [
    ("onset-apex-224", "jitter_frames=100000",
     "feature onset-apex-224: jitter_frames must be 0 or a whole number from 2 to 50 (got "
     "100000)"),
    ("hsta-clip", "candidates=100000",
     "feature hsta-clip: candidates must be a whole number from 1 to 51, the most frames a "
     "span holds (got 100000)")])
def test_a_huge_count_of_frames_is_refused_as_the_features_option(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any, real_data: Path,
        feature: str, option: str, said: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, line = _extract(cli, real_data, feature, option)
    assert code == 2 and line == f"merbench: error: {said}", line


def test_the_largest_size_is_still_taken() -> None:
    from merbench_features.frames import build_apex_face, build_onset_apex

    build_apex_face(size=1024)
    assert build_onset_apex(size=1024, jitter_frames=50).size == 1024
