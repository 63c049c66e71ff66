"""Whole-frame inputs: ``onset-apex-224``, ``flow-and-apex`` (MMNet-style) and ``apex-face``.

The first two give (N, 2, 3, S, S) uint8 (S = ``size``, 224 by default): two frames per sample (more
with ``onset-apex-224``'s jitter candidates, below), channels first, values 0..255, kept as
uint8 because as float32 442 such pairs would take 0.5 GB (the runner keeps uint8 features as
they are and the trainer converts each batch).

``onset-apex-224`` (raw databases: needs ``onset_frame`` and ``apex_frame``): frame 0 is the
onset, frame 1 the apex, in R, G, B order. With ``crop="face"`` (default) both frames are cut
to the same square face box before resizing, so that apex − onset is motion and not a
shifted crop: the box is placed on the apex frame's 68 landmarks
(``merbench_features.landmarks.detect_landmarks68``, dlib, cached on disk): centred on the
landmarks' bounding box, side ``FACE_SCALE`` (1.3) times its larger side, moved up by
``FACE_RAISE`` (0.1) of that side so the forehead is in; parts outside the frame are black.
Where dlib finds no face the whole frame is used (counted and named in the feature report).
``crop="none"`` resizes the whole frames (e.g. CASME II's ``Cropped`` frames, already faces).
MMNet's training script (``CASME2_5.py``) jitters the onset and apex indices inward: the
onset drawn uniformly from [onset, onset + d], the apex from [apex - d, apex], d = int(0.15
x (apex - onset) / 4), 3.75 % of the span, rounded down. With ``jitter`` (0.0375) > 0 the
feature also gives ``jitter_frames`` (J, 2) candidates per special frame, at J offsets
spread evenly over (0, d] (onset + offset, apex - offset; the folder's nearest frame; J = 2:
round(d / 2) and d), d = floor(jitter x (apex - onset)), so a row is (2 + 2J, 3, S, S):
onset, apex, the onset's J candidates, the apex's J candidates; the model draws one onset
and one apex per training sample among the annotated frame and its candidates, uniformly,
and uses the annotated frames at test. That is the authors' draw exactly where d is 0 or J
and three equally likely points spanning their range otherwise (d = 1: the annotated frame
twice as likely as the next; spans of CASME II and SAMM at 200 fps give d of 0 to 3),
because every sample must hold the same number of frames. This needs the raw datasets'
``folder`` / ``onset`` / ``apex`` columns; 442 samples at J = 2 take 0.4 GB. ``jitter=0``
gives pairs only. ``onset-apex-224`` is computed per sample through merbench's feature cache
(``$MERBENCH_CACHE_DIR/features/onset-apex-224/``) in ``--workers`` processes;
``flow-and-apex`` only resizes released images and is not cached.
Resizing is ``cv2.resize`` with ``INTER_AREA`` when shrinking, ``INTER_LINEAR`` otherwise.

``flow-and-apex`` (the composite release: needs ``flow_uvos`` and ``apex_face``), the input of
the ``mmnet-release`` VARIANT: frame 0 is the release's 28x28 flow image (channels as
released: strain, v, u) upsampled bilinearly to S x S; frame 1 is the apex face in R, G, B.

``apex-face`` (needs ``apex_face``, which the composite release gives): the apex face alone,
(N, 3, S, S) RGB uint8, the input of the ``timm-face-<arch>`` models.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from merbench.api import (
    Clip,
    Dataset,
    Extracted,
    MerbenchError,
    Sample,
    UnreadableFile,
    fix_after,
    read_user_image,
)
from merbench_features.faces import OpenCVExtractor, check_size

FACE_SCALE = 1.3
FACE_RAISE = 0.1
CROPS = ("face", "none")
SHOWN = 5
#: onset-apex-224's most jitter frames, as hsta-clip's most candidates: each is two more
#: frames a sample; past this, a huge count ran out of memory in numpy (pass 84ae, AE1)
MOST_JITTER = 50


def resize(image: np.ndarray, size: int) -> np.ndarray:
    """An H x W x 3 uint8 image resized to size x size."""
    import cv2

    shrink = image.shape[0] > size or image.shape[1] > size
    return cv2.resize(image, (size, size),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def face_box(points: np.ndarray, height: int, width: int) -> tuple[int, int, int]:
    """(left, top, side) in pixels of the square face box around normalised landmarks."""
    xs = points[:, 0].astype(float) * width
    ys = points[:, 1].astype(float) * height
    extent = FACE_SCALE * float(max(xs.max() - xs.min(), ys.max() - ys.min()))
    cx = float(xs.max() + xs.min()) / 2
    cy = float(ys.max() + ys.min()) / 2 - FACE_RAISE * extent
    side = max(round(extent), 1)
    return round(cx - side / 2), round(cy - side / 2), side


def apex_face_box(apex: np.ndarray, cache_dir: str | os.PathLike[str] | None
                  ) -> tuple[int, int, int] | None:
    """The face box placed on the apex frame's landmarks (cached), or None without a face."""
    from merbench_features.landmarks import detect_landmarks68

    points, missed = detect_landmarks68([apex], cache_dir)
    return None if missed[0] else face_box(points[0], *apex.shape[:2])


