"""``synthetic``: a deterministic, learnable-but-not-trivial stand-in for the composite release.

No real faces are involved, so it can ship with merbench, run in CI and in the README demo.
Each subject gets a face (a 68-point iBUG-style landmark layout with its own position, scale,
eye spacing and mouth width) and its own motion strength and noise level. Each sample is an
onset-to-apex motion field made of:

- the class's facial actions (FACS action units), as Gaussian-weighted displacements around
  landmarks: *positive* = lip corners pulled up and out (AU12) with the cheeks raised (AU6);
  *surprise* = brows raised (AU1+2) with the upper lids raised (AU5); *negative* = brows
  lowered and drawn together (AU4), often with the lip corners pulled down (AU15);
- distractors that do not depend on the class: blinks (upper lids down, against AU5), random
  twitches at random landmarks, a small head rotation, and smooth sensor noise;
- a per-sample intensity, log-normally spread, so some samples are barely visible.

The field is rendered like the MEGC2019 composite release: optical strain
sqrt(u_x^2 + v_y^2 + 0.5 (u_y + v_x)^2), channels stacked (strain, v, u) in OpenCV's B, G, R
order, each channel min-max scaled to 0..255 per image, 28x28 uint8. Sources: ``flow_uvos``
(N, 28, 28, 3) uint8 and ``landmarks68`` (N, 68, 2) float32 (x, y) in that image's pixels.

Subjects are spread over several databases whose subject ids repeat (``s01`` exists in each),
as in the real composite, so a protocol must key folds on (database, subject).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from merbench.api import InMemoryDataset, MerbenchError
from merbench_datasets.synthetic_options import synthetic_fault

CLASSES = ("negative", "positive", "surprise")
CLASS_PRIOR = (0.5, 0.27, 0.23)  # close to the composite's 250 / 109 / 83
IMAGE_SIZE = 28

# Landmark groups of the 68-point layout (subject's right = image left).
RIGHT_BROW = list(range(17, 22))
LEFT_BROW = list(range(22, 27))
UPPER_LIDS = [37, 38, 43, 44]
MOUTH_RIGHT, MOUTH_LEFT = 48, 54


def _arc(x0: float, x1: float, y: float, bulge: float, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)
    return np.stack([x0 + (x1 - x0) * t, y - bulge * np.sin(np.pi * t)], axis=1)


def _eye(cx: float, cy: float, width: float, height: float) -> np.ndarray:
    """Six eye points: outer corner, two upper, inner corner, two lower (iBUG order)."""
    w, h = width / 2, height / 2
    return np.array([[cx - w, cy], [cx - w / 3, cy - h], [cx + w / 3, cy - h], [cx + w, cy],
                     [cx + w / 3, cy + h], [cx - w / 3, cy + h]])


def face_template(eye_spacing: float = 1.0, mouth_width: float = 1.0) -> np.ndarray:
    """The 68 landmarks of a frontal face in unit coordinates (0..1 across the crop)."""
    theta = np.pi * np.arange(17) / 16
    jaw = np.stack([0.5 - 0.42 * np.cos(theta), 0.30 + 0.65 * np.sin(theta)], axis=1)
    ex = 0.19 * eye_spacing
    brows = np.concatenate([_arc(0.5 - ex - 0.14, 0.5 - ex + 0.11, 0.25, 0.04, 5),
                            _arc(0.5 + ex - 0.11, 0.5 + ex + 0.14, 0.25, 0.04, 5)])
    bridge = np.stack([np.full(4, 0.5), np.linspace(0.36, 0.55, 4)], axis=1)
    base = np.array([[0.41, 0.59], [0.45, 0.61], [0.5, 0.62], [0.55, 0.61], [0.59, 0.59]])
    eyes = np.concatenate([_eye(0.5 - ex, 0.37, 0.14, 0.05), _eye(0.5 + ex, 0.37, 0.14, 0.05)])
    mw, mh = 0.18 * mouth_width, 0.06
    t = np.linspace(0, np.pi, 7)
    upper = np.stack([0.5 - mw * np.cos(t), 0.76 - mh * np.sin(t)], axis=1)        # 48..54
    # 55..59 run along the lower lip from corner 54 back towards corner 48
    lower = np.stack([0.5 + mw * np.cos(t[1:-1]), 0.76 + mh * np.sin(t[1:-1])], axis=1)
    t_in = np.linspace(0, np.pi, 5)
    inner_up = np.stack([0.5 - 0.7 * mw * np.cos(t_in), 0.76 - 0.4 * mh * np.sin(t_in)], axis=1)
    inner_low = np.stack([0.5 + 0.7 * mw * np.cos(t_in[1:-1]),
                          0.76 + 0.4 * mh * np.sin(t_in[1:-1])], axis=1)
    return np.concatenate([jaw, brows, bridge, base, eyes, upper, lower, inner_up, inner_low])


def _class_actions(label: int, rng: np.random.Generator) -> list[tuple[int, float, float]]:
    """(landmark, dx, dy) displacements of unit strength for one sample of class ``label``."""
    if label == 1:  # positive: AU12, sometimes on one side only, often with AU6
        sides = [(MOUTH_RIGHT, -0.8, -0.7, 49, -0.3), (MOUTH_LEFT, 0.8, -0.7, 53, 0.3)]
        if rng.random() < 0.25:
            sides = [sides[int(rng.integers(0, 2))]]
        actions = []
        for corner, dx, dy, neighbour, ndx in sides:
            actions += [(corner, dx, dy), (neighbour, ndx, -0.3)]
        if rng.random() < 0.5:
            actions += [(41, 0.0, -0.35), (46, 0.0, -0.35)]
        return actions
    if label == 2:  # surprise: AU1 + AU2, often with AU5
        actions = [(i, 0.0, -0.9) for i in RIGHT_BROW + LEFT_BROW]
        if rng.random() < 0.5:
            actions += [(i, 0.0, -0.45) for i in UPPER_LIDS]
        return actions
    # negative: brows lowered and drawn together (AU4), a nose wrinkle (AU9), or only the
    # lip corners pulled down (AU15) -- disgust, repression, sadness look different
    variant = rng.choice(3, p=(0.55, 0.25, 0.2))
    if variant == 0:
        actions = [(i, 0.45, 0.6) for i in RIGHT_BROW[2:]]
        actions += [(i, -0.45, 0.6) for i in LEFT_BROW[:3]]
    elif variant == 1:
        actions = [(i, 0.0, -0.6) for i in range(31, 36)] + [(29, 0.0, -0.4)]
    else:
        actions = []
    if variant == 2 or rng.random() < 0.4:
        actions += [(MOUTH_RIGHT, 0.1, 0.6), (MOUTH_LEFT, -0.1, 0.6)]
    return actions


def _smooth_noise(rng: np.random.Generator, scale: float) -> np.ndarray:
    """Spatially smooth noise: coarse Gaussian noise, bilinearly upsampled to the image."""
    coarse = rng.normal(0.0, scale, size=(7, 7))
    axis = np.linspace(0, 6, IMAGE_SIZE)
    rows = np.array([np.interp(axis, np.arange(7), coarse[r]) for r in range(7)])
    return np.array([np.interp(axis, np.arange(7), rows[:, c]) for c in range(IMAGE_SIZE)]).T


def optical_strain(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """sqrt(u_x^2 + v_y^2 + 0.5 (u_y + v_x)^2) with central differences."""
    u_y, u_x = np.gradient(u)
    v_y, v_x = np.gradient(v)
    return np.sqrt(u_x**2 + v_y**2 + 0.5 * (u_y + v_x) ** 2)


def to_release_image(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Stack (strain, v, u) in B, G, R order and min-max scale each channel to 0..255."""
    channels = []
    for channel in (optical_strain(u, v), v, u):
        low, high = float(channel.min()), float(channel.max())
        span = high - low if high > low else 1.0
        channels.append(np.rint((channel - low) / span * 255.0))
    return np.stack(channels, axis=-1).astype(np.uint8)


