"""``samm-long``: SAMM Long Videos with their macro- and micro-expressions, 200 fps.

No copy of SAMM Long Videos or of its sheet is here; the facts below are read from public
code that reads the official files, and the tests build trees and sheets in this layout:

- the MEGC 2020 spotting baseline's loader, github.com/HeyingGithub/
  Baseline-project-for-MEGC2020_spotting, ``MDMD_results/dataset_new/SAMM_MEGC.py``, commit
  8ffa69456f00318cdbccb606ba2c9d320647c9d9 (the ``SAMM_longvideos/<subject>_<video>``
  folders, frames ``<subject>_<video>_<number>.jpg`` numbered from 1 with four digits, the
  sheet's ten rows above its data, the columns by position, frame cells rounded to the
  nearest frame, a type starting "Mi" for micro);
- SOFTNet's loader, github.com/genbing99/SoftNet-SpotME, ``Extraction_Preprocess.ipynb``,
  commit 8759091473cce4c7eca965f87077532a65712da9, and its ``load_excel`` (the column names
  Subject, Filename, Inducement Code, Onset, Apex, Offset, Duration, Type, Action Units,
  Notes; the types ``Micro - 1/2`` and ``Macro``; emotions joined from SAMM's
  micro-expression sheet by Filename).

Layout::

    SAMMLV/                                     --data-root: this folder, or
      SAMM_longvideos/006_1/006_1_0001.jpg        SAMM_longvideos/ itself
      SAMM_LongVideos_V3_Release.xlsx           beside SAMM_longvideos/ (or in it, or
                                                --dataset-opt sheet=PATH)

The header row (below the sheet's notes) is found by its column names; Subject, Filename,
Onset, Apex, Offset and Type are read, Action Units where present. Filename is the
interval's own name, ``006_1_2``: its first two parts are the video (``006_1``, its
folder's name), its first the subject. An apex of -1 or empty is "not coded".

Emotions: the long-video sheet gives none. SAMM's micro-expression sheet
(``SAMM_Micro_FACS_Codes_v2.xlsx``, the ``samm`` loader's, found beside the database or
``--dataset-opt emotion_sheet=PATH``) names the same micro-expressions by the same
Filename; a micro interval takes the emotion of the row of its Filename. Classes are the 8
of ``samm`` (anger, contempt, happiness, surprise, others, disgust, fear, sadness).
Without that sheet no expression has an emotion (``classes`` is empty).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from merbench.api import MICRO, LongVideoSet, MerbenchError
from merbench_datasets import samm
from merbench_datasets.long_tree import Layout, SheetRow, assemble, frames_of_row, type_of
from merbench_datasets.rawroot import find_database, find_sheet, one_folder_each
from merbench_datasets.sheets import SheetRole, read_sheet

NAME = "samm-long"
FPS = 200.0
FOLDER_NAMES = ("SAMM_longvideos", "SAMM_LongVideos", "SAMMLV", "SAMM_MEGC")
SHEET_PATTERNS = ("SAMM_LongVideos_V*.xlsx", "SAMM_LongVideos_V*.xls",
                  "SAMM_LongVideos_V*.csv")
COLUMNS = ("Subject", "Filename", "Onset", "Apex", "Offset", "Type")
AU_COLUMN = "Action Units"
EMOTION_SHEET = SheetRole(NAME, "emotion sheet", "emotion_sheet")
NOT_CODED = ("", "/", "-1")  # "an apex of -1 or empty is not coded" (the module doc)
_VIDEO = re.compile(r"^(\d+)_(\d+)$")
HOW_TO_GET = ("request SAMM Long Videos from its owners (https://helward.mmu.ac.uk/STAFF/"
              "M.Yap/dataset.php) under its licence, then pass the folder holding "
              "SAMM_longvideos/ and SAMM_LongVideos_V3_Release.xlsx with --data-root PATH")


def frame_of(cell: str) -> int | None:
    """A frame cell rounded to the nearest frame, as the MEGC 2020 baseline reads SAMM's
    (``int(float(cell) + 0.5)``); None for an empty, negative or non-numeric cell."""
    try:
        value = float(cell)
    except ValueError:
        return None
    return int(value + 0.5) if math.isfinite(value) and value >= 0 else None


def sheet_rows(path: Path) -> tuple[list[SheetRow], list[tuple[str, str]]]:
    """Every interval of the long-video sheet, and the rows that cannot be one."""
    table = read_sheet(path, COLUMNS, NAME, optional=(AU_COLUMN,))
    rows, problems = [], []
    for line, cells in table.iterrows():
        where = f"'{path}' row {line}"
        parts = cells["Filename"].split("_")
        kind = type_of(cells["Type"])
        if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
            problems.append((where, f"its Filename '{cells['Filename']}' is not "
                                    "<subject>_<video>_<number> (correct the cell)"))
        elif kind is None:
            problems.append((where, f"its Type '{cells['Type']}' is neither Micro nor "
                                    "Macro (correct the cell)"))
        elif (typo := frames_of_row(cells, ("Onset", "Apex", "Offset"), frame_of,
                                    NOT_CODED)[1]) is not None:
            problems.append((where, typo))
        else:
            rows.append(SheetRow(parts[0], f"{parts[0]}_{parts[1]}", kind,
                                 frame_of(cells["Onset"]), frame_of(cells["Apex"]),
                                 frame_of(cells["Offset"]), where,
                                 action_units=cells.get(AU_COLUMN, ""),
                                 emotion=cells["Filename"]))  # the name, until joined
    return rows, problems


def with_emotions(rows: list[SheetRow], micro_sheet: Path | None) -> list[SheetRow]:
    """``rows`` with each micro interval's emotion from SAMM's micro-expression sheet (the
    row of its Filename), every other emotion None."""
    emotions = {}
    if micro_sheet is not None:
        table = samm.sheet_rows(micro_sheet, EMOTION_SHEET)
        emotions = dict(zip(table["clip"], table["emotion"], strict=True))
    return [SheetRow(r.subject, r.video, r.kind, r.onset, r.apex, r.offset, r.where,
                     emotions.get(r.emotion or "") if r.kind == MICRO else None,
                     r.action_units) for r in rows]


def _video_read(name: str) -> str | None:
    found = _VIDEO.match(name)
    return None if found is None else f"{int(found.group(1)):03d}_{int(found.group(2))}"


def tree_layout(root: Path) -> Layout:
    """Every video folder ``<subject>_<video>`` under ``root``. Two folders of one video by
    its numbers (``006_1``, ``6_1``, ``006_01``) are refused, naming both (one was left out
    unsaid)."""
    one_folder_each(NAME, sorted(p for p in root.iterdir() if p.is_dir()), _video_read,
                    "video")
    folders = {(found.group(1), path.name): (path.name, path)
               for path in sorted(p for p in root.iterdir() if p.is_dir())
               if (found := _VIDEO.match(path.name))}
    return Layout(folders, lambda s, v: root / v)


def _is_database(folder: Path) -> bool:
    return any(p.is_dir() and _VIDEO.match(p.name) for p in folder.iterdir())


def make_samm_long(data_root: str | None = None, sheet: str | None = None,
                   emotion_sheet: str | None = None,
                   skip_missing: bool = False, face_crop: bool = True) -> LongVideoSet:
    """SAMM Long Videos, checked against the frame tree (see the module doc)."""
    root = find_database(NAME, data_root, FOLDER_NAMES, _is_database,
                         "SAMM Long Videos frame tree (folders such as 006_1/)", HOW_TO_GET)
    folders = [root, root.parent]
    path = find_sheet(NAME, sheet, folders, SHEET_PATTERNS,
                      "SAMM Long Videos sheet (SAMM_LongVideos_V3_Release.xlsx)")
    rows, problems = sheet_rows(path)
    micro_sheet = _micro_sheet(folders, emotion_sheet)
    classes = samm.EMOTIONS if micro_sheet is not None else ()
    return assemble(NAME, FPS, with_emotions(rows, micro_sheet), problems, tree_layout(root),
                    classes, lambda subject: False, skip_missing,
                    face_crop)


def _micro_sheet(folders: list[Path], given: str | None) -> Path | None:
    if given is not None:
        return find_sheet(NAME, given, [], samm.SHEET_PATTERNS, "SAMM micro-expression "
                          "coding sheet", option="emotion_sheet")
    try:
        return find_sheet(NAME, None, folders, samm.SHEET_PATTERNS, "")
    except MerbenchError:
        return None
