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
default; ``"none"`` resizes the whole frames). Per sample, through merbench's feature cache
(``$MERBENCH_CACHE_DIR/features/hsta-clip/``), in ``--workers`` processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.api import Dataset, MerbenchError, Sample
from merbench_features.faces import OpenCVExtractor, check_size
from merbench_features.frames import (
    check_crop,
    cut_and_resize,
    face_params,
    face_report,
    needs_columns,
    read_frame,
)

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


@dataclass
class HSTAClip(OpenCVExtractor):
    """The ``hsta-clip`` extractor (per sample, through the feature cache); its fields are
    the feature's options (``cache_dir``: where landmarks are cached; not part of the key)."""

    size: int = 224
    candidates: int = 12
    crop: str = "face"
    cache_dir: str | None = None

    sources = ("onset_frame", "apex_frame")

    def __post_init__(self) -> None:
        check_size(self.size, 16)  # bounded above too (pass 84ae, AE1)
        most = MAX_SPAN + 1  # the frames a span holds; more candidates only repeat them
        if isinstance(self.candidates, bool) or not isinstance(self.candidates, int) or \
                not 1 <= self.candidates <= most:
            raise MerbenchError(f"feature hsta-clip: candidates must be a whole number from 1 "
                                f"to {most}, the most frames a span holds (got "
                                f"{self.candidates!r})")
        check_crop("hsta-clip", self.crop)

    @property
    def params(self) -> dict[str, Any]:
        return {"size": self.size, "candidates": self.candidates, "max_span": MAX_SPAN,
                "spacing": "round(linspace) over the span's frames", **face_params(self.crop)}

    def inputs(self, dataset: Dataset, index: int) -> dict[str, np.ndarray]:
        """The special frames, the candidates, and the span's length (a tiny array, so that
        it is part of the key and comes back in the notes)."""
        needs_columns(dataset, "hsta-clip", COLUMNS,
                      "use a raw database (casme2, samm, smic, casme3, megc2019)")
        frames = super().inputs(dataset, index)
        clip = dataset.clip(index)
        available = clip.frames
        span = clip_span(clip.onset, clip.offset, list(available)) \
            if clip.onset is not None else []
        if not span:
            raise MerbenchError(f"feature hsta-clip: sample {clip.sample_id} has no frame "
                                f"from onset {clip.onset} on in {clip.folder}; check the "
                                "folder")
        for position, number in enumerate(candidate_frames(span, self.candidates)):
            frames[f"clip_{position}"] = read_frame(available[number], clip.sample_id,
                                                    "hsta-clip")
        frames["span"] = np.array([len(span), span[0], span[-1]], dtype=np.int64)
        return frames

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        frames = [inputs["onset_frame"], inputs["apex_frame"],
                  *(inputs[f"clip_{i}"] for i in range(self.candidates))]
        if len({frame.shape[:2] for frame in frames}) != 1:
            raise MerbenchError(f"feature hsta-clip: the frames of sample {sample_id} differ "
                                "in size; all must come from one clip")
        values, face = cut_and_resize(frames, self.crop, self.size, self.cache_dir)
        return Sample(values, {"face": face, "span": int(inputs["span"][0])})

    def summarise(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                  ) -> tuple[dict[str, Any], str]:
        report, line = face_report(sample_ids, notes, self.crop)
        spans = [int(note["span"]) for note in notes]
        report.update({"size": self.size, "candidates": self.candidates, "max_span": MAX_SPAN,
                       "span_frames": {"min": min(spans), "max": max(spans)}})
        return report, (f"{len(sample_ids)} clips: onset, apex and {self.candidates} candidate "
                        f"frames at {self.size}x{self.size} (spans of {min(spans)}.."
                        f"{max(spans)} frames); {line}")


def build_hsta_clip(size: int = 224, candidates: int = 12, crop: str = "face",
                    cache_dir: str | None = None) -> HSTAClip:
    """The ``hsta-clip`` feature (see the module docstring)."""
    return HSTAClip(size=size, candidates=candidates, crop=crop, cache_dir=cache_dir)
