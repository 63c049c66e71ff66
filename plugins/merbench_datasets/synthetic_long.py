"""``synthetic-long``: generated long videos of a face-like image, with exact ground truth.

Spotting needs whole videos, and the databases that have them are licensed. This dataset
ships with merbench, costs no file and no download, and exercises everything a spotter
meets in a real one:

- **micro-expressions**: 6-15 frames (0.2-0.5 s at 30 fps, micro by MEGC's duration rule),
  a small local deformation (peak 1.2-2.0 pixels) of the mouth corners (positive: pulled
  up and out), the brows (surprise: raised; negative: lowered and drawn together);
- **macro-expressions**: the same actions, 30-60 frames (1-2 s), 3-4.5 pixels;
- **blinks**: 6-9 frames, the upper eye region pulled down 2-3 pixels (motion a spotter
  must not report: each is in the video's ``blinks``, none in its expressions);
- **head drift**: a slow translation of the whole face (a sine of 0.8-1.5 pixels over
  200-400 frames: a few hundredths of a pixel a frame, against tenths in an expression);
- sensor noise (sigma 1 grey level), a different face per subject (size, feature places,
  a smooth skin texture that gives optical flow something to track).

Every deformation is a displacement field (a Gaussian bump of motion around a landmark)
that warps the face, so an expression is motion where a flow-magnitude spotter looks for
it, not a change of brightness. Onset and offset are the first and last frame of a
deformation's raised-cosine rise and fall (both still at rest: the motion is between
them), the apex its peak.

Frames are made when read (:class:`merbench.api.GeneratedFrames`): each is a function of
the seed, the video and its own number (its noise too), so a frame is the same whichever
chunk reads it, and building the dataset costs a few milliseconds. Rendering all the
default videos (3 subjects x 2 videos x 300 frames of 64 x 64) takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from merbench.api import (
    MACRO,
    MICRO,
    Annotation,
    Expression,
    FrameInterval,
    GeneratedFrames,
    LongVideo,
    LongVideoSet,
    MerbenchError,
)

NAME = "synthetic-long"
#: an hour at 30 fps: longer than any database's longest video (a spotter's check needs less)
MAX_FRAMES = 108_000
#: the most videos a generated set holds (each is made on demand, but listed up front)
MAX_VIDEOS = 1_000
FPS = 30.0
CLASSES = ("negative", "positive", "surprise")
SIZE = 64
NOISE = 1.0
MARGIN, MIN_GAP = 10, 12  # frames at rest at each end, and between two events
DURATIONS = {MICRO: (6, 15), MACRO: (30, 60), "blink": (6, 9)}
AMPLITUDES = {MICRO: (1.2, 2.0), MACRO: (3.0, 4.5), "blink": (2.0, 3.0)}


@dataclass(frozen=True)
class Face:
    """One subject's face: its image at rest and where its features are (pixels)."""

    image: np.ndarray  # SIZE x SIZE float
    eyes: tuple[tuple[float, float], tuple[float, float]]
    brows: tuple[tuple[float, float], tuple[float, float]]
    mouth_corners: tuple[tuple[float, float], tuple[float, float]]


def _blob(x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float, ry: float
          ) -> np.ndarray:
    """A soft-edged ellipse: 1 inside, 0 outside, a pixel-wide edge."""
    distance = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2)
    return np.clip((1.0 - distance) * min(rx, ry), 0.0, 1.0)


def _texture(rng: np.random.Generator, cells: int, amplitude: float) -> np.ndarray:
    """Smooth noise: a cells x cells grid of values, bilinearly upsampled to the image."""
    coarse = rng.normal(0.0, amplitude, size=(cells, cells))
    axis = np.linspace(0, cells - 1, SIZE)
    rows = np.array([np.interp(axis, np.arange(cells), coarse[r]) for r in range(cells)])
    return np.array([np.interp(axis, np.arange(cells), rows[:, c]) for c in range(SIZE)]).T


