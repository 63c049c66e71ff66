"""``mdmo``: Main Directional Mean Optical flow (Liu et al., 2016) of a raw clip.

Definition (part of the feature's version):

1. The clip: frames from onset to offset (apex where the offset is unknown), see
   :mod:`merbench_handcrafted.clip`, at most ``max_frames`` of them (30 by default, for speed):
   the span's frames at ``round(linspace(0, L - 1, min(L, max_frames)))`` positions, so the
   onset and the last frame are always in. Faces are aligned as ``tvl1-uvos`` / ``biwoof``
   do (transform from the onset frame, applied to every frame), ``size`` x ``size`` grey.
2. Landmarks: dlib's 68 points on the onset frame (:mod:`merbench_features.landmarks`; where
   dlib finds no face the predictor still places them in the whole-frame box), mapped into
   the aligned face by the same transform.
3. ROIs: 36 squares centred on landmark-defined points, of half side
   ``max(2, round(0.15 * d))`` pixels, ``d`` the distance between the eye centres (means of
   points 36-41 and 42-47), clipped to the face. Centres: the 10 eyebrow points (17-26), the
   9 nose points (27-35), the 12 outer-lip points (48-59), and 5 cheek / chin points, the
   midpoints of the landmark pairs (2, 31), (14, 35), (4, 48), (12, 54) and (8, 57). The
   original MDMO uses a specific 36-region partition of the face (polygons between landmarks
   by FACS action units, eyes left out); this grid of squares approximates it (eyes are left
   out too, squares may overlap), so the numbers are not those of the authors' code.
4. Flow: OpenCV Farneback with ``tvl1-uvos``'s pinned settings from the first (onset) face to
   each later face; a later face identical to the onset has zero flow by definition (Farneback
   reports small spurious vectors at the border of identical images, so it is not run).
5. Per ROI and frame: each vector's orientation in one of 8 equal bins over [-180°, 180°)
   (:func:`merbench_handcrafted.biwoof.orientation_bin`); the dominant bin is the one holding
   the most vectors (the lowest bin on a tie); the mean magnitude and the mean angle (radians,
   +180° counted as -180°, as its bin does) of the vectors in that bin.
6. Both averaged over the frames (a plain mean, as the original; angles near ±180° can
   average across the wrap), magnitudes divided by their largest over the 36 ROIs (all zero
   stays zero) -> 72 values, (magnitude, angle) per ROI in ROI order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.api import MerbenchError, Sample
from merbench_handcrafted.biwoof import BINS, orientation_bin
from merbench_handcrafted.clip import ClipFaces, check_options, grey_frames

MAX_FRAMES = 30
ROI_SCALE = 0.15
N_ROIS = 36
SINGLE = tuple(range(17, 36)) + tuple(range(48, 60))       # brows, nose, outer lips: 31
PAIRS = ((2, 31), (14, 35), (4, 48), (12, 54), (8, 57))    # cheeks and chin: 5


def roi_boxes(points: np.ndarray, size: int) -> np.ndarray:
    """(36, 4) int boxes (y0, y1, x0, x1), half-open, of the ROIs around 68 (x, y) points
    in pixels of a ``size`` x ``size`` face (see the module doc)."""
    points = np.asarray(points, dtype=np.float64)
    centres = np.vstack([points[list(SINGLE)],
                         [(points[a] + points[b]) / 2 for a, b in PAIRS]])
    eyes = np.linalg.norm(points[42:48].mean(axis=0) - points[36:42].mean(axis=0))
    half = max(2, round(float(ROI_SCALE * eyes)))
    cx, cy = np.rint(centres[:, 0]).astype(np.int64), np.rint(centres[:, 1]).astype(np.int64)
    boxes = np.stack([cy - half, cy + half + 1, cx - half, cx + half + 1], axis=1)
    boxes = np.clip(boxes, 0, size)
    # a centre far outside the face still gets one edge pixel, never an empty box
    boxes[:, 0] = np.minimum(boxes[:, 0], size - 1)
    boxes[:, 2] = np.minimum(boxes[:, 2], size - 1)
    boxes[:, 1] = np.maximum(boxes[:, 1], boxes[:, 0] + 1)
    boxes[:, 3] = np.maximum(boxes[:, 3], boxes[:, 2] + 1)
    return boxes


def mdmo(flows: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(F, H, W, 2) flows (onset to each later frame) and (R, 4) ROI boxes -> (R, 2)
    (normalised mean magnitude, mean angle) of each ROI's dominant direction."""
    flows = np.asarray(flows, dtype=np.float64)
    if flows.ndim != 4 or flows.shape[-1] != 2 or len(flows) == 0:
        raise MerbenchError(f"MDMO needs flows of shape (F >= 1, H, W, 2); got "
                            f"{tuple(flows.shape)}")
    features = np.empty((len(boxes), 2), dtype=np.float64)
    for roi, (y0, y1, x0, x1) in enumerate(np.asarray(boxes)):
        u = flows[:, y0:y1, x0:x1, 0].reshape(len(flows), -1)
        v = flows[:, y0:y1, x0:x1, 1].reshape(len(flows), -1)
        bins = orientation_bin(u, v)                                        # (F, n)
        counts = (bins[..., None] == np.arange(BINS)).sum(axis=1)          # (F, 8)
        main = bins == counts.argmax(axis=1)[:, None]                      # (F, n)
        angle = np.arctan2(v, u)
        angle[angle >= np.pi] = -np.pi
        members = main.sum(axis=1)                                          # >= 1
        magnitude = (np.hypot(u, v) * main).sum(axis=1) / members
        direction = (angle * main).sum(axis=1) / members
        features[roi] = magnitude.mean(), direction.mean()
    largest = features[:, 0].max()
    features[:, 0] = features[:, 0] / largest if largest > 0 else 0.0
    return features


