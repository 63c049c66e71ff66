"""``composite``: the MEGC2019 3-class composite (SMIC-HS + CASME II + SAMM), preprocessed release.

This reads the layout that users of the STSTNet and HTNet releases already have on disk; merbench
ships none of its images. Where it is found: the factory's ``data_root`` (``--data-root PATH`` or
``--dataset-opt data_root=PATH``), which may be the composite folder itself or a folder holding
``composite/``; without it, ``$MERBENCH_DATA_DIR/composite`` (``MERBENCH_DATA_DIR`` is a folder
with one sub-folder per dataset; the composite folder itself is accepted too). There is no
built-in default location: without either, the error says where to get the data.

Layout
------
- ``combined_3_class2_for_optical_flow.csv``: one row per sample with the columns ``dataset``
  (``casme2`` / ``samm`` / ``smic``), ``sub``, ``filename_o``, ``label`` (0 negative,
  1 positive, 2 surprise), ``apex``, ``imagename`` and ``sub_filename``; merbench needs
  ``dataset``, ``sub``, ``filename_o``, ``label`` and ``imagename`` (the other two are empty).
- ``STSNet_whole_norm_u_v_os/``: one 28x28 PNG per sample, the onset-to-apex optical flow.
- ``combined_datasets_whole/``: one apex face crop per sample, JPEG 224x224.

Quirks of the release
---------------------
- Flow file names are ``f"{sub}_{filename_o} .png"``, with a space before ``.png``.
- Apex file names come from the ``imagename`` column; they do not always follow the flow name
  (SMIC: apex ``s01_s1_ne_01.jpg`` next to flow ``s01_s01_ne_01 .png``).
- Subject ids are only unique inside a database (SAMM ``006``, CASME II ``sub01``, SMIC
  ``s01``), and clip names only inside a subject (CASME II ``EP01_01`` exists for ``sub06`` and
  ``sub07``): a sample is ``database/subject/clip`` and a LOSO fold is keyed on
  (database, subject). The CSV is read as text, so SAMM's ``006`` keeps its leading zeros.

Sample table
------------
``sample_id`` (``f"{database}/{subject}/{clip}"``), ``database``, ``subject``, ``clip``,
``label`` (index into ``("negative", "positive", "surprise")``), ``flow_path`` and
``apex_path`` (absolute paths), in the CSV's row order. Action units are no column of it:
``action_units()`` reads them from the CASME II and SAMM coding sheets when asked
(:mod:`merbench_datasets.composite_aus`; option ``annotations``, the sheets' folder).

Sources
-------
- ``flow_uvos``: the flow PNG exactly as ``cv2.imread`` gives it (the file's bytes are decoded
  with ``cv2.imdecode``, same pixels): 28x28x3 uint8 in OpenCV's B, G, R order, which holds
  (optical strain, v, u): channel 0 the strain, channel 1 the vertical flow v, channel 2 the
  horizontal flow u. Each channel of each image is min-max scaled to 0..255 on its own, so
  every channel spans exactly 0..255 (true of all 442 released files) and values are not
  comparable across images: 0 and 255 are that image's extremes, not physical flows.
- ``apex_face``: the apex JPEG as ``cv2.imread`` reads it in colour, B, G, R uint8 (224x224x3
  in the release), e.g. for placing facial landmarks.

What is validated
-----------------
With ``--dataset-opt subset=true`` the folder may hold part of the official list (an export
of some subjects, ``merbench export``): missing samples and the counts below are then not
checked, while every sample present must still be official and officially labelled.

When the dataset is built (before any training): the CSV exists and is readable, has the
columns above, every row has a dataset of ``casme2`` / ``samm`` / ``smic``, a non-empty
subject, clip and apex name and a label 0..2, no sample appears twice, each row's apex name
is its own sample's as the release writes it and no two rows share one
(:mod:`merbench_datasets.composite_csv`), and the flow and apex folders and every sample's
two files exist. The samples are then checked against the official
MEGC2019 ground truth shipped with merbench (``data/megc2019_composite_3class_gt.csv``, 442
rows: dataset, subject, clip, label; no header; no faces): the official list writes SAMM
subjects as plain integers (``6``) where the release has ``006``; databases and clip names are
spelt alike (the mapping is :mod:`merbench_datasets.megc2019_official`). Any
sample missing from the CSV, extra in it or labelled differently is named in the error. The
result must have 442 samples, 68 subjects, 250 / 109 / 83 negative / positive / surprise;
SMIC 70 / 51 / 43 (16 subjects), CASME II 88 / 32 / 25 (24), SAMM 92 / 26 / 15 (28).
A folder named by ``annotations=`` is checked too, whatever the task: it must hold the
coding sheets of the samples' databases (found by name, not read).

When ``flow_uvos`` is read (``read_all``, which a feature does once before training), every
flow image is read and checked: a PNG signature and its end chunk (a truncated file has
none), decodable by OpenCV, 28x28x3 uint8. Apex images are checked the same way (JPEG start
and end markers, decodable, all the same size) when ``apex_face`` is read.

Every problem is a :class:`~merbench.base.errors.MerbenchError`: one line naming the file, the CSV
line or the samples concerned, and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from merbench.api import (
    Dataset,
    LfsPointer,
    UnreadableFile,
    check_user_file,
    decode_user_image,
    read_user_bytes,
)
from merbench_datasets import composite_aus
from merbench_datasets.composite_csv import (
    check_apex_names,
    check_rows,
    fail,
    more,
    read_label_csv,
)
from merbench_datasets.megc2019_official import (
    CLASSES,
    check_against_ground_truth,
    check_counts,
)
from merbench_datasets.rawroot import DATA_ENV, candidate_folders, told, where_looked

NAME = "composite"
LABEL_CSV = "combined_3_class2_for_optical_flow.csv"
FLOW_DIR = "STSNet_whole_norm_u_v_os"
APEX_DIR = "combined_datasets_whole"
FLOW_SHAPE = (28, 28, 3)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the (empty) IEND chunk with its CRC
JPEG_START = b"\xff\xd8"
JPEG_END = b"\xff\xd9"

HOW_TO_GET = (
    "request CASME II (http://casme.psych.ac.cn/casme/e2), SAMM "
    "(https://helward.mmu.ac.uk/STAFF/M.Yap/dataset.php) and SMIC "
    "(https://www.oulu.fi/en/university/faculties-and-units/"
    "faculty-information-technology-and-electrical-engineering/"
    "center-for-machine-vision-and-signal-analysis) under their licences, then get the "
    f"preprocessed MEGC2019 composite release of the STSTNet/HTNet authors ({LABEL_CSV}, "
    f"{FLOW_DIR}/, {APEX_DIR}/); pass its folder with --data-root PATH (or --dataset-opt "
    f"data_root=PATH), or set {DATA_ENV} to a folder that holds composite/"
)
POINTER = ("pass the composite release's folder with --data-root PATH (where to request the "
           "databases, and the release: docs/user-guide.md#running-a-benchmark)")


# ---------------------------------------------------------------------------- where the data is


def find_root(data_root: str | os.PathLike[str] | None = None) -> Path:
    """The composite folder: ``data_root`` itself or its ``composite/``, else the environment's."""
    base, origin, candidates = candidate_folders(NAME, data_root, [NAME], "composite",
                                                 HOW_TO_GET, POINTER)
    for folder in candidates:
        if (folder / LABEL_CSV).is_file():
            return folder
    for folder in candidates:  # the images are there but the label CSV is not
        if os.path.lexists(folder / LABEL_CSV):  # a fifo, a folder: said as what it is
            check_user_file(folder / LABEL_CSV, "MEGC2019 composite's label CSV")
        if (folder / FLOW_DIR).is_dir():
            raise fail(f"the label file '{folder / LABEL_CSV}' is missing next to {FLOW_DIR}/; "
                        "restore it from the preprocessed release")
    looked = where_looked(base, origin, candidates, " and ", f"for {LABEL_CSV} ")
    raise fail(f"no MEGC2019 composite data found: {looked}; {told(HOW_TO_GET, POINTER)}")


