"""``smic``: SMIC-HS (the 100 fps high-speed part of SMIC) from its official frame folders.

Layout (the database as its owners distribute it; merbench ships none of it)::

    SMIC/                                  the database folder (--data-root, or a folder
      HS/s1/micro/negative/s1_ne_01/image*.bmp   holding SMIC/ or smic/): HS/ subject /
                                           micro / class / clip / frames

The samples and their labels are the clip folders under ``HS/s*/micro/{negative,positive,
surprise}/``: SMIC-HS has no coding sheet, and each clip holds the micro-expression from its
onset to its offset. So without an apex sheet: onset = the first frame, offset = the last,
apex = the middle frame (``apex_from`` = ``midpoint``). SMIC has no official apex, and no
FACS coding: its samples' ``action_units`` are None (:mod:`merbench_datasets.action_units`).

``apex_sheet=PATH`` takes onset, apex and offset frame numbers from a sheet with the columns
subject, clip, label, onset_frame, apex_frame, offset_frame (``smic_hs_apex.xlsx``, 164 rows;
its apex is derived, not official). Then the sheet lists the samples: a sheet row without its
clip folder, or a clip folder without a sheet row, is a problem; an empty offset is the
clip's last frame. Frame numbers are the numbers in the file names (``image093850.bmp`` is
frame 93850).

One class set, ``"3"``: negative, positive, surprise (164 samples, 16 subjects: 70 / 51 / 43).

Ids follow the MEGC2019 list and the ``composite`` dataset: the folder ``s1`` is subject
``s01`` and the clip ``s1_ne_01`` is ``s01_ne_01`` (sample id ``smic/s01/s01_ne_01``); the
``folder`` column keeps the real path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from merbench.api import MerbenchError, whole_value
from merbench_datasets import action_units, rawframes
from merbench_datasets.rawroot import find_database, find_sheet, one_folder_each, told
from merbench_datasets.sheets import SheetRole, frames_of, read_sheet

NAME = "smic"
FOLDER_NAMES = ("SMIC", "smic", "SMIC_all_cropped", "SMIC_all_raw")
WHAT = "SMIC-HS frame tree (HS/)"  # what is_database looks for
CLASSES = ("negative", "positive", "surprise")
CLASS_SETS: dict[str, tuple[str, ...]] = {"3": CLASSES}
SHEET_COLUMNS = ("subject", "clip", "label", "onset_frame", "apex_frame", "offset_frame")
HOW_TO_GET = ("request SMIC from its owners (https://www.oulu.fi/en/university/faculties-and-"
              "units/faculty-information-technology-and-electrical-engineering/center-for-"
              "machine-vision-and-signal-analysis) under its licence, then pass the folder "
              "holding HS/ with --data-root PATH (or set MERBENCH_DATA_DIR to a folder "
              "holding smic/)")
APEX_SHEET = SheetRole(NAME, "apex sheet", "apex_sheet")
_SUBJECT = re.compile(r"^s(\d+)(?=_|$)", re.IGNORECASE)


def official(name: str) -> str:
    """``s1`` -> ``s01``, ``s1_ne_01`` -> ``s01_ne_01`` (the MEGC2019 list's spelling)."""
    return _SUBJECT.sub(lambda m: f"s{int(m.group(1)):02d}", name.strip())


def is_database(folder: Path) -> bool:
    """Whether ``folder`` is a SMIC folder (it has ``HS/``); public, as ``megc2019`` looks
    for the same folder to say which of its databases are missing."""
    return (folder / "HS").is_dir()


def clip_folders(root: Path) -> dict[str, tuple[str, Path]]:
    """Official clip id -> (class name, folder) for every clip under ``HS/``. Two subject
    folders read as one subject (``s1`` and ``s01``), or two clip folders as one clip (the
    same clip under two classes, or under ``s1`` and ``s 1``), are refused, naming both:
    one of them was left out unsaid."""
    subjects = sorted(p for p in (root / "HS").iterdir() if p.is_dir())
    one_folder_each(NAME, subjects, official, "subject")
    clips = [(label, clip) for subject in subjects for label, folder in _class_folders(subject)
             for clip in sorted(folder.iterdir()) if clip.is_dir()]
    one_folder_each(NAME, (clip for _, clip in clips), _clip_name, "clip")
    return {official(clip.name): (label, clip) for label, clip in clips}


def _clip_name(name: str) -> str:
    """A clip folder's name as two folders are compared: case-folded, as subject folders
    are (``official`` reads ``S1`` as ``s01``), so a copy ``S1_NE_01`` beside ``s1_ne_01``
    is one clip, not a second sample of the same frames (pass 84x, X9)."""
    return official(name).casefold()


def _class_folders(subject: Path) -> list[tuple[str, Path]]:
    """(class, folder) for each folder under the subject's ``micro/``. A class folder is
    read in any case, as subject folders are: ``Negative/`` was passed over, its clips
    dropped without a word; and a folder that is no class of SMIC's (``Disgust/``) is
    refused, naming it, rather than skipped unsaid (pass 84x, X10)."""
    micro = subject / "micro"
    if not micro.is_dir():
        return []
    folders = sorted(p for p in micro.iterdir() if p.is_dir())
    for folder in folders:
        if folder.name.casefold() not in CLASSES:
            raise MerbenchError(f"{NAME}: the folder '{folder}' is no class of SMIC-HS's "
                                f"({', '.join(CLASSES)}); move it out of '{micro}' or rename "
                                "it to its class")
    one_folder_each(NAME, folders, str.casefold, "class")
    return [(folder.name.casefold(), folder) for folder in folders]


def _expected_folder(root: Path, clip: str, label: str) -> str:
    """Where a sheet row's clip folder should be when it is missing, for the error line."""
    subject = _SUBJECT.match(clip)
    if subject is None:
        return str(root / "HS" / clip)
    return str(root / "HS" / subject.group(0) / "micro" / (label or "?") / clip)


def _label(cell: str) -> str:
    """The class a label cell names, in any spelling of 0, 1 or 2 merbench takes for a whole
    number (``0``, ``0.0``, ``+0``: :func:`merbench.api.whole_value`, as a frame cell is
    read; the text ``0.0`` was refused while the number 0.0 was taken), else ""."""
    number = whole_value(cell)
    return CLASSES[number] if number is not None and 0 <= number <= 2 else ""


def _labels(rows: pd.DataFrame, path: Path, role: SheetRole) -> pd.Series:
    """The class each row's label cell names ("" where it is not 0, 1 or 2). A sheet none of
    whose labels is 0, 1 or 2 (written as words, say) is one line for the column, not a
    problem for each row and again for each clip left without its row; it is said as the
    dataset run (``role.dataset``: ``megc2019`` reads this sheet too) says it."""
    label = rows["label"].map(_label)
    if (label == "").all():
        cells = list(dict.fromkeys(rows["label"]))
        shown = ", ".join(f"'{c}'" for c in cells[:3]) + (", ..." if len(cells) > 3 else "")
        lines = f"{rows.index[0]}-{rows.index[-1]}" if len(rows) > 1 else f"{rows.index[0]}"
        raise MerbenchError(
            f"{role.dataset}: the apex sheet '{path}' labels rows {lines} {shown}, not 0, 1 "
            "or 2 (its label column is 0 negative, 1 positive, 2 surprise); correct the "
            "column")
    return label


def _sheet_table(path: Path, clips: dict[str, tuple[str, Path]], root: Path,
                 role: SheetRole) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    rows = read_sheet(path, SHEET_COLUMNS, role)
    clip = rows["clip"].map(official)
    subject = clip.str.split("_").str[0]
    label = _labels(rows, path, role)
    raw = rows["clip"]
    folder = [str(clips[c][1]) if c in clips else _expected_folder(root, r, lab)
              for c, r, lab in zip(clip, raw, label, strict=True)]
    table = pd.DataFrame({
        "sample_id": NAME + "/" + subject + "/" + clip, "database": NAME, "subject": subject,
        "clip": clip, "emotion": label, "folder": folder,
        "onset": frames_of(rows["onset_frame"]), "apex": frames_of(rows["apex_frame"]),
        "offset": frames_of(rows["offset_frame"]), "offset_is_last": True,
    }, index=rows.index)
    listed = set(table["clip"])  # a clip whose row is unusable has its row: said once
    table, problems = rawframes.unusable_rows(table, path, NAME, "apex sheet", label=None)
    problems += [(f"{NAME} apex sheet row {line}",
                  f"its label '{rows['label'][line]}' is not 0, 1 or 2 (0 negative, 1 "
                  f"positive, 2 surprise) in '{path}' (correct the cell)")
                 for line in table.index[(table["emotion"] == "").to_numpy()]]
    # the clip's folder is its class (see the module doc): a row may not relabel it
    wrong = [(line, c, e) for line, c, e in zip(table.index, table["clip"], table["emotion"],
                                                strict=True)
             if e and c in clips and clips[c][0] != e]
    problems += [(f"{NAME} apex sheet row {line}",
                  f"its label in '{path}' is {CLASSES.index(e)} ({e}), but the clip {c} is "
                  f"filed under {clips[c][0]}/ ({clips[c][1].relative_to(root)}) (correct "
                  "the cell)")
                 for line, c, e in wrong]
    refused = {line for line, _, _ in wrong}
    table = table[(table["emotion"] != "").to_numpy() & ~table.index.isin(refused)]
    problems += [(f"{NAME}/{c.split('_')[0]}/{c}", f"the clip folder '{folder}' has no row "
                  f"in the apex sheet '{path}'")
                 for c, (_, folder) in clips.items() if c not in listed]
    return table, problems


def annotation_table(data_root: str | None = None, apex_sheet: str | None = None,
                     role: SheetRole = APEX_SHEET,
                     ) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The SMIC-HS samples as an annotation table, and the problems already found.
    ``role``: the apex sheet as the dataset run reads it (``megc2019``'s
    ``smic_apex_sheet``), so that a refusal's fix is an option that dataset takes."""
    root = find_database(NAME, data_root, FOLDER_NAMES, is_database, WHAT, HOW_TO_GET)
    clips = clip_folders(root)
    if apex_sheet is not None:
        path = find_sheet(role.dataset, apex_sheet, [], (), "SMIC apex sheet", role.option,
                          missing="give its path or leave the option out to use the middle "
                                  "frame")
        table, problems = _sheet_table(path, clips, root, role)
        return action_units.not_coded(table), problems
    if not clips:
        fix = told(HOW_TO_GET) if role.dataset == NAME else \
            "restore SMIC-HS as its owners distribute it (the layout: docs/raw-databases.md)"
        raise MerbenchError(f"{role.dataset}: '{root / 'HS'}' holds no clip folders "
                            "HS/s*/micro/{negative,positive,surprise}/*/; " + fix)
    ids = list(clips)
    table = pd.DataFrame({
        "sample_id": [f"{NAME}/{c.split('_')[0]}/{c}" for c in ids], "database": NAME,
        "subject": [c.split("_")[0] for c in ids], "clip": ids,
        "emotion": [clips[c][0] for c in ids], "folder": [str(clips[c][1]) for c in ids],
        "onset": None, "apex": None, "offset": None, "offset_is_last": True,
    })
    return action_units.not_coded(table), []


def make_smic(data_root: str | None = None, classes: str = "3", apex_sheet: str | None = None,
              subjects: str | Sequence[str] | None = None,
              skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """SMIC-HS samples, checked against the frames (see the module doc)."""
    rawframes.pick_class_set(NAME, classes, CLASS_SETS)
    return rawframes.assemble(NAME, annotation_table(data_root, apex_sheet), subjects,
                              {c: c for c in CLASSES}, CLASSES, CLASSES, skip_missing)
