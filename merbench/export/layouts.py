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
  ``{subject}/u_test/{label}/`` its own, named as in the release (their script also reads the
  release's apex folder to place its crops, so the composite layout goes beside it).
- ``causalnet``, CausalNet's images: ``STSNet_whole_norm_u_v_os/{sub}_{clip} .png``
  (onset -> apex flow), ``_1 .png`` (apex -> offset flow), ``_2 .png`` and ``_3 .png`` (the
  two direction maps), with the composite CSV.

PNG is lossless, so a written flow image reads back as the feature's values exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.atomic import atomic_write_bytes
from merbench.errors import MerbenchError

FLOW_DIR = "STSNet_whole_norm_u_v_os"
APEX_DIR = "combined_datasets_whole"
LABEL_CSV = "combined_3_class2_for_optical_flow.csv"
CSV_COLUMNS = ("dataset", "sub", "filename_o", "label", "apex", "imagename", "sub_filename")
CAUSALNET_SUFFIXES = ("", "_1", "_2", "_3")


@dataclass(frozen=True)
class Layout:
    """A layout: the features it is made of (the first is the flow) and what it writes."""

    name: str
    features: tuple[str, ...]
    description: str


LAYOUTS = {layout.name: layout for layout in (
    Layout("composite", ("tvl1-uvos", "onset-apex-224"),
           "the MEGC2019 composite release: flow PNGs, apex JPEGs and the label CSV"),
    Layout("htnet", ("tvl1-uvos",), "HTNet's per-subject u_train / u_test label folders"),
    Layout("causalnet", ("causalnet-flows",),
           "CausalNet's four images a sample (flows and direction maps) and the label CSV"),
)}


def release_names(samples: pd.DataFrame) -> pd.DataFrame:
    """Each sample's ``sub``, ``filename_o``, flow stem and ``imagename`` as the release
    writes them."""
    clips = [str(sid).split("/", 2)[-1].replace("/", "_") for sid in samples["sample_id"]]
    subjects = samples["subject"].astype(str).tolist()
    apex = []
    for database, subject, clip in zip(samples["database"], subjects, clips, strict=True):
        if database == "smic" and subject[1:].isdigit() and clip.startswith(subject):
            apex.append(f"{subject}_s{int(subject[1:])}{clip[len(subject):]}.jpg")
        else:
            apex.append(f"{subject}_{clip}.jpg")
    return pd.DataFrame({"sub": subjects, "filename_o": clips,
                         "stem": [f"{s}_{c}" for s, c in zip(subjects, clips, strict=True)],
                         "imagename": apex}, index=samples.index)


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


Writer = Callable[[Path, pd.DataFrame, dict[str, np.ndarray]], list[Path]]


def _write(path: Path, data: bytes) -> Path:
    if not (path.is_file() and path.read_bytes() == data):  # an unchanged file stays
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    return path


def write_composite(out: Path, samples: pd.DataFrame,
                    values: dict[str, np.ndarray]) -> list[Path]:
    names = release_names(samples)
    flows, pairs = values["tvl1-uvos"], values["onset-apex-224"]
    written = []
    for row, (stem, imagename) in enumerate(zip(names["stem"], names["imagename"],
                                                strict=True)):
        written.append(_write(out / FLOW_DIR / f"{stem} .png", png(flows[row])))
        apex_rgb = np.asarray(pairs[row][1]).transpose(1, 2, 0)  # (3, S, S) R, G, B
        written.append(_write(out / APEX_DIR / imagename, jpeg(apex_rgb[..., ::-1])))
    written.append(_write(out / LABEL_CSV, label_csv(samples, names)))
    return written


def write_htnet(out: Path, samples: pd.DataFrame, values: dict[str, np.ndarray]) -> list[Path]:
    names = release_names(samples)
    keys = list(zip(samples["database"], names["sub"], strict=True))
    folders: dict[str, tuple[Any, Any]] = {}
    for database, subject in keys:
        other = folders.setdefault(subject, (database, subject))
        if other[0] != database:
            raise MerbenchError(f"subject '{subject}' is in both {other[0]} and {database}; "
                                "HTNet's layout names a folder by subject alone: export one "
                                "database at a time")
    images = [png(flow) for flow in values["tvl1-uvos"]]
    written = []
    for subject in folders:
        for row, ((_, owner), label) in enumerate(zip(keys, samples["label"], strict=True)):
            part = "u_test" if owner == subject else "u_train"
            name = f"{names['stem'].iloc[row]} .png"
            written.append(_write(out / subject / part / str(int(label)) / name, images[row]))
    return written


def write_causalnet(out: Path, samples: pd.DataFrame,
                    values: dict[str, np.ndarray]) -> list[Path]:
    names = release_names(samples)
    written = []
    for row, stem in enumerate(names["stem"]):
        for image, suffix in zip(values["causalnet-flows"][row], CAUSALNET_SUFFIXES,
                                 strict=True):
            written.append(_write(out / FLOW_DIR / f"{stem}{suffix} .png", png(image)))
    written.append(_write(out / LABEL_CSV, label_csv(samples, names)))
    return written


WRITERS: dict[str, Writer] = {"composite": write_composite, "htnet": write_htnet,
                              "causalnet": write_causalnet}
