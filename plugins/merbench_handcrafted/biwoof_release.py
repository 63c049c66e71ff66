"""``biwoof-release``: Bi-WOOF computed on the public composite's 28x28 flow images.

This is **not** the original Bi-WOOF, which reads the TV-L1 flow of the raw onset and apex
frames. The composite release has only a 28x28 image per sample whose channels, in the
(B, G, R) order OpenCV reads, are (optical strain, v, u), each min-max scaled to 0..255 on its
own, per image, and rounded to uint8. What that scaling does:

- **Zero motion is no longer 0.** A channel value ``c`` is stored as
  ``255 (c - min c) / (max c - min c)``, so a still pixel gets ``255 (-min c) / (max c - min c)``,
  a different number in every image and in u and v. Taken as they are, all vectors point into
  [0°, 90°] and the magnitudes are distances from the most-negative corner, not motion.
- **u and v are scaled by different gains** (255 / range of u, 255 / range of v), so even
  after moving zero back, every orientation is sheared by an unknown, per-image factor; it
  cannot be undone without the ranges, which the release does not keep.
- **Magnitudes are per-image units**: the largest flow range of each image becomes 255, so how
  strong the motion was, compared across samples, is lost. Bi-WOOF's per-block normalisation and
  final L2 norm discard a global scale anyway, so this matters less than the two points above.
- **Strain** (>= 0) is scaled the same way; its minimum, the least-strained pixel and close to
  0, becomes 0, so strain is used as released: its gain cancels in the final L2 norm.
- Rounding to uint8 adds up to ±0.5 of quantisation, which dominates where motion is small.

Option ``centre`` (how zero motion is put back, part of the feature's identity):
``"median"`` (default) subtracts each image's median u and median v, on the assumption that
the typical pixel of an aligned face does not move between onset and apex; ``"none"`` uses the
released 0..255 values as they are (what a naive port computes; kept to show the difference).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from merbench.api import Dataset, Extracted, MerbenchError

CENTRES = ("median", "none")


def release_channels(images: np.ndarray, centre: str = "median"
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, strain), each (N, H, W) float64, of (N, H, W, 3) released flow images."""
    if centre not in CENTRES:
        raise MerbenchError(f"biwoof-release: centre must be one of {', '.join(CENTRES)}, "
                            f"not {centre!r}")
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise MerbenchError("biwoof-release expects flow images of shape (N, H, W, 3) in the "
                            f"release's (strain, v, u) channel order; got {tuple(images.shape)}")
    values = images.astype(np.float64)
    strain, v, u = values[..., 0], values[..., 1], values[..., 2]
    if centre == "median":
        u = u - np.median(u, axis=(1, 2), keepdims=True)
        v = v - np.median(v, axis=(1, 2), keepdims=True)
    return u, v, strain


def build_biwoof_release(centre: str = "median") -> Callable[[Dataset], Extracted]:
    """The extractor; ``centre`` says how zero motion is restored (see the module docs)."""
    if centre not in CENTRES:
        raise ValueError(f"centre must be one of {', '.join(CENTRES)}")

    def extract(dataset: Dataset) -> Extracted:
        from merbench_handcrafted.biwoof import biwoof

        u, v, strain = release_channels(dataset.read_all("flow_uvos"), centre)
        values = biwoof(u, v, strain)
        zero = int((~values.any(axis=1)).sum())
        return Extracted(values.astype(np.float32),
                         report={"centre": centre, "all_zero_samples": zero},
                         summary=f"Bi-WOOF on the released 28x28 flow images, zero motion "
                                 f"restored by centre={centre}; {zero} sample(s) all zero")

    return extract
