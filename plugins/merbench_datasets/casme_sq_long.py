"""``casme-sq-long``: CAS(ME)^2's long videos with their macro- and micro-expressions.

No copy of CAS(ME)^2 or of its sheet is here; the facts below are read from public code
that reads the official files, and the tests build trees and sheets in this layout:

- the MEGC 2020 spotting baseline's loader, github.com/HeyingGithub/
  Baseline-project-for-MEGC2020_spotting, ``MDMD_results/dataset_new/CASME_2.py``, commit
  8ffa69456f00318cdbccb606ba2c9d320647c9d9 (sheet and column positions, the naming
  sheets, the ``rawpic`` layout, frames numbered from 1, the zero offset and apex rules);
- SOFTNet's loader, github.com/genbing99/SoftNet-SpotME, ``Extraction_Preprocess.ipynb``,
  commit 8759091473cce4c7eca965f87077532a65712da9 (the folder names it prints,
  ``s15/15_0101disgustingteeth``, and frame files ``img001.jpg``).

Layout::

    CAS(ME)^2/                                  the database folder (--data-root, or a
      rawpic/s15/15_0101disgustingteeth/img001.jpg    folder holding CAS(ME)^2/ or CASME_sq/)
      CAS(ME)^2code_final.xlsx                  here or next to it (--dataset-opt sheet=)

The workbook has three sheets, none with a header row:

- the code sheet (``CASFEcode_final``; some copies ``CASMEcode_final``): by position,
  subject number, clip (``anger1_1``: the video's name, ``_``, a count), onset, apex,
  offset, action units, emotion, type (``micro-expression`` / ``macro-expression``), the
  participant's self-report;
- ``naming rule1``: the subject's folder number (15, for ``s15/15_...``) in its first
  column and its number in the code sheet in its third;
- ``naming rule2``: the video's code (``0101``, sometimes read as the number 101) and its
  name (``disgust1``).

An offset of 0 means none was coded: the interval ends at its apex, as the MEGC 2020
baseline reads it; an apex of 0 means none (the apex is not needed to score). A video is
the subject (``s15``) and the code (``0101``); its folder is the one under ``rawpic/s15/``
whose name starts ``15_0101``. 30 fps (Qu et al., TAFFC 2018).

Emotions: the code sheet's emotion column as written (lower case); the classes are
negative, positive, surprise, others, then any other word the sheet uses, in order.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pandas as pd

from merbench.api import LongVideoSet, MerbenchError
from merbench_datasets.long_tree import Layout, SheetRow, assemble, type_of
from merbench_datasets.rawroot import find_database, find_sheet, one_folder_each
from merbench_datasets.sheets import _workbook, frame_number, normalise

NAME = "casme-sq-long"
FPS = 30.0
FOLDER_NAMES = ("CAS(ME)^2", "CAS(ME)2", "CASME_sq", "casme_sq")
SHEET_PATTERNS = ("CAS(ME)^2code_final*.xlsx", "CAS(ME)2code_final*.xlsx", "code_final*.xlsx")
RULE1, RULE2 = "naming rule1", "naming rule2"
CODE_COLUMNS = 8  # subject .. type; the self-report after them is not read
EMOTIONS = ("negative", "positive", "surprise", "others")
_FOLDER = re.compile(r"^(\d+)_(\d{4})")
_SUBJECT = re.compile(r"^s(\d+)$", re.IGNORECASE)
HOW_TO_GET = ("request CAS(ME)^2 from its owners (http://casme.psych.ac.cn/casme/e3) under "
              "its licence, then pass the folder holding rawpic/ and "
              "CAS(ME)^2code_final.xlsx with --data-root PATH")


def _number(cell: object) -> int | None:
    return frame_number(str(cell)) if not pd.isna(cell) else None


def _sheet(book: dict[str, pd.DataFrame], path: Path, wanted: str) -> pd.DataFrame:
    named = {normalise(name): cells for name, cells in book.items()}
    if wanted == "code":
        found = [cells for name, cells in named.items() if name.endswith("code_final")]
        if found:
            return found[0]
        return next(iter(book.values()))
    if wanted not in named:
        raise MerbenchError(f"{NAME}: '{path}' has no sheet '{wanted}' (its sheets: "
                            f"{', '.join(map(str, book))}); give the official "
                            "CAS(ME)^2code_final.xlsx, whose naming sheets map the code "
                            "sheet's subjects and clips to the rawpic/ folders")
    return named[wanted]


def naming(book: dict[str, pd.DataFrame], path: Path) -> tuple[dict[int, int], dict[str, str]]:
    """(code-sheet subject -> folder number, video name -> four-digit code)."""
    subjects = {}
    for cells in _sheet(book, path, RULE1).itertuples(index=False):
        folder, number = _number(cells[0]), _number(cells[2]) if len(cells) > 2 else None
        if folder is not None and number is not None:
            subjects[number] = folder
    videos = {}
    for cells in _sheet(book, path, RULE2).itertuples(index=False):
        code = _number(cells[0])
        if code is not None and len(cells) > 1 and not pd.isna(cells[1]):
            videos[str(cells[1]).strip().lower()] = f"{code:04d}"
    return subjects, videos


def code_rows(path: Path) -> tuple[list[SheetRow], list[tuple[str, str]]]:
    """Every interval of the code sheet, and the rows that cannot be one."""
    book = _workbook(path, NAME)
    cells = _sheet(book, path, "code")
    if cells.shape[1] < CODE_COLUMNS:
        raise MerbenchError(f"{NAME}: the code sheet of '{path}' has {cells.shape[1]} "
                            f"columns; CAS(ME)^2code_final.xlsx has {CODE_COLUMNS + 1} "
                            "(subject, clip, onset, apex, offset, AUs, emotion, type, "
                            "self-report), with no header row: give the official sheet")
    subjects, videos = naming(book, path)
    rows, problems = [], []
    for position, row in enumerate(cells.itertuples(index=False)):
        where = f"'{path}' row {position + 1}"
        values = ["" if pd.isna(v) else str(v).strip() for v in row[:CODE_COLUMNS]]
        if not any(values) or (position == 0 and "onset" in values[2].lower()):
            continue  # an empty row, or a header row a copy of the sheet was given
        subject, clip = _number(values[0]), values[1].split("_")[0].lower()
        kind = type_of(values[7])
        if subject not in subjects or clip not in videos or kind is None:
            problems.append((where, "its subject is not in 'naming rule1' (correct the "
                                    "cell, or the naming sheet)" if subject not in subjects
                             else f"its clip '{values[1]}' is not in 'naming rule2' "
                                  "(correct the cell, or the naming sheet)"
                             if clip not in videos else
                             f"its type '{values[7]}' is neither micro-expression nor "
                             "macro-expression (correct the cell)"))
            continue
        onset, apex, offset = (frame_number(v) for v in values[2:5])
        apex = None if apex == 0 else apex
        offset = apex if offset == 0 else offset  # MEGC 2020 baseline: no offset coded
        emotion = values[6].lower() or None
        rows.append(SheetRow(f"s{subjects[subject]}", videos[clip], kind, onset, apex, offset,
                             where, emotion, values[5]))
    return rows, problems


def _subject_read(name: str) -> str | None:
    """``s15``, ``s015`` and ``S15`` are subject ``s15``; another name is none."""
    found = _SUBJECT.match(name)
    return None if found is None else f"s{int(found.group(1))}"


def _video_read(subject: str | None, name: str) -> str | None:
    """``15_0101disgustingteeth`` under ``s15`` is its video ``s15/0101``."""
    found = _FOLDER.match(name)
    if subject is None or found is None or f"s{int(found.group(1))}" != subject:
        return None
    return f"{subject}/{found.group(2)}"


def tree_layout(root: Path) -> Layout:
    """Every video folder ``rawpic/s<N>/<N>_<code>...``, keyed (``s<N>``, code). Two
    folders of one subject by its number (``s15``, ``s015``, ``S15``), or of one video
    (``15_0101a``, ``15_0101b``), are refused, naming both (one was left out unsaid)."""
    rawpic = root / "rawpic"
    folders = {}
    subjects = sorted(p for p in rawpic.iterdir() if p.is_dir())
    one_folder_each(NAME, subjects, _subject_read, "subject")
    for subject in subjects:
        videos = sorted(p for p in subject.iterdir() if p.is_dir())
        one_folder_each(NAME, videos, partial(_video_read, _subject_read(subject.name)),
                        "video")
        for video in videos:
            found = _FOLDER.match(video.name)
            if found and f"s{found.group(1)}" == subject.name:
                folders[(subject.name, found.group(2))] = (found.group(2), video)
    return Layout(folders, lambda s, v: rawpic / s / f"{s[1:]}_{v}*")


def make_casme_sq_long(data_root: str | None = None, sheet: str | None = None,
                       skip_missing: bool = False, face_crop: bool = True) -> LongVideoSet:
    """CAS(ME)^2's long videos, checked against the frame tree (see the module doc)."""
    root = find_database(NAME, data_root, FOLDER_NAMES,
                         lambda folder: (folder / "rawpic").is_dir(),
                         "CAS(ME)^2 frame tree (rawpic/)", HOW_TO_GET)
    path = find_sheet(NAME, sheet, [root, root.parent], SHEET_PATTERNS,
                      "CAS(ME)^2 coding sheet (CAS(ME)^2code_final.xlsx)")
    rows, problems = code_rows(path)
    found = sorted({r.emotion for r in rows if r.emotion is not None} - set(EMOTIONS))
    return assemble(NAME, FPS, rows, problems, tree_layout(root), (*EMOTIONS, *found),
                    lambda subject: False, skip_missing,
                    face_crop)

