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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import entry_words

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
CLIP_COLUMNS = ("folder", "onset", "apex", "offset")
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def _numbered(folder: Path) -> Iterator[tuple[int, Path]]:
    """(frame number, entry) for each entry of ``folder`` named as a frame, in name order."""
    for path in sorted(folder.iterdir()):
        found = _LAST_NUMBER.search(path.stem)
        if path.suffix.lower() in IMAGE_SUFFIXES and found:
            yield int(found.group(1)), path


def frame_index(folder: Path) -> dict[int, Path]:
    """Frame number -> file for the images in ``folder`` (the first file of a number, in name
    order: a folder :func:`frame_fault` passed has one of each)."""
    frames: dict[int, Path] = {}
    for number, path in _numbered(folder):
        if path.is_file():
            frames.setdefault(number, path)
    return frames


def frame_fault(folder: Path, named: Mapping[int, str] | None = None) -> str | None:
    """Why the frames of ``folder`` are not one image file of each number, or None.

    Two files of one number are named both: :func:`frame_index` keeps one of them and the
    other frame would be dropped unsaid (which one was kept depended on the order the system
    listed them in, until they were sorted). A frame's name on a fifo, a device link or a
    folder is said as what it is: left out, the frame would be called missing while ``ls``
    shows it. ``named``: what the frame of a number is to the caller (``{59: "apex"}``), for
    the words "the apex frame 59, '...', is a fifo"."""
    seen: dict[int, Path] = {}
    for number, path in _numbered(folder):
        if not path.is_file():
            role = (named or {}).get(number)
            said = f"the {role} frame {number}, '{path}'," if role else \
                f"'{path}' (frame {number})"
            return f"{said} is {entry_words(path)}, not an image file; restore the frame"
        if number in seen:
            return (f"the folder '{folder}' holds two frames numbered {number} "
                    f"({seen[number].name} and {path.name}); a frame's number is the last "
                    "number in its file name: keep one file of each number")
        seen[number] = path
    return None


def unique_frame_index(folder: Path) -> dict[int, Path]:
    """:func:`frame_index` of a folder a user gives as a video (``predict FOLDER``), refused
    with :func:`frame_fault`'s words where it has two files of one number or a frame that is
    no file, as every raw database's clip folder is."""
    fault = frame_fault(folder)
    if fault is not None:
        raise MerbenchError(fault)
    return frame_index(folder)


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
