"""Face alignment for flow features: one transform from the onset frame, used on both frames.

A flow between onset and apex is only meaningful if both frames are cut and rotated the same
way, so the transform is computed once, on the onset frame, and applied unchanged to the apex
frame. The definition (part of every feature version that uses it):

1. 68 landmarks on the onset frame with :func:`merbench_features.landmarks.detect_landmarks68`
   (dlib HOG detector on the frame padded by 40 px, largest face, 68-point predictor; cached
   per image under ``$MERBENCH_CACHE_DIR/landmarks68/``).
2. Rotation about the midpoint between the eye centres (means of points 36-41 and 42-47) by the
   angle of the eye line, so that the eyes lie on one horizontal line; no scaling.
3. Crop box: the bounding box of the 68 rotated points, widened by ``margin`` times its width
   on the left and right and times its height at the bottom, and by ``2 * margin`` times its
   height at the top (the 68 points stop at the eyebrows). Pixels outside the frame repeat the
   border (``BORDER_REPLICATE``).
4. Rotation and crop are one affine warp (bilinear) straight to ``size`` x ``size`` pixels,
   the working size of the flow.

When dlib finds no face on the onset frame the whole frame is the face: no rotation, the full
frame resized to ``size`` x ``size``; the caller counts and reports those samples.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from merbench.api import SampleExtractor
from merbench_features.landmarks import detect_landmarks68, extractor_settings

#: the largest working size a frame feature takes, in pixels a side: far above any face in the
#: databases (SAMM's 2040 x 1088 frames hold faces of about 400), and a size past it failed
#: deep in numpy or OpenCV, in their words, blamed on the plugin (pass 84ae, AE1)
MOST_PIXELS = 1024
LEFT_EYE = slice(36, 42)
RIGHT_EYE = slice(42, 48)


@dataclass(frozen=True)
class FaceTransform:
    """A 2x3 affine map from frame pixels to the ``size`` x ``size`` aligned face, and
    whether it is the whole-frame fallback (no face found)."""

    matrix: np.ndarray
    size: int
    fallback: bool
    angle_deg: float = 0.0

    def apply(self, frame: np.ndarray) -> np.ndarray:
        """``frame`` warped to the aligned ``size`` x ``size`` face (same dtype and channels)."""
        import cv2

        return cv2.warpAffine(frame, self.matrix, (self.size, self.size),
                              flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def check_size(size: object, least: int) -> int:
    """``size`` if it is a whole number of pixels from ``least`` to :data:`MOST_PIXELS`; a
    ValueError otherwise, which building words as the feature's option to change."""
    if isinstance(size, bool) or not isinstance(size, int) or not least <= size <= MOST_PIXELS:
        raise ValueError(f"size must be a whole number of pixels from {least} to "
                         f"{MOST_PIXELS} (got {size!r})")
    return size


def _box_to_square(x0: float, y0: float, x1: float, y1: float, size: int) -> np.ndarray:
    """The affine map (2x3) taking the box [x0, x1] x [y0, y1] onto [0, size) squared."""
    sx, sy = size / (x1 - x0), size / (y1 - y0)
    return np.array([[sx, 0.0, -x0 * sx], [0.0, sy, -y0 * sy]], dtype=np.float64)


def whole_frame(shape: tuple[int, ...], size: int) -> FaceTransform:
    """The fallback: the full frame resized to ``size`` x ``size``, no rotation."""
    height, width = shape[:2]
    return FaceTransform(_box_to_square(0.0, 0.0, float(width), float(height), size),
                         size, fallback=True)


def transform_from_points(points: np.ndarray, shape: tuple[int, ...], size: int,
                          margin: float) -> FaceTransform:
    """The aligning transform from 68 landmark points in pixels of a frame of ``shape``."""
    import cv2

    points = np.asarray(points, dtype=np.float64)
    left, right = points[LEFT_EYE].mean(axis=0), points[RIGHT_EYE].mean(axis=0)
    angle = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    centre = (float((left[0] + right[0]) / 2), float((left[1] + right[1]) / 2))
    rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)  # rotates the eye line to 0 deg
    rotated = points @ rotation[:, :2].T + rotation[:, 2]
    (x0, y0), (x1, y1) = rotated.min(axis=0), rotated.max(axis=0)
    width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    x0, x1 = x0 - margin * width, x1 + margin * width
    y0, y1 = y0 - 2 * margin * height, y1 + margin * height
    crop = _box_to_square(x0, y0, x1, y1, size)
    matrix = crop[:, :2] @ rotation[:, :2]
    offset = crop[:, :2] @ rotation[:, 2] + crop[:, 2]
    return FaceTransform(np.hstack([matrix, offset[:, None]]), size, fallback=False,
                         angle_deg=angle)


def align_transform(onset: np.ndarray, size: int, margin: float,
                    cache_dir: str | os.PathLike[str] | None = None) -> FaceTransform:
    """The transform that aligns the face of ``onset`` (landmarks cached per image), or the
    whole-frame fallback when dlib finds no face."""
    points, failed = detect_landmarks68([onset], cache_dir)
    if failed[0]:
        return whole_frame(onset.shape, size)
    height, width = onset.shape[:2]
    pixels = points[0].astype(np.float64) * np.array([width, height], dtype=np.float64)
    return transform_from_points(pixels, onset.shape, size, margin)


class OpenCVExtractor(SampleExtractor):
    """Base of per-sample features that run OpenCV: the core already runs one worker
    process per core, so each worker keeps OpenCV to one thread."""

    def worker_setup(self) -> None:
        import cv2

        cv2.setNumThreads(1)


def alignment_settings(face: str, margin: float) -> dict[str, object]:
    """What decides an ``align`` face box besides the pixels (margin and landmark
    extractor), for the cache keys of features that crop faces this way."""
    if face != "align":
        return {}
    return {"margin": margin, "landmarks": extractor_settings()}

