"""A raw database described by its layout: a frame tree, a coding sheet and its emotions.

CASME (I), 4DME, MMEW and CAS(ME)^3 Part C differ only in facts (folder names, sheet
columns, how a subject is written, the emotions and class sets), so each of their modules
declares a :class:`SheetDatabase` and this module reads it the way ``casme2`` and ``samm``
read theirs: the sheet's header row found by its column names, frame numbers from the cells,
every row checked against the frames (``rawframes``), one error line naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from merbench.api import MerbenchError
from merbench_datasets import rawframes
from merbench_datasets.rawroot import find_database, find_sheet, told
from merbench_datasets.sheets import frames_of, read_sheet


def as_written(subject: str) -> str:
    return subject


@dataclass(frozen=True)
class SheetDatabase:
    """The facts of one database (see each database's module)."""

    name: str
    what: str  # "CASME frame tree (Cropped/ or CASME_raw_selected/)", for errors
    folder_names: tuple[str, ...]
    #: the ``frames`` option's values -> the tree's folder, or the names it goes by (the
    #: first that exists is read: CAS(ME)^3 Part C is ``part_C/`` or, as MEB names it,
    #: ``ME_C/``)
    trees: dict[str, str | tuple[str, ...]]
    sheet_patterns: tuple[str, ...]
    #: the sheet's columns for subject, clip, onset, apex (None: the middle frame), offset
    #: and emotion, as the sheet spells them
    columns: dict[str, str | None]
    emotions: tuple[str, ...]
    class_sets: dict[str, tuple[str, ...]]
    mappings: dict[str, dict[str, str]]
    how_to_get: str
    subject: Callable[[str], str] = as_written
    #: the clip's folder under the tree: "{subject}/{clip}" (the default), or with
    #: "{emotion}" (MMEW files clips under their emotion) or a fixed tail ("/color")
    folder: str = "{subject}/{clip}"
    spelling: dict[str, str] = field(default_factory=dict)  # the sheet's words -> ours

    def names_of(self, frames: str) -> tuple[str, ...]:
        """The folder names the tree of ``frames`` goes by."""
        names = self.trees[frames]
        return (names,) if isinstance(names, str) else names

    def found(self, root: Path, frames: str) -> Path | None:
        return next((root / name for name in self.names_of(frames)
                     if (root / name).is_dir()), None)

    def tree_of(self, root: Path, frames: str) -> Path:
        if frames not in self.trees:
            raise MerbenchError(f"{self.name}: frames must be one of {', '.join(self.trees)} "
                                f"(got {frames!r})")
        tree = self.found(root, frames)
        if tree is None:
            others = [k for k in self.trees if k != frames and self.found(root, k)]
            fix = f"pass --dataset-opt frames={others[0]}" if others else told(self.how_to_get)
            spelt = " or ".join(f"{name}/" for name in self.names_of(frames))
            raise MerbenchError(f"{self.name}: '{root}' has no {spelt}; {fix}")
        return tree

    def is_database(self, folder: Path) -> bool:
        return any(self.found(folder, frames) for frames in self.trees)


def annotation_table(db: SheetDatabase, data_root: str | None, sheet: str | None,
                     frames: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Every row of the sheet as an annotation table (emotion kept, no label yet), with the
    rows that cannot be samples at all."""
    root = find_database(db.name, data_root, db.folder_names, db.is_database, db.what,
                         db.how_to_get)
    tree = db.tree_of(root, frames)
    folders = [root, root.parent, *([Path(data_root).expanduser().absolute()]
                                     if data_root else [])]
    path = find_sheet(db.name, sheet, folders, db.sheet_patterns, f"{db.what.split()[0]} "
                      "coding sheet")
    named = {role: column for role, column in db.columns.items() if column is not None}
    rows = read_sheet(path, list(dict.fromkeys(named.values())), db.name)
    subject = rows[named["subject"]].map(db.subject)
    clip = rows[named["clip"]]
    emotion = rows[named["emotion"]].str.lower().replace(db.spelling)
    empty = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    table = pd.DataFrame({
        "sample_id": db.name + "/" + subject + "/" + clip, "database": db.name,
        "subject": subject, "clip": clip, "emotion": emotion,
        "folder": [str(tree / db.folder.format(subject=s, clip=c, emotion=e))
                   for s, c, e in zip(subject, clip, emotion, strict=True)],
        "onset": frames_of(rows[named["onset"]]),
        "apex": frames_of(rows[named["apex"]]) if "apex" in named else empty,
        "offset": frames_of(rows[named["offset"]]),
    }, index=rows.index)
    return rawframes.unusable_rows(table, path, db.name)


def make(db: SheetDatabase, data_root: str | None, classes: str, sheet: str | None,
         frames: str, subjects: str | Sequence[str] | None,
         skip_missing: bool) -> rawframes.RawFramesDataset:
    """``db``'s samples of one class set, checked against the frames."""
    key = rawframes.pick_class_set(db.name, classes, db.class_sets)
    return rawframes.assemble(db.name, annotation_table(db, data_root, sheet, frames),
                              subjects, db.mappings[key], db.emotions, db.class_sets[key],
                              skip_missing)
