"""``casme2``: CASME II from its official frame folders and coding sheet.

Layout (the database as its owners distribute it; merbench ships none of it)::

    CASME2/                              the database folder (--data-root, or a folder holding
      Cropped/sub01/EP02_01f/reg_img46.jpg   casme2/ or CASME2/)
      CASME2_RAW_selected/sub01/EP02_01f/img46.jpg
      CASME2-coding-20190701.xlsx        the coding sheet (or --dataset-opt sheet=PATH)

``frames="cropped"`` (default) reads ``Cropped/``, ``frames="raw"`` reads
``CASME2_RAW_selected/``; only one of the two trees needs to be there. Frame numbers are the
numbers in the file names (46 in ``img46.jpg`` and ``reg_img46.jpg``), as in the sheet.

The sheet (columns Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame, Estimated Emotion;
found by name, so the unnamed empty columns do not matter) has 255 rows of 26 subjects. Its
subject ``01`` is the folder ``sub01``. One row (sub04/EP12_01f) has no apex (``/``): its apex
is the middle frame of onset..offset (``apex_from`` says ``midpoint``).

Class sets (``classes``, part of the run's identity):

- ``"5"`` (default): happiness, disgust, repression, surprise, others (249 samples). As in
  the usual 5-class protocol, the 2 fear and 4 sadness clips are left out: too few to learn.
- ``"3"``: the MEGC2019 composite mapping: negative = disgust + repression, positive =
  happiness, surprise = surprise; others, fear and sadness are left out. On the 2019 sheet
  this gives 90 / 32 / 28 (150 samples, 24 subjects); the official composite list has
  88 / 32 / 25 (145): it also leaves out sub04/EP12_01f (no apex), sub05/EP09_05f (disgust),
  sub24/EP07_01, sub24/EP07_04f and sub24/EP10_03 (surprise). The ``megc2019`` dataset gives
  the official list exactly.

Action units: the sheet's ``Action Units`` column (``4+L10``), kept unparsed in the sample
table (``au_text``, with the cell's sheet, row and column) and read by
:mod:`merbench_datasets.action_units` only when AU labels are asked for
(``Dataset.action_units()``), so an emotion run never stops on a cell it does not use (a
sheet without the column gives no AU coding).

Sample ids are ``casme2/sub01/EP02_01f``, as in the ``composite`` dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from merbench.api import MerbenchError
from merbench_datasets import action_units, rawframes
from merbench_datasets.rawroot import find_database, find_sheet
from merbench_datasets.sheets import SheetRole, frames_of, read_sheet

NAME = "casme2"
TREES = {"cropped": "Cropped", "raw": "CASME2_RAW_selected"}
FOLDER_NAMES = ("casme2", "CASME2", "CASME_II")
SHEET = SheetRole(NAME)  # the coding sheet as this dataset reads it, for its errors
WHAT = f"CASME II frame tree ({' or '.join(TREES.values())}/)"  # what is_database looks for
SHEET_PATTERNS = ("CASME2-coding*.xlsx", "CASME2-coding*.xls", "CASME2-coding*.csv")
COLUMNS = ("Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Estimated Emotion")
AU_COLUMN = "Action Units"
EMOTIONS = ("happiness", "disgust", "repression", "surprise", "others", "fear", "sadness")
CLASS_SETS = {"5": ("happiness", "disgust", "repression", "surprise", "others"),
              "3": ("negative", "positive", "surprise")}
MAPPINGS = {"5": {e: e for e in CLASS_SETS["5"]},
            "3": {"disgust": "negative", "repression": "negative", "happiness": "positive",
                  "surprise": "surprise"}}
HOW_TO_GET = ("request CASME II from its owners (http://casme.psych.ac.cn/casme/e2) under its "
              "licence, then pass the folder holding Cropped/ or CASME2_RAW_selected/ and "
              "CASME2-coding-20190701.xlsx with --data-root PATH (or set MERBENCH_DATA_DIR to "
              "a folder holding casme2/)")


def is_database(folder: Path) -> bool:
    """Whether ``folder`` is a CASME II folder (it has one of the two frame trees); public,
    as ``megc2019`` looks for the same folder to say which of its databases are missing."""
    return any((folder / tree).is_dir() for tree in TREES.values())


def subject_folder(subject: str) -> str:
    """The sheet's ``01`` (or ``1``) is the folder ``sub01``."""
    return f"sub{int(subject):02d}" if subject.isdigit() else subject


