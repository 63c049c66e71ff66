"""What a registered long-video dataset says about itself: :class:`LongVideoMeta`.

Long-video datasets (spotting: CAS(ME)^2, SAMM Long Videos, CAS(ME)^3 Part A, the generated
``synthetic-long``) are a kind of their own, not a recognition :class:`~merbench.meta.
DatasetMeta`: they give whole videos with intervals, not one labelled sample per clip, so no
recognition feature or model can be run on them by mistake. Their metadata adds what a
spotter and its results need to know before any video is read: the frame rate (a spotter's
windows are set in seconds and converted per database: 30 fps for CAS(ME)^2 and CAS(ME)^3,
200 for SAMM) and whether the database marks blinks (a blink is motion a spotter must learn
to ignore; where it is annotated it can be told apart from a false positive).

It lives beside :mod:`merbench.meta` rather than in the spotting package because the
registry (vocabulary) holds it, and the spotting package computes (a higher layer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from merbench.meta import Meta


@dataclass(frozen=True, kw_only=True)
class LongVideoMeta(Meta):
    """A long-video dataset: ``fps``, the frame rate of its videos (None where they differ;
    each :class:`~merbench.spotting.long_videos.LongVideo` carries its own all the same),
    ``blinks``, whether it gives eye-blink intervals, and ``emotions``, whether its
    expressions carry an emotion (spot-then-recognise needs one). ``ground_truth`` is False
    for a source of unlabelled video (``merbench predict``'s input): there is nothing to score,
    so ``merbench spot`` refuses it and the leaderboard lists no section for it."""

    fps: float | None
    blinks: bool = False
    emotions: bool = False
    ground_truth: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.fps is not None and (isinstance(self.fps, bool)
                                     or not isinstance(self.fps, (int, float))
                                     or not math.isfinite(self.fps) or self.fps <= 0):
            raise ValueError(f"long-video dataset {self.name!r}: fps must be a positive "
                             f"number of frames per second or None, not {self.fps!r}")
