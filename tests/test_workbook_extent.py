"""A coding sheet that reaches far past any real one is refused before it is built.

A pass made a 5 KB .xlsx with one more cell, at XFD1048576: read whole into a table, it
took the machine's memory until the system killed the process (issue 84, R1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from merbench.base.errors import MerbenchError
from merbench.results.user_files import read_user_workbook
from merbench.results.workbook_extent import too_far


def _sheet(path: Path, far: str | None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Subject", "Filename", "OnsetFrame", "ApexFrame", "Estimated Emotion"])
    sheet.append(["01", "EP02_01f", "46", "59", "happiness"])
    if far is not None:
        sheet[far] = "x"
    book.save(path)
    return path


def test_a_sheet_reaching_the_last_cell_is_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    path = _sheet(tmp_path / "coding.xlsx", "XFD1048576")
    assert path.stat().st_size < 10_000

    def built(*args: object, **kwargs: object) -> None:  # would take the machine's memory
        raise AssertionError("the sheet was built")

    monkeypatch.setattr(pd, "read_excel", built)
    with pytest.raises(MerbenchError) as refused:
        read_user_workbook(path, "coding sheet", "openpyxl")
    said = str(refused.value)
    assert "1,048,576 rows by 16,384 columns" in said and str(path) in said
    assert "\n" not in said


def test_a_real_sized_sheet_is_read(tmp_path: Path) -> None:
    path = _sheet(tmp_path / "coding.xlsx", "AD3000")  # 3,000 rows of 30 columns: read
    assert too_far(path.read_bytes()) is None
    sheets = read_user_workbook(path, "coding sheet", "openpyxl")
    assert next(iter(sheets.values())).iloc[1, 1] == "EP02_01f"


def test_what_is_no_workbook_is_left_to_the_reader_to_say() -> None:
    assert too_far(b"not a zip") is None
