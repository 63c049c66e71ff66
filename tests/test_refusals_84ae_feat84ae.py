"""Pass 84ae, AE1 and AE2: a feature's option and a features file past what fits.

AE1: ``size`` of apex-face, flow-and-apex, onset-apex-224 and hsta-clip had a lower bound
only; ``size=1e9`` failed in numpy's or OpenCV's words ("array is too big", "Failed to
allocate"), blamed on the plugin with "report it to the authors". It is now refused when the
feature is built, in tvl1-uvos's words, as are onset-apex-224's ``jitter_frames`` and
hsta-clip's ``candidates`` past what a sample's frames can give.

AE2: a ``--features FILE`` of finite but huge values gave NaN logits blamed on the model's
authors; the refusal now names the file, its largest value and how to write it again.
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


def test_a_features_file_of_huge_values_is_named_as_the_cause_not_the_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """AE2: features declare no range their values keep to, so a file of finite but huge
    values passes every check on load; the NaN logits it gives were blamed on the model's
    authors ("report it to the authors ... --no-plugin cnn"). The file is named instead."""
    import numpy as np

    monkeypatch.chdir(tmp_path)
    code, _, err = cli("extract", "-d", "synthetic", "-f", "flow-uvos", "-q", "--save",
                       "fu.npz")
    assert code == 0, err
    saved = dict(np.load("fu.npz"))
    saved["values"] = np.full_like(saved["values"], 3e38)
    np.savez("huge.npz", **saved)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--threads", "1", "--quiet", "--features", "huge.npz", "--out", "run")
    line = one_line(err)
    assert code != 0 and line.endswith(
        "its input came from huge.npz, whose values reach 3e+38, not from this run's "
        "extraction: the file is the likely cause; write it again with 'merbench extract "
        "--save FILE'. This run kept no fold"), line
    assert "report it to the authors" not in line and "--no-plugin" not in line, line
