"""A long video's face: every frame cut and aligned by one transform, found on its first frame.

The spotter contract (:mod:`merbench.spotting.spotter`) takes aligned grey face crops, as
every MEGC spotting baseline does, but the long-video databases distribute whole camera
frames: a participant before a plain background, the face near the middle. Given those,
a region-based spotter scores background blocks and its head-motion removal sees the whole
frame. :class:`FaceFrames` wraps a video's frame source and gives every frame it reads as the
aligned face, ``size`` x ``size`` grey.

Why one transform for the whole video, found on its first frame. A long video starts at rest
(the participant settles before the stimulus), and one transform keeps the head's own motion
in the frames, where the spotter removes it (flow-peak subtracts the nose region's flow);
a transform per frame would add the landmark detector's jitter to every frame pair, which a
flow spotter would read as motion. The SoftNet spotter prepares its faces so too (its
``load_images.py`` at github.com/genbing99/SoftNet-SpotME: dlib's face box on each video's
first frame, that box cut from every frame, 128 x 128). merbench's face is the one its
recognition features align (:mod:`merbench_features.faces`: 68 dlib landmarks, the eye line
levelled, the points' box widened by ``margin``), at 128 x 128 by default, the working size
of the flow-peak spotter, so nothing is shrunk twice.

A video whose first frame shows no face dlib finds is given whole, resized to the square (the
recognition features' fallback), and says so: a warning naming the video (``merbench spot``
prints it as one line) and :attr:`FaceFrames.fallback`. The transform is found when the first
frames are read, not when the dataset is listed, so listing a database reads no image.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np

from merbench.api import FrameSource, MerbenchError
from merbench_features.faces import FaceTransform, align_transform

FACE_SIZE = 128  # flow-peak's working size (merbench_spotters.frames), SoftNet's face size
FACE_MARGIN = 0.1  # as the recognition features' faces (merbench_features.faces)
MIN_FRAME_SIDE = 32  # pixels: no camera frame this small holds a face dlib can find
#: pixels: the least side a spotter is given (flow-peak's blocks and nose region need it)
MIN_SPOT_SIDE = 16
#: how a long-video dataset's frames are read whole (``predict PATH`` says --no-face-crop)
READ_WHOLE = "--dataset-opt face_crop=false"


class FaceFrames:
    """The frames of ``source``, each cut to the face its first frame shows (see the module
    doc); a :class:`~merbench.api.FrameSource` itself."""

    def __init__(self, source: FrameSource, size: int = FACE_SIZE, margin: float = FACE_MARGIN,
                 cache_dir: str | os.PathLike[str] | None = None,
                 label: str = "a long video", whole: str = READ_WHOLE) -> None:
        if size < MIN_SPOT_SIDE:
            raise ValueError(f"a face crop of {size} pixels is too small to spot in")
        self.label = label  # names the video in an error
        self.whole = whole  # the option that reads the frames whole, for a too-small frame
        self.source = source
        self.size = size
        self.margin = margin
        self.cache_dir = cache_dir
        self._transform: FaceTransform | None = None

    @property
    def numbers(self) -> Sequence[int]:
        return self.source.numbers

    @property
    def transform(self) -> FaceTransform:
        """The video's face transform, found on its first frame when first asked for."""
        if self._transform is None:
            numbers = self.source.numbers
            if not numbers:
                raise ValueError("a video without frames has no face to find")
            first = self.source.read(numbers[0], numbers[0])[0]
            size = f"{self.label}: its frames are {first.shape[1]}x{first.shape[0]} pixels"
            if min(first.shape) < MIN_SPOT_SIDE:
                # read whole they are refused by the spotter too: the advice was a fix that
                # failed (pass 84w, W11)
                raise MerbenchError(f"{size}, too small to spot: a spotter takes frames of at "
                                    f"least {MIN_SPOT_SIDE} x {MIN_SPOT_SIDE}; give a larger "
                                    "video")
            if min(first.shape) < MIN_FRAME_SIDE:
                raise MerbenchError(f"{size}, too small to find a face in; read them whole "
                                    f"with {self.whole}")
            self._transform = align_transform(first, self.size, self.margin, self.cache_dir)
            if self._transform.fallback:
                warnings.warn(f"{self.label}: no face found on its first frame; its frames "
                              f"are read whole, resized to {self.size} x {self.size}",
                              stacklevel=2)
        return self._transform

    @property
    def fallback(self) -> bool:
        """Whether no face was found on the first frame (the whole frame is given)."""
        return self.transform.fallback

    def read(self, first: int, last: int) -> np.ndarray:
        frames = self.source.read(first, last)
        transform = self.transform
        out = np.empty((len(frames), self.size, self.size), dtype=np.uint8)
        for i, frame in enumerate(frames):
            out[i] = transform.apply(frame)
        return out


__all__ = ["FACE_MARGIN", "FACE_SIZE", "FaceFrames"]
