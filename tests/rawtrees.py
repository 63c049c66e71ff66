"""Tiny frame trees in the raw databases' official layouts, for the real coding sheets.

Only the frames a test needs are written (onset, apex, offset and one before the onset),
as 8x6 generated images: no faces. The sheets stay where MERBENCH_TEST_DATA has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

SHEETS = {
    "casme2": "annotations/CASME2-coding-20190701.xlsx",
    "samm": "annotations/SAMM_Micro_FACS_Codes_v2.xlsx",
    "smic": "annotations/smic_hs_apex.xlsx",
    "casme3": "annotations/casme3_part_A_ME_label_JpgIndex_v2.xlsx",
}


def frame_name(database: str, folder: Path, number: int, cropped: bool = True) -> str:
    """A frame's file name as each database writes it."""
    if database == "casme2":
        return f"reg_img{number}.jpg" if cropped else f"img{number}.jpg"
    if database == "samm":
        return f"{folder.parent.name}_{number:05d}.jpg"
    if database == "smic":
        return f"image{number:06d}.bmp"
    return f"{number}.jpg"


def write_frame(path: Path, value: int, grey: bool = False) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((6, 8) if grey else (6, 8, 3), value, dtype=np.uint8)
    if not grey:
        image[..., 2] = 255 - value  # a colour frame whose channels differ
    assert cv2.imwrite(str(path), image)


def write_clips(database: str, table: pd.DataFrame, cropped: bool = True) -> None:
    """Frames for every row of an annotation table (its ``folder``, onset, apex, offset)."""
    for row in table.itertuples():
        folder = Path(row.folder)
        numbers: Iterable[int] = {n for n in (row.onset, row.apex, row.offset)
                                  if n is not None and not pd.isna(n)}
        if row.onset is not None and not pd.isna(row.onset):
            numbers = {*numbers, row.onset - 1}
        if not numbers:  # SMIC without a sheet: a clip of five frames
            numbers = range(1000, 1005)
        for number in numbers:
            write_frame(folder / frame_name(database, folder, int(number), cropped),
                        value=int(number) % 200, grey=database == "smic")


#: flow options that make a raw-database extraction quick on random frames (already faces)
FAST_FLOW = ("--feature-opt", "face=frame", "--feature-opt", "method=farneback")


def random_frames(folder: Path, numbers: range, name: str) -> None:
    """24x24 frames of random pixels (no faces), numbered as ``name`` formats them."""
    import cv2  # OpenCV only where a test writes frames

    folder.mkdir(parents=True)
    rng = np.random.default_rng(len(str(folder)))
    for number in numbers:
        cv2.imwrite(str(folder / name.format(number)),
                    (rng.random((24, 24, 3)) * 255).astype(np.uint8))


def workbook(path: Path, rows: list[list[object]], sheet: str | None = None) -> Path:
    """An .xlsx of ``rows`` (the first the header), its sheet named ``sheet`` if given."""
    from openpyxl import Workbook

    book = Workbook()
    if sheet is not None:
        book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


# A SAMM coding sheet as released, cut to two clips of subject 006 (frames 100-105).
SAMM_HEADER = ["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
               "Offset Frame", "Duration", "Type", "Action Units", "Notes",
               "Estimated Emotion"]


def samm_rows(**changed: object) -> list[list[object]]:
    """The SAMM sheet's rows (notes above the header, as released); ``changed``: cells of
    the first data row (sheet row 4) by header name, ``_`` for a space."""
    rows: list[list[object]] = [["notes"], [], SAMM_HEADER]
    for clip in ("006_1_2", "006_1_3"):
        rows.append(["006", clip, 1, 100, 102, 105, 6, "Micro", "4+7", "", "anger"])
    for name, value in changed.items():
        rows[3][SAMM_HEADER.index(name.replace("_", " "))] = value
    return rows

