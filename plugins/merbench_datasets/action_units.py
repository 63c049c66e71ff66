"""FACS action-unit codes as the coding sheets write them, read into typed records.

CASME II (column ``Action Units``), SAMM (``Action Units``) and CAS(ME)^3 Part A (``AU``)
code each micro-expression as one hand-written cell: ``4+L10``, ``R10+38``, ``12A+ref(24)``,
``(R6 or R12)+R15``. One parser reads them all, so every case is decided once, here (and in
docs/raw-databases.md#action-units). A cell becomes :class:`ActionUnit` records, one per
code, and a sample's labels are AU *numbers* (:func:`labels`): the side and the intensity a
code gives are recorded, not learnt, since each side or intensity of an AU is coded for a
handful of samples at most, and AU detection is scored per AU number (as MEB does).

The rules
---------
1. **Codes are joined by ``+``**; spaces around any part are ignored (``L12 + 61``). A comma,
   full-width or not (``，``, as CAS(ME)^3 Part C writes), and a full-width ``＋`` are read
   as ``+``: nothing else could separate codes.
2. **A code** is ``[side][AU]number[intensity][?]``, letters in either case (CAS(ME)^3 writes
   ``r18``): a number 0..99 (FACS numbers its codes so) with an optional ``AU`` before it.
   A cell Excel stored as a number (``4.0``) is that code (``4``).
3. **Side**, a letter before the number: ``L`` / ``R`` (left / right side of the face only),
   ``A`` (asymmetric: both sides, one stronger; SAMM's key), ``T`` / ``B`` (top / bottom lip:
   the sheets write them only on the lip AUs 18, 22, 23, 24 and 28, so ``B`` is not
   "bilateral"). Recorded in :attr:`ActionUnit.side`; the label is the number.
4. **Intensity**, a letter A..E after the number (FACS: A trace .. E maximum), as SAMM codes
   ``12A``, ``43E``. Recorded in :attr:`ActionUnit.intensity`; the label is the number.
5. **Uncertain codes** are recorded with ``uncertain=True`` and are no label of the sample
   (they go to its uncertain set): ``4?`` (the coder's question mark); each of several AUs
   offered as alternatives, ``L12 or L14``, ``(R6 or R12)``, ``4/7`` (SAMM's key: "/" = or),
   since the coder committed to none of them; and ``ref(X)`` (SAMM writes ``12A+ref(24)``,
   ``ref(7B)+43``), which its key does not define: the AU is named, not asserted.
   A task counts an uncertain AU neither present nor absent (:mod:`merbench.data.au_labels`).
   SAMM's key also says "?" marks an AU with an unclear *offset*; its v2 AU column has no
   "?" at all, so the one reading above holds for every sheet.
6. **Alternatives of a side or an intensity only** leave the AU certain: ``A/L12`` (AU 12,
   asymmetric or left: ``side="A/L"``), ``10A/B`` (AU 10 at intensity A or B:
   ``intensity="A/B"``). A lone letter before the code is a side, after it an intensity.
7. **0 (or AU0) is "no action"**: the sample is coded, with no AU (``labels`` gives ``()``).
   Combined with another code it contradicts itself: an error.
8. **Cells that name no AU**: an empty cell, a lone ``?`` (an action the coder could not
   name) and the descriptive note ``soft focus`` (:data:`NOTES`, the only one the real sheets
   hold: SAMM 026_5_1) give no code; a sample whose cell names no AU at all has no AU coding
   (None), which is not the same as coded "no action".
9. **Repeats** (``4+4+4``, ``B28+B28``, in CAS(ME)^3's macro-expression sheet) are one AU;
   an AU coded both for sure and uncertainly is present.
10. **Anything else is an error**, never a guess: one line naming the sheet file, the row as
    the spreadsheet numbers it, the column and the cell, and the fix (:func:`coded_columns`).

When a cell is read
-------------------
Loading a sheet parses no AU cell: the loaders keep each sample's cell as it is written
(:data:`TEXT_COLUMN`) and where it is (:data:`CELL_COLUMNS`: the sheet, the row as the
spreadsheet numbers it, the column; :func:`with_cells`), and :func:`coded` parses them when
AU labels are asked for (:meth:`merbench.api.Dataset.action_units`). An emotion run never
uses the AUs, so a cell this parser cannot read (a user's own sheet, a coder's note) must
not stop it; the same cell is still the error of rule 10 for whoever asks for the AUs, since
the cell's place travels with its text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from merbench.api import MerbenchError

#: The columns of a table of parsed AU labels (:func:`coded`): those
#: :mod:`merbench.data.au_labels` reads, and the cell's text.
PRESENT_COLUMN = "action_units"
UNCERTAIN_COLUMN = "uncertain_action_units"
TEXT_COLUMN = "au_text"
COLUMNS = (PRESENT_COLUMN, UNCERTAIN_COLUMN, TEXT_COLUMN)
#: Where a sample's AU cell is: the sheet file, its row as the spreadsheet numbers it, and
#: the column's name. Kept beside the text because the cell is parsed only when the AUs are
#: asked for, long after the sheet was read, and its error must still point at the cell.
SHEET_COLUMN = "au_sheet"
ROW_COLUMN = "au_row"
HEADER_COLUMN = "au_column"
#: The sample-table columns a loader fills (:func:`with_cells`), unparsed.
CELL_COLUMNS = (TEXT_COLUMN, SHEET_COLUMN, ROW_COLUMN, HEADER_COLUMN)
SIDES = frozenset("LRATB")
INTENSITIES = frozenset("ABCDE")
#: Words a cell may hold beside codes that name no action unit (rule 8).
NOTES = frozenset({"soft focus"})
EXAMPLE = "AU numbers joined by '+', e.g. 4+L10, 12A, R14?"

_CODE = re.compile(r"(?P<side>[LRATB])?(?:AU)?(?P<number>\d{1,2})(?P<intensity>[A-E])?"
                   r"(?P<unsure>\?)?", re.IGNORECASE)
_REF = re.compile(r"ref\s*\((?P<inner>[^()]*)\)", re.IGNORECASE)
_ALTERNATIVES = re.compile(r"\s*/\s*|\s+or\s+", re.IGNORECASE)
_EXCEL_NUMBER = re.compile(r"\d+\.0+")
_WIDE = str.maketrans({"，": ",", "＋": "+"})


@dataclass(frozen=True)
class ActionUnit:
    """One FACS code of a cell: its AU number (the label), and what else it says."""

    number: int
    #: ``L``, ``R``, ``A``, ``T`` or ``B`` (rule 3); two joined by ``/`` where the coder gave
    #: either (rule 6); None when the code names no side
    side: str | None = None
    #: ``A`` .. ``E`` (rule 4), or two joined by ``/`` (rule 6); None when not coded
    intensity: str | None = None
    uncertain: bool = False  # rule 5
    text: str = field(default="", compare=False)  # the code as the cell writes it


class CodeError(ValueError):
    """A part of a cell that is no code merbench reads, and why."""

    def __init__(self, part: str, why: str) -> None:
        super().__init__(f"{why} ('{part}')")
        self.part, self.why = part, why


def _code(text: str) -> ActionUnit:
    """One code: ``L10``, ``12A``, ``4?``, ``ref(7B)`` (rules 2-5)."""
    ref = _REF.fullmatch(text)
    if ref:
        inner = _code(ref.group("inner").strip())
        return dataclasses.replace(inner, uncertain=True, text=text)
    found = _CODE.fullmatch(text)
    if not found:
        raise CodeError(text, "not a FACS code ([side L/R/A/T/B]number[intensity A-E][?])")
    side, intensity = found.group("side"), found.group("intensity")
    return ActionUnit(int(found.group("number")), side.upper() if side else None,
                      intensity.upper() if intensity else None,
                      bool(found.group("unsure")), text)


def _alternatives(term: str, parts: list[str]) -> list[ActionUnit]:
    """``L12 or L14``, ``4/7``: each uncertain; ``A/L12``, ``10A/B``: one code whose side or
    intensity is either (rules 5 and 6)."""
    if any(not part for part in parts):
        raise CodeError(term, "an alternative ('/' or 'or') with nothing on one side")
    lone = [len(part) == 1 and part.isalpha() for part in parts]
    if not any(lone):
        return [dataclasses.replace(_code(part), uncertain=True) for part in parts]
    codes = [position for position, letter in enumerate(lone) if not letter]
    if len(codes) != 1:
        raise CodeError(term, "lone letters among several alternative codes")
    at = codes[0]
    code = _code(parts[at])
    before, after = [p.upper() for p in parts[:at]], [p.upper() for p in parts[at + 1:]]
    if before and (code.side is None or not set(before) <= SIDES):
        raise CodeError(term, "a letter before a code is an alternative side (L, R, A, T, B) "
                              "of a code that has one")
    if after and (code.intensity is None or not set(after) <= INTENSITIES):
        raise CodeError(term, "a letter after a code is an alternative intensity (A-E) of a "
                              "code that has one")
    side = "/".join([*before, code.side]) if before and code.side else code.side
    intensity = ("/".join([code.intensity, *after]) if after and code.intensity
                 else code.intensity)
    return [dataclasses.replace(code, side=side, intensity=intensity, text=term)]


def _term(term: str) -> list[ActionUnit]:
    """What one ``+``-joined part of a cell codes (no code for a note or a lone ``?``)."""
    if not term:
        raise CodeError(term, "an empty code (two '+' in a row, or one at an end)")
    if term == "?" or " ".join(term.lower().split()) in NOTES:
        return []
    if term.startswith("(") and term.endswith(")") and _closing(term, 0) == len(term) - 1:
        return _term(term[1:-1].strip())
    parts = _ALTERNATIVES.split(term)
    return _alternatives(term, parts) if len(parts) > 1 else [_code(term)]


def _closing(text: str, start: int) -> int:
    """Where the parenthesis opened at ``start`` closes (-1: never)."""
    depth = 0
    for position in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[position], 0)
        if depth == 0:
            return position
    return -1


def _terms(cell: str) -> list[str]:
    """The cell split at each ``+`` outside parentheses, parts stripped."""
    terms, depth, current = [], 0, ""
    for character in cell:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            raise CodeError(cell, "a ')' that closes no '('")
        if character == "+" and depth == 0:
            terms.append(current.strip())
            current = ""
        else:
            current += character
    if depth:
        raise CodeError(cell, "a '(' that is never closed")
    return [*terms, current.strip()]


def _cleaned(text: str) -> str:
    """A cell as it is parsed: ASCII, stripped, ``,`` read as ``+``."""
    return text.translate(_WIDE).strip().replace(",", "+")


def parse_codes(text: str) -> tuple[ActionUnit, ...]:
    """Every code of one cell, in the cell's order (see the module doc for each rule);
    :class:`CodeError` names the part that is no code."""
    cell = _cleaned(text)
    if _EXCEL_NUMBER.fullmatch(cell):
        cell = str(int(float(cell)))
    if not cell:
        return ()
    codes = tuple(code for term in _terms(cell) for code in _term(term))
    if len(codes) > 1 and any(code.number == 0 for code in codes):
        raise CodeError(cell, "0 (no action) together with other codes")
    return codes


def labels(codes: Iterable[ActionUnit]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """A sample's (present, uncertain) AU numbers, sorted, from its cell's codes; None when
    the cell names no AU (rules 5, 7-9)."""
    codes = list(codes)
    if not codes:
        return None
    present = {code.number for code in codes if not code.uncertain} - {0}
    uncertain = {code.number for code in codes if code.uncertain} - present - {0}
    return tuple(sorted(present)), tuple(sorted(uncertain))


def _cell_labels(text: str, dataset: str, path: object, row: object,
                 column: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """:func:`labels` of one cell; a cell that is no code is a :class:`MerbenchError` naming
    the file, the row, the column and the cell (rule 10), so the user can correct it."""
    try:
        return labels(parse_codes(text))
    except CodeError as error:
        # the part is named only where it is not the whole cell: 'X7' was said twice
        said = error.why if error.part == _cleaned(text) else str(error)
        raise MerbenchError(
            f"{dataset}: '{path}' row {row}, column '{column}': cannot read the action "
            f"units '{text}': {said}; correct the cell ({EXAMPLE}; the rules: "
            "docs/raw-databases.md#action-units)") from None


def _label_columns(found: list[tuple[tuple[int, ...], tuple[int, ...]] | None],
                   index: pd.Index) -> dict[str, pd.Series]:
    """The present and uncertain columns of cells' :func:`labels` (object dtype: tuples and
    None, never NaN)."""
    return {PRESENT_COLUMN: pd.Series([None if f is None else f[0] for f in found],
                                      index=index, dtype=object),
            UNCERTAIN_COLUMN: pd.Series([None if f is None else f[1] for f in found],
                                        index=index, dtype=object)}


def coded_columns(cells: pd.Series, path: Path, column: str, dataset: str) -> pd.DataFrame:
    """The AU columns (:data:`COLUMNS`) of every cell of a sheet's AU column, indexed like
    ``cells`` (the rows' numbers in the sheet). A cell that is no code is a
    :class:`MerbenchError` naming the file, the row, the column and the cell."""
    found = [_cell_labels(str(text), dataset, path, row, column)
             for row, text in cells.items()]
    return pd.DataFrame({**_label_columns(found, cells.index), TEXT_COLUMN: cells.astype(str)})


def coded(table: pd.DataFrame) -> pd.DataFrame:
    """``sample_id`` and the AU columns (:data:`COLUMNS`) of every row of ``table``, indexed
    like it, parsed now from the cells :func:`with_cells` (or :func:`not_coded`) kept.

    ``table`` is a sample table or a ``sheet_rows`` result: it has ``sample_id``,
    ``database`` and :data:`CELL_COLUMNS`. This is where a raw database's AU cells are read,
    only when AU labels are asked for (see the module doc); a cell that is no code is the
    one-line error of rule 10, named after the row's database as its loader would."""
    found = [_cell_labels(str(text), str(database), sheet,
                          int(row) if text else row, str(column))
             for text, database, sheet, row, column in zip(
                 table[TEXT_COLUMN], table["database"], table[SHEET_COLUMN],
                 table[ROW_COLUMN], table[HEADER_COLUMN], strict=True)]
    return pd.DataFrame({"sample_id": table["sample_id"], **_label_columns(found, table.index),
                         TEXT_COLUMN: table[TEXT_COLUMN].astype(str)})


def with_cells(table: pd.DataFrame, rows: pd.DataFrame, column: str,
               path: Path) -> pd.DataFrame:
    """``table`` (indexed by sheet rows) with each row's AU cell of the sheet's ``column``
    in ``rows`` (:func:`merbench_datasets.sheets.read_sheet`'s result, read with the column
    as optional) and where it is (:data:`CELL_COLUMNS`), unparsed: loading a sheet must not
    fail on a cell only an AU task reads (:func:`coded` parses it). A sheet version without
    the column leaves every cell empty, which codes no sample."""
    text = rows[column] if column in rows.columns else pd.Series("", index=rows.index)
    return table.assign(**{TEXT_COLUMN: text.astype(str), SHEET_COLUMN: str(path),
                           ROW_COLUMN: pd.Series([int(r) for r in rows.index],
                                                 index=rows.index, dtype=object),
                           HEADER_COLUMN: column})


def not_coded(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with AU cell columns saying that no sample has AU coding (SMIC codes none):
    empty cells, in no sheet."""
    return table.assign(**{TEXT_COLUMN: "", SHEET_COLUMN: "",
                           ROW_COLUMN: pd.Series([None] * len(table), index=table.index,
                                                 dtype=object),
                           HEADER_COLUMN: ""})
