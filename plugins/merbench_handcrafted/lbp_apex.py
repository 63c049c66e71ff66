"""``lbp-apex``: uniform LBP histograms of the apex face, for the public composite release.

This is **not** LBP-TOP: the release has no frame sequence, only the 224x224 apex face, so
there is one spatial plane (XY) of one frame and no temporal planes (XT, YT), and nothing of
the motion between onset and apex. Definition (part of the feature's version):

- the apex face (B, G, R as ``cv2.imread`` gives it, or grey) -> grey with OpenCV's
  ``COLOR_BGR2GRAY`` -> resized to ``size`` x ``size`` (112, as LBP-TOP's faces) with
  ``INTER_AREA``;
- uniform LBP codes, 8 neighbours at radius 3 (scikit-image, 59 codes, see
  :mod:`merbench_handcrafted.lbp`);
- 8 x 8 blocks, one 59-bin histogram per block normalised to sum 1 -> 64 x 59 = 3776 values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from merbench.api import Dataset, MerbenchError

SIZE = 112
BLOCKS = 8


def to_grey(image: np.ndarray, size: int = SIZE) -> np.ndarray:
    """An H x W x 3 (B, G, R) or H x W uint8 image -> size x size uint8 grey."""
    import cv2

    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image, dtype=np.uint8), cv2.COLOR_BGR2GRAY)
    elif image.ndim != 2:
        raise MerbenchError(f"lbp-apex expects an H x W x 3 or H x W apex image; got shape "
                            f"{tuple(image.shape)}")
    return cv2.resize(np.ascontiguousarray(image, dtype=np.uint8), (size, size),
                      interpolation=cv2.INTER_AREA)


def lbp_apex(images: np.ndarray | list[np.ndarray], size: int = SIZE,
             blocks: int = BLOCKS) -> np.ndarray:
    """Apex faces -> (N, blocks * blocks * 59) float64 block histograms."""
    from merbench_handcrafted.lbp import block_histograms, lbp_codes

    codes = np.stack([lbp_codes(to_grey(image, size)) for image in images])
    return block_histograms(codes, blocks)


def build_lbp_apex() -> Callable[[Dataset], np.ndarray]:
    def extract(dataset: Dataset) -> np.ndarray:
        return lbp_apex(dataset.read_all("apex_face")).astype(np.float32)

    return extract
