"""Bi-WOOF from raw frames: the feature on real CASME II frames and a raw dataset end to end."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from merbench_handcrafted.biwoof_raw import build_biwoof

from merbench.base.errors import MerbenchError

pytestmark = pytest.mark.realdata


def _frames(real_data: Path) -> list[np.ndarray]:
    return [cv2.imread(str(p)) for p in sorted(Path(real_data, "samples/casme2_sequence")
                                               .glob("*.jpg"))]


def test_onset_to_itself_is_all_zero_and_onset_to_apex_is_unit_length(real_data: Path) -> None:
    frames = _frames(real_data)
    feature = build_biwoof(face="frame")  # the CASME II frames are cropped faces already
    still = feature.compute({"onset_frame": frames[0], "apex_frame": frames[0]}, "s")
    assert still.values.shape == (200,) and not still.values.any()
    moved = feature.compute({"onset_frame": frames[0], "apex_frame": frames[-1]}, "s")
    np.testing.assert_allclose(np.linalg.norm(moved.values), 1.0, rtol=1e-6)
    assert "descriptor" in feature.params and "grid" not in feature.params
    with pytest.raises(MerbenchError, match="differ in size"):
        feature.compute({"onset_frame": frames[0], "apex_frame": frames[0][:100]}, "s")


def test_biwoof_svm_runs_from_raw_frames(real_data: Path, tmp_path: Path, cli,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import merbench_handcrafted.plugin as handcrafted
    from merbench_datasets import casme2
    from rawtrees import SHEETS, write_clips

    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("handcrafted-dev", handcrafted)]))
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "casme2"
    (root / "Cropped").mkdir(parents=True)
    sheet = str(real_data / SHEETS["casme2"])
    table, _ = casme2.annotation_table(str(root), sheet)
    write_clips("casme2", table[table["subject"].isin(["sub01", "sub02", "sub04"])])
    for clip, path in enumerate(sorted((root / "Cropped").rglob("*.jpg"))):
        texture = cv2.GaussianBlur(np.random.default_rng(clip // 4).integers(0, 255, (80, 96))
                                   .astype(np.uint8), (0, 0), 2)
        shift = int(path.stem.removeprefix("reg_img")) % 5
        assert cv2.imwrite(str(path), np.roll(texture, shift, axis=1)[8:72, 8:88])
    code, _, err = cli("run", "--model", "biwoof-svm", "--dataset", "casme2",
                         "--data-root", root, "--dataset-opt", f"sheet={sheet}",
                         "--dataset-opt", 'subjects=["sub01","sub02","sub04"]',
                         "--dataset-opt", "classes=3", "--feature-opt", "face=frame",
                         "--feature-opt", "size=64", "--workers", "1", "--quiet",
                         "--no-plugin", "handcrafted", "--out", tmp_path / "run")
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["feature"]["name"] == "biwoof" and results["protocol"]["n_folds"] == 3
    assert all("C" in fold["fit_report"] for fold in results["folds"])
