"""``tvl1-uvos``: the 28x28 strain / v / u flow image computed from raw onset and apex frames.

This is the step the STSTNet / HTNet / OFF-ApexNet authors did once and released only as PNGs:
with it a raw database becomes the input those models take, in the release's exact format.
Definition (part of the feature's version; every number is pinned here):

1. Inputs: the dataset's ``onset_frame`` and ``apex_frame``, H x W x 3 uint8 B, G, R as
   ``cv2.imread(path, cv2.IMREAD_COLOR)`` gives them (H x W grey is accepted too); both frames
   must have the same size. Both are converted to grey (``cv2.COLOR_BGR2GRAY``).
2. Face (``face="align"``, the default): the transform of :mod:`merbench_features.faces`,
   computed on the onset frame (dlib landmarks, eye line horizontal, landmark box plus
   ``margin``) and applied to both frames, warping them to ``size`` x ``size`` grey images.
   When no face is found the whole frame is used (counted and named in the report).
   ``face="frame"`` skips detection and uses the whole frame: for frames that are already
   cropped faces (CASME II ``Cropped/``).
3. Flow from onset to apex, ``(u, v)`` = horizontal and vertical displacement in working
   pixels (``onset(x, y) ~ apex(x + u, y + v)``):
   - ``method="tvl1"`` (default): OpenCV contrib's Dual TV-L1
     (``cv2.optflow.DualTVL1OpticalFlow_create``) with the IPOL reference values, all pinned:
     tau 0.25, lambda 0.15, theta 0.3, warps 5, epsilon 0.01, scale step (zoom factor) 0.5,
     inner iterations 30 x outer iterations 10 (IPOL's 300 iterations per warp), gamma 0 (no
     illumination term), median filtering off (``medianFiltering=1``; IPOL has none, OpenCV's
     default is 5), no initial flow, and the number of scales by IPOL's rule
     ``min(5, int(1 + log2(hypot(size, size) / 16)))`` (4 at the default size 112);
   - ``method="farneback"``: the faster alternative, ``cv2.calcOpticalFlowFarneback`` with
     pyramid scale 0.5, 3 levels, window 15, 3 iterations, poly_n 5, poly_sigma 1.2, no flags.
4. Optical strain ``sqrt(u_x^2 + v_y^2 + 0.5 (u_y + v_x)^2)``, the derivatives by central
   differences (``numpy.gradient``, one-sided at the border).
5. Strain, v and u each resized to 28x28 (``cv2.INTER_AREA``), each min-max scaled to 0..255
   per image and rounded to uint8 (a constant channel becomes 0), stacked (strain, v, u) as
   the release's B, G, R, then converted exactly like ``flow-uvos``: float32 (3, 28, 28),
   raw 0..255 values. So a model trained on the release runs on these features unchanged.

The working size (``size``, default 112 pixels square) trades detail the 28x28 output cannot
show against time: TV-L1 costs about 0.15 s per sample at 112, 1 s at the full 280x340 CASME
II crop (one core; see ``benchmarks/extract_speed.py``).

The feature is a :class:`merbench.features.SampleExtractor`, so the core caches every sample's
result under ``$MERBENCH_CACHE_DIR/features/tvl1-uvos/`` and runs samples in parallel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.api import MerbenchError, Sample, installed_version
from merbench_features.faces import (
    FaceTransform,
    OpenCVExtractor,
    align_transform,
    alignment_settings,
    check_size,
    whole_frame,
)
from merbench_features.flow_uvos import flow_uvos_to_input
from merbench_features.landmarks import fallback_summary

METHODS = ("tvl1", "farneback")
FACES = ("align", "frame")
GRID = 28

TVL1 = {"tau": 0.25, "lambda_": 0.15, "theta": 0.3, "warps": 5, "epsilon": 0.01,
        "innnerIterations": 30, "outerIterations": 10, "scaleStep": 0.5, "gamma": 0.0,
        "medianFiltering": 1, "useInitialFlow": False}  # (sic: OpenCV spells "innner")
FARNEBACK = {"pyr_scale": 0.5, "levels": 3, "winsize": 15, "iterations": 3, "poly_n": 5,
             "poly_sigma": 1.2, "flags": 0}


def ipol_scales(size: int, most: int = 5) -> int:
    """IPOL TV-L1's number of scales for a ``size`` x ``size`` image at zoom factor 0.5:
    the coarsest level keeps a diagonal of about 16 pixels."""
    return max(1, min(most, int(1 + math.log2(math.hypot(size, size) / 16.0))))


def solver_settings(method: str, size: int) -> dict[str, Any]:
    """Every parameter of the flow solver, as passed to OpenCV."""
    if method == "tvl1":
        return {**TVL1, "nscales": ipol_scales(size)}
    return dict(FARNEBACK)


_SOLVERS: dict[str, Any] = {}


def compute_flow(onset: np.ndarray, apex: np.ndarray, method: str) -> np.ndarray:
    """(H, W, 2) float32 flow (u, v) from grey ``onset`` to grey ``apex`` of equal size."""
    import cv2

    settings = solver_settings(method, max(onset.shape[:2]))
    if method == "farneback":
        # OpenCV's stubs type the output argument as required; None lets it allocate one
        return cv2.calcOpticalFlowFarneback(  # type: ignore[call-overload]
            onset, apex, None, **settings)
    key = repr(sorted(settings.items()))
    solver = _SOLVERS.get(key)
    if solver is None:
        # the contrib build has it; the stubs OpenCV ships describe the main build only
        create = cv2.optflow.DualTVL1OpticalFlow_create  # type: ignore[attr-defined]
        solver = _SOLVERS[key] = create(**settings)
    return solver.calc(onset, apex, None)


def optical_strain(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """sqrt(u_x^2 + v_y^2 + 0.5 (u_y + v_x)^2), central differences (x: columns, y: rows)."""
    u_y, u_x = np.gradient(u.astype(np.float64))
    v_y, v_x = np.gradient(v.astype(np.float64))
    return np.sqrt(u_x ** 2 + v_y ** 2 + 0.5 * (u_y + v_x) ** 2)


def _minmax_uint8(channel: np.ndarray) -> np.ndarray:
    low, high = float(channel.min()), float(channel.max())
    span = high - low if high > low else 1.0
    return np.rint((channel - low) / span * 255.0).astype(np.uint8)


def uvos_image(flow: np.ndarray, grid: int = GRID) -> np.ndarray:
    """(grid, grid, 3) uint8 (strain, v, u) in B, G, R order, as the release's PNGs are read
    by OpenCV: each channel resized with INTER_AREA and min-max scaled to 0..255."""
    import cv2

    u, v = flow[..., 0], flow[..., 1]
    channels = [optical_strain(u, v), v, u]
    small = [cv2.resize(np.ascontiguousarray(c, dtype=np.float32), (grid, grid),
                        interpolation=cv2.INTER_AREA) for c in channels]
    return np.stack([_minmax_uint8(c) for c in small], axis=-1)


def check_frames(first: Any, second: Any, sample_id: str,
                 names: tuple[str, str] = ("onset", "apex")) -> tuple[np.ndarray, np.ndarray]:
    """Both frames as grey uint8 arrays of one size, or one clear error naming the sample
    and the frame (``names``: what the two frames are)."""
    import cv2

    grey = []
    for name, frame in zip(names, (first, second), strict=True):
        fix = f"check the {name} frame file of sample {sample_id} (or the dataset's frame numbers)"
        if frame is None:
            raise MerbenchError(f"the {name} frame of sample {sample_id} could not be read "
                                f"(no image); {fix}")
        frame = np.asarray(frame)
        if frame.size == 0:
            raise MerbenchError(f"the {name} frame of sample {sample_id} is empty; {fix}")
        if frame.ndim == 3 and frame.shape[2] == 1:
            frame = frame[:, :, 0]
        if frame.dtype != np.uint8 or not (frame.ndim == 2 or (frame.ndim == 3
                                                               and frame.shape[2] == 3)):
            raise MerbenchError(
                f"the {name} frame of sample {sample_id} is a "
                f"{'x'.join(map(str, frame.shape))} {frame.dtype} array, not an image; a frame "
                "must be H x W x 3 (B, G, R) or H x W grey uint8, as cv2.imread gives it")
        if min(frame.shape[:2]) < 16:
            raise MerbenchError(f"the {name} frame of sample {sample_id} is only "
                                f"{frame.shape[1]}x{frame.shape[0]} pixels; {fix}")
        grey.append(frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    if grey[0].shape != grey[1].shape:
        (h0, w0), (h1, w1) = grey[0].shape, grey[1].shape
        raise MerbenchError(f"the {names[0]} ({w0}x{h0}) and {names[1]} ({w1}x{h1}) frames of "
                            f"sample {sample_id} differ in size; both must come from the same "
                            "video at the same crop")
    return grey[0], grey[1]


@dataclass
class FlowUVOS(OpenCVExtractor):
    """The ``tvl1-uvos`` extractor; its fields are the feature's options."""

    method: str = "tvl1"
    size: int = 112
    margin: float = 0.1
    face: str = "align"

    sources = ("onset_frame", "apex_frame")

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)} (got {self.method!r})")
        if self.face not in FACES:
            raise ValueError(f"face must be one of {', '.join(FACES)} (got {self.face!r})")
        check_size(self.size, GRID)
        if not isinstance(self.margin, int | float) or not 0 <= self.margin <= 1:
            raise ValueError(f"margin must be a fraction from 0 to 1 (got {self.margin!r})")

    @property
    def params(self) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "method": self.method, "size": self.size, "face": self.face,
            "solver": solver_settings(self.method, self.size),
            "strain": "numpy.gradient central differences",
            "resize": "INTER_AREA", "grid": GRID, "scale": "per-channel min-max, rint, uint8",
            "order": "strain, v, u",
            "opencv": installed_version("opencv-contrib-python-headless",
                                        "opencv-contrib-python") or "unknown",
            **alignment_settings(self.face, self.margin),
        }
        return settings

    def transform(self, onset: np.ndarray) -> FaceTransform:
        """The face transform of a sample, computed on its (grey) onset frame."""
        if self.face == "frame":
            return whole_frame(onset.shape, self.size)
        return align_transform(onset, self.size, self.margin)

    def face_flow(self, inputs: dict[str, np.ndarray],
                  sample_id: str) -> tuple[np.ndarray, FaceTransform, dict[str, Any]]:
        """The onset-to-apex flow on the sample's face, the face transform, and the note on
        how the face was found: what every feature built on this flow starts from."""
        onset, apex = check_frames(inputs.get("onset_frame"), inputs.get("apex_frame"),
                                   sample_id)
        face = self.transform(onset)
        flow = compute_flow(face.apply(onset), face.apply(apex), self.method)
        if not np.isfinite(flow).all():
            raise MerbenchError(f"the {self.method} flow of sample {sample_id} is not finite; "
                                "check its onset and apex frames")
        notes: dict[str, Any] = {"face": "frame" if self.face == "frame" else
                                 ("fallback" if face.fallback else "found")}
        return flow, face, notes

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        flow, face, notes = self.face_flow(inputs, sample_id)
        values = flow_uvos_to_input(uvos_image(flow)[None])[0]
        if self.face == "align" and not face.fallback:
            notes["angle_deg"] = round(face.angle_deg, 2)
        return Sample(values, notes)

    def summarise(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                  ) -> tuple[dict[str, Any], str]:
        failed = [sid for sid, note in zip(sample_ids, notes, strict=True)
                  if note.get("face") == "fallback"]
        n = len(sample_ids)
        report: dict[str, Any] = {"method": self.method, "size": self.size, "face": self.face,
                                  "solver": solver_settings(self.method, self.size)}
        if self.face == "frame":
            return report, f"{self.method} flow on the whole {self.size}x{self.size} frames"
        report.update({"margin": self.margin, "n_face_fallback": len(failed),
                       "face_fallback": failed})
        return report, (f"{self.method} flow; "
                        + fallback_summary(failed, n, "onset frames", "whole-frame"))


def build_tvl1_uvos(method: str = "tvl1", size: int = 112, margin: float = 0.1,
                    face: str = "align") -> FlowUVOS:
    """The ``tvl1-uvos`` feature; see the module docstring for the options."""
    return FlowUVOS(method=method, size=size, margin=margin, face=face)