def make_face(rng: np.random.Generator) -> Face:
    """A face-like grey image: skin with texture, dark eyes, brows, nostrils and mouth."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    cx, cy = SIZE / 2 + rng.uniform(-1.5, 1.5), SIZE / 2 + 2 + rng.uniform(-1.5, 1.5)
    half_width, eye_y = rng.uniform(9.0, 11.0), cy - rng.uniform(7.0, 9.0)
    brow_y, mouth_y = eye_y - rng.uniform(5.0, 6.5), cy + rng.uniform(11.0, 13.0)
    mouth_half = rng.uniform(5.5, 7.5)
    skin = rng.uniform(140, 170) + _texture(rng, 8, 10.0) + _texture(rng, 16, 4.0)
    face = _blob(x, y, cx, cy, rng.uniform(20, 23), rng.uniform(25, 28))
    image = 30.0 + (skin - 30.0) * face
    eyes = ((cx - half_width, eye_y), (cx + half_width, eye_y))
    brows = ((cx - half_width, brow_y), (cx + half_width, brow_y))
    corners = ((cx - mouth_half, mouth_y), (cx + mouth_half, mouth_y))
    for ex, ey in eyes:
        image -= 90.0 * _blob(x, y, ex, ey, 4.5, 2.2) + 40.0 * _blob(x, y, ex, ey, 1.8, 1.8)
    for bx, by in brows:
        image -= 70.0 * _blob(x, y, bx, by, 5.5, 1.3)
    for nx in (cx - 2.0, cx + 2.0):
        image -= 45.0 * _blob(x, y, nx, cy + 4.0, 1.3, 1.0)
    image -= 80.0 * _blob(x, y, cx, mouth_y, mouth_half, 1.6)
    return Face(np.clip(image, 0.0, 255.0), eyes, brows, corners)


def _bumps(moves: list[tuple[float, float, float, float]], sigma: float) -> np.ndarray:
    """A displacement field (2, SIZE, SIZE) of unit peak: Gaussian bumps of motion (dx, dy)
    centred on (cx, cy)."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    field = np.zeros((2, SIZE, SIZE))
    for cx, cy, dx, dy in moves:
        weight = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma**2))
        field[0] += dx * weight
        field[1] += dy * weight
    return field


def action_field(face: Face, action: str) -> np.ndarray:
    """The motion of one action at unit strength: an emotion's (CLASSES) or a blink."""
    (lx, ly), (rx, ry) = face.mouth_corners
    (blx, bly), (brx, bry) = face.brows
    if action == "positive":  # lip corners pulled up and out (AU12)
        return _bumps([(lx, ly, -0.6, -0.8), (rx, ry, 0.6, -0.8)], 3.0)
    if action == "surprise":  # brows raised (AU1+2)
        return _bumps([(blx, bly, 0.0, -1.0), (brx, bry, 0.0, -1.0)], 3.5)
    if action == "negative":  # brows lowered and drawn together (AU4)
        return _bumps([(blx + 2, bly, 0.55, 0.8), (brx - 2, bry, -0.55, 0.8)], 3.0)
    (elx, ely), (erx, ery) = face.eyes
    return _bumps([(elx, ely - 1.5, 0.0, 1.0), (erx, ery - 1.5, 0.0, 1.0)], 2.2)  # blink


@dataclass(frozen=True)
class Event:
    """One planted deformation: its kind (MICRO, MACRO or "blink"), its action, frames and
    peak strength in pixels."""

    kind: str
    action: str
    onset: int
    apex: int
    offset: int
    amplitude: float

    def profile(self, numbers: np.ndarray) -> np.ndarray:
        """0 at onset and offset, 1 at the apex, raised-cosine in between."""
        rise = (numbers - self.onset) / max(self.apex - self.onset, 1)
        fall = (self.offset - numbers) / max(self.offset - self.apex, 1)
        phase = np.where(numbers <= self.apex, rise, fall)
        inside = (numbers >= self.onset) & (numbers <= self.offset)
        return np.where(inside, 0.5 - 0.5 * np.cos(np.pi * np.clip(phase, 0.0, 1.0)), 0.0)


def schedule(rng: np.random.Generator, frames: int, micro: int, macro: int,
             blinks: int) -> list[Event]:
    """Non-overlapping events in random order, at rest between them (see the module doc)."""
    kinds = [MICRO] * micro + [MACRO] * macro + ["blink"] * blinks
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    lengths = [int(rng.integers(DURATIONS[k][0], DURATIONS[k][1] + 1)) for k in kinds]
    slack = frames - 2 * MARGIN - sum(lengths) - MIN_GAP * max(len(kinds) - 1, 0)
    if slack < 0:
        raise MerbenchError(f"{NAME}: {frames} frames cannot hold {micro} micro, {macro} "
                            f"macro and {blinks} blink events; give more frames or fewer "
                            "events")
    shares = rng.dirichlet(np.ones(len(kinds) + 1)) if kinds else np.ones(1)
    extra = np.floor(shares * slack).astype(int)
    events, start = [], MARGIN + int(extra[0])
    for kind, length, more in zip(kinds, lengths, extra[1:], strict=True):
        offset = start + length - 1
        apex = start + round(rng.uniform(0.35, 0.6) * (length - 1))
        action = "blink" if kind == "blink" else CLASSES[int(rng.integers(len(CLASSES)))]
        events.append(Event(kind, action, start, apex, offset,
                            float(rng.uniform(*AMPLITUDES[kind]))))
        start = offset + 1 + MIN_GAP + int(more)
    return events


