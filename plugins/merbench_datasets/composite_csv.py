"""The composite release's label CSV: read as text, and each row checked before it is used.

A row is a sample only through its cells: ``dataset``, ``sub`` and ``filename_o`` name it
(and its flow image, ``{sub}_{filename_o} .png``), ``label`` is its class and ``imagename``
its apex face. Nothing else ties the apex face to the sample, so a name copied from the next
row would train and test one face as two samples, each under its own label, and no image
check could tell. The release names every apex image after its own sample: ``{sub}_{clip}``
plus ``.jpg`` (``sub01_EP02_01f.jpg``, ``006_006_1_2.jpg``), SMIC's with the subject in the
clip written without its leading zeros (``s01_s1_ne_01.jpg`` for clip ``s01_ne_01``; ``s11``
is alike either way), which is what ``merbench export`` writes too. A name two rows share,
or one that is not its own sample's, is refused with the line it is on.

Every problem is a :class:`~merbench.base.errors.MerbenchError` of one line naming the file,
the CSV line and the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from merbench.api import (
    LfsPointer,
    MerbenchError,
    UnreadableFile,
    apex_image_name,
    read_user_csv,
)
from merbench_datasets.megc2019_official import CLASSES

RELEASE_COLUMNS = ("dataset", "sub", "filename_o", "label", "apex", "imagename", "sub_filename")
NEEDED_COLUMNS = ("dataset", "sub", "filename_o", "label", "imagename")
DATABASES = ("casme2", "samm", "smic")


def fail(message: str) -> MerbenchError:
    return MerbenchError(f"composite: {message}")


def more(count: int, what: str) -> str:
    """" (and N more WHAT)" after the first of several problems; nothing for one."""
    return f" (and {count} more {what})" if count else ""


def read_label_csv(path: Path) -> pd.DataFrame:
    """The release's label CSV as text, stripped, with its needed columns checked.

    Blank rows are dropped; the index holds each row's line number in the file.
    """
    try:
        table = read_user_csv(path, "label CSV", dtype=str, keep_default_na=False,
                              skip_blank_lines=False)
    except LfsPointer as exc:  # fetched, not restored from the release
        raise fail(f"'{path}' {exc.reason}") from None
    except UnreadableFile as exc:
        raise fail(f"cannot read '{path}' as a CSV ({exc.because}); restore it from the "
                   "preprocessed release") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in NEEDED_COLUMNS if c not in table.columns]
    if missing:
        raise fail(
            f"'{path}' has no column {', '.join(repr(c) for c in missing)}; expected the "
            f"release's header {','.join(RELEASE_COLUMNS)} (merbench reads "
            f"{', '.join(NEEDED_COLUMNS)}), found {','.join(table.columns)}; rename the "
            "column back or restore the file from the release"
        )
    table = table.apply(lambda column: column.str.strip())
    table.index = np.arange(len(table)) + 2  # line 1 is the header
    table = table[(table != "").any(axis=1)]
    if len(table) == 0:
        raise fail(f"'{path}' has a header but no samples; restore it from the release")
    return table[list(NEEDED_COLUMNS)]


def check_rows(table: pd.DataFrame, path: Path) -> np.ndarray:
    """Row-level problems, each naming the CSV line; returns the labels as integers."""

    def first(bad: pd.Series, describe: str | Callable[[int], str]) -> None:
        rows = np.flatnonzero(bad.to_numpy())
        if len(rows):
            text = describe if isinstance(describe, str) else describe(int(rows[0]))
            raise fail(f"'{path}' line {table.index[rows[0]]}: {text}"
                       f"{more(len(rows) - 1, 'such row(s)')}")

    for column, meaning in (("dataset", "the database"),
                            ("sub", "the subject (LOSO folds are keyed on dataset and sub, "
                                    "so a row without one belongs to no subject)"),
                            ("filename_o", "the clip (it names the flow image)"),
                            ("imagename", "the apex image file")):
        first(table[column] == "",
              f"empty '{column}', {meaning}; fill it in as in the release, or delete the row")
    first(~table["dataset"].isin(DATABASES),
          lambda row: f"dataset '{table['dataset'].iloc[row]}' is not one of "
                      f"{', '.join(DATABASES)}; fix the value as in the release")
    labels = pd.to_numeric(table["label"].where(table["label"].str.fullmatch(r"\d+")),
                           errors="coerce")
    first(~labels.isin(range(len(CLASSES))),
          lambda row: f"label '{table['label'].iloc[row]}' is not 0 (negative), 1 (positive) "
                      "or 2 (surprise); fix the label or delete the row")
    keys = table["dataset"] + "/" + table["sub"] + "/" + table["filename_o"]
    repeated = keys.duplicated(keep="first")
    first(repeated,
          lambda row: f"sample {keys.iloc[row]} appears again (first at line "
                      f"{keys.index[(keys == keys.iloc[row]).to_numpy()][0]}); "
                      "delete the repeated row")
    return labels.astype(int).to_numpy()


def apex_names(database: str, subject: str, clip: str) -> tuple[str, ...]:
    """The names the apex image of a sample is found under: its flow image's stem plus
    ``.jpg``, and the release's own name (for SMIC, the subject also unpadded)."""
    return tuple(dict.fromkeys((f"{subject}_{clip}.jpg",
                                apex_image_name(database, subject, clip))))


def check_apex_names(table: pd.DataFrame, path: Path) -> None:
    """Each row's apex image is its own: no name twice, none another sample's. Checked
    once the rows are known to be the official samples, so that a subject written another
    way is said as that, not as 442 apex names."""
    keys = table["dataset"] + "/" + table["sub"] + "/" + table["filename_o"]
    names = table["imagename"]
    again = np.flatnonzero(names.duplicated(keep="first").to_numpy())
    if len(again):
        row = int(again[0])
        earlier = int(np.flatnonzero((names == names.iloc[row]).to_numpy())[0])
        raise fail(f"'{path}' lines {table.index[earlier]} and {table.index[row]} both name "
                   f"the apex image '{names.iloc[row]}' (samples {keys.iloc[earlier]} and "
                   f"{keys.iloc[row]} would be one face); give each row its own sample's "
                   f"apex image as in the release{more(len(again) - 1, 'such row(s)')}")
    own = [name in apex_names(database, subject, clip) for database, subject, clip, name
           in zip(table["dataset"], table["sub"], table["filename_o"], names, strict=True)]
    wrong = np.flatnonzero(~np.asarray(own, dtype=bool))
    if len(wrong):
        row = int(wrong[0])
        named = " or ".join(f"'{name}'" for name in apex_names(
            table["dataset"].iloc[row], table["sub"].iloc[row], table["filename_o"].iloc[row]))
        raise fail(f"'{path}' line {table.index[row]}: imagename '{names.iloc[row]}' is not "
                   f"the apex image of sample {keys.iloc[row]}, which the release names "
                   f"{named}; correct the name as in the release"
                   f"{more(len(wrong) - 1, 'such row(s)')}")
