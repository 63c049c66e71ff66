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

import pandas as pd
import pytest
from merbench_datasets.composite import APEX_DIR, FLOW_DIR, LABEL_CSV, make_composite
from test_composite import _fake_release, error_of

from merbench.results.user_files import UnreadableFile, parse_user_csv


@pytest.mark.parametrize(("text", "options", "cells", "line"), [
    ("a,b,c\n1,2,3,x\n4,5,6\n", {}, 4, 2),
    ("a,b,c\n1,2,3,x,y\n4,5,6\n", {"dtype": str}, 5, 2),
    ("a,b,c\n1,2,3,x\n4,5,6\n", {"usecols": ["a", "b"]}, 4, 2),
    ("\na,b,c\n1,2,3,x\n", {"skip_blank_lines": False}, 4, 3),
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


def test_rows_alike_longer_than_the_header_blame_the_header() -> None:
    """Every row of 4 cells under a header of 3 (an index 0, 1 as pandas's own): the header
    is the line that differs, and its fix is said of it, not of line 2."""
    with pytest.raises(UnreadableFile) as caught:
        parse_user_csv(b"a,b,c\n0,2,3,x\n1,5,6,y\n", Path("t.csv"), "table")
    assert caught.value.reason == "has 4 cells on every row below its header, which has 3"
    assert str(caught.value).endswith("; correct its header (line 1), or give the file as "
                                      "it was written"), str(caught.value)


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


def _set_imagename(folder: Path, line: int, name: str) -> Path:
    path = folder / LABEL_CSV
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[line - 2, "imagename"] = name
    table.to_csv(path, index=False)
    return path


def test_an_apex_image_two_rows_name_is_refused_naming_both_lines(fake: Path) -> None:
    """The next row's apex image: two samples, one face, each under its own label."""
    path = fake / LABEL_CSV
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    line = int(table.index[(table["sub"] == "006") & (table["filename_o"] == "006_1_2")][0]) + 2
    assert table.loc[line - 1, "filename_o"] == "006_1_3"
    _set_imagename(fake, line, "006_006_1_3.jpg")
    message = error_of(lambda: make_composite(str(fake)))
    assert message == (f"composite: '{path}' lines {line} and {line + 1} both name the apex "
                       "image '006_006_1_3.jpg' (samples samm/006/006_1_2 and "
                       "samm/006/006_1_3 would be one face); give each row its own sample's "
                       "apex image as in the release"), message


@pytest.mark.parametrize(("row", "name", "named"), [
    (2, "sub01_EP02_01.jpg", "'sub01_EP02_01f.jpg'"),  # another image, in no other row
    (2, "sub01_EP02_01f.png", "'sub01_EP02_01f.jpg'"),
    (2, "../sub01_EP02_01f.jpg", "'sub01_EP02_01f.jpg'"),
])
def test_an_apex_image_not_of_the_rows_own_sample_is_refused(
        fake: Path, row: int, name: str, named: str) -> None:
    path = _set_imagename(fake, row, name)
    shutil.copy(fake / APEX_DIR / "sub01_EP02_01f.jpg", fake / APEX_DIR / name)  # present
    message = error_of(lambda: make_composite(str(fake)))
    assert message == (f"composite: '{path}' line {row}: imagename '{name}' is not the apex "
                       f"image of sample casme2/sub01/EP02_01f, which the release names "
                       f"{named}; correct the name as in the release"), message


def test_a_smic_apex_image_is_named_either_way_the_release_writes_it(fake: Path) -> None:
    """The release writes s01's clip unpadded (s01_s1_ne_01.jpg), s11's alike either way;
    the flow's own stem is its sample's too."""
    path = fake / LABEL_CSV
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    line = int(table.index[table["filename_o"] == "s01_ne_01"][0]) + 2
    assert table.loc[line - 2, "imagename"] == "s01_s1_ne_01.jpg"
    _set_imagename(fake, line, "s01_s01_ne_01.jpg")
    shutil.copy(fake / APEX_DIR / "s01_s1_ne_01.jpg", fake / APEX_DIR / "s01_s01_ne_01.jpg")
    assert len(make_composite(str(fake)).samples) == 442
    _set_imagename(fake, line, "s01_s2_ne_01.jpg")
    message = error_of(lambda: make_composite(str(fake)))
    assert (f"line {line}: imagename 's01_s2_ne_01.jpg' is not the apex image of sample "
            "smic/s01/s01_ne_01, which the release names 's01_s01_ne_01.jpg' or "
            "'s01_s1_ne_01.jpg'; correct") in message, message


@pytest.mark.realdata
def test_every_real_row_names_its_own_apex_image_and_a_neighbours_is_refused(
        real_data: Path, tmp_path: Path) -> None:
    """The real release's 442 names all pass (SAMM 006_006_1_2.jpg, SMIC s01_s1_ne_01.jpg
    and s11_s11_ne_01.jpg); its samm/006/006_1_2 row given the next sample's name does not."""
    release = real_data / "composite"
    folder = tmp_path / "composite"
    folder.mkdir()
    for name in (FLOW_DIR, APEX_DIR):
        (folder / name).symlink_to(release / name)
    shutil.copy(release / LABEL_CSV, folder / LABEL_CSV)
    data = make_composite(str(folder))
    assert len(data.samples) == 442
    lines = (folder / LABEL_CSV).read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if ",006_1_2," in text)
    assert "006_006_1_2.jpg" in lines[line - 1] and "006_006_1_3.jpg" in lines[line]
    lines[line - 1] = lines[line - 1].replace("006_006_1_2.jpg", "006_006_1_3.jpg")
    (folder / LABEL_CSV).write_text("\n".join(lines) + "\n")
    message = error_of(lambda: make_composite(str(folder)))
    assert f"lines {line} and {line + 1} both name the apex image '006_006_1_3.jpg'" \
        in message, message


@pytest.mark.parametrize(("database", "subject", "clip"), [
    ("smic", "s01", "s01_ne_01"), ("smic", "s11", "s11_po_02"), ("smic", "x01", "x01_ne_01"),
    ("smic", "s01", "s01ne_01"), ("casme2", "sub01", "EP02_01f")])
def test_the_apex_name_export_writes_is_one_the_loader_takes(database: str, subject: str,
                                                             clip: str) -> None:
    """Export and the composite loader read a SMIC subject's number by one rule: a release
    merbench exports is never refused by its own loader."""
    from merbench_datasets.composite_csv import apex_names

    from merbench.export.layouts import release_names

    samples = pd.DataFrame({"sample_id": [f"{database}/{subject}/{clip}"],
                            "database": [database], "subject": [subject]})
    written = release_names(samples)["imagename"].iloc[0]
    assert written in apex_names(database, subject, clip)
