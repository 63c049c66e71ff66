"""The preprocessed layouts the authors' scripts read, written from merbench's features.

Each layout names the registered features it is made of (by name: the core imports no
plugin) and writes their values as the authors' files are written:

- ``composite``, the MEGC2019 composite release that STSTNet, HTNet, RCN and OFF-ApexNet
  users have: ``STSNet_whole_norm_u_v_os/{sub}_{clip} .png`` (the 28x28 flow image, strain /
  v / u as B / G / R, with the release's space before ``.png``), ``combined_datasets_whole/``
  (the apex face, 224x224 JPEG, named as the release's ``imagename`` column: ``{sub}_{clip}.jpg``,
  SMIC's clips with the subject unpadded, ``s01_s1_ne_01.jpg``) and
  ``combined_3_class2_for_optical_flow.csv`` (``dataset, sub, filename_o, label, apex,
  imagename, sub_filename``, the last two empty as released). The ``composite`` dataset reads
  it back (``--dataset-opt subset=true`` for part of the official list).
- ``htnet``, what HTNet's script builds from that release: per LOSO subject,
  ``{subject}/u_train/{label}/`` holding every other subject's flow images and
  ``{subject}/u_test/{label}/`` its own, named as in the release (their ``main_HTNet.py``
  reads it as ``datasets/three_norm_u_v_os`` and also reads the release's flow and apex
  folders, so the composite layout goes beside it).
- ``causalnet``, the working folder CausalNet's ``main_train.py`` runs in, as it reads it:
  ``combined_3_class2_for_optical_flow.csv`` (only ``sub`` and ``filename_o``: which file
  names to expect), ``datasets/STSNet_whole_norm_u_v_os/{sub}_{clip} .png`` (onset -> apex
  flow), ``_1 .png`` (apex -> offset flow), ``_2 .png`` and ``_3 .png`` (the two direction
  maps), and ``datasets/three_norm_u_v_os/`` laid out as the ``htnet`` layout, from which
  the script takes each fold's split and labels (the folder names) and the file names that
  key the flow images: it reads none of those files' pixels.

A writer returns its files (path relative to ``--out`` -> bytes) rather than writing them, so
that the caller (:mod:`merbench.export.folder`) can record the whole list before the first
file lands and remove what an earlier export wrote that this one does not.

PNG is lossless, so a written flow image reads back as the feature's values exactly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError

FLOW_DIR = "STSNet_whole_norm_u_v_os"
APEX_DIR = "combined_datasets_whole"
LABEL_CSV = "combined_3_class2_for_optical_flow.csv"
CSV_COLUMNS = ("dataset", "sub", "filename_o", "label", "apex", "imagename", "sub_filename")
CAUSALNET_SUFFIXES = ("", "_1", "_2", "_3")
LOSO_DIR = "three_norm_u_v_os"  # HTNet's and CausalNet's name for the per-subject tree
SCRIPT_DATA = "datasets"  # where main_HTNet.py and main_train.py look, from their folder
COMPOSITE_CLASSES = ("negative", "positive", "surprise")


@dataclass(frozen=True)
class Layout:
    """A layout: the features it is made of (the first is the flow) and what it writes."""

    name: str
    features: tuple[str, ...]
    description: str
    # the dataset's classes the layout's readers take as labels 0, 1, 2 ...; None: any
    classes: tuple[str, ...] | None = None


LAYOUTS = {layout.name: layout for layout in (
    Layout("composite", ("tvl1-uvos", "onset-apex-224"),
           "the MEGC2019 composite release: flow PNGs, apex JPEGs and the label CSV",
           COMPOSITE_CLASSES),
    Layout("htnet", ("tvl1-uvos",), "HTNet's per-subject u_train / u_test label folders"),
    Layout("causalnet", ("causalnet-flows",),
           "the folder CausalNet's main_train.py runs in: its four images a sample, the "
           "per-subject u_train / u_test folders and the label CSV"),
)}


def release_names(samples: pd.DataFrame) -> pd.DataFrame:
    """Each sample's ``sub``, ``filename_o``, flow stem and ``imagename`` as the release
    writes them."""
    clips = [str(sid).split("/", 2)[-1].replace("/", "_") for sid in samples["sample_id"]]
    subjects = samples["subject"].astype(str).tolist()
    apex = [apex_image_name(database, subject, clip)
            for database, subject, clip in zip(samples["database"], subjects, clips, strict=True)]
    return pd.DataFrame({"sub": subjects, "filename_o": clips,
                         "stem": [f"{s}_{c}" for s, c in zip(subjects, clips, strict=True)],
                         "imagename": apex}, index=samples.index)


def apex_image_name(database: str, subject: str, clip: str) -> str:
    """The name the release gives a sample's apex image: its flow image's stem plus ``.jpg``,
    but a SMIC clip's own subject without its leading zeros (``s01_s1_ne_01.jpg``), as the
    authors' preprocessing wrote it; export writes it so and the composite loader reads it
    so, in one place, so that the two cannot parse SMIC's names apart."""
    unpadded = re.fullmatch(r"s0*(\d+)", subject)
    if database == "smic" and unpadded and clip.startswith(f"{subject}_"):
        return f"{subject}_s{unpadded.group(1)}{clip[len(subject):]}.jpg"
    return f"{subject}_{clip}.jpg"


