"""How far an .xlsx workbook's sheets reach, read from their XML before any sheet is built.

A spreadsheet is read whole into a table (pandas through openpyxl), one cell for every row
and column up to the furthest cell any sheet holds. A 5 KB file with one cell at XFD1048576,
the last a sheet may have, so became a table of 17 billion cells and the process ran until
the system killed it. The coding sheets merbench reads hold a few thousand rows of a few
dozen columns, so the furthest cell each sheet names is found first, from the cell
references in its XML (decompressed within a bound), and a sheet reaching further is
refused before it is built.
"""

from __future__ import annotations

import io
import re
import zipfile

#: the most rows and columns a sheet merbench reads may span (the largest coding sheet,
#: CAS(ME)^3's, has under 3,000 rows and 30 columns)
MAX_ROWS, MAX_COLUMNS = 200_000, 1_000
#: the most bytes of sheet XML read to find the cells (a sheet's XML can be a zip bomb too)
MAX_SHEET_XML_BYTES = 256 << 20

_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def too_far(data: bytes) -> str | None:
    """Why the .xlsx workbook ``data`` reaches further than any coding sheet does, in
    words ("a sheet reaches cell XFD1048576: 1,048,576 rows by 16,384 columns"), or None
    (within bounds, or not a workbook this can read: the reader then says what it is)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))  # bounded: bytes read_user_bytes read
        sheets = [name for name in archive.namelist()
                  if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        for name in sheets:
            with archive.open(name) as stream:
                xml = stream.read(MAX_SHEET_XML_BYTES + 1)
            if len(xml) > MAX_SHEET_XML_BYTES:
                return (f"a sheet's XML is over {MAX_SHEET_XML_BYTES >> 20} MB, far more "
                        "than a coding sheet holds")
            rows = columns = 0
            for letters, digits in _CELL.findall(xml):
                rows, columns = max(rows, int(digits)), max(columns, _column_number(letters))
            if rows > MAX_ROWS or columns > MAX_COLUMNS:
                return (f"a sheet reaches {rows:,} rows by {columns:,} columns, far more "
                        f"than a coding sheet has (at most {MAX_ROWS:,} by {MAX_COLUMNS:,} "
                        "here)")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError,
            NotImplementedError, RuntimeError):
        return None
    return None


__all__ = ["MAX_COLUMNS", "MAX_ROWS", "too_far"]
