"""``landmarks``: 68 facial landmarks per sample, placed by dlib or given by the dataset.

Output convention (part of the feature's version): float32 array (N, 68, 2) of (x, y) in the
iBUG 68-point order, normalised by the image's width (x) and height (y), so that 0 is the
image's left / top edge and 1 its right / bottom edge; multiply by a grid's size to place them
on any grid (``htnet-regions`` multiplies by 28). Points of the jaw line may fall slightly
outside [0, 1] when dlib places them beyond a tight crop; they are not clipped.

Where the points come from (the feature needs ``landmarks68|apex_face``):

- a dataset that gives ``landmarks68`` (``synthetic``): those points, which by convention are
  in pixels of the sample's ``flow_uvos`` image, divided by that image's width and height;
  nothing is detected and no sample fails;
- otherwise the ``apex_face`` image (``composite``): dlib's HOG face detector
  (``dlib.get_frontal_face_detector()``, one upsampling) on the image padded by 40 black
  pixels on every side, because the release's 224x224 apex crops are so tight that the detector
  misses most faces unpadded; the largest box when it finds several; when it finds none, the
  whole image is the face box (the sample is counted as failed and named in the report). The
  68 points are then placed by dlib's shape predictor ``shape_predictor_68_face_landmarks.dat``
  from the ``face-recognition-models`` package.

Measured once on the 442 apex faces of the MEGC2019 composite release (dlib-bin 20.0.1, one
thread of a 2-core AMD EPYC VM shared with other jobs): dlib found no face in 10 of 442
(whole-image fallback): 9 CASME II (sub15/EP08_02 and eight clips of sub26, both wearing
glasses) and 1 SMIC (s03/s03_sur_01, head tilted down); without the padding it misses most
faces. The first extraction took 15.7 s (about 35 ms per face, JPEG decoding included), a
second one 0.4 s from the cache (2.6 MB for 442 files).

Detected points are cached, one small ``.npz`` file per image under
``<cache_dir>/landmarks68/`` (``cache_dir`` option, else ``$MERBENCH_CACHE_DIR``, else
``~/.cache/merbench``). The file name is a hash of the image's pixels, shape and dtype and of
the extractor's settings and versions, so a renamed file or another dataset holding the same
image reuses it, and a changed image or setting does not. Files are written atomically; a file
that cannot be read back is recomputed and rewritten.

:func:`detect_landmarks68` (images in, points and failure mask out) and :func:`landmarks_for`
(a dataset in) are the public helpers other plugins reuse. dlib and OpenCV are imported only
when a face has to be detected, so registering the feature stays cheap.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from merbench.api import (
    CACHE_ENV,
    Dataset,
    Extracted,
    FeatureCache,
    MerbenchError,
    installed_version,
)

N_POINTS = 68
PAD = 40
UPSAMPLE = 1
EXTRACTOR_VERSION = 1
PREDICTOR_FILE = "shape_predictor_68_face_landmarks.dat"
INSTALL = "pip install dlib-bin face-recognition-models"
CACHE_SUBDIR = "landmarks68"
SHOWN_FAILURES = 5


# ------------------------------------------------------------------------------ dlib, lazily


def predictor_path() -> Path:
    """The 68-point model file of ``face-recognition-models``, found without importing the
    package (its ``__init__`` imports ``pkg_resources``, which recent setuptools dropped)."""
    spec = importlib.util.find_spec("face_recognition_models")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise MerbenchError("the landmarks feature needs dlib's 68-point model from the "
                            f"face-recognition-models package, which is not installed; {INSTALL}")
    path = Path(locations[0]) / "models" / PREDICTOR_FILE
    if not path.is_file():
        raise MerbenchError(f"the landmark model '{path}' is missing from the "
                            f"face-recognition-models package; reinstall it: {INSTALL}")
    return path


_MODELS: tuple[Any, Any, Any] | None = None


def _dlib_models() -> tuple[Any, Any, Any]:
    """(dlib, face detector, shape predictor), loaded once per process on first need."""
    global _MODELS
    if _MODELS is None:
        try:
            import dlib
        except ImportError:
            raise MerbenchError(f"the landmarks feature needs dlib, which is not installed; "
                                f"{INSTALL}") from None
        path = predictor_path()
        try:
            predictor = dlib.shape_predictor(str(path))
        except RuntimeError as exc:
            raise MerbenchError(f"dlib cannot load the landmark model '{path}' ({exc}); "
                                f"reinstall it: {INSTALL}") from None
        _MODELS = (dlib, dlib.get_frontal_face_detector(), predictor)
    return _MODELS


def extractor_settings() -> dict[str, Any]:
    """Everything besides the image that decides the points: part of every cache key."""
    return {"extractor": "dlib-hog-shape68", "version": EXTRACTOR_VERSION, "pad": PAD,
            "border": "constant-0", "upsample": UPSAMPLE, "largest_box": True,
            "fallback": "whole-image", "dlib": installed_version("dlib-bin", "dlib") or "unknown",
            "model": f"{PREDICTOR_FILE} "
                     f"{installed_version('face-recognition-models') or 'unknown'}"}


# ------------------------------------------------------------------------------------ cache


class LandmarkCache:
    """One entry per image (points, and whether detection failed), keyed by its pixels and
    the extractor's settings: the core feature cache's entries, in their own store."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self._entries = FeatureCache(
            CACHE_SUBDIR, EXTRACTOR_VERSION, extractor_settings(), root, store=CACHE_SUBDIR,
            label="landmark cache",
            fix=f"set {CACHE_ENV} or --feature-opt cache_dir=DIR to a writable folder")
        self.root, self.folder = self._entries.root, self._entries.folder

    def check(self) -> None:
        """Refuse a store that cannot be written, or whose marker is not merbench's."""
        self._entries.check()

    def key(self, image: np.ndarray) -> str:
        return self._entries.key({"image": image})

    def path(self, key: str) -> Path:
        return self._entries.path(key)

    def load(self, key: str) -> tuple[np.ndarray, bool] | None:
        """The cached (points, failed), or None when absent, damaged or implausible (then
        recomputed)."""
        entry = self._entries.load(key)
        if not entry:
            return None
        points, notes = entry
        if points.shape != (N_POINTS, 2) or points.dtype != np.float32 or \
                not np.isfinite(points).all():
            return None
        return points, bool(notes.get("failed"))

    def store(self, key: str, points: np.ndarray, failed: bool) -> None:
        self._entries.store(key, points.astype(np.float32), {"failed": bool(failed)})


