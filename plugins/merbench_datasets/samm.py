"""``samm``: SAMM from its official frame folders and FACS coding sheet.

Layout (the database as its owners distribute it; merbench ships none of it)::

    SAMM/                              the database folder (--data-root, or a folder holding
      006/006_1_2/006_05562.jpg          SAMM/ or samm/): subject / clip / frames
      SAMM_Micro_FACS_Codes_v2.xlsx    the coding sheet, here or next to SAMM/ (or
                                       --dataset-opt sheet=PATH)

Frame numbers are the last number in the file name (5562 in ``006_05562.jpg``), as in the
sheet. The sheet has notes above its header row (13 rows in v2); the header row is found by
its column names (Subject, Filename, Onset Frame, Apex Frame, Offset Frame, Estimated
Emotion), wherever it is. v2 has 159 micro-expressions of 29 subjects.

Class sets (``classes``, part of the run's identity):

- ``"5"`` (default): anger, contempt, happiness, surprise, others (the sheet's ``Other``):
  136 samples. As in the usual 5-class protocol, the 9 disgust, 8 fear and 6 sadness clips
  are left out.
- ``"3"``: the MEGC2019 composite mapping: negative = anger, contempt, disgust, fear and
  sadness; positive = happiness; surprise = surprise; others left out. This reproduces the
  official composite list exactly: 92 / 26 / 15 (133 samples, 28 subjects).

Action units: the sheet's ``Action Units`` column (``4+7``, ``12A+ref(24)``), kept
unparsed in the sample table (``au_text``, with the cell's sheet, row and column) and read by
:mod:`merbench_datasets.action_units` only when AU labels are asked for
(``Dataset.action_units()``), so an emotion run never stops on a cell it does not use (a
sheet without the column gives no AU coding).

Sample ids are ``samm/006/006_1_2``, as in the ``composite`` dataset (three-digit subjects).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from merbench.api import whole_value
from merbench_datasets import action_units, rawframes
from merbench_datasets.rawroot import find_database, find_sheet
from merbench_datasets.sheets import SheetRole, frames_of, read_sheet

NAME = "samm"
FOLDER_NAMES = ("SAMM", "samm")
WHAT = "SAMM frame tree (subject folders such as 006/)"  # what is_database looks for
SHEET_PATTERNS = ("SAMM_Micro_FACS_Codes*.xlsx", "SAMM_Micro_FACS_Codes*.xls",
                  "SAMM_Micro_FACS_Codes*.csv")
COLUMNS = ("Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame",
           "Estimated Emotion")
AU_COLUMN = "Action Units"
EMOTIONS = ("anger", "contempt", "happiness", "surprise", "others", "disgust", "fear",
            "sadness")
CLASS_SETS = {"5": ("anger", "contempt", "happiness", "surprise", "others"),
              "3": ("negative", "positive", "surprise")}
MAPPINGS = {"5": {e: e for e in CLASS_SETS["5"]},
            "3": {"anger": "negative", "contempt": "negative", "disgust": "negative",
                  "fear": "negative", "sadness": "negative", "happiness": "positive",
                  "surprise": "surprise"}}
HOW_TO_GET = ("request SAMM from its owners (https://helward.mmu.ac.uk/STAFF/M.Yap/"
              "dataset.php) under its licence, then pass the SAMM folder (subject folders "
              "006/ ... and SAMM_Micro_FACS_Codes_v2.xlsx) with --data-root PATH (or set "
              "MERBENCH_DATA_DIR to a folder holding SAMM/)")


def is_database(folder: Path) -> bool:
    """Whether ``folder`` is a SAMM folder (it has subject folders); public, as ``megc2019``
    looks for the same folder to say which of its databases are missing."""
    return any(child.is_dir() and child.name.isdigit() for child in folder.iterdir())


def subject_id(subject: str) -> str:
    """Three digits, as the folders write them (a sheet cell read as a number loses the
    leading zeros), the number read in any spelling of a whole number merbench takes
    (``6``, ``06``, ``+6``, ``6.0``, ``6e0``: :func:`merbench.api.whole_value`, the one
    reader): a cell typed as the text ``6.0`` or ``+6`` was taken as a folder name and
    refused as a missing frame folder (pass 84p, P9). Other text is kept as written."""
    number = whole_value(subject)
    return f"{number:03d}" if number is not None and number >= 0 else subject


def sheet_rows(path: Path, role: SheetRole | None = None) -> pd.DataFrame:
    """Every row of the coding sheet at ``path``, indexed by its row in the sheet: ids,
    emotion, onset / apex / offset frames and the action-unit cells, unparsed (the
    ``CELL_COLUMNS`` of :mod:`merbench_datasets.action_units`, whose ``coded`` parses them
    when asked; the composite release reads them from here). ``role``: the sheet as another
    dataset reads it (samm-long's emotion sheet), for its errors."""
    rows = read_sheet(path, COLUMNS, role or NAME, optional=(AU_COLUMN,))
    subject = rows["Subject"].map(subject_id)
    clip = rows["Filename"]
    emotion = rows["Estimated Emotion"].str.lower().replace({"other": "others"})
    table = pd.DataFrame({
        "sample_id": NAME + "/" + subject + "/" + clip, "database": NAME,
        "subject": subject, "clip": clip, "emotion": emotion,
        "onset": frames_of(rows["Onset Frame"]), "apex": frames_of(rows["Apex Frame"]),
        "offset": frames_of(rows["Offset Frame"]),
    }, index=rows.index)
    return action_units.with_cells(table, rows, AU_COLUMN, path)


def annotation_table(data_root: str | None = None, sheet: str | None = None,
                     role: SheetRole | None = None,
                     ) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Every row of the coding sheet as an annotation table (emotion kept, no label yet),
    with the rows that cannot be samples at all. ``role``: the sheet as the dataset run
    reads it (``megc2019``'s ``samm_sheet``), so that a refusal's fix is an option that
    dataset takes."""
    role = role or SheetRole(NAME)
    root = find_database(NAME, data_root, FOLDER_NAMES, is_database, WHAT, HOW_TO_GET)
    folders = [root, root.parent]
    path = find_sheet(role.dataset, sheet, folders, SHEET_PATTERNS, "SAMM FACS coding sheet",
                      role.option)
    table = sheet_rows(path, role)
    table.insert(table.columns.get_loc("emotion") + 1, "folder",
                 [str(root / s / c) for s, c in zip(table["subject"], table["clip"],
                                                    strict=True)])
    return rawframes.unusable_rows(table, path, NAME)


def make_samm(data_root: str | None = None, classes: str = "5", sheet: str | None = None,
              subjects: str | Sequence[str] | None = None,
              skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """SAMM samples of one class set, checked against the frames (see the module doc)."""
    key = rawframes.pick_class_set(NAME, classes, CLASS_SETS)
    return rawframes.assemble(NAME, annotation_table(data_root, sheet), subjects,
                              MAPPINGS[key], EMOTIONS, CLASS_SETS[key], skip_missing)
