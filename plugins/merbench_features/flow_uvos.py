"""``flow-uvos``: the 28x28 onset-to-apex optical-flow image as the released composite has it.

Definition (part of the feature's version):
- input: the dataset's ``flow_uvos`` source, an H x W x 3 uint8 image exactly as OpenCV reads
  the released PNG, i.e. channels in file (B, G, R) order = (optical strain, v, u), each
  channel min-max scaled to 0..255 per image;
- output: float32 array (N, 3, H, W) with the channels in that same order (strain, v, u) and
  the raw 0..255 values, which is what the STSTNet / HTNet / OFF-ApexNet authors feed their
  networks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from merbench.api import Dataset, MerbenchError


def flow_uvos_to_input(images: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) uint8 released images -> (N, 3, H, W) float32, channel order kept."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise MerbenchError(
            f"flow-uvos expects images of shape (N, H, W, 3); got {tuple(images.shape)}"
        )
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=np.float32)


def build_flow_uvos() -> Callable[[Dataset], np.ndarray]:
    def extract(dataset: Dataset) -> np.ndarray:
        return flow_uvos_to_input(dataset.read_all("flow_uvos"))

    return extract