# -------------------------------------------------------------------------------- detection


def _as_image(image: Any, label: str) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3
                                                           and image.shape[2] == 3)):
        raise MerbenchError(
            f"landmarks: {label} is {'x'.join(map(str, image.shape))} {image.dtype}; a face "
            "image must be H x W x 3 (B, G, R) or H x W grey uint8, as cv2.imread gives it"
        )
    if min(image.shape[:2]) < 8:
        raise MerbenchError(f"landmarks: {label} is only {image.shape[1]}x{image.shape[0]} "
                            "pixels; give the face image, not a thumbnail")
    return image


def _detect_one(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """(68, 2) normalised (x, y) for one image, and whether the detector found no face."""
    import cv2

    dlib, detector, predictor = _dlib_models()
    height, width = image.shape[:2]
    rgb = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    padded = np.ascontiguousarray(
        cv2.copyMakeBorder(rgb, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=0))
    boxes = list(detector(padded, UPSAMPLE))
    failed = not boxes
    if failed:
        box = dlib.rectangle(PAD, PAD, PAD + width - 1, PAD + height - 1)
    else:
        box = max(boxes, key=lambda b: b.width() * b.height())
    shape = predictor(padded, box)
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64) - PAD
    points /= np.array([width, height], dtype=np.float64)
    return points.astype(np.float32), failed


@dataclass
class _Detection:
    points: np.ndarray
    failed: np.ndarray
    from_cache: int
    cache_dir: Path


def _detect_all(images: Sequence[np.ndarray] | np.ndarray,
                cache_dir: str | os.PathLike[str] | None,
                labels: Sequence[str] | None = None) -> _Detection:
    cache = LandmarkCache(cache_dir)
    cache.check()
    n = len(images)
    points = np.empty((n, N_POINTS, 2), dtype=np.float32)
    failed = np.zeros(n, dtype=bool)
    from_cache = 0
    for index in range(n):
        label = f"the image of sample {labels[index]}" if labels is not None \
            else f"image {index}"
        image = _as_image(images[index], label)
        key = cache.key(image)
        cached = cache.load(key)
        if cached is None:
            found, missed = _detect_one(image)
            cache.store(key, found, missed)
        else:
            found, missed = cached
            from_cache += 1
        points[index], failed[index] = found, missed
    return _Detection(points, failed, from_cache, cache.root)