def cut(image: np.ndarray, left: int, top: int, side: int) -> np.ndarray:
    """The square ``side`` x ``side`` window at (left, top), black where it leaves the image."""
    out = np.zeros((side, side, *image.shape[2:]), dtype=image.dtype)
    height, width = image.shape[:2]
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + side, width), min(top + side, height)
    if x1 > x0 and y1 > y0:
        out[y0 - top:y1 - top, x0 - left:x1 - left] = image[y0:y1, x0:x1]
    return out


def to_rgb_chw(image: np.ndarray) -> np.ndarray:
    """H x W x 3 B, G, R (or H x W grey) -> 3 x H x W R, G, B."""
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image[:, :, ::-1].transpose(2, 0, 1))


def _check_size(size: object) -> int:
    """``size`` bounded above as well as below: a huge one failed in numpy's or OpenCV's
    words, blamed on the plugin (pass 84ae, AE1); building names the feature and option."""
    return check_size(size, 16)


def opencv_version() -> str:
    """The installed OpenCV build's version: part of frame features' cache keys."""
    from merbench.api import installed_version

    return installed_version("opencv-contrib-python-headless", "opencv-contrib-python",
                             "opencv-python") or "unknown"


def check_crop(feature: str, crop: object) -> None:
    if crop not in CROPS:
        raise MerbenchError(f"feature {feature}: crop must be one of {', '.join(CROPS)} "
                            f"(got {crop!r})")


def cut_and_resize(frames: list[np.ndarray], crop: str, size: int,
                   cache_dir: str | os.PathLike[str] | None) -> tuple[np.ndarray, str]:
    """Frames of one sample (the apex second) cut to the apex's face box and resized:
    (len(frames), 3, size, size) uint8 RGB, and ``found`` / ``fallback`` / ``frame``."""
    face = "frame"
    if crop == "face":
        box = apex_face_box(frames[1], cache_dir)
        face = "fallback" if box is None else "found"
        if box is not None:
            frames = [cut(frame, *box) for frame in frames]
    return np.stack([to_rgb_chw(resize(frame, size)) for frame in frames]), face


def face_params(crop: str) -> dict[str, Any]:
    """What besides the frames decides a face-cut frame: part of the cache key."""
    params: dict[str, Any] = {"crop": crop, "resize": "INTER_AREA shrinking, else INTER_LINEAR",
                              "channels": "RGB", "opencv": opencv_version()}
    if crop == "face":
        from merbench_features.landmarks import extractor_settings

        params.update({"face_scale": FACE_SCALE, "face_raise": FACE_RAISE,
                       "landmarks": extractor_settings()})
    return params


def face_report(sample_ids: Sequence[str], notes: Sequence[dict[str, Any]],
                crop: str) -> tuple[dict[str, Any], str]:
    failed = [sid for sid, note in zip(sample_ids, notes, strict=True)
              if note.get("face") == "fallback"]
    if crop != "face":
        return {"crop": crop}, "whole frames"
    shown = ", ".join(failed[:SHOWN]) + (", ..." if len(failed) > SHOWN else "")
    return ({"crop": crop, "n_no_face": len(failed), "no_face": failed},
            f"face box from the apex landmarks, whole frame for {len(failed)} sample(s) "
            f"without a detected face" + (f" ({shown})" if failed else ""))


