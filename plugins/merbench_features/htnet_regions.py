"""``htnet-regions``: HTNet's input, four 14x14 flow patches around the eyes and mouth corners.

Definition (part of the feature's version), following the HTNet authors' code:

1. Five points from the 68 landmarks of the ``landmarks`` feature (normalised (x, y)), in the
   order of the MTCNN keypoints the authors used: left eye = mean of points 36-41 (the eye on
   the image's left), right eye = mean of 42-47, nose tip = point 30, left mouth corner = 48,
   right mouth corner = 54.
2. Each coordinate times 28 (the flow image's size), truncated with ``int()`` as the authors
   do, then clamped to [7, 21] so that a 14x14 patch around it stays inside the image.
3. Around each of the four eye / mouth points (the nose is dropped) a 14x14 patch of the 28x28
   flow image: with ``crop="reference"`` (the default) ``flow[x-7:x+7, y-7:y+7]``, the
   authors' indexing, which uses x as the *row*, so each patch is centred on the point
   mirrored across the diagonal (this reproduces the paper's numbers); with
   ``crop="corrected"`` ``flow[y-7:y+7, x-7:x+7]``, the patch centred where the landmark is.
4. Tiled as the authors do: top row [left eye | right eye], bottom row [left mouth corner |
   right mouth corner], giving 28x28x3 in the flow image's channel order (strain, v, u), then
   converted like ``flow-uvos``: float32 (N, 3, 28, 28), raw 0..255.

The authors placed MTCNN's five points on the apex image resized to 28x28, with a fixed
fallback when no face was found; merbench places dlib's 68 points on the 224x224 apex image
(``landmarks``), which assumes, as the authors do, that the apex crop and the flow image frame
the same face. The crop used (also when it is the default), how many samples had a point
clamped, and the landmarks report (how many samples had no face detected) go into the run's
results. On the 442 composite samples 333 have at least one eye or mouth point clamped (the
release's crops put the mouth corners near the bottom edge of the 28x28 grid).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from merbench.api import Dataset, Extracted, MerbenchError
from merbench_features.flow_uvos import flow_uvos_to_input
from merbench_features.landmarks import landmarks_for

CROPS = ("reference", "corrected")
GRID = 28
HALF = 7
LOW, HIGH = HALF, GRID - HALF  # 7 .. 21
REGIONS = ("left eye", "right eye", "nose", "left mouth corner", "right mouth corner")
TILED = (0, 1, 3, 4)  # the nose (2) is dropped


def five_points(landmarks: np.ndarray) -> np.ndarray:
    """(N, 68, 2) -> (N, 5, 2): left eye, right eye, nose tip, left and right mouth corner."""
    landmarks = np.asarray(landmarks, dtype=np.float64)
    return np.stack([landmarks[:, 36:42].mean(axis=1), landmarks[:, 42:48].mean(axis=1),
                     landmarks[:, 30], landmarks[:, 48], landmarks[:, 54]], axis=1)


def grid_points(points: np.ndarray, grid: int = GRID) -> np.ndarray:
    """Normalised (x, y) -> integer grid coordinates: times ``grid``, truncated toward zero
    like Python's ``int()``, clamped to [7, grid - 7].

    The product is rounded to 4 decimals before truncating: normalised points are float32,
    and a point exactly on a grid line (dlib's integer pixel 72 of 224 is 9.0 on 28) would
    otherwise come back as 8.9999995 and land one cell off.
    """
    return np.clip(_truncated(points, grid), HALF, grid - HALF)


def _truncated(points: np.ndarray, grid: int) -> np.ndarray:
    return np.trunc(np.round(np.asarray(points, dtype=np.float64) * grid, 4)).astype(np.int64)


def tile_regions(flows: np.ndarray, points: np.ndarray, crop: str = "reference") -> np.ndarray:
    """(N, 28, 28, C) flow images and (N, 5, 2) integer (x, y) grid points -> (N, 28, 28, C):
    [left eye | right eye] over [left mouth | right mouth], cropped as ``crop`` says."""
    if crop not in CROPS:
        raise ValueError(f"crop must be one of {', '.join(CROPS)} (got {crop!r})")
    out = np.empty_like(flows)
    for n, (image, five) in enumerate(zip(flows, points, strict=True)):
        patches = []
        for region in TILED:
            x, y = (int(v) for v in five[region])
            if crop == "reference":
                patches.append(image[x - HALF:x + HALF, y - HALF:y + HALF])
            else:
                patches.append(image[y - HALF:y + HALF, x - HALF:x + HALF])
        top = np.concatenate(patches[:2], axis=1)
        bottom = np.concatenate(patches[2:], axis=1)
        out[n] = np.concatenate([top, bottom], axis=0)
    return out


def build_htnet_regions(crop: str = "reference",
                        cache_dir: str | None = None) -> Callable[[Dataset], Extracted]:
    """The ``htnet-regions`` feature; ``crop`` is "reference" (authors') or "corrected"."""
    if crop not in CROPS:
        raise ValueError(f"crop must be one of {', '.join(CROPS)} (got {crop!r})")

    def extract(dataset: Dataset) -> Extracted:
        flows = np.asarray(dataset.read_all("flow_uvos"))
        if flows.ndim != 4 or flows.shape[1:] != (GRID, GRID, 3):
            raise MerbenchError(
                f"htnet-regions crops {GRID}x{GRID}x3 flow images; dataset '{dataset.name}' "
                f"gives {'x'.join(map(str, flows.shape[1:]))}"
            )
        landmarks = landmarks_for(dataset, cache_dir)
        five = five_points(landmarks.points)
        points = grid_points(five)
        values = flow_uvos_to_input(tile_regions(flows, points, crop))
        moved = _truncated(five[:, TILED], GRID) != points[:, TILED]
        clamped = int(moved.any(axis=(1, 2)).sum())
        by_region = moved.any(axis=2).sum(axis=0)
        report = {"crop": crop, "grid_points_clamped": clamped,
                  "grid_points_clamped_by_region": {REGIONS[r]: int(c) for r, c in
                                                    zip(TILED, by_region, strict=True)},
                  "landmarks": landmarks.report}
        variant = "the authors' transposed indexing" if crop == "reference" \
            else "centred on the landmarks"
        summary = (f"crop={crop} ({variant}); {clamped} of {len(flows)} samples had an "
                   f"eye or mouth point clamped to [{LOW}, {HIGH}]; landmarks: "
                   f"{landmarks.summary}")
        return Extracted(values, report, summary)

    return extract