# ------------------------------------------------------------------------------------ images


def _read_bytes(path: str, sample_id: str, what: str) -> bytes:
    if not Path(path).exists():
        raise fail(f"the {what} '{path}' of sample {sample_id} is missing; restore it from "
                    "the preprocessed release")
    if Path(path).is_dir():
        raise fail(f"the {what} '{path}' of sample {sample_id} is a folder, not an image "
                    "file; put the release's file there")
    try:
        return read_user_bytes(Path(path), what)
    except LfsPointer as exc:  # fetched, not a permission to change
        raise fail(f"the {what} '{path}' of sample {sample_id} {exc.reason}") from None
    except UnreadableFile as exc:
        raise fail(f"cannot read the {what} '{path}' of sample {sample_id} "
                    f"({exc.because}); check its permissions") from None


def _decode(data: bytes, flags: int, path: str, sample_id: str, what: str) -> np.ndarray:
    try:
        return decode_user_image(data, Path(path), what, flags)
    except UnreadableFile as exc:
        raise fail(f"the {what} '{path}' of sample {sample_id} {exc.reason}; replace it "
                    "with the release's file") from None


def read_flow(path: str, sample_id: str) -> np.ndarray:
    """One released flow image, checked: 28x28x3 uint8 in file (B, G, R) order."""
    import cv2

    what = "flow image"
    data = _read_bytes(path, sample_id, what)
    if not data.startswith(PNG_SIGNATURE):
        raise fail(f"the {what} '{path}' of sample {sample_id} is not a PNG image; replace "
                    "it with the release's file")
    if PNG_END not in data[-64:]:
        raise fail(f"the {what} '{path}' of sample {sample_id} is truncated (no PNG end "
                    f"chunk, {len(data)} bytes); replace it with the release's file")
    image = _decode(data, cv2.IMREAD_UNCHANGED, path, sample_id, what)
    if image.shape != FLOW_SHAPE or image.dtype != np.uint8:
        shape = "x".join(str(n) for n in image.shape)
        raise fail(f"the {what} '{path}' of sample {sample_id} is {shape} {image.dtype}; the "
                    f"release's flow images are {'x'.join(map(str, FLOW_SHAPE))} uint8; "
                    "replace it with the release's file")
    return image