def read_frame(path: Path, sample_id: str, feature: str) -> np.ndarray:
    import cv2

    try:
        return read_user_image(path, "frame", cv2.IMREAD_COLOR)
    except UnreadableFile as exc:
        raise MerbenchError(f"feature {feature}: '{path}' of sample {sample_id} "
                            f"{exc.reason}{fix_after(exc, 'restore the file')}") from None


def needs_columns(dataset: Dataset, feature: str, columns: Sequence[str], fix: str) -> None:
    missing = [c for c in columns if c not in dataset.samples.columns]
    if missing:
        raise MerbenchError(f"feature {feature} reads the clip folder and needs the "
                            f"sample-table columns {', '.join(columns)}; dataset "
                            f"'{dataset.name}' lacks {', '.join(missing)}; {fix}")


@dataclass
class OnsetApex(OpenCVExtractor):
    """The ``onset-apex-224`` extractor (per sample, through the feature cache); its fields
    are the feature's options. ``cache_dir`` is where the landmarks are cached, which does
    not change the values, so it is not part of the key."""

    size: int = 224
    crop: str = "face"
    jitter: float = 0.0375
    jitter_frames: int = 2
    cache_dir: str | None = None

    sources = ("onset_frame", "apex_frame")

    def __post_init__(self) -> None:
        _check_size(self.size)
        check_crop("onset-apex-224", self.crop)
        if isinstance(self.jitter, bool) or not isinstance(self.jitter, int | float) or \
                not 0 <= self.jitter < 1:
            raise MerbenchError(f"feature onset-apex-224: jitter is a fraction of the "
                                f"onset-apex span in [0, 1) (got {self.jitter!r}); 0 turns it "
                                "off")
        if isinstance(self.jitter_frames, bool) or not isinstance(self.jitter_frames, int) or \
                self.jitter_frames < 0 or self.jitter_frames == 1 or \
                self.jitter_frames > MOST_JITTER:  # each one two more frames per sample
            raise MerbenchError(f"feature onset-apex-224: jitter_frames must be 0 or a whole "
                                f"number from 2 to {MOST_JITTER} (got {self.jitter_frames!r})")

    @property
    def extra(self) -> int:
        """Jitter candidates per special frame (0 when jitter is off)."""
        return self.jitter_frames if self.jitter > 0 else 0

    @property
    def params(self) -> dict[str, Any]:
        return {"size": self.size, "jitter": self.jitter if self.extra else 0,
                "jitter_frames": self.extra, **face_params(self.crop)}

    def inputs(self, dataset: Dataset, index: int) -> dict[str, np.ndarray]:
        frames = super().inputs(dataset, index)
        if self.extra:
            needs_columns(dataset, "onset-apex-224", ("folder", "onset", "apex"),
                          "use --feature-opt jitter=0")
            for name, image in zip(_jitter_names(self.extra),
                                   _jittered(dataset.clip(index), self.jitter, self.extra),
                                   strict=True):
                frames[name] = image
        return frames

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        onset, apex = inputs["onset_frame"], inputs["apex_frame"]
        if onset.shape[:2] != apex.shape[:2]:
            raise MerbenchError(f"feature onset-apex-224: the onset and apex frames of sample "
                                f"{sample_id} differ in size ({onset.shape[:2]} vs "
                                f"{apex.shape[:2]}); both frames must come from one clip")
        frames = [onset, apex] + [inputs[name] for name in _jitter_names(self.extra)]
        values, face = cut_and_resize(frames, self.crop, self.size, self.cache_dir)
        return Sample(values, {"face": face})

    def summarise(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                  ) -> tuple[dict[str, Any], str]:
        report, line = face_report(sample_ids, notes, self.crop)
        report.update({"size": self.size, "dtype": "uint8", "channels": "RGB",
                       "jitter": self.jitter if self.extra else 0,
                       "jitter_frames": self.extra})
        head = f"{len(sample_ids)} onset/apex pairs at {self.size}x{self.size}"
        if self.extra:
            head += (f" with {self.extra} jittered candidates each (within {self.jitter:g} "
                     "of the span)")
        return report, f"{head}; {line}"


