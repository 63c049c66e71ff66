"""Raw databases as a user meets them (issue 84, pass 84w): a coding-sheet subject or clip
cell holding a path is a refused row (W1); a CSV sheet row of more cells than its header is
said in merbench's words (W2); a clip folder with two files of one frame number (W3) or a
frame that is a fifo, a folder or a device link (W4) is a refused sample, said as it is.

The trees are built here (random pixels, no faces): no real data is needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rawtrees import FAST_FLOW, random_frames, samm_rows, workbook


@pytest.fixture
def samm_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "SAMM"
    for clip in ("006_1_2", "006_1_3"):
        random_frames(root / "006" / clip, range(100, 106), "006_{:05d}.jpg")
    return root


def _extract(cli, root: Path, sheet: Path, *more: str) -> tuple[int, str, str]:
    return cli("extract", "-d", "samm", "--data-root", root, "-f", "tvl1-uvos", *FAST_FLOW,
               "--dataset-opt", f"sheet={sheet}", "--workers", "1", "-q", *more)


@pytest.mark.parametrize(("column", "value", "shown"), [
    ("Filename", "{elsewhere}", "clip '{shown}'"),
    ("Filename", "006_1_3/../006_1_2", "clip '006_1_3/../006_1_2'"),
    ("Filename", "006_1_2\\x", "clip '006_1_2\\x'"),
    ("Subject", "..", "subject '..'"),
])
def test_a_subject_or_clip_cell_holding_a_path_is_a_refused_row(
        samm_root: Path, cli, tmp_path: Path, column: str, value: str, shown: str) -> None:
    """W1: an absolute path read frames outside --data-root as sample
    samm/006//tmp/.../006_1_2, and 006_1_3/../006_1_2 counted one clip twice (rc 0)."""
    elsewhere = tmp_path / "elsewhere" / "006_1_2"
    random_frames(elsewhere, range(100, 106), "006_{:05d}.jpg")
    value = value.format(elsewhere=elsewhere)
    sheet = workbook(tmp_path / "path.xlsx", samm_rows(**{column: value}))
    code, _, err = _extract(cli, samm_root, sheet)
    said = shown.format(shown=value[:20] + "...")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm sheet row 4 (its {said} in '{sheet}' is a path, not the name of one "
            "folder in the database's tree (correct the cell))") in err, err
    code, out, err = _extract(cli, samm_root, sheet, "--skip-missing")
    assert code == 0 and "1 sample" in out + err, err


def _csv(path: Path, rows: list[list[object]], extra: str = "") -> Path:
    import csv

    with path.open("w", newline="") as file:
        csv.writer(file).writerows(rows)
        file.write(extra)
    return path


def test_a_csv_sheet_row_of_more_cells_than_its_header_is_said_by_its_line(
        samm_root: Path, cli, tmp_path: Path) -> None:
    """W2: said as "(C error: Expected 11 fields in line 6, saw 14)", pandas's words."""
    rows = [row + [""] * (11 - len(row)) for row in samm_rows()]  # as a spreadsheet saves
    sheet = _csv(tmp_path / "rag.csv", rows, "006,006_1_9,1,2,3,4,5,6,7,8,9,10,11,12\n")
    code, _, err = _extract(cli, samm_root, sheet)
    assert code == 2 and err.count("\n") == 1, err
    assert (f"{sheet} (samm coding sheet) has 14 cells on line 6, where its first line has "
            "11; correct line 6, or give the file as it was written") in err, err
    assert "C error" not in err and "fields" not in err


def test_a_ragged_row_after_a_cell_spanning_lines_is_said_by_the_editors_line() -> None:
    """pandas counts a quoted cell that spans lines as one line."""
    from merbench.results.csv_faults import csv_fault

    text = 'a,b,c\n"x\ny",2,3\n4,5,6,7\n'
    said, fix = csv_fault(text, "C error: Expected 3 fields in line 3, saw 4", True)
    assert said == "has 4 cells on line 4, where its header has 3", said
    assert fix.startswith("correct line 4")


def test_a_nul_in_a_csv_sheet_is_said_as_itself(samm_root: Path, cli, tmp_path: Path) -> None:
    """W2: said as "(C error: Expected 3 fields in line 2, saw 10)"."""
    sheet = tmp_path / "nul.csv"
    sheet.write_bytes(b"Subject,File\x00name,Onset Frame\n" + b"006,006_1_2,1,2,3,4,5,6,7,8\n")
    code, _, err = _extract(cli, samm_root, sheet)
    assert code == 2 and err.count("\n") == 1, err
    assert f"{sheet} (samm coding sheet) holds a NUL character on line 1" in err, err
    assert "C error" not in err


def _clip(root: Path) -> Path:
    return root / "006" / "006_1_2"


@pytest.mark.parametrize("twin", ["006_0000102.jpg", "006_00102.png"])
def test_a_clip_folder_with_two_files_of_one_frame_number_is_a_refused_sample(
        samm_root: Path, cli, tmp_path: Path, twin: str) -> None:
    """W3: taken (rc 0), the apex read from whichever file the system listed first."""
    import shutil

    shutil.copy(_clip(samm_root) / "006_00101.jpg", _clip(samm_root) / twin)
    sheet = workbook(tmp_path / "s.xlsx", samm_rows())
    code, _, err = _extract(cli, samm_root, sheet)
    first, second = sorted(["006_00102.jpg", twin])
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm/006/006_1_2 (the folder '{_clip(samm_root)}' holds two frames numbered "
            f"102 ({first} and {second}); a frame's number is the last number in its file "
            "name: keep one file of each number)") in err, err
    code, out, err = _extract(cli, samm_root, sheet, "--skip-missing")
    assert code == 0 and "1 sample" in out + err, err


@pytest.mark.parametrize(("make", "kind"), [
    (os.mkfifo, "a fifo"),
    (os.mkdir, "a folder"),
    (lambda path: os.symlink("/dev/zero", path), "a symbolic link (to /dev/zero)"),
])
@pytest.mark.parametrize(("number", "said"), [
    (102, "the apex frame 102, '{}',"),
    (104, "'{}' (frame 104)"),
])
def test_a_frame_that_is_no_file_is_said_as_what_it_is(
        samm_root: Path, cli, tmp_path: Path, make, kind: str, number: int,
        said: str) -> None:
    """W4: called missing, "the apex frame 102 is not in '...' (5 frames, 100..105)", while
    ls showed it."""
    frame = _clip(samm_root) / f"006_{number:05d}.jpg"
    frame.unlink()
    make(frame)
    sheet = workbook(tmp_path / "s.xlsx", samm_rows())
    code, _, err = _extract(cli, samm_root, sheet)
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm/006/006_1_2 ({said.format(frame)} is {kind}, not an image file; restore "
            "the frame)") in err, err
    assert "is not in" not in err
