"""``casme3-long``: CAS(ME)^3 Part A long videos with their macro- and micro-expressions.

Layout (as the database's owners distribute it; the frame tree is the one the ``casme3``
recognition loader reads)::

    CASME3/                               the database folder (--data-root, or a folder
      part_A/spNO.1/a/color/0.jpg           holding CASME3/): part_A / subject / video /
      casme3_part_A_v2.xls                  color / frame <number>.jpg, here or next to it

The sheet (``casme3_part_A_v2.xls``, or ``--dataset-opt sheet=PATH``) has two sheets:

- ``AU+Emotion``: Subject, Filename (the video), Onset, Apex, Offset, AU, Expression type
  (``Macro-expression`` or ``Micro-expression``), Objective class: 4,206 intervals (3,346
  macro, 860 micro) in 956 videos of 98 subjects;
- ``eye blink``: Subject, Filename, Onset, Offset: 841 blinks in 106 videos of 13 subjects.
  Only those subjects' blinks are marked, so only their videos carry a blink tuple (maybe
  empty); every other video's ``blinks`` is None ("not marked", not "none").

Frame numbers are the numbers in the file names, as the sheet counts them (two intervals
start at frame 0). The 30 fps is the database's (Li et al., TPAMI 2022).

Emotions: ``AU+Emotion`` gives none (its Objective class is a class of the AUs). The
micro-expression label sheet the ``casme3`` loader reads
(``casme3_part_A_ME_label_JpgIndex_v2.xlsx``, found beside the database, or
``--dataset-opt emotion_sheet=PATH``) gives the emotion of each micro-expression; a micro
interval takes the emotion of the label-sheet row of its video that agrees with it in at
least two of onset, apex and offset. Two frames, not three: the label sheet's errata
(spNO.149/d's apex, spNO.216/d's onset, see ``casme3``) differ from this sheet in one, and
every one of the 860 micro intervals finds its row so. Classes are the 7 of ``casme3``.
Without a label sheet, no expression has an emotion (``classes`` is empty).

Video names: five rows of spNO.11 and spNO.14 write their video ``J`` where every other row
writes lower case; a video is matched to its folder without regard to case, and named as
its folder is.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd

from merbench.api import MICRO, LongVideoSet, MerbenchError
from merbench_datasets import casme3
from merbench_datasets.long_tree import (
    BLINK,
    Layout,
    SheetRow,
    assemble,
    frames_of_row,
    read_named_sheet,
    type_of,
)
from merbench_datasets.rawroot import find_database, find_sheet, one_folder_each
from merbench_datasets.sheets import SheetRole, frame_number

NAME = "casme3-long"
FPS = 30.0
SHEET_PATTERNS = ("casme3_part_A_v*.xls", "casme3_part_A_v*.xlsx")
INTERVALS, BLINKS = "AU+Emotion", "eye blink"
COLUMNS = ("Subject", "Filename", "Onset", "Apex", "Offset", "Expression type")
BLINK_COLUMNS = ("Subject", "Filename", "Onset", "Offset")
EMOTION_SHEET = SheetRole(NAME, "emotion sheet", "emotion_sheet")
HOW_TO_GET = casme3.HOW_TO_GET.replace("casme3_part_A_ME_label_JpgIndex_v2.xlsx",
                                       "casme3_part_A_v2.xls")


def _where(path: Path, sheet: str, row: int) -> str:
    return f"'{path}' sheet '{sheet}' row {row}"


def interval_rows(path: Path) -> tuple[list[SheetRow], list[tuple[str, str]]]:
    """Every row of the ``AU+Emotion`` sheet (no emotion yet), and the rows whose type is
    neither macro nor micro."""
    table = read_named_sheet(path, INTERVALS, COLUMNS, NAME, optional=(casme3.AU_COLUMN,))
    rows, problems = [], []
    for line, cells in table.iterrows():
        where = _where(path, INTERVALS, int(line))
        kind = type_of(cells["Expression type"])
        if kind is None:
            problems.append((where, f"its Expression type '{cells['Expression type']}' is "
                                    "neither Macro-expression nor Micro-expression "
                                    "(correct the cell)"))
            continue
        (onset, apex, offset), typo = frames_of_row(cells, ("Onset", "Apex", "Offset"))
        if typo is not None:
            problems.append((where, typo))
            continue
        rows.append(SheetRow(cells["Subject"], cells["Filename"], kind, onset, apex, offset,
                             where,
                             action_units=cells.get(casme3.AU_COLUMN, "")))
    return rows, problems


def blink_rows(path: Path) -> list[SheetRow]:
    """Every row of the ``eye blink`` sheet."""
    table = read_named_sheet(path, BLINKS, BLINK_COLUMNS, NAME)
    return [SheetRow(cells["Subject"], cells["Filename"], BLINK, frame_number(cells["Onset"]),
                     None, frame_number(cells["Offset"]),
                     _where(path, BLINKS, int(line)))
            for line, cells in table.iterrows()]


def with_emotions(rows: list[SheetRow], labels: pd.DataFrame) -> list[SheetRow]:
    """``rows`` with each micro interval's emotion from the label sheet's rows
    (:func:`merbench_datasets.casme3.sheet_rows`) of its video that agree with it in at
    least two of onset, apex and offset (see the module doc)."""
    by_video: dict[tuple[str, str], list[tuple[tuple[object, ...], str]]] = {}
    for label in labels.itertuples():
        frames = (label.onset, label.apex, label.offset)
        by_video.setdefault((label.subject, label.clip.lower()), []).append(
            (frames, label.emotion))
    found = []
    for row in rows:
        emotion = None
        if row.kind == MICRO:
            agreeing = [e for frames, e in by_video.get((row.subject, row.video.lower()), [])
                        if sum(a == b for a, b in zip(frames, (row.onset, row.apex,
                                                               row.offset), strict=True)) >= 2]
            emotion = agreeing[0] if len(set(agreeing)) == 1 else None
        found.append(SheetRow(row.subject, row.video, row.kind, row.onset, row.apex,
                              row.offset, row.where, emotion, row.action_units))
    return found


def _video_read(subject: str, name: str) -> str:
    """The folder ``A`` of ``spNO.1`` is its video ``spNO.1/a``, as the sheet's ``a``."""
    return f"{subject}/{name.lower()}"