def read_apex(path: str, sample_id: str) -> np.ndarray:
    """One apex face image as OpenCV reads it in colour (B, G, R uint8)."""
    import cv2

    what = "apex image"
    data = _read_bytes(path, sample_id, what)
    if data.startswith(JPEG_START) and JPEG_END not in data[-64:]:
        raise fail(f"the {what} '{path}' of sample {sample_id} is truncated (no JPEG end "
                    f"marker, {len(data)} bytes); replace it with the release's file")
    return _decode(data, cv2.IMREAD_COLOR, path, sample_id, what)


# ----------------------------------------------------------------------------------- dataset


class CompositeDataset(Dataset):
    """The composite release on disk; images are read (and checked) when a source is read,
    AU labels from the coding sheets when they are asked for."""

    def __init__(self, root: Path, samples: pd.DataFrame,
                 annotations: str | None = None) -> None:
        super().__init__(NAME, samples, CLASSES)
        self.provides = ("flow_uvos", "apex_face")
        self.root = root
        self.annotations = annotations
        self._flows: np.ndarray | None = None
        self._coding: pd.DataFrame | None = None

    def action_unit_table(self) -> pd.DataFrame:
        """The AU columns of the CASME II and SAMM samples' coding-sheet rows, SMIC's None
        (:mod:`merbench_datasets.composite_aus`), read once, on the first request."""
        if self._coding is None:
            self._coding = composite_aus.coding_table(self.samples, self.root,
                                                      self.annotations)
        return self._coding

    def _row(self, index: int) -> pd.Series:
        return self.samples.iloc[index]

    def read(self, source: str, index: int) -> np.ndarray:
        if source == "flow_uvos":
            if self._flows is not None:
                return self._flows[index]
            row = self._row(index)
            return read_flow(row["flow_path"], row["sample_id"])
        if source == "apex_face":
            row = self._row(index)
            return read_apex(row["apex_path"], row["sample_id"])
        return super().read(source, index)

    def read_all(self, source: str) -> np.ndarray:
        if source == "flow_uvos":
            if self._flows is None:
                flows = [read_flow(p, s) for p, s in zip(self.samples["flow_path"],
                                                          self.samples["sample_id"], strict=True)]
                self._flows = np.stack(flows)
                self._flows.flags.writeable = False
            return self._flows
        if source == "apex_face":
            faces: list[np.ndarray] = []
            for path, sample_id in zip(self.samples["apex_path"], self.samples["sample_id"],
                                       strict=True):
                face = read_apex(path, sample_id)
                if faces and face.shape != faces[0].shape:
                    raise fail(f"the apex image '{path}' of sample {sample_id} is "
                                f"{'x'.join(map(str, face.shape))}, the first one "
                                f"{'x'.join(map(str, faces[0].shape))}; all apex images must "
                                "have one size, as in the release")
                faces.append(face)
            return np.stack(faces)
        return super().read_all(source)


