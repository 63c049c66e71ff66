"""The composite release's label CSV as a user damages it (issue 84, pass 84aj).

AJ1: a first data row of more cells than the header was read by pandas with the extra
cells as an index, every column shifted by one, and the user was told to fill in 442
"empty" apex names; it is said as any other line of extra cells is. AJ2: a row's
``imagename`` naming another sample's apex image (two samples, one face) was used
silently; a name two rows share, or one that is not the row's own sample's, is refused.

Tested on the unit reader and on the fake release of ``test_composite`` (generated images,
no faces); the realdata test reads the real CSV through symlinks in tmp_path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from merbench_datasets.composite import LABEL_CSV, make_composite
from test_composite import _fake_release, error_of

from merbench.results.user_files import UnreadableFile, parse_user_csv


@pytest.mark.parametrize(("text", "options", "cells", "line"), [
    ("a,b,c\n1,2,3,x\n4,5,6\n", {}, 4, 2),
    ("a,b,c\n1,2,3,x,y\n4,5,6\n", {"dtype": str}, 5, 2),
    ("a,b,c\n1,2,3,x\n4,5,6\n", {"usecols": ["a", "b"]}, 4, 2),
    ("\na,b,c\n1,2,3,x\n", {"skip_blank_lines": False}, 4, 3),
    ("a,b,c\n0,2,3,x\n1,5,6,y\n", {}, 4, 2),  # an index 0, 1: as pandas's own
    ("a,b,c\n1,2,3\n4,5,6,x\n", {"usecols": ["a", "b"]}, 4, 3),  # dropped unsaid
])
def test_a_first_row_of_more_cells_than_the_header_is_refused_by_its_line(
        text: str, options: dict[str, object], cells: int, line: int) -> None:
    """pandas read the first row's extra cells as an index and shifted every column, and
    with ``usecols`` dropped a later row's extra cells unsaid."""
    with pytest.raises(UnreadableFile) as caught:
        parse_user_csv(text.encode(), Path("t.csv"), "table", **options)
    said = f"has {cells} cells on line {line}, where its header has 3"
    assert str(caught.value) == (f"t.csv (table) {said}; correct line {line}, or give the "
                                 "file as it was written"), str(caught.value)
    assert caught.value.reason == said


def test_a_table_of_even_rows_and_a_named_index_still_reads() -> None:
    """A short row is no shifted column; a caller that names its index column is served."""
    table = parse_user_csv(b"a,b,c\n1,2,3\n4,5\n", Path("t.csv"), "table", dtype=str)
    assert table["a"].tolist() == ["1", "4"] and table["b"].tolist() == ["2", "5"]
    indexed = parse_user_csv(b"a,b,c\n1,2,3\n", Path("t.csv"), "table", index_col=0)
    assert indexed.index.tolist() == [1] and list(indexed.columns) == ["b", "c"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fake") / "composite"
    _fake_release(folder)
    return folder


@pytest.fixture
def fake(template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "composite"
    shutil.copytree(template, folder)
    return folder


def _edit_line(folder: Path, line: int, edit: str) -> Path:
    path = folder / LABEL_CSV
    lines = path.read_text().splitlines()
    lines[line - 1] += edit
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("extra", [",x", ",x,y,z"])
def test_the_label_csvs_first_row_of_extra_cells_is_named_not_442_empty_cells(
        fake: Path, extra: str) -> None:
    path = _edit_line(fake, 2, extra)
    message = error_of(lambda: make_composite(str(fake)))
    cells = 7 + extra.count(",")
    assert message == (f"composite: cannot read '{path}' as a CSV (it has {cells} cells on "
                       "line 2, where its header has 7); restore it from the preprocessed "
                       "release"), message
    assert "empty" not in message
