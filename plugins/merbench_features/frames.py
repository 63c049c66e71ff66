"""Whole-frame inputs for MMNet-style models: ``onset-apex-224`` and ``flow-and-apex``.

Both give (N, 2, 3, S, S) uint8 (S = ``size``, 224 by default): two frames per sample (more
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
MMNet jitters the onset and apex indices in training, within 15 % of the onset-apex span. With
``jitter`` (0.15) > 0 the feature also gives ``jitter_frames`` (J, 2) candidates per special
frame, at J offsets spread evenly over [-d, d], d = round(jitter x (apex - onset)) (the
folder's nearest frame; J = 2: onset - d and onset + d), so a row is (2 + 2J, 3, S, S): onset,
apex, the onset's J candidates, the apex's J candidates; the model draws one onset and one
apex per training sample among the annotated frame and its candidates, and uses the annotated
frames at test. This needs the raw datasets' ``folder`` / ``onset`` / ``apex`` columns; 442
samples at J = 2 take 0.4 GB. ``jitter=0`` gives pairs only.
Resizing is ``cv2.resize`` with ``INTER_AREA`` when shrinking, ``INTER_LINEAR`` otherwise.

``flow-and-apex`` (the composite release: needs ``flow_uvos`` and ``apex_face``), the input of
the ``mmnet-release`` VARIANT: frame 0 is the release's 28x28 flow image (channels as
released: strain, v, u) upsampled bilinearly to S x S; frame 1 is the apex face in R, G, B.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from merbench.dataset import Dataset
from merbench.errors import MerbenchError
from merbench.features import Extracted

FACE_SCALE = 1.3
FACE_RAISE = 0.1
CROPS = ("face", "none")
SHOWN = 5


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


def _check_size(size: object, feature: str) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 16:
        raise MerbenchError(f"feature {feature}: size must be a whole number >= 16 "
                            f"(got {size!r})")
    return size


def build_onset_apex(size: int = 224, crop: str = "face", jitter: float = 0.15,
                     jitter_frames: int = 2,
                     cache_dir: str | None = None) -> Callable[[Dataset], Extracted]:
    """The ``onset-apex-224`` feature (see the module docstring)."""
    size = _check_size(size, "onset-apex-224")
    if crop not in CROPS:
        raise MerbenchError(f"feature onset-apex-224: crop must be one of {', '.join(CROPS)} "
                            f"(got {crop!r})")
    if isinstance(jitter, bool) or not isinstance(jitter, int | float) or \
            not 0 <= jitter < 1:
        raise MerbenchError(f"feature onset-apex-224: jitter is a fraction of the onset-apex "
                            f"span in [0, 1) (got {jitter!r}); 0 turns it off")
    if isinstance(jitter_frames, bool) or not isinstance(jitter_frames, int) or \
            jitter_frames < 0 or jitter_frames == 1:
        raise MerbenchError(f"feature onset-apex-224: jitter_frames must be 0 or a whole "
                            f"number >= 2 (got {jitter_frames!r})")
    extra = jitter_frames if jitter > 0 else 0

    def extract(dataset: Dataset) -> Extracted:
        return onset_apex_pairs(dataset, size, crop, cache_dir, jitter, extra)

    return extract


def jitter_offsets(onset: int, apex: int, jitter: float, count: int) -> list[int]:
    """``count`` frame offsets evenly spread over [-d, d], d = round(jitter * (apex - onset))."""
    reach = round(jitter * (apex - onset))
    return [round(float(t) * reach) for t in np.linspace(-1.0, 1.0, count)] if count else []


def nearest(frames: dict[int, object], number: int) -> int:
    """The folder's frame number closest to ``number`` (the lower one on a tie)."""
    return min(frames, key=lambda n: (abs(n - number), n))


def onset_apex_pairs(dataset: Dataset, size: int, crop: str,
                     cache_dir: str | os.PathLike[str] | None, jitter: float = 0.0,
                     extra: int = 0) -> Extracted:
    """Read, face-crop and resize every sample's onset and apex (and its jitter candidates),
    one sample at a time (raw frames can be large: only the small results are kept)."""
    samples = dataset.samples
    ids = samples["sample_id"].astype(str).tolist()
    if extra:
        missing = [c for c in ("folder", "onset", "apex") if c not in samples.columns]
        if missing:
            raise MerbenchError(
                f"feature onset-apex-224 jitters the onset and apex inside their clip and needs "
                f"the sample-table columns folder, onset, apex; dataset '{dataset.name}' lacks "
                f"{', '.join(missing)}; use --feature-opt jitter=0")
    pairs = np.empty((len(ids), 2 + 2 * extra, 3, size, size), dtype=np.uint8)
    failed = []
    for index, sample in enumerate(ids):
        frames = [dataset.read("onset_frame", index), dataset.read("apex_frame", index)]
        if frames[0].shape[:2] != frames[1].shape[:2]:
            raise MerbenchError(f"feature onset-apex-224: the onset and apex frames of sample "
                                f"{sample} differ in size ({frames[0].shape[:2]} vs "
                                f"{frames[1].shape[:2]}); both frames must come from one clip")
        if extra:
            frames += _jittered(samples.iloc[index], jitter, extra)
        if crop == "face":
            box = apex_face_box(frames[1], cache_dir)
            if box is None:
                failed.append(sample)
            else:
                frames = [cut(frame, *box) for frame in frames]
        for position, frame in enumerate(frames):
            pairs[index, position] = to_rgb_chw(resize(frame, size))
    report = {"size": size, "crop": crop, "dtype": "uint8", "channels": "RGB",
              "jitter": jitter if extra else 0, "jitter_frames": extra,
              "n_samples": len(ids), "n_no_face": len(failed), "no_face": failed}
    summary = f"{len(ids)} onset/apex pairs at {size}x{size}"
    if extra:
        summary += f" with {extra} jittered candidates each (within {jitter:g} of the span)"
    if crop == "face":
        summary += (f"; face box from the apex landmarks, whole frame for {len(failed)} "
                    f"sample(s) without a detected face"
                    + (f" ({', '.join(failed[:SHOWN])}{', ...' if len(failed) > SHOWN else ''})"
                       if failed else ""))
    return Extracted(pairs, report, summary)


def _jittered(row: Any, jitter: float, count: int) -> list[np.ndarray]:
    """The onset's, then the apex's, jitter candidates from the clip folder."""
    import cv2
    from merbench_datasets.rawframes import frame_index

    folder = Path(str(row["folder"]))
    available = frame_index(folder)
    if not available:
        raise MerbenchError(f"feature onset-apex-224: no frames in {folder} (sample "
                            f"{row['sample_id']}); restore the folder or use jitter=0")
    onset, apex = int(row["onset"]), int(row["apex"])
    images = []
    for special in (onset, apex):
        for offset in jitter_offsets(onset, apex, jitter, count):
            path = available[nearest(available, special + offset)]
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise MerbenchError(f"feature onset-apex-224: cannot read '{path}' of sample "
                                    f"{row['sample_id']}; restore the file")
            images.append(image)
    return images


def build_flow_and_apex(size: int = 224) -> Callable[[Dataset], Extracted]:
    """The ``flow-and-apex`` feature (see the module docstring)."""
    size = _check_size(size, "flow-and-apex")

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