def detect_landmarks68(images: Sequence[np.ndarray] | np.ndarray,
                       cache_dir: str | os.PathLike[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """68 landmarks of each face image, cached: ((N, 68, 2) float32 normalised (x, y),
    (N,) bool True where no face was detected and the whole image served as the face box).

    ``images`` are H x W x 3 B, G, R (or H x W grey) uint8 arrays, as ``cv2.imread`` gives
    them; their sizes may differ.
    """
    found = _detect_all(images, cache_dir)
    return found.points, found.failed


# ------------------------------------------------------------------------ a dataset's points


@dataclass
class Landmarks:
    """A dataset's landmarks in the feature's convention, with what to report about them."""

    points: np.ndarray   # (N, 68, 2) float32, (x, y) normalised by the image size
    failed: np.ndarray   # (N,) bool: no face detected, whole-image fallback
    report: dict[str, Any]
    summary: str


def _given(dataset: Dataset) -> Landmarks:
    name, n = dataset.name, len(dataset.samples)
    points = np.asarray(dataset.read_all("landmarks68"), dtype=np.float64)
    if points.shape != (n, N_POINTS, 2):
        raise MerbenchError(f"dataset '{name}': landmarks68 has shape {points.shape}; it must "
                            f"be ({n}, {N_POINTS}, 2), (x, y) per point")
    bad = ~np.isfinite(points).all(axis=(1, 2))
    if bad.any():
        raise MerbenchError(f"dataset '{name}': landmarks68 of sample "
                            f"{dataset.samples['sample_id'].iloc[int(np.argmax(bad))]} are not "
                            "finite; fix the dataset's landmarks")
    provides = dataset.provides or ()
    if "flow_uvos" not in provides:
        raise MerbenchError(f"dataset '{name}' gives landmarks68 but no flow_uvos image; "
                            "landmarks68 are in pixels of that image, so the dataset must give "
                            "both (or apex_face instead of landmarks68)")
    flows = dataset.read_all("flow_uvos")
    height, width = flows.shape[1:3]
    points /= np.array([width, height], dtype=np.float64)
    report = {"source": "landmarks68", "n_samples": n, "n_failed": 0, "failed": [],
              "note": f"given by the dataset in pixels of its {width}x{height} flow image"}
    return Landmarks(points.astype(np.float32), np.zeros(n, dtype=bool), report,
                     f"landmarks68 given by dataset '{name}' (nothing detected)")


def fallback_summary(failed: list[str], n: int, what: str, fallback: str) -> str:
    """One line on face detection: how many of ``n`` had no face, naming the first few."""
    if not failed:
        return f"dlib found a face in all {n} {what}"
    shown = ", ".join(failed[:SHOWN_FAILURES])
    more = ", ..." if len(failed) > SHOWN_FAILURES else ""
    return f"no face found in {len(failed)} of {n} {what} ({fallback} fallback): {shown}{more}"


def landmarks_for(dataset: Dataset, cache_dir: str | os.PathLike[str] | None = None
                  ) -> Landmarks:
    """Every sample's landmarks: the dataset's ``landmarks68`` when it gives them, else
    detected on its ``apex_face`` images (cached), with the failures named in the report."""
    provides = dataset.provides
    if provides is not None and "landmarks68" in provides:
        return _given(dataset)
    if provides is not None and "apex_face" not in provides:
        raise MerbenchError(f"dataset '{dataset.name}' gives neither landmarks68 nor apex_face, "
                            "so no landmarks can be placed; use a dataset that gives one")
    ids = dataset.samples["sample_id"].astype(str).tolist()
    images = dataset.read_all("apex_face")
    found = _detect_all(images, cache_dir, ids)
    failed_ids = [ids[i] for i in np.flatnonzero(found.failed)]
    n = len(ids)
    report = {
        "source": "apex_face",
        "method": f"dlib HOG face detector on the image padded by {PAD} px (upsample "
                  f"{UPSAMPLE}, largest box), 68-point shape predictor; whole image as the "
                  "face box when no face is found",
        "settings": extractor_settings(),
        "n_samples": n, "n_failed": len(failed_ids), "failed": failed_ids,
        "n_from_cache": found.from_cache, "cache_dir": str(found.cache_dir),
    }
    summary = fallback_summary(failed_ids, n, "samples", "whole-image")
    return Landmarks(found.points, found.failed, report, summary)


def build_landmarks(cache_dir: str | None = None) -> Callable[[Dataset], Extracted]:
    """The ``landmarks`` feature: (N, 68, 2) normalised points, with the failures reported."""

    def extract(dataset: Dataset) -> Extracted:
        found = landmarks_for(dataset, cache_dir)
        return Extracted(found.points, found.report, found.summary)

    return extract
