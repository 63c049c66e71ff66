"""Frames for the flow-feature tests: synthetic textured pairs with a known motion, the real
onset/apex pairs and CASME II sequence of MERBENCH_TEST_DATA, and datasets built from them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from merbench_datasets.framepairs import read_pair as read_gif_pair  # noqa: F401 (re-exported)

from merbench.data.dataset import InMemoryDataset

PAIRS = ("006_006_1_2", "s03_s03_po_11", "sub11_EP15_04f")


def textured_pair(seed: int = 0, height: int = 120, width: int = 100,
                  shift: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(onset, apex, true u): a smooth random BGR texture and the same texture moved right
    by u = shift * x / width pixels (so u grows from 0 at the left edge to ``shift``)."""
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.random((height, width)).astype(np.float32)
    texture = cv2.GaussianBlur(noise, (0, 0), 2.0)
    texture = (texture - texture.min()) / (texture.max() - texture.min()) * 255
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    u = shift * grid_x / width
    apex = cv2.remap(texture, grid_x - u, grid_y, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)
    onset = np.repeat(np.rint(texture).astype(np.uint8)[:, :, None], 3, axis=2)
    apex = np.repeat(np.rint(apex).astype(np.uint8)[:, :, None], 3, axis=2)
    return onset, apex, u


def frames_dataset(onsets: list[np.ndarray], apexes: list[np.ndarray],
                   name: str = "frames", subjects: list[str] | None = None,
                   labels: list[int] | None = None) -> InMemoryDataset:
    """A dataset giving ``onset_frame`` and ``apex_frame`` (object arrays: sizes may differ)."""
    n = len(onsets)
    subjects = subjects or [f"s{i}" for i in range(n)]
    samples = pd.DataFrame({"sample_id": [f"{name}_{i:02d}" for i in range(n)],
                            "database": "lab", "subject": subjects,
                            "label": labels or [i % 3 for i in range(n)]})
    onset_array = np.empty(n, dtype=object)
    apex_array = np.empty(n, dtype=object)
    for i in range(n):
        onset_array[i], apex_array[i] = onsets[i], apexes[i]
    return InMemoryDataset(name, samples, ("negative", "positive", "surprise"),
                           {"onset_frame": onset_array, "apex_frame": apex_array})


def casme2_frame(root: Path, number: int) -> np.ndarray:
    import cv2

    frame = cv2.imread(str(root / "samples" / "casme2_sequence" / f"{number:03d}.jpg"),
                       cv2.IMREAD_COLOR)
    assert frame is not None
    return frame