def _check_files(samples: pd.DataFrame, root: Path, lines: Sequence[int]) -> None:
    for folder in (FLOW_DIR, APEX_DIR):
        if not (root / folder).is_dir():
            raise fail(f"the folder '{root / folder}' is missing; restore {folder}/ from the "
                        "preprocessed release")
    for column, what in (("flow_path", "flow image"), ("apex_path", "apex image")):
        exists = samples[column].map(os.path.isfile).to_numpy(dtype=bool)
        absent = np.flatnonzero(~exists)
        if len(absent):
            row = samples.iloc[absent[0]]
            found = "is a folder, not an image file" if os.path.isdir(row[column]) \
                else "is missing"
            raise fail(f"the {what} '{row[column]}' of sample {row['sample_id']} (CSV line "
                        f"{lines[absent[0]]}) {found}{more(len(absent) - 1, what + '(s)')}; "
                        "restore it from the preprocessed release")


def make_composite(data_root: str | None = None, subset: bool = False,
                   annotations: str | None = None) -> Dataset:
    """The MEGC2019 composite from its preprocessed release, validated (see the module doc).
    ``subset=True`` accepts a folder holding part of the official list (``merbench export``
    of some subjects): every sample must still be official and officially labelled.
    ``annotations``: the folder holding the CASME II and SAMM coding sheets, which give the
    samples' action units (without it they are looked for near the release:
    :mod:`merbench_datasets.composite_aus`)."""
    root = find_root(data_root)
    csv = root / LABEL_CSV
    table = read_label_csv(csv)
    labels = check_rows(table, csv)
    database, subject, clip = table["dataset"], table["sub"], table["filename_o"]
    samples = pd.DataFrame({
        "sample_id": database + "/" + subject + "/" + clip,
        "database": database,
        "subject": subject,
        "clip": clip,
        "label": labels,
        "flow_path": [str(root / FLOW_DIR / f"{s}_{c} .png")
                      for s, c in zip(subject, clip, strict=True)],
        "apex_path": [str(root / APEX_DIR / name) for name in table["imagename"]],
    })
    lines = table.index.tolist()
    check_against_ground_truth(samples, csv, lines, allow_missing=subset)
    check_apex_names(table, csv)
    if not subset:
        check_counts(samples)
    _check_files(samples, root, lines)
    composite_aus.check_given_sheets(samples, root, annotations)
    return CompositeDataset(root, samples, annotations)