@dataclass
class MDMOClip(ClipFaces):
    """The ``mdmo`` extractor; its fields (``size``, ``margin``, ``face``, ``max_frames``) are
    the options."""

    max_frames: int = MAX_FRAMES

    name = "mdmo"

    def __post_init__(self) -> None:
        check_options(self.name, self.size, self.margin, self.face)
        if isinstance(self.max_frames, bool) or not isinstance(self.max_frames, int) or \
                not 2 <= self.max_frames <= 1000:
            raise MerbenchError(f"feature mdmo: max_frames must be a whole number from 2 to "
                                f"1000 (got {self.max_frames!r})")

    def positions(self, length: int) -> list[int]:
        count = min(length, self.max_frames)
        return sorted({int(p) for p in np.round(np.linspace(0, length - 1, count))})

    @property
    def params(self) -> dict[str, Any]:
        from merbench_features.landmarks import extractor_settings
        from merbench_features.tvl1_uvos import solver_settings

        return {**self.base_params(), "max_frames": self.max_frames,
                "flow": {"method": "farneback", **solver_settings("farneback", self.size)},
                "identical_frames": "zero flow",
                "rois": "36 landmark-centred squares (merbench_handcrafted.mdmo)",
                "roi_scale": ROI_SCALE, "bins": BINS, "landmarks": extractor_settings()}

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        from merbench_features.faces import transform_from_points, whole_frame
        from merbench_features.tvl1_uvos import compute_flow

        from merbench_handcrafted.clip import onset_landmarks

        frames = np.asarray(inputs["frames"])
        length = int(inputs["span"][0])
        if len(frames) < 2:
            raise MerbenchError(f"feature mdmo: the clip of sample {sample_id} holds one frame "
                                f"(frame {int(inputs['span'][1])}); MDMO needs the onset and a "
                                "later frame: check its onset and offset in the coding sheet")
        grey = grey_frames(frames, sample_id, self.name)
        points, failed = onset_landmarks(frames[0])
        if self.face == "frame" or failed:
            transform = whole_frame(grey[0].shape, self.size)
        else:
            transform = transform_from_points(points, grey[0].shape, self.size, self.margin)
        faces = np.stack([transform.apply(frame) for frame in grey])
        face_points = points @ transform.matrix[:, :2].T + transform.matrix[:, 2]
        flows = np.zeros((len(faces) - 1, self.size, self.size, 2), dtype=np.float32)
        for index, later in enumerate(faces[1:]):
            if not np.array_equal(later, faces[0]):
                flows[index] = compute_flow(faces[0], later, "farneback")
        if not np.isfinite(flows).all():
            raise MerbenchError(f"the Farneback flow of sample {sample_id} is not finite; "
                                "check its clip's frames")
        values = mdmo(flows, roi_boxes(face_points, self.size)).ravel().astype(np.float32)
        note = "frame" if self.face == "frame" else ("fallback" if failed else "found")
        return Sample(values, {"face": note, "landmarks": "fallback" if failed else "found",
                               "span": length, "frames": len(frames)})

    def summarise(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                  ) -> tuple[dict[str, Any], str]:
        report, line = self.face_summary(sample_ids, notes)
        missed = [sid for sid, note in zip(sample_ids, notes, strict=True)
                  if note.get("landmarks") == "fallback"]
        report.update({"max_frames": self.max_frames, "n_landmark_fallback": len(missed),
                       "landmark_fallback": missed})
        spans = report["span_frames"]
        return report, (f"MDMO of {len(sample_ids)} clips ({spans['min']}..{spans['max']} "
                        f"frames, at most {self.max_frames} read); dlib found no face on "
                        f"{len(missed)} onset frame(s), ROIs from whole-frame landmarks; {line}")


def build_mdmo(size: int = 112, margin: float = 0.1, face: str = "align",
               max_frames: int = MAX_FRAMES) -> MDMOClip:
    """The ``mdmo`` feature (see the module docstring)."""
    return MDMOClip(size=size, margin=margin, face=face, max_frames=max_frames)
