"""Reading a sample's clip (frames from onset to offset) for the sequence descriptors.

LBP-TOP and MDMO describe the whole clip, not an onset / apex pair, so they read frames from
the sample's clip folder. The span (part of every feature version that uses it):

- the frames of the sample table's ``folder`` (frame numbers as the raw datasets read them:
  the last number in the file name, :func:`merbench.api.frame_index`) from
  ``onset`` to ``offset``; where the offset is not annotated, to the ``apex`` instead (the
  raw loaders already put the folder's last frame there for databases whose clips end at the
  offset, e.g. SMIC), so a clip without an offset is described up to its apex only;
- each feature reads only some positions of that list (:meth:`ClipFaces.positions`), so the
  time per sample does not grow with long clips (SAMM clips hold hundreds of frames).

Faces: the transform of :mod:`merbench_features.faces` (the one ``tvl1-uvos`` and ``biwoof``
use), computed on the onset frame and applied unchanged to every frame, so the faces of one
clip are cut and rotated the same way; ``face="frame"`` uses the whole frame (for frames that
are cropped faces already, CASME II ``Cropped/``). Frames are converted to grey with OpenCV's
``COLOR_BGR2GRAY`` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from merbench_features.faces import OpenCVExtractor, alignment_settings

from merbench.api import Dataset, MerbenchError

FACES = ("align", "frame")
COLUMNS = ("folder", "onset", "apex", "offset")
RAW = "use a raw database (casme2, samm, smic, casme3, megc2019), whose samples name a clip"


def clip_span(onset: int, end: int, frames: Sequence[int]) -> list[int]:
    """The frame numbers of ``frames`` from ``onset`` to ``end``, in order."""
    return sorted(n for n in frames if onset <= n <= end)


def check_options(feature: str, size: int, margin: float, face: str) -> None:
    """One clear error for a bad ``size``, ``margin`` or ``face`` option."""
    if face not in FACES:
        raise MerbenchError(f"feature {feature}: face must be one of {', '.join(FACES)} "
                            f"(got {face!r})")
    if isinstance(size, bool) or not isinstance(size, int) or not 32 <= size <= 1024:
        raise MerbenchError(f"feature {feature}: size must be a whole number of pixels from "
                            f"32 to 1024 (got {size!r})")
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not 0 <= margin <= 1:
        raise MerbenchError(f"feature {feature}: margin must be a fraction from 0 to 1 "
                            f"(got {margin!r})")


def grey_frames(frames: Any, sample_id: str, feature: str) -> np.ndarray:
    """(K, H, W, 3) B, G, R or (K, H, W) uint8 frames of one clip -> (K, H, W) uint8 grey."""
    import cv2

    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or \
            (frames.ndim == 4 and frames.shape[-1] != 3) or len(frames) == 0:
        raise MerbenchError(f"feature {feature}: the frames of sample {sample_id} are a "
                            f"{'x'.join(map(str, frames.shape))} {frames.dtype} array; they "
                            "must be K x H x W x 3 (B, G, R) or K x H x W uint8")
    if min(frames.shape[1:3]) < 16:
        raise MerbenchError(f"feature {feature}: the frames of sample {sample_id} are only "
                            f"{frames.shape[2]}x{frames.shape[1]} pixels; check its clip folder")
    if frames.ndim == 3:
        return frames
    return np.stack([cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) for frame in frames])


@dataclass
class ClipFaces(OpenCVExtractor):
    """Base of the clip features: reads the chosen frames of the span (see the module doc);
    its fields are options every clip feature has."""

    size: int = 112
    margin: float = 0.1
    face: str = "align"

    name = "clip"  # the feature's name, for error lines

    def positions(self, length: int) -> list[int]:
        """Which positions (0 .. length - 1) of a span of ``length`` frames to read, sorted,
        always including 0 (the onset, where the face transform is computed)."""
        raise NotImplementedError

    def base_params(self) -> dict[str, Any]:
        return {"size": self.size, "face": self.face, "grey": "BGR2GRAY",
                "span": "onset..offset (apex without offset)",
                **alignment_settings(self.face, self.margin)}

    def inputs(self, dataset: Dataset, index: int) -> dict[str, np.ndarray]:
        """``frames`` (K, H, W, 3) as read, ``positions`` (K,) their places in the span and
        ``span`` (length, first frame, last frame): all hashed into the cache key."""
        from merbench_features.frames import needs_columns, read_frame

        needs_columns(dataset, self.name, COLUMNS, RAW)
        clip = dataset.clip(index)
        sample, folder, onset = clip.sample_id, clip.folder, clip.onset
        end = clip.offset if clip.offset is not None else clip.apex
        if onset is None or end is None:
            raise MerbenchError(f"feature {self.name}: sample {sample} has no onset or no "
                                "apex / offset frame number; correct the coding sheet")
        available = clip.frames
        span = clip_span(onset, end, list(available))
        if not span:
            raise MerbenchError(f"feature {self.name}: sample {sample} has no frame from "
                                f"{onset} to {end} in '{folder}'; restore the clip's frames")
        chosen = self.positions(len(span))
        frames = [read_frame(available[span[p]], sample, self.name) for p in chosen]
        if len({frame.shape for frame in frames}) != 1:
            raise MerbenchError(f"feature {self.name}: the frames of sample {sample} in "
                                f"'{folder}' differ in size; all must come from one clip")
        return {"frames": np.stack(frames), "positions": np.asarray(chosen, dtype=np.int64),
                "span": np.array([len(span), span[0], span[-1]], dtype=np.int64)}

    def faces(self, grey: np.ndarray, bgr_onset: np.ndarray) -> tuple[np.ndarray, Any]:
        """The clip's aligned ``size`` x ``size`` faces (K, S, S) uint8 and the transform
        (from the onset's landmarks with ``face="align"``, else the whole frame)."""
        from merbench_features.faces import transform_from_points, whole_frame

        if self.face == "frame":
            transform = whole_frame(grey[0].shape, self.size)
        else:
            points, failed = onset_landmarks(bgr_onset)
            transform = whole_frame(grey[0].shape, self.size) if failed else \
                transform_from_points(points, grey[0].shape, self.size, self.margin)
        return np.stack([transform.apply(frame) for frame in grey]), transform

    def face_note(self, transform: Any) -> str:
        """What the notes say about the face: ``frame``, ``found`` or ``fallback``."""
        if self.face == "frame":
            return "frame"
        return "fallback" if transform.fallback else "found"

    def face_summary(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                     ) -> tuple[dict[str, Any], str]:
        """The report's face facts and one line about them."""
        from merbench_features.landmarks import fallback_summary

        spans = [int(note["span"]) for note in notes]
        report: dict[str, Any] = {"size": self.size, "face": self.face,
                                  "span_frames": {"min": min(spans), "max": max(spans)}}
        if self.face == "frame":
            return report, f"whole {self.size}x{self.size} frames"
        failed = [sid for sid, note in zip(sample_ids, notes, strict=True)
                  if note.get("face") == "fallback"]
        report.update({"margin": self.margin, "n_face_fallback": len(failed),
                       "face_fallback": failed})
        return report, fallback_summary(failed, len(sample_ids), "onset frames", "whole-frame")


def onset_landmarks(onset: np.ndarray) -> tuple[np.ndarray, bool]:
    """The onset frame's 68 landmarks in pixels (cached by the landmarks feature) and whether
    dlib found no face (then the points were placed in the whole-frame box)."""
    from merbench_features.landmarks import detect_landmarks68

    points, failed = detect_landmarks68([onset])
    height, width = onset.shape[:2]
    return (points[0].astype(np.float64) * np.array([width, height], dtype=np.float64),
            bool(failed[0]))