def render_flow(points: np.ndarray, displacements: np.ndarray, sigma: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """Sum of Gaussian-weighted displacements centred on ``points`` (K, 2) in pixels."""
    grid = np.arange(IMAGE_SIZE, dtype=np.float64)
    dx2 = (grid[None, None, :] - points[:, 0, None, None]) ** 2
    dy2 = (grid[None, :, None] - points[:, 1, None, None]) ** 2
    weights = np.exp(-(dx2 + dy2) / (2.0 * sigma**2))
    u = np.tensordot(displacements[:, 0], weights, axes=1)
    v = np.tensordot(displacements[:, 1], weights, axes=1)
    return u, v


def make_synthetic(
    subjects: int = 6,
    samples_per_subject: int = 10,
    databases: int = 3,
    seed: int = 0,
) -> InMemoryDataset:
    """Build the dataset; the same arguments always give the same samples, bit for bit.

    Each call gets its own table and arrays, copied from the samples generated once a
    process for these arguments (:func:`_generated`): a tuning, a sweep or a suite worker
    opens the same small dataset for every run, and generating it was a third of a
    one-epoch run's CPU (a nested tuning of 30 runs: 2 s of its 6.5)."""
    fault = synthetic_fault(subjects, samples_per_subject, databases, seed)
    if fault is not None:  # the registry's option_check said it first, where planning ran
        raise MerbenchError(f"synthetic: {fault}")
    arguments = (subjects, samples_per_subject, databases, seed)
    # only whole numbers are kept: 2.0 would find 2's samples, where it fails as before
    generate = _generated if all(type(a) is int for a in arguments) else \
        _generated.__wrapped__
    rows, images, landmarks = generate(*arguments)
    return InMemoryDataset("synthetic", pd.DataFrame(list(rows)), CLASSES,
                           {"flow_uvos": images.copy(), "landmarks68": landmarks.copy()})


@functools.lru_cache(maxsize=4)
def _generated(subjects: int, samples_per_subject: int, databases: int, seed: int
               ) -> tuple[tuple[dict[str, object], ...], np.ndarray, np.ndarray]:
    """The samples of :func:`make_synthetic`'s (checked) arguments, made from the seed: the
    table's rows, the images and the landmarks, never handed out themselves (read-only; a
    caller gets copies). Four sets are kept: a few hundred kilobytes each at the sizes
    runs use, 29 MB at the most samples."""
    rng = np.random.default_rng(seed)
    rows, images, landmarks = [], [], []
    center = np.array([IMAGE_SIZE / 2, IMAGE_SIZE / 2])
    for s in range(subjects):
        database = f"syn{s % databases + 1}"
        subject = f"s{s // databases + 1:02d}"
        template = face_template(rng.uniform(0.85, 1.15), rng.uniform(0.85, 1.15))
        scale = rng.uniform(0.9, 1.08) * IMAGE_SIZE
        offset = rng.normal(0.0, 0.6, size=2)
        face = (template - 0.5) * scale + center + offset
        strength = rng.uniform(0.5, 1.2)
        noise = rng.uniform(0.3, 0.6)
        sigma = rng.uniform(1.4, 2.2)
        labels = rng.choice(len(CLASSES), size=samples_per_subject, p=CLASS_PRIOR)
        for clip, label in enumerate(labels):
            actions = _class_actions(int(label), rng)
            if rng.random() < 0.35:  # blink
                actions += [(i, 0.0, 0.7) for i in UPPER_LIDS]
            for _ in range(rng.integers(0, 4)):  # twitches anywhere on the face
                actions.append((int(rng.integers(0, 68)), *rng.normal(0.0, 0.6, size=2)))
            intensity = strength * rng.lognormal(0.0, 0.6)
            index = np.array([a[0] for a in actions])
            moves = np.array([a[1:] for a in actions], dtype=np.float64) * intensity
            moves += rng.normal(0.0, 0.1, size=moves.shape) * intensity
            jitter = rng.normal(0.0, 0.3, size=(68, 2))
            points = face + jitter
            u, v = render_flow(points[index], moves, sigma)
            omega = rng.normal(0.0, 0.02)  # head rotation about the face centre
            grid = np.arange(IMAGE_SIZE) - IMAGE_SIZE / 2
            u = u - omega * grid[:, None] + _smooth_noise(rng, noise)
            v = v + omega * grid[None, :] + _smooth_noise(rng, noise)
            images.append(to_release_image(u, v))
            landmarks.append(points.astype(np.float32))
            rows.append({"sample_id": f"{database}_{subject}_{clip:02d}", "database": database,
                         "subject": subject, "label": int(label), "intensity": intensity})
    stacked = np.stack(images), np.stack(landmarks)
    for array in stacked:
        array.flags.writeable = False
    return tuple(rows), *stacked
