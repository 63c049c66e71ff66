"""``casme3``: CAS(ME)^3 Part A micro-expressions from the official frames and label sheet.

Layout (the database as its owners distribute it; merbench ships none of it)::

    CASME3/                               the database folder (--data-root, or a folder
      part_A/spNO.1/a/color/175.jpg         holding CASME3/ or casme3/): part_A / subject /
      casme3_part_A_ME_label_JpgIndex_v2.xlsx   video / color / frame <number>.jpg

Part A's videos are long (a whole task per folder), and one video can hold several
micro-expressions: a sample is a row of the micro-expression label sheet
(``casme3_part_A_ME_label_JpgIndex_v2.xlsx``: Subject, Filename, Onset, Apex, Offset, AU,
Objective class, emotion; 860 rows of 94 subjects), here or next to the database folder, or
``--dataset-opt sheet=PATH``. (``casme3_part_A_v2.xls``, sheet ``AU+Emotion``, lists macro-
and micro-expressions but no emotion, so it cannot label samples: given as the sheet, it is
refused by name, for every class set.) An offset of 0 means "not annotated" (offset left
empty). Frame numbers are the numbers in the file names.

Known errata of the v2 label sheet: spNO.149/d has its apex (83) before its onset (112) and
spNO.216/d its onset (3647) after its apex (2668); ``casme3_part_A_v2.xls`` has apex 160 and
onset 2647 for them. merbench does not guess: they are reported like any other unusable
sample (correct the two cells, or run with ``--skip-missing``).

Class sets (``classes``, part of the run's identity), as in the CAS(ME)^3 paper:

- ``"7"`` (default): happiness, disgust, fear, anger, sadness, surprise, others (860);
- ``"4"``: negative (disgust, fear, anger, sadness), positive (happiness), surprise, others;
- ``"3"``: negative, positive, surprise; others left out (699 samples: 457 / 55 / 187).
- ``"objective"``: the sheet's ``Objective class`` column, I to VII (classes of the AUs,
  not of the emotion), the labels HSTA reports its 7-class results with (under its own
  5-fold split; merbench evaluates them with LOSO).

Action units: the label sheet's ``AU`` column (``R12``, ``26+25``), kept unparsed in the
sample table (``au_text``, with the cell's sheet, row and column) and read by
:mod:`merbench_datasets.action_units` only when AU labels are asked for
(``Dataset.action_units()``), so an emotion run never stops on a cell it does not use (a
sheet without the column gives no AU coding).

Sample ids are ``casme3/<subject>/<video>/<onset>`` (``casme3/spNO.1/e/96``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from merbench_datasets import action_units, rawframes
from merbench_datasets.rawroot import find_database, find_sheet
from merbench_datasets.sheets import SheetRole, frames_of, read_sheet

NAME = "casme3"
FOLDER_NAMES = ("CASME3", "casme3", "CAS(ME)3", "CAS(ME)^3")
PART = "part_A"
SHEET_PATTERNS = ("casme3_part_A_ME_label*.xlsx", "casme3_part_A_ME_label*.xls",
                  "casme3_part_A_ME_label*.csv")
COLUMNS = ("Subject", "Filename", "Onset", "Apex", "Offset", "emotion")
OBJECTIVE_COLUMN = "Objective class"
AU_COLUMN = "AU"
SPELLING = {"happy": "happiness", "sad": "sadness"}
EMOTIONS = ("happiness", "disgust", "fear", "anger", "sadness", "surprise", "others")
NEGATIVE = ("disgust", "fear", "anger", "sadness")
OBJECTIVE = ("I", "II", "III", "IV", "V", "VI", "VII")
CLASS_SETS = {"7": EMOTIONS, "objective": OBJECTIVE,
              "4": ("negative", "positive", "surprise", "others"),
              "3": ("negative", "positive", "surprise")}
MAPPINGS = {"7": {e: e for e in EMOTIONS}, "objective": {c: c for c in OBJECTIVE},
            "4": {**dict.fromkeys(NEGATIVE, "negative"), "happiness": "positive",
                  "surprise": "surprise", "others": "others"},
            "3": {**dict.fromkeys(NEGATIVE, "negative"), "happiness": "positive",
                  "surprise": "surprise"}}
#: the header names that mark casme3_part_A_v2.xls (see the module doc), and what to say
#: of it: read for its Objective class it would label macro-expressions as samples too
AU_SHEET = (("Expression type", OBJECTIVE_COLUMN),
            "is CAS(ME)^3's AU sheet, which lists macro- and "
            "micro-expressions and labels no emotion; give the micro-expression label sheet, "
            "casme3_part_A_ME_label_JpgIndex_v2.xlsx, with --dataset-opt sheet=PATH")
HOW_TO_GET = ("request CAS(ME)^3 from its owners (http://casme.psych.ac.cn/casme/e4) under its "
              "licence, then pass the folder holding part_A/ and "
              "casme3_part_A_ME_label_JpgIndex_v2.xlsx with --data-root PATH (or set "
              "MERBENCH_DATA_DIR to a folder holding casme3/)")


def _is_database(folder: Path) -> bool:
    return (folder / PART).is_dir()


def sheet_rows(path: Path, objective: bool = False,
               role: SheetRole | None = None) -> pd.DataFrame:
    """Every row of the label sheet at ``path``, indexed by its row in the sheet: ids,
    emotion (``objective``: the objective class I..VII), onset / apex / offset frames and the
    action-unit cells, unparsed (the ``CELL_COLUMNS`` of
    :mod:`merbench_datasets.action_units`, whose ``coded`` parses them when asked).
    ``role``: the sheet as another dataset reads it (casme3-long's emotion sheet)."""
    columns = (*COLUMNS[:-1], OBJECTIVE_COLUMN) if objective else COLUMNS
    rows = read_sheet(path, columns, role or NAME, optional=(AU_COLUMN,), wrong=[AU_SHEET])
    subject, clip = rows["Subject"], rows["Filename"]
    onset = frames_of(rows["Onset"])
    offset = frames_of(rows["Offset"]).map(lambda n: None if n == 0 else n).astype(object)
    emotion = (rows[OBJECTIVE_COLUMN].str.upper() if objective
               else rows["emotion"].str.lower().replace(SPELLING))
    table = pd.DataFrame({
        "sample_id": [f"{NAME}/{s}/{c}/{o}" for s, c, o in zip(subject, clip, onset,
                                                                 strict=True)],
        "database": NAME, "subject": subject, "clip": clip, "emotion": emotion,
        "onset": onset, "apex": frames_of(rows["Apex"]), "offset": offset,
    }, index=rows.index)
    return action_units.with_cells(table, rows, AU_COLUMN, path)


def annotation_table(data_root: str | None = None, sheet: str | None = None,
                     objective: bool = False) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Every row of the label sheet as an annotation table (emotion kept, no label yet),
    with the rows that cannot be samples at all. ``objective``: the ``emotion`` column holds
    the sheet's objective class (I..VII) instead."""
    root = find_database(NAME, data_root, FOLDER_NAMES, _is_database,
                         "CAS(ME)^3 Part A frame tree (part_A/)", HOW_TO_GET)
    path = find_sheet(NAME, sheet, [root, root.parent], SHEET_PATTERNS,
                      "CAS(ME)^3 Part A micro-expression label sheet")
    table = sheet_rows(path, objective)
    table.insert(table.columns.get_loc("emotion") + 1, "folder",
                 [str(root / PART / s / c / "color") for s, c in zip(table["subject"],
                                                                      table["clip"],
                                                                      strict=True)])
    return rawframes.unusable_rows(table, path, NAME,
                                   label=OBJECTIVE_COLUMN if objective else "emotion")


def make_casme3(data_root: str | None = None, classes: str = "7", sheet: str | None = None,
                subjects: str | Sequence[str] | None = None,
                skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """CAS(ME)^3 Part A samples of one class set, checked against the frames."""
    key = rawframes.pick_class_set(NAME, classes, CLASS_SETS)
    objective = key == "objective"
    return rawframes.assemble(NAME, annotation_table(data_root, sheet, objective), subjects,
                              MAPPINGS[key], OBJECTIVE if objective else EMOTIONS,
                              CLASS_SETS[key], skip_missing,
                              OBJECTIVE_COLUMN if objective else "emotion")