def sheet_rows(path: Path, role: SheetRole = SHEET) -> pd.DataFrame:
    """Every row of the coding sheet at ``path``, indexed by its row in the sheet: ids,
    emotion, onset / apex / offset frames and the action-unit cells, unparsed (the
    ``CELL_COLUMNS`` of :mod:`merbench_datasets.action_units`, whose ``coded`` parses them
    when asked; the composite release reads them from here). ``role``: the sheet as the
    dataset run reads it, for its errors."""
    rows = read_sheet(path, COLUMNS, role, optional=(AU_COLUMN,))
    subject = rows["Subject"].map(subject_folder)
    clip = rows["Filename"]
    table = pd.DataFrame({
        "sample_id": NAME + "/" + subject + "/" + clip, "database": NAME,
        "subject": subject, "clip": clip,
        "emotion": rows["Estimated Emotion"].str.lower(),
        "onset": frames_of(rows["OnsetFrame"]), "apex": frames_of(rows["ApexFrame"]),
        "offset": frames_of(rows["OffsetFrame"]),
    }, index=rows.index)
    return action_units.with_cells(table, rows, AU_COLUMN, path)


def annotation_table(data_root: str | None = None, sheet: str | None = None,
                     frames: str = "cropped", role: SheetRole = SHEET,
                     frames_option: str = "frames",
                     ) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Every row of the coding sheet as an annotation table (emotion kept, no label yet),
    with the rows that cannot be samples at all (no subject, clip or onset). ``role`` and
    ``frames_option``: the dataset the user ran and its options for the sheet and the frame
    tree (``megc2019``'s ``casme2_sheet``, ``casme2_frames``), so that a refusal's fix is
    an option that dataset takes."""
    if frames not in TREES:
        raise MerbenchError(f"{NAME}: frames must be one of "
                                      f"{', '.join(TREES)} (got {frames!r})")
    root = find_database(NAME, data_root, FOLDER_NAMES, is_database, WHAT, HOW_TO_GET)
    tree = root / TREES[frames]
    if not tree.is_dir():
        other = next(k for k in TREES if k != frames)
        raise MerbenchError(f"{role.dataset}: '{root}' has {TREES[other]}/ but no "
                            f"{TREES[frames]}/; pass --dataset-opt {frames_option}={other}")
    folders = [root, *([Path(data_root).expanduser().absolute()] if data_root else [])]
    path = find_sheet(role.dataset, sheet, folders, SHEET_PATTERNS, "CASME II coding sheet",
                      role.option)
    table = sheet_rows(path, role)
    table.insert(table.columns.get_loc("emotion") + 1, "folder",
                 [str(tree / s / c) for s, c in zip(table["subject"], table["clip"],
                                                    strict=True)])
    return rawframes.unusable_rows(table, path, NAME)


def make_casme2(data_root: str | None = None, classes: str = "5", sheet: str | None = None,
                frames: str = "cropped", subjects: str | Sequence[str] | None = None,
                skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """CASME II samples of one class set, checked against the frames (see the module doc)."""
    key = rawframes.pick_class_set(NAME, classes, CLASS_SETS)
    return rawframes.assemble(NAME, annotation_table(data_root, sheet, frames), subjects,
                              MAPPINGS[key], EMOTIONS, CLASS_SETS[key], skip_missing)
