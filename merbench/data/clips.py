"""A sample's clip of frames: the convention every dataset with frame folders follows.

Most features read a sample through named sources (``onset_frame``, ``apex_frame`` ...).
Some need more frames of the clip (the span from onset to offset, jittered onsets): they
ask the dataset for the sample's :class:`Clip` (:meth:`merbench.data.dataset.Dataset.clip`)
instead of reading its sample table and folders themselves, so no feature depends on how a
particular dataset stores its files.

A dataset whose samples name a clip has the sample-table columns ``folder`` (the clip's
frames), ``onset`` and, where annotated, ``apex`` and ``offset`` (frame numbers). A frame's
number is the last number in its file name (``img46.jpg``, ``reg_img46.jpg``,
``006_05562.jpg``, ``image093850.bmp``, ``175.jpg`` are frames 46, 46, 5562, 93850, 175), so
zero padding and prefixes do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import entry_words

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
CLIP_COLUMNS = ("folder", "onset", "apex", "offset")
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def frame_index(folder: Path) -> dict[int, Path]:
    """Frame number -> file for the images in ``folder`` (the first file of a number)."""
    frames: dict[int, Path] = {}
    for path in folder.iterdir():
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            found = _LAST_NUMBER.search(path.stem)
            if found:
                frames.setdefault(int(found.group(1)), path)
    return frames


def unique_frame_index(folder: Path) -> dict[int, Path]:
    """:func:`frame_index` of a folder a user gives as a video (``predict FOLDER``), where
    two files of one number are refused, naming both: which of them was kept depended on
    the order the system listed them in, and the other frame was dropped unsaid. A frame's
    name on a fifo, a device link or a folder is refused as what it is: it was left out, and
    the frame then called missing."""
    frames: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            found = _LAST_NUMBER.search(path.stem)
            if not found:
                continue
            number = int(found.group(1))
            if not path.is_file():  # left out, it was said to be missing
                raise MerbenchError(f"'{path}' (frame {number}) is {entry_words(path)}, not "
                                    "an image file; restore the frame")
            if number in frames:
                raise MerbenchError(f"the folder '{folder}' holds two frames numbered "
                                    f"{number} ({frames[number].name} and {path.name}); a "
                                    "frame's number is the last number in its file name: "
                                    "keep one file of each number")
            frames[number] = path
    return frames


def frame_number(value: object) -> int | None:
    """A frame number from a sample table, or None where it is missing (None, NaN, NA)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else int(number)


@dataclass(frozen=True)
class Clip:
    """One sample's clip: its folder, annotated frame numbers (None where not annotated)
    and every frame the folder holds, by number (empty when the folder is gone)."""

    sample_id: str
    folder: Path
    onset: int | None
    apex: int | None
    offset: int | None
    frames: Mapping[int, Path]