def png(image_chw: np.ndarray) -> bytes:
    """A (3, H, W) 0..255 image (B, G, R channels, as the features hold them) as PNG bytes."""
    return _encode(".png", image_chw)


def jpeg(image_hwc_bgr: np.ndarray) -> bytes:
    return _encode(".jpg", image_hwc_bgr.transpose(2, 0, 1))


def _encode(suffix: str, image_chw: np.ndarray) -> bytes:
    import cv2  # deferred: opencv, which listing and results never need

    values = np.asarray(image_chw)
    if values.min() < 0 or values.max() > 255 or not np.array_equal(values, np.round(values)):
        raise MerbenchError("an exported image must hold whole numbers 0..255")
    ok, encoded = cv2.imencode(suffix, np.ascontiguousarray(values.transpose(1, 2, 0))
                               .astype(np.uint8))
    if not ok:
        raise MerbenchError(f"OpenCV could not encode a {suffix} image")
    return bytes(encoded)


def label_csv(samples: pd.DataFrame, names: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for (_, sample), (_, name) in zip(samples.iterrows(), names.iterrows(), strict=True):
        writer.writerow([sample["database"], name["sub"], name["filename_o"],
                         int(sample["label"]), "", name["imagename"], ""])
    return buffer.getvalue().encode()


Files = dict[str, bytes]  # path relative to --out (POSIX) -> the file's bytes
Writer = Callable[[pd.DataFrame, dict[str, np.ndarray]], Files]


def composite_files(samples: pd.DataFrame, values: dict[str, np.ndarray]) -> Files:
    names = release_names(samples)
    flows, pairs = values["tvl1-uvos"], values["onset-apex-224"]
    files: Files = {}
    for row, (stem, imagename) in enumerate(zip(names["stem"], names["imagename"],
                                                strict=True)):
        files[f"{FLOW_DIR}/{stem} .png"] = png(flows[row])
        apex_rgb = np.asarray(pairs[row][1]).transpose(1, 2, 0)  # (3, S, S) R, G, B
        files[f"{APEX_DIR}/{imagename}"] = jpeg(apex_rgb[..., ::-1])
    files[LABEL_CSV] = label_csv(samples, names)
    return files


def loso_tree(prefix: str, samples: pd.DataFrame, images: list[bytes]) -> Files:
    """HTNet's per-subject tree under ``prefix``: for each subject, every other subject's
    images in ``u_train/{label}/`` and its own in ``u_test/{label}/``."""
    names = release_names(samples)
    keys = list(zip(samples["database"], names["sub"], strict=True))
    owners: dict[str, Any] = {}
    for database, subject in keys:
        other = owners.setdefault(subject, database)
        if other != database:
            raise MerbenchError(f"subject '{subject}' is in both {other} and {database}; "
                                "HTNet's and CausalNet's layouts name a folder by subject "
                                "alone: export one database at a time")
    files: Files = {}
    for subject in owners:
        for row, ((_, owner), label) in enumerate(zip(keys, samples["label"], strict=True)):
            part = "u_test" if owner == subject else "u_train"
            name = f"{names['stem'].iloc[row]} .png"
            files[f"{prefix}{subject}/{part}/{int(label)}/{name}"] = images[row]
    return files


def htnet_files(samples: pd.DataFrame, values: dict[str, np.ndarray]) -> Files:
    return loso_tree("", samples, [png(flow) for flow in values["tvl1-uvos"]])


def causalnet_files(samples: pd.DataFrame, values: dict[str, np.ndarray]) -> Files:
    names = release_names(samples)
    files: Files = {}
    for row, stem in enumerate(names["stem"]):
        for image, suffix in zip(values["causalnet-flows"][row], CAUSALNET_SUFFIXES,
                                 strict=True):
            files[f"{SCRIPT_DATA}/{FLOW_DIR}/{stem}{suffix} .png"] = png(image)
    # the split folders' files are named, not read: each holds the onset -> apex flow
    onset_apex = [files[f"{SCRIPT_DATA}/{FLOW_DIR}/{stem} .png"] for stem in names["stem"]]
    files.update(loso_tree(f"{SCRIPT_DATA}/{LOSO_DIR}/", samples, onset_apex))
    files[LABEL_CSV] = label_csv(samples, names)
    return files


WRITERS: dict[str, Writer] = {"composite": composite_files, "htnet": htnet_files,
                              "causalnet": causalnet_files}
