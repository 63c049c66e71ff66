"""``hsta-clip``: the special frames and a clip of candidate frames per sample, for HSTA.

HSTA (Hao et al., arXiv 2405.03202) reads 8 frames per sample: the onset and apex ("special
frames") and 6 frames sampled in order from [onset, min(offset, onset + 50)], at random (but
in temporal order) in training and deterministically at test. Features are computed once,
before the folds, so the random part cannot happen here; instead this feature gives
``candidates`` (K, default 12) frames spread evenly over that span, and the model draws its 6
from them per training batch (sorted, so in order) and takes 6 evenly spaced ones at test
(``merbench_hsta.hsta.ClipSampler``). With K = 6 the sampling is fixed.

Output: (N, 2 + K, 3, S, S) uint8, R, G, B: frame 0 the onset, frame 1 the apex, frames 2..
the K candidates in temporal order. S = ``size`` (224). K = 12 at 224 is 1.8 MB per sample
(0.8 GB for the 442 samples of MEGC2019); lower ``candidates`` or ``size`` for less.

The span: frames of the sample's clip folder (the dataset's ``folder`` column; frame numbers
as the raw datasets read them, the last number of the file name) from ``onset`` to
``min(offset, onset + 50)``; where the offset is not annotated, the folder's last frame
stands in for it. The K candidates are the frames at K evenly spaced positions in the list
of frames of that span (a frame repeats when the span holds fewer than K). Frames are cut to
one face box from the apex frame's landmarks, as ``onset-apex-224`` does (``crop="face"``,
default; ``"none"`` resizes the whole frames).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from merbench.dataset import Dataset
from merbench.errors import MerbenchError
from merbench.features import Extracted
from merbench_features.frames import CROPS, apex_face_box, cut, resize, to_rgb_chw

MAX_SPAN = 50
COLUMNS = ("folder", "onset", "offset")


def clip_span(onset: int, offset: int | None, frames: Sequence[int],
              max_span: int = MAX_SPAN) -> list[int]:
    """The frame numbers of ``frames`` in [onset, min(offset, onset + max_span)], in order;
    without an offset the last frame of ``frames`` bounds the span."""
    last = max(frames) if offset is None else offset
    end = min(last, onset + max_span)
    return sorted(n for n in frames if onset <= n <= end)


def candidate_frames(span: Sequence[int], k: int) -> list[int]:
    """``k`` frames at evenly spaced positions of ``span`` (first and last included), in
    order; repeats when the span is shorter than ``k``."""
    if not span:
        raise ValueError("empty span")
    positions = np.round(np.linspace(0, len(span) - 1, k)).astype(int)
    return [span[p] for p in positions]


def build_hsta_clip(size: int = 224, candidates: int = 12, crop: str = "face",
                    cache_dir: str | None = None) -> Callable[[Dataset], Extracted]:
    """The ``hsta-clip`` feature (see the module docstring)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 16:
        raise MerbenchError(f"feature hsta-clip: size must be a whole number >= 16 (got {size!r})")
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise MerbenchError(f"feature hsta-clip: candidates must be a positive whole number "
                            f"(got {candidates!r})")
    if crop not in CROPS:
        raise MerbenchError(f"feature hsta-clip: crop must be one of {', '.join(CROPS)} "
                            f"(got {crop!r})")

    def extract(dataset: Dataset) -> Extracted:
        return clips(dataset, size, candidates, crop, cache_dir)

    return extract


def _offset(value: object) -> int | None:
    try:
        return None if value is None or np.isnan(float(value)) else int(float(value))
    except (TypeError, ValueError):
        return None


def clips(dataset: Dataset, size: int, k: int, crop: str,
          cache_dir: str | os.PathLike[str] | None) -> Extracted:
    """Every sample's onset, apex and ``k`` candidate frames, one sample at a time."""
    import cv2
    from merbench_datasets.rawframes import frame_index

    samples = dataset.samples
    missing = [c for c in COLUMNS if c not in samples.columns]
    if missing:
        raise MerbenchError(f"feature hsta-clip reads clip folders and needs the sample-table "
                            f"columns {', '.join(COLUMNS)}; dataset '{dataset.name}' lacks "
                            f"{', '.join(missing)} (use a raw database: casme2, samm, smic, "
                            "casme3, megc2019)")
    out = np.empty((len(samples), 2 + k, 3, size, size), dtype=np.uint8)
    no_face, spans = [], []
    for index, row in enumerate(samples.itertuples(index=False)):
        frames = frame_index(Path(row.folder))
        span = clip_span(int(row.onset), _offset(row.offset), list(frames))
        if not span:
            raise MerbenchError(f"feature hsta-clip: sample {row.sample_id} has no frame from "
                                f"onset {row.onset} on in {row.folder}; check the folder")
        spans.append(len(span))
        chosen = candidate_frames(span, k)
        onset = dataset.read("onset_frame", index)
        apex = dataset.read("apex_frame", index)
        box = apex_face_box(apex, cache_dir) if crop == "face" else None
        if crop == "face" and box is None:
            no_face.append(str(row.sample_id))
        images = [onset, apex]
        for number in chosen:
            image = cv2.imread(str(frames[number]), cv2.IMREAD_COLOR)
            if image is None:
                raise MerbenchError(f"feature hsta-clip: cannot read frame '{frames[number]}' of "
                                    f"sample {row.sample_id}; restore the file")
            images.append(image)
        for position, image in enumerate(images):
            if box is not None:
                image = cut(image, *box)
            out[index, position] = to_rgb_chw(resize(image, size))
    report = {"size": size, "candidates": k, "crop": crop, "max_span": MAX_SPAN,
              "span_frames": {"min": int(min(spans)), "max": int(max(spans))},
              "n_no_face": len(no_face), "no_face": no_face}
    return Extracted(out, report, f"{len(samples)} clips: onset, apex and {k} candidate frames "
                                  f"at {size}x{size} (spans of {min(spans)}..{max(spans)} "
                                  "frames)")
