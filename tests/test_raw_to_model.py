"""From raw frames to scores: a raw database through tvl1-uvos, the cache and a model.

The pieces are tested on their own elsewhere; this checks that they fit: a dataset built from
the official layout and the real coding sheet is picklable for the extraction workers, its
frames go through the per-sample cache, and a model declared on the release's flow image
trains on the extracted one.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from merbench_datasets import casme2
from rawtrees import SHEETS, write_clips

pytestmark = pytest.mark.realdata

SUBJECTS = '["sub01","sub02","sub04"]'


@pytest.fixture
def casme2_tree(real_data: Path, tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / "Cropped").mkdir()
    sheet = str(real_data / SHEETS["casme2"])
    table, _ = casme2.annotation_table(str(tmp_path), sheet)
    write_clips("casme2", table[table["subject"].isin(["sub01", "sub02", "sub04"])])
    # rawtrees writes 8x6 frames; flow needs texture: a smooth pattern that drifts with time
    for clip, path in enumerate(sorted((tmp_path / "Cropped").rglob("*.jpg"))):
        texture = cv2.GaussianBlur(np.random.default_rng(clip // 4).integers(0, 255, (80, 96))
                                   .astype(np.uint8), (0, 0), 2)
        shift = int(path.stem.removeprefix("reg_img")) % 5
        assert cv2.imwrite(str(path), np.roll(texture, shift, axis=1)[8:72, 8:88])
    return tmp_path, sheet


def test_extract_then_run_from_raw_frames(casme2_tree: tuple[Path, str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, cli) -> None:
    run_dir = tmp_path.parent / f"{tmp_path.name}-run"  # beside the data it reads
    root, sheet = casme2_tree
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    dataset = ("--dataset", "casme2", "--data-root", root, "--dataset-opt", f"sheet={sheet}",
               "--dataset-opt", f"subjects={SUBJECTS}", "--dataset-opt", "classes=3")
    code, out, err = cli("extract", *dataset, "--feature", "tvl1-uvos",
                         "--feature-opt", "face=frame", "--workers", "2")
    assert code == 0, err
    n = 15  # of sub01, sub02 and sub04, those the 3-class mapping keeps
    assert f"{n} samples, 0 read from the cache, {n} computed (2 workers" in out, out
    code, out, err = cli("run", "--model", "ststnet", "--feature", "tvl1-uvos", *dataset,
                         "--feature-opt", "face=frame", "--epochs", "2", "--quiet",
                         "--out", run_dir)
    assert code == 0, err
    results = json.loads((run_dir / "results.json").read_text())
    assert results["feature"]["name"] == "tvl1-uvos"
    assert results["dataset"]["n_samples"] == n and results["protocol"]["n_folds"] == 3
    assert results["feature"]["report"]["extraction"]["n_from_cache"] == n