class Renderer:
    """A video's frames as a function of their numbers (see the module doc)."""

    def __init__(self, face: Face, events: list[Event], drift: np.ndarray,
                 seed: tuple[int, ...]) -> None:
        self.face, self.events, self.seed = face, events, seed
        self.fields = [action_field(face, e.action) * e.amplitude for e in events]
        self.drift = drift  # (amplitude x, y; period x, y; phase x, y)

    def __call__(self, numbers: np.ndarray) -> np.ndarray:
        t = numbers.astype(np.float64)
        ax, ay, tx, ty, px, py = self.drift
        motion = np.zeros((len(t), 2, SIZE, SIZE))
        motion[:, 0] += (ax * np.sin(2 * np.pi * t / tx + px))[:, None, None]
        motion[:, 1] += (ay * np.sin(2 * np.pi * t / ty + py))[:, None, None]
        for event, field in zip(self.events, self.fields, strict=True):
            motion += event.profile(numbers)[:, None, None, None] * field[None]
        y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
        frames = _sample(self.face.image, x[None] - motion[:, 0], y[None] - motion[:, 1])
        for position, number in enumerate(numbers):
            noise = np.random.default_rng((*self.seed, int(number)))
            frames[position] += noise.normal(0.0, NOISE, size=(SIZE, SIZE))
        return np.clip(np.rint(frames), 0, 255).astype(np.uint8)


def _sample(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``image`` at (x, y), edges repeated."""
    x = np.clip(x, 0.0, SIZE - 1.0)
    y = np.clip(y, 0.0, SIZE - 1.0)
    x0 = np.minimum(np.floor(x).astype(int), SIZE - 2)
    y0 = np.minimum(np.floor(y).astype(int), SIZE - 2)
    fx, fy = x - x0, y - y0
    top = image[y0, x0] * (1 - fx) + image[y0, x0 + 1] * fx
    bottom = image[y0 + 1, x0] * (1 - fx) + image[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def make_synthetic_long(subjects: int = 3, videos_per_subject: int = 2, frames: int = 300,
                        micro_per_video: int = 2, macro_per_video: int = 1,
                        blinks_per_video: int = 2, seed: int = 0) -> LongVideoSet:
    """The videos; the same arguments give the same frames and ground truth, bit for bit."""
    for option, value, least in (("subjects", subjects, 1),
                                 ("videos_per_subject", videos_per_subject, 1),
                                 ("frames", frames, 2), ("micro_per_video", micro_per_video, 0),
                                 ("macro_per_video", macro_per_video, 0),
                                 ("blinks_per_video", blinks_per_video, 0), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise MerbenchError(f"{NAME}: {option} must be a whole number >= {least} "
                                f"(got {value!r})")
    if micro_per_video + macro_per_video == 0:  # scored, a setting chosen by an F1 of no
        # true interval, 0 for every one (pass 84ab, AB7): it measures nothing
        raise MerbenchError(f"{NAME}: micro_per_video=0 and macro_per_video=0 leave no "
                            "interval to spot; give at least one micro or macro event per "
                            "video")
    # refused before any frame is made: a billion frames is days of spotting and a
    # per-frame score array of gigabytes, never a check of a spotter
    for option, value, most in (("frames", frames, MAX_FRAMES),
                                ("subjects", subjects, MAX_VIDEOS),
                                ("videos_per_subject", videos_per_subject, MAX_VIDEOS)):
        if value > most:
            raise MerbenchError(f"{NAME}: {option}={value} is more than {most:,}; give "
                                f"--dataset-opt {option}=N with N <= {most:,}")
    if subjects * videos_per_subject > MAX_VIDEOS:
        raise MerbenchError(f"{NAME}: subjects x videos_per_subject = "
                            f"{subjects * videos_per_subject:,} videos, more than "
                            f"{MAX_VIDEOS:,}; give fewer subjects or videos_per_subject")
    rng = np.random.default_rng(seed)
    videos = []
    for s in range(subjects):
        face = make_face(rng)
        for v in range(videos_per_subject):
            events = schedule(rng, frames, micro_per_video, macro_per_video,
                              blinks_per_video)
            drift = np.array([*rng.uniform(0.8, 1.5, 2), *rng.uniform(200, 400, 2),
                              *rng.uniform(0, 2 * np.pi, 2)])
            render = Renderer(face, events, drift, (seed, s, v))
            annotations = tuple(
                Annotation(Expression(FrameInterval(e.onset, e.offset), e.kind,
                                      CLASSES.index(e.action)), apex=e.apex,
                           row=f"{NAME} seed {seed}")
                for e in events if e.kind != "blink")
            blinks = tuple(FrameInterval(e.onset, e.offset) for e in events
                           if e.kind == "blink")
            videos.append(LongVideo(NAME, f"sub{s + 1:02d}", f"v{v + 1}", FPS,
                                    GeneratedFrames(frames, render), annotations, blinks))
    return LongVideoSet(NAME, CLASSES, tuple(videos))
