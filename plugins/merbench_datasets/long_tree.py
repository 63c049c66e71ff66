"""Long videos of a raw database: sheet rows checked, frame folders found, videos assembled.

CAS(ME)^2, SAMM Long Videos and CAS(ME)^3 Part A differ in facts (folder layout, sheet
columns, how a type or a subject is written); each of their modules turns its sheets into
:class:`SheetRow` records (one interval each, with the file and row it came from) and lists
its frame tree's video folders; :func:`assemble` does the rest the same way for all three:

- every row is checked: an onset and an offset frame, onset <= offset, an apex (where
  given) between them, a type the database uses, an emotion of its classes;
- every video of the sheet has its frame folder, and its intervals lie within the folder's
  frame numbers (a sheet counted from another first frame is caught here);
- a video folder the sheet does not name is a video with no expression: MEGC scores every
  video of a database, and a spotter's detections in such a video are false positives.

A problem is one error line naming the file, the row and the fix (the first few, and how
many more), unless ``skip_missing`` is set: then the row or video is left out and listed in
the dataset's ``skipped``. A sheet without its columns is always an error
(:func:`merbench_datasets.sheets.read_sheet`, :func:`read_named_sheet`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from merbench_features.face_frames import FaceFrames

from merbench.api import (
    MACRO,
    MICRO,
    Annotation,
    Expression,
    FolderFrames,
    FrameInterval,
    LongVideo,
    LongVideoSet,
    MerbenchError,
    counted,
)
from merbench_datasets.sheets import (
    NOT_CODED,
    Miswritten,
    _workbook,
    frame_cell,
    frame_number,
    miswritten_reason,
    normalise,
    rows_below,
)

BLINK = "blink"
SHOWN = 3  # problems named in an error line before "and N more"
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class SheetRow:
    """One interval as a sheet gives it; frame numbers None where the cell has none."""

    subject: str
    video: str
    kind: str  # MICRO, MACRO or BLINK
    onset: int | None
    apex: int | None
    offset: int | None
    where: str  # "'<sheet>' row 12" (sheet name too for a workbook of several)
    emotion: str | None = None
    action_units: str = ""


def natural(text: str) -> tuple[object, ...]:
    """Sort key that puts spNO.2 before spNO.10 and s9 before s15."""
    return tuple(int(part) if part.isdigit() else part.lower()
                 for part in _DIGITS.split(text))


def read_named_sheet(path: Path, sheet: str, columns: Sequence[str], dataset: str,
                     optional: Sequence[str] = ()) -> pd.DataFrame:
    """As :func:`merbench_datasets.sheets.read_sheet`, in the one sheet of the workbook
    whose name is ``sheet`` (compared as header cells are): where two sheets share their
    columns (CAS(ME)^3's intervals and blinks both have Subject, Filename, Onset, Offset)
    the first match would be the wrong sheet."""
    book = _workbook(path, dataset)
    named = {normalise(name): name for name in book}
    if normalise(sheet) not in named:
        raise MerbenchError(f"{dataset}: '{path}' has no sheet '{sheet}' (its sheets: "
                            f"{', '.join(map(str, book))}); give the official workbook")
    cells = book[named[normalise(sheet)]]
    wanted = [normalise(c) for c in columns]
    for row in range(len(cells)):
        names = [normalise(c) for c in cells.iloc[row]]
        if all(w in names for w in wanted):
            return rows_below(cells, row, names, columns, optional)
    raise MerbenchError(f"{dataset}: sheet '{sheet}' of '{path}' has no header row with the "
                        f"columns {', '.join(columns)}; rename the columns back as in the "
                        "official sheet")


def type_of(cell: str) -> str | None:
    """MICRO or MACRO from a type cell ("Micro-expression", "macro-expression",
    "Micro - 1/2", "Macro"); None for anything else."""
    text = normalise(cell)
    if text.startswith("micro"):
        return MICRO
    if text.startswith("macro"):
        return MACRO
    return None


def row_problem(row: SheetRow) -> str | None:
    """Why ``row`` cannot be an interval, or None."""
    if row.onset is None or row.offset is None:
        lacking = " and ".join(what for what, n in (("onset", row.onset),
                                                    ("offset", row.offset)) if n is None)
        return (f"its {lacking} frame is empty or not a whole frame number of 0 or more "
                "(correct the cell)")
    if row.onset > row.offset:
        return (f"its onset {row.onset} is after its offset {row.offset} (correct the "
                "cells, or swap them if the columns were swapped)")
    if row.apex is not None and not row.onset <= row.apex <= row.offset:
        return (f"its apex {row.apex} is outside its onset..offset {row.onset}.."
                f"{row.offset} (correct the cell)")
    return None


def frames_of_row(cells: Mapping[str, str], columns: Sequence[str],
                  read: Callable[[str], int | None] = frame_number,
                  not_coded: Sequence[str] = NOT_CODED) -> tuple[list[int | None], str | None]:
    """The onset, apex and offset of a sheet row (``columns`` name their cells, as ``read``
    reads them), and why the row is refused when one holds a typo rather than a frame or
    a "not coded" mark (an apex so mistyped was read as not coded, with no word)."""
    found = [frame_cell(cells[column], not_coded, read) for column in columns]
    for what, value in zip(("onset", "apex", "offset"), found, strict=True):
        if isinstance(value, Miswritten):
            return [None, None, None], miswritten_reason(what, value)
    return [v if isinstance(v, int) else None for v in found], None


def problem_list(problems: Sequence[tuple[str, str]]) -> str:
    shown = "; ".join(f"{what}: {reason}" for what, reason in problems[:SHOWN])
    return shown + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")


@dataclass(frozen=True)
class Layout:
    """How a database keeps its videos: ``folders`` maps each video the tree holds
    ((subject, video key)) to its frame folder; ``expected`` says where a video the sheet
    names should be, for the error when it is not; ``key`` turns a sheet's video name into
    the tree's key (CAS(ME)^3 writes video "J" for folder "j")."""

    folders: Mapping[tuple[str, str], tuple[str, Path]]  # key -> (video name, folder)
    expected: Callable[[str, str], Path]
    key: Callable[[str], str] = str


def assemble(name: str, fps: float, rows: Sequence[SheetRow],
             problems: Sequence[tuple[str, str]], layout: Layout, classes: Sequence[str],
             blinks_marked: Callable[[str], bool], skip_missing: bool,
             face_crop: bool) -> LongVideoSet:
    """The database's videos from its checked rows (see the module doc).
    ``blinks_marked(subject)``: whether the database marks that subject's blinks (its
    videos then carry a blink tuple, maybe empty; else None). ``problems``: rows the caller
    already found unusable ((where, reason)). ``face_crop``: each video's frames are read
    as the aligned face of its first frame (:class:`merbench_features.face_frames
    .FaceFrames`), as the spotter contract asks; else as the camera took them."""
    problems = list(problems)
    index = {c: i for i, c in enumerate(classes)}
    by_video: dict[tuple[str, str], list[SheetRow]] = {}
    for row in rows:
        problem = row_problem(row)
        if problem is None and row.emotion is not None and row.emotion not in index:
            problem = (f"its emotion '{row.emotion}' is none of {', '.join(classes)} "
                       "(correct the cell)")
        if problem is not None:
            problems.append((row.where, problem))
            continue
        by_video.setdefault((row.subject, layout.key(row.video)), []).append(row)
    keys = sorted({*by_video, *layout.folders}, key=lambda k: (natural(k[0]), natural(k[1])))
    videos = []
    for key in keys:
        video_rows = by_video.get(key, [])
        if key not in layout.folders:
            folder = layout.expected(key[0], video_rows[0].video)
            problems.append((f"{name}/{key[0]}/{video_rows[0].video}",
                             f"its frame folder '{folder}' is missing (it holds "
                             f"{counted(len(video_rows), 'interval')} of the sheet, the first "
                             f"{video_rows[0].where}): restore the folder"))
            continue
        video_name, folder = layout.folders[key]
        frames = FolderFrames(folder)
        if not frames.numbers:
            problems.append((f"{name}/{key[0]}/{video_name}",
                             f"the frame folder '{folder}' holds no frame images"))
            continue
        first, last = frames.numbers[0], frames.numbers[-1]
        outside = [r for r in video_rows if r.onset is not None and r.offset is not None
                   and (r.onset < first or r.offset > last)]
        problems += [(r.where, f"its frames {r.onset}..{r.offset} are not all in "
                               f"'{folder}' (frames {first}..{last}): restore the frames, "
                               "or correct the cells") for r in outside]
        video_rows = [r for r in video_rows if r not in outside]
        annotations = tuple(Annotation(
            Expression(FrameInterval(r.onset, r.offset), r.kind,  # type: ignore[arg-type]
                       None if r.emotion is None else index[r.emotion]),
            apex=r.apex, action_units=r.action_units, row=r.where)
            for r in video_rows if r.kind != BLINK)
        blinks = tuple(FrameInterval(r.onset, r.offset)  # type: ignore[arg-type]
                       for r in video_rows if r.kind == BLINK)
        source = FaceFrames(frames, label=f"{name}/{key[0]}/{video_name}") if face_crop \
            else frames
        videos.append(LongVideo(name, key[0], video_name, fps, source, annotations,
                                blinks if blinks_marked(key[0]) else None))
    if problems and not skip_missing:
        raise MerbenchError(f"{name}: {counted(len(problems), 'problem')} in the sheets or "
                            f"the frame tree: {problem_list(problems)}; correct "
                            f"{'it' if len(problems) == 1 else 'them'}, or pass "
                            "--dataset-opt skip_missing=true to leave those rows and "
                            "videos out")
    if not videos:
        raise MerbenchError(f"{name}: no usable video ({len(problems)} skipped, e.g. "
                            f"{problem_list(problems)}); check --data-root and the layout")
    skipped = tuple({"item": what, "reason": reason} for what, reason in problems)
    return LongVideoSet(name, tuple(classes), tuple(videos), skipped)