def _jitter_names(count: int) -> list[str]:
    return [f"{special}_jitter_{i}" for special in ("onset", "apex") for i in range(count)]


def build_onset_apex(size: int = 224, crop: str = "face", jitter: float = 0.0375,
                     jitter_frames: int = 2, cache_dir: str | None = None) -> OnsetApex:
    """The ``onset-apex-224`` feature (see the module docstring)."""
    return OnsetApex(size=size, crop=crop, jitter=jitter, jitter_frames=jitter_frames,
                     cache_dir=cache_dir)


def jitter_offsets(onset: int, apex: int, jitter: float, count: int) -> list[int]:
    """``count`` frame offsets evenly spread over (0, d], d = floor(jitter * (apex - onset)),
    as the MMNet authors' ``int(0.15 * (apex - onset) / 4)`` (the span is never negative)."""
    # a product a rounding error below a whole number still reaches it
    reach = math.floor(jitter * (apex - onset) + 1e-9)
    return [round(reach * step / count) for step in range(1, count + 1)]


def nearest(frames: dict[int, object], number: int) -> int:
    """The folder's frame number closest to ``number`` (the lower one on a tie)."""
    return min(frames, key=lambda n: (abs(n - number), n))


def _jittered(clip: Clip, jitter: float, count: int) -> list[np.ndarray]:
    """The onset's, then the apex's, jitter candidates from the sample's clip."""
    available = clip.frames
    if not available or clip.onset is None or clip.apex is None:
        raise MerbenchError(f"feature onset-apex-224: no frames, onset or apex in "
                            f"{clip.folder} (sample {clip.sample_id}); restore the folder or "
                            "use jitter=0")
    onset, apex = clip.onset, clip.apex
    offsets = jitter_offsets(onset, apex, jitter, count)
    return [read_frame(available[nearest(dict(available), special + sign * offset)],
                       clip.sample_id, "onset-apex-224")
            for special, sign in ((onset, 1), (apex, -1))  # inward, towards each other
            for offset in offsets]


def build_flow_and_apex(size: int = 224) -> Callable[[Dataset], Extracted]:
    """The ``flow-and-apex`` feature (see the module docstring)."""
    size = _check_size(size)

    def extract(dataset: Dataset) -> Extracted:
        flows = np.asarray(dataset.read_all("flow_uvos"))
        faces = dataset.read_all("apex_face")
        if flows.ndim != 4 or flows.shape[-1] != 3:
            raise MerbenchError(f"feature flow-and-apex: flow_uvos images must be (N, H, W, 3); "
                                f"got {tuple(flows.shape)}")
        import cv2

        pairs = np.empty((len(flows), 2, 3, size, size), dtype=np.uint8)
        for index, (flow, face) in enumerate(zip(flows, faces, strict=True)):
            big = cv2.resize(flow, (size, size), interpolation=cv2.INTER_LINEAR)
            pairs[index, 0] = np.ascontiguousarray(big.transpose(2, 0, 1))
            pairs[index, 1] = to_rgb_chw(resize(np.asarray(face), size))
        return Extracted(pairs, {"size": size, "dtype": "uint8",
                                 "frames": ["flow_uvos upsampled (strain, v, u)",
                                            "apex_face (RGB)"]},
                         f"{len(pairs)} flow images upsampled to {size}x{size} with their "
                         "apex faces")

    return extract


def build_apex_face(size: int = 224) -> Callable[[Dataset], Extracted]:
    """The ``apex-face`` feature: each sample's apex face, (N, 3, S, S) RGB uint8."""
    size = _check_size(size)

    def extract(dataset: Dataset) -> Extracted:
        faces = dataset.read_all("apex_face")
        images = np.empty((len(faces), 3, size, size), dtype=np.uint8)
        for index, face in enumerate(faces):
            images[index] = to_rgb_chw(resize(np.asarray(face), size))
        return Extracted(images, {"size": size, "dtype": "uint8", "frames": ["apex_face (RGB)"]},
                         f"{len(images)} apex faces at {size}x{size}")

    return extract
