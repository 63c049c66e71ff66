"""Reading the official coding sheets of the raw databases (.xlsx, legacy .xls, or .csv).

The sheets are the databases' own files, with their own quirks: notes above the header row
(SAMM), unnamed empty columns (CASME II), empty extra sheets (CAS(ME)^3), a legacy .xls
format. So the header row is found by its column names in every sheet of the workbook, not
at a fixed row, and only the named columns are returned. A sheet whose columns were renamed
or that is not the expected sheet at all ends in one error line that names the columns
wanted and those of the closest row found.

A sheet is named by its role (:class:`SheetRole`): a database's coding sheet, SMIC's apex
sheet, or the emotion sheet a long-video set joins, each given by its own option; a fault in
one says that role and advises that option, never another sheet's.

A frame cell is a frame number, or one of the sheet's own "not coded" marks (an empty cell,
``/``; SAMM Long Videos' ``-1``); anything else (``1O2``, ``101.5``, ``-102``, ``TRUE``) is
a typo, kept as :class:`Miswritten` so that its row is refused, not read as "not coded"
(an apex so mistyped became the middle frame with no word).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from merbench.api import MerbenchError, read_user_csv, read_user_workbook, whole_value

_SPACES = re.compile(r"\s+")
NOT_CODED = ("", "/")  # the cells that mean "not coded" in every sheet


@dataclass(frozen=True)
class SheetRole:
    """Which sheet a file is, for its errors: the run's dataset, what the sheet is to it,
    and the option that gives it (``SheetRole("smic", "apex sheet", "apex_sheet")``), with
    what that option's value is (the composite's ``annotations`` names the folder holding
    the sheet, not the sheet)."""

    dataset: str
    role: str = "coding sheet"
    option: str = "sheet"
    value: str = "PATH"

    @property
    def advice(self) -> str:
        return f"--dataset-opt {self.option}={self.value}"


class Miswritten(str):
    """The text of a frame cell that is neither a frame number nor a "not coded" mark."""


def as_role(dataset: str | SheetRole) -> SheetRole:
    return dataset if isinstance(dataset, SheetRole) else SheetRole(dataset)


def normalise(cell: object) -> str:
    """A header cell as compared: stripped, lower case, runs of spaces as one."""
    return _SPACES.sub(" ", str(cell).strip()).lower() if not pd.isna(cell) else ""


def _workbook(path: Path, dataset: str | SheetRole) -> dict[str, pd.DataFrame]:
    """Every sheet of ``path`` as text cells, no header."""
    role = as_role(dataset)
    dataset = role.dataset
    suffix = path.suffix.lower()
    what = f"{dataset} {role.role}"  # "give a regular file as the casme2 coding sheet"
    if not path.exists() and not path.is_symlink():
        raise MerbenchError(f"{dataset}: the sheet '{path}' does not exist; give the path of "
                            f"the official {role.role}")
    try:  # the bounded reader: a fifo named as the sheet is refused, never opened
        if suffix == ".csv":
            return {path.name: read_user_csv(path, what, header=None, dtype=str,
                                             keep_default_na=False)}
        if suffix in (".xlsx", ".xlsm"):
            engine = "openpyxl"
        elif suffix == ".xls":
            engine = "calamine"
        else:
            raise MerbenchError(f"{dataset}: '{path}' is not a spreadsheet merbench reads "
                                f"(.xlsx, .xls or .csv); give the official {role.role}")
        return read_user_workbook(path, what, engine)
    except ImportError:
        package = "python-calamine" if suffix == ".xls" else "openpyxl"
        raise MerbenchError(f"{dataset}: reading '{path}' needs the package {package}; "
                            f"install it with: pip install {package}") from None


def rows_below(cells: pd.DataFrame, row: int, names: list[str], columns: Sequence[str],
               optional: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of ``cells`` under the header row ``row`` (whose normalised cells are
    ``names``), as :func:`read_sheet` returns them: ``columns``, then the ``optional`` ones
    present, stripped text, rows with all of ``columns`` empty dropped, 1-based row index."""
    body = cells.iloc[row + 1:]
    present = [(c, normalise(c)) for c in optional if normalise(c) in names]
    picked = pd.DataFrame({column: body.iloc[:, names.index(w)] for column, w
                           in [*((c, normalise(c)) for c in columns), *present]})
    picked = picked.fillna("").astype(str).apply(lambda c: c.str.strip())
    picked.index = body.index + 1
    return picked[(picked[list(columns)] != "").any(axis=1)]


