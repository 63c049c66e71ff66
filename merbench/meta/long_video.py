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

from dataclasses import dataclass
from typing import Any

from merbench.meta import Meta
from merbench.meta.field_values import called_by_name, flag, real, shown


@called_by_name
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

        def refuse(name: str, wanted: str, value: Any) -> ValueError:
            return ValueError(f"long-video dataset {self.name!r}: {name} must be {wanted}, "
                              f"not {shown(value)}")

        # fps=np.float32(30) or Decimal("30") is 30 (merbench.meta.field_values), a flag
        # may be numpy's bool: one reading for every metadata class
        if self.fps is not None:
            object.__setattr__(self, "fps", real(
                refuse, "fps", self.fps, "a positive number of frames per second or None",
                lambda v: v > 0))
        for name in ("blinks", "emotions", "ground_truth"):
            object.__setattr__(self, name, flag(refuse, name, getattr(self, name)))
