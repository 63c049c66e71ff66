"""What a spotter is: one long video's frames and frame rate in, typed intervals out.

A spotter finds micro- and macro-expressions in a long video with no onset or apex marked
(MEGC's spotting task; the first half of spot-then-recognise). merbench scores what it
returns with :mod:`merbench.spotting.matching` and :mod:`merbench.spotting.scores`, so the
contract below is the shape those take, and no more:

- **In: grey uint8 frames.** The long-video loaders and ``merbench predict`` crop and align
  the face before spotting, and every spotter of the MEGC baselines works on grey face
  crops; colour, landmarks or the database's name would let a spotter depend on what a new
  video does not have. The frames are a ``(T, H, W)`` array or any iterable of ``(H, W)``
  arrays (a reader that decodes a long video frame by frame need not hold it twice).
- **In: the frame rate.** Expressions are defined in seconds (a micro-expression lasts at
  most 0.5 s) and the databases differ tenfold in frames per second (CAS(ME)^2 and
  CAS(ME)^3 30 fps, SAMM 200 fps), so a spotter's windows are set from it and its
  intervals are typed by it (:func:`merbench.spotting.intervals.kind_by_duration`).
- **Out: a tuple of** :class:`~merbench.spotting.intervals.Spotted`. Frame numbers are
  positions in the frames given (0 is the first), both ends included, as
  :class:`~merbench.spotting.intervals.FrameInterval` counts them; a caller whose sheet
  numbers frames from another first frame adds it. Each interval carries its type (micro or
  macro) because MEGC matches the two apart (:mod:`merbench.spotting.matching`); its
  emotion is None, since recognition is a later step. The tuple is in time order, may be
  empty (nothing found, or a video shorter than the spotter's window: not an error) and
  is the same for the same input (results are recomputed by ``validate``). A spotter that
  can say how short is too short (:class:`NeedsFrames`) lets ``merbench predict`` refuse
  such a video, where "0 found" would be no finding.
- **Bad input is refused** with one :class:`ValueError` that names what was wrong (frames
  of another type or shape, a frame rate that is not a positive number), before any work.
- **params** records every option that decides the intervals, as a model's options are
  recorded with its run, so a spotting result says what produced it.

What a spotter must not do: choose its thresholds from the labels of the video it spots.
Options fitted to data are fitted on training subjects only (issue 56's constraint), and a
spotter that needs fitting takes the fitted values as options.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from merbench.spotting.intervals import Expression, Spotted

if TYPE_CHECKING:
    import numpy as np


@runtime_checkable
class Spotter(Protocol):
    """What any spotter implements (see the module docstring for the contract)."""

    @property
    def params(self) -> dict[str, Any]:
        """Every option that decides the intervals, JSON-serialisable."""
        ...

    def spot(self, frames: np.ndarray | Iterable[np.ndarray], fps: float
             ) -> tuple[Spotted, ...]:
        """The expressions found in one long video: its grey uint8 frames, ``(T, H, W)`` or
        an iterable of ``(H, W)``, at ``fps`` frames per second; typed, in time order."""
        ...


@runtime_checkable
class NeedsFrames(Protocol):
    """A spotter that says the fewest frames a video needs at ``fps`` for it to score any
    frame (flow-peak compares each frame with those ``k`` before and after it). A spotting
    run over a database keeps a shorter video, which finds nothing; ``merbench predict``,
    given that one video, refuses it in one line: its "0 interval(s) found" looked at
    nothing (pass 84aa, AA9: a one-frame folder was taken)."""

    def min_frames(self, fps: float) -> int: ...


@runtime_checkable
class SpotsVariants(Protocol):
    """A spotter that gives the intervals of several settings of its options from one pass
    over a video.

    A spotting run tries every setting of the tuned options (``SpotterMeta.tuned``) on every
    video, so that each left-out subject's setting can be chosen on the other subjects. For a
    training-free spotter the costly part (optical flow, minutes a SAMM video) does not
    depend on its thresholds, so computing it once per video and thresholding it per setting
    costs one pass instead of one per setting. ``variants`` are option overrides of this
    spotter's own options; the result is one tuple of intervals per variant, in order, each
    exactly what a spotter built with those options would return from :meth:`Spotter.spot`.
    A spotter without this method is built and run once per variant."""

    def spot_variants(self, frames: np.ndarray | Iterable[np.ndarray], fps: float,
                      variants: Sequence[Mapping[str, Any]]) -> list[tuple[Spotted, ...]]:
        ...


@dataclass(frozen=True)
class TrainingVideo:
    """One video a learned spotter fits on: what its :meth:`LearnsToSpot.features` returned,
    its frame rate, its ground truth in frame *positions* (0: its first frame, as the
    spotter's frames and intervals count), and its subject (``database/subject``), for a
    spotter that splits its training subjects to choose a threshold."""

    features: Any
    fps: float
    truth: tuple[Expression, ...]
    subject: str


@runtime_checkable
class FittedSpotter(Protocol):
    """A learned spotter fitted on training subjects' videos."""

    @property
    def fitted(self) -> dict[str, Any]:
        """What the fit chose (a threshold, say), JSON-serialisable, for the run's report."""
        ...

    def spot_features(self, features: Any, fps: float) -> tuple[Spotted, ...]:
        """The intervals of one video from its features, as :meth:`Spotter.spot` returns."""
        ...


@runtime_checkable
class LearnsToSpot(Protocol):
    """A spotter that is trained, leave one subject out: for each subject a spotting run
    fits it on the **other** subjects' videos and ground truth, then spots that subject's
    videos with the fitted spotter, so no label of a subject reaches its own intervals.

    Each video's costly part (optical flow) does not depend on the fit, so a run computes
    :meth:`features` once per video and hands them to every fit: per frame, or whatever the
    spotter keeps, as long as it is picklable. Anything the spotter chooses from data (a
    threshold, a window) it chooses inside :meth:`fit`, on the training videos alone.

    A run tries every setting of the options its metadata tunes, each fitted apart; settings
    share features where the spotter's optional ``feature_params`` property (the options
    that shape :meth:`features`) agree, and each computes its own otherwise (without the
    property, settings share features only where all their ``params`` agree)."""

    @property
    def params(self) -> dict[str, Any]:
        ...

    def features(self, frames: np.ndarray | Iterable[np.ndarray], fps: float) -> Any:
        """One video's features: its grey uint8 frames in, as :meth:`Spotter.spot` takes
        them; refused with a ValueError as a spotter refuses bad frames."""
        ...

    def fit(self, videos: Sequence[TrainingVideo]) -> FittedSpotter:
        """The spotter fitted on ``videos`` (every one a training subject's)."""
        ...
