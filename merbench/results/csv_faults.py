"""A CSV table pandas could not parse, said in merbench's words.

pandas names a fault in its tokenizer's terms (``Error tokenizing data. C error: Expected 10
fields in line 257, saw 13``), and counts a quoted cell that spans lines as one line, so its
line number is not always the one an editor shows. A row of more cells than the first row is
the fault a user meets (a sheet edited by hand, a stray comma), so it is found again here
with the :mod:`csv` module and said by its line in the file and its count of cells; a NUL
character, which cuts a line short for the tokenizer, is said as itself, since the counts
it leaves behind point at the wrong line. A first data row of more cells than the header,
which pandas reads without a fault, is found here too (:func:`extra_cells`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re

_FIELDS = re.compile(r"Expected (\d+) fields in line \d+, saw \d+")


def csv_fault(text: str, message: str, header: bool) -> tuple[str, str]:
    """What is wrong with the CSV ``text`` that pandas refused with ``message``, and the
    fix: ``header`` says whether the table's first row is its header."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return (f"holds a NUL character on line {line}, which is no text of a CSV table",
                "remove it, or give the file as it was written")
    expected = _FIELDS.search(message)
    ragged = _ragged(text, int(expected.group(1))) if expected else None
    if expected and ragged is not None:
        return _too_many(ragged, int(expected.group(1)), header)
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    where = f" ({first_line.split('. ', 1)[-1]})" if "line" in first_line else ""
    return (f"is not a CSV table of the expected columns{where}",
            "give the file as it was written")


def extra_cells(text: str) -> tuple[str, str] | None:
    """What is wrong with the CSV ``text`` whose first row is its header, where a row below
    holds more cells than the header, and the fix; None where none does. pandas refuses such
    a row only below the first data row: a first data row longer than the header it reads
    with the extra cells as the table's index, every column shifted by as many (a reader
    then blames the wrong column of every row), and with ``usecols`` it drops them unsaid.
    So the cells of every row are counted here, and a long row is said as the tokenizer's
    fault is (:func:`csv_fault`). Where two or more rows below the header all have one
    count, the header is the line that differs (replaced, or cells deleted from it), and
    the fix is said of it, not of line 2."""
    rows = [row for row in _rows(text) if row]
    header = rows[0] if rows else []
    widths = {len(row) for row in rows[1:]}
    if len(rows) > 2 and len(widths) == 1 and widths.pop() > len(header):
        return (f"has {len(rows[1])} cells on every row below its header, which has "
                f"{len(header)}", "correct its header (line 1), or give the file as it was "
                "written")  # every row alike: the header is the line that differs
    ragged = _ragged(text, len(header)) if header else None
    return None if ragged is None else _too_many(ragged, len(header), True)


def _rows(text: str) -> list[list[str]]:
    """The rows of ``text`` as the :mod:`csv` module reads them (none past a quote left
    open: pandas's own reading stands there)."""
    rows: list[list[str]] = []
    with contextlib.suppress(csv.Error):
        rows.extend(csv.reader(io.StringIO(text)))  # the rows before it stay
    return rows


def _too_many(ragged: tuple[int, int], width: int, header: bool) -> tuple[str, str]:
    line, cells = ragged
    first = "its header" if header else "its first line"
    return (f"has {cells} cells on line {line}, where {first} has {width}",
            f"correct line {line}, or give the file as it was written")


def _ragged(text: str, width: int) -> tuple[int, int] | None:
    """The line (as an editor numbers it) and cell count of the first row of more than
    ``width`` cells, or None where the :mod:`csv` module finds none."""
    reader = csv.reader(io.StringIO(text))
    start = 1
    try:
        for row in reader:
            if len(row) > width:
                return start, len(row)
            start = reader.line_num + 1
    except csv.Error:  # a quote left open: pandas's own line stands
        return None
    return None