def tree_layout(root: Path) -> Layout:
    """The videos under ``part_A/``: every subject / video folder with a ``color/``. Videos
    match the sheet without regard to case, so two folders ``a`` and ``A`` of one subject
    are refused, naming both (one was left out unsaid)."""
    part = root / casme3.PART
    folders = {}
    for subject in sorted(p for p in part.iterdir() if p.is_dir()):
        videos = sorted(p for p in subject.iterdir() if (p / "color").is_dir())
        one_folder_each(NAME, videos, partial(_video_read, subject.name), "video")
        for video in videos:
            folders[(subject.name, video.name.lower())] = (video.name, video / "color")
    return Layout(folders, lambda s, v: part / s / v / "color", str.lower)


def make_casme3_long(data_root: str | None = None, sheet: str | None = None,
                     emotion_sheet: str | None = None,
                     skip_missing: bool = False, face_crop: bool = True) -> LongVideoSet:
    """CAS(ME)^3 Part A's long videos, checked against the frame tree (see the module doc)."""
    root = find_database(NAME, data_root, casme3.FOLDER_NAMES,
                         lambda folder: (folder / casme3.PART).is_dir(),
                         "CAS(ME)^3 Part A frame tree (part_A/)", HOW_TO_GET)
    path = find_sheet(NAME, sheet, [root, root.parent], SHEET_PATTERNS,
                      "CAS(ME)^3 Part A interval sheet (casme3_part_A_v2.xls)")
    rows, problems = interval_rows(path)
    classes: tuple[str, ...] = ()
    labels = _label_sheet(root, emotion_sheet)
    if labels is not None:
        rows, classes = with_emotions(rows, casme3.sheet_rows(labels, role=EMOTION_SHEET)), \
            casme3.EMOTIONS
    blinks = blink_rows(path)
    marked = {row.subject for row in blinks}
    return assemble(NAME, FPS, [*rows, *blinks], problems, tree_layout(root), classes,
                    marked.__contains__, skip_missing,
                    face_crop)


def _label_sheet(root: Path, given: str | None) -> Path | None:
    """The micro-expression label sheet: the one given, else one found beside the
    database, else None (no emotions)."""
    if given is not None:
        return find_sheet(NAME, given, [], casme3.SHEET_PATTERNS, "CAS(ME)^3 Part A "
                          "micro-expression label sheet", option="emotion_sheet")
    try:
        return find_sheet(NAME, None, [root, root.parent], casme3.SHEET_PATTERNS, "")
    except MerbenchError:
        return None