def read_sheet(path: Path, columns: Sequence[str], dataset: str | SheetRole,
               optional: Sequence[str] = (),
               wrong: Sequence[tuple[Sequence[str], str]] = ()) -> pd.DataFrame:
    """The rows under the first row (of any sheet) that holds every name in ``columns``.

    Names match case-insensitively with spaces collapsed. The result has exactly
    ``columns`` (as spelt here), then those of ``optional`` that the header row has (a column
    a sheet version may lack, such as its action units: the row is found by ``columns``
    alone), stripped text ("" for empty cells), rows with all of ``columns`` empty dropped,
    and as index the row number a spreadsheet program shows (1-based). A header row with
    no row under it is refused here, where the sheet is known.

    ``wrong`` holds the header names of a database's other, known sheets and what to say of
    one (what it is and which sheet to give): a header row with all of them is that sheet,
    refused as it is rather than as a sheet whose columns were renamed.
    ``dataset`` may be a :class:`SheetRole`: the errors then name that role and option.
    """
    role = as_role(dataset)
    dataset = role.dataset
    wanted = [normalise(c) for c in columns]
    best: tuple[int, str, int, list[str]] = (-1, "", 0, [])
    for sheet, cells in _workbook(path, role).items():
        for row in range(len(cells)):
            names = [normalise(c) for c in cells.iloc[row]]
            for marks, said in wrong:
                if all(normalise(m) in names for m in marks):
                    raise MerbenchError(f"{dataset}: '{path}' "
                                        + said.replace("--dataset-opt sheet=PATH", role.advice))
            found = sum(w in names for w in wanted)
            if found == len(wanted):
                rows = rows_below(cells, row, names, columns, optional)
                if rows.empty:  # else "no usable samples (0 skipped, e.g. )", no sheet named
                    raise MerbenchError(
                        f"{dataset}: the sheet '{path}' has a header row but no rows under "
                        f"it; give the official {role.role} with {role.advice}")
                return rows
            if found > best[0]:
                best = (found, sheet, row + 1, [n for n in names if n])
    found, sheet, row, names = best
    lacking = [c for c, w in zip(columns, wanted, strict=True) if w not in names]
    closest = (f"the closest row (sheet '{sheet}', row {row}) has {', '.join(names[:12])} and "
               f"lacks {', '.join(lacking)}" if found > 0 else "no row has any of them")
    raise MerbenchError(
        f"{dataset}: '{path}' has no header row with the columns {', '.join(columns)}; "
        f"{closest}; rename the columns back as in the official sheet, or give the official "
        f"{'sheet' if role.role == 'coding sheet' else role.role} with {role.advice}"
    )


def frame_number(text: str) -> int | None:
    """A frame number written in a sheet, in any spelling of a whole number merbench takes
    (``46``, ``046``, ``+46``, ``46.0``, ``4.6e1``: :func:`merbench.api.whole_value`, the one
    reader, where this took ``46.0`` but called ``+46`` a typo); None for ``/``, empty, a
    negative number (SAMM Long Videos' ``-1`` means "not coded") or no whole number."""
    number = whole_value(text)
    return number if number is not None and number >= 0 else None


def frame_cell(text: str, not_coded: Sequence[str] = NOT_CODED,
               read: Callable[[str], int | None] = frame_number) -> int | Miswritten | None:
    """The frame number ``read`` finds in a cell; None for a "not coded" mark; else the
    cell as :class:`Miswritten` (a typo, for its row to be refused)."""
    number = read(text)
    if number is not None or text.strip() in not_coded:
        return number
    return Miswritten(text.strip())


def frames_of(column: pd.Series, not_coded: Sequence[str] = NOT_CODED) -> pd.Series:
    """:func:`frame_cell` of every cell, as Python ints, None and :class:`Miswritten` (never
    float NaN)."""
    return pd.Series([frame_cell(text, not_coded) for text in column], index=column.index,
                     dtype=object)


def miswritten_reason(what: str, text: str, sheet: Path | None = None) -> str:
    """Why a row whose ``what`` frame cell holds the typo ``text`` is refused."""
    where = f" in '{sheet}'" if sheet is not None else ""
    return (f"its {what} frame{where} is '{text}', not a whole frame number of 0 or more "
            "(correct the cell)")


NAME_MAX = 255  # bytes in one file or folder name (Linux, macOS)


def folder_name_fault(row: pd.Series) -> tuple[str, str] | None:
    """Which of the row's subject and clip cells is no one folder's name, and why, or None.

    Each cell is joined to the database's tree as one folder: a cell too long for a name
    makes a folder that cannot exist (and naming that folder would send the user to fix a
    path where a sheet cell is wrong); a cell holding a path (``/``, ``\\``, ``..``, an
    absolute path) would reach outside the tree, give the sample an id of more parts, and
    let ``EP03_02/../EP02_01f`` read another row's clip under another id, past the check
    that refuses two rows of one sample."""
    for what in ("clip", "subject"):
        text = str(row[what])
        shown = text if len(text) <= 24 else text[:20] + "..."
        if len(text.encode()) > NAME_MAX:
            return f"its {what} '{shown}'", f"is {len(text):,} characters, longer than a " \
                "folder name can be (correct the cell)"
        if "/" in text or "\\" in text or text in (".", ".."):
            return f"its {what} '{shown}'", "is a path, not the name of one folder in the " \
                "database's tree (correct the cell)"
    return None


def refuse_repeated_rows(table: pd.DataFrame, sheet: Path, where: str) -> None:
    """Refuse two rows of the sheet ``sheet`` (``table``'s index: its row numbers) naming one
    sample, by both rows: the sample table's own check said "duplicate sample ids, e.g.
    samm/006/006_1_2", naming neither the sheet nor the rows to correct (pass 84p, P8).
    ``where``: the sheet as a problem names it (``samm sheet``)."""
    ids = table["sample_id"]
    repeated = ids[ids.duplicated(keep=False)]
    if repeated.empty:
        return
    sample = repeated.iloc[0]
    first, second = [line for line, name in repeated.items() if name == sample][:2]
    raise MerbenchError(f"{where} rows {first} and {second} of '{sheet}' both name the "
                        f"sample {sample}; correct or remove one of them")
