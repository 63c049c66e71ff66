"""Coding-sheet cells and secondary sheets as a user meets them (issue 84, pass 84f):
a typo in a frame cell is a refused row, not "not coded"; a cell too long for a folder name
is said as that cell; SMIC's apex sheet may not relabel a clip, and is named as what it is;
an emotion sheet's fault names that sheet and its option.

The trees are built here (random pixels, no faces): no real data is needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import Workbook
from rawtrees import FAST_FLOW, random_frames, samm_rows, workbook

SMIC_HEADER = ["subject", "clip", "label", "onset_frame", "apex_frame", "offset_frame"]
SMIC_CLIPS = (("negative", "ne", 0), ("positive", "po", 1))


def _extract(cli, dataset: str, root: Path, *options: str) -> tuple[int, str, str]:
    given = [part for option in options for part in ("--dataset-opt", option)]
    return cli("extract", "-d", dataset, "--data-root", root, "-f", "tvl1-uvos", *FAST_FLOW,
               "--workers", "1", "-q", *given)


@pytest.fixture
def samm_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "SAMM"
    for clip in ("006_1_2", "006_1_3"):
        random_frames(root / "006" / clip, range(100, 106), "006_{:05d}.jpg")
    workbook(root / "SAMM_Micro_FACS_Codes_v2.xlsx", samm_rows())
    return root


@pytest.mark.parametrize(("column", "value", "shown"), [
    ("Apex_Frame", "1O2", "apex frame in '{}' is '1O2'"),
    ("Apex_Frame", 101.5, "apex frame in '{}' is '101.5'"),
    ("Apex_Frame", -102, "apex frame in '{}' is '-102'"),
    ("Apex_Frame", True, "apex frame in '{}' is 'True'"),
    ("Offset_Frame", "1O5", "offset frame in '{}' is '1O5'"),
    ("Onset_Frame", "1O0", "onset frame in '{}' is '1O0'"),
])
def test_a_typo_in_a_frame_cell_is_a_refused_row(samm_root: Path, cli, tmp_path: Path,
                                                  column: str, value: object,
                                                  shown: str) -> None:
    """An apex or offset typo was read as "not coded": the apex became the middle frame,
    rc 0; the same typo in the onset cell was refused."""
    sheet = workbook(tmp_path / "typo.xlsx", samm_rows(**{column: value}))
    code, _, err = _extract(cli, "samm", samm_root, f"sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm sheet row 4 (its {shown.format(sheet)}, not a whole frame number of 0 or "
            "more (correct the cell))") in err


@pytest.mark.parametrize("mark", ["", "/"])
def test_a_not_coded_apex_is_still_the_middle_frame(samm_root: Path, cli, tmp_path: Path,
                                                    mark: str) -> None:
    sheet = workbook(tmp_path / "uncoded.xlsx", samm_rows(Apex_Frame=mark or None))
    code, out, err = _extract(cli, "samm", samm_root, f"sheet={sheet}")
    assert code == 0 and "2 samples" in out, err


@pytest.mark.parametrize(("column", "value", "said"), [
    ("Filename", "E" * 300, "its clip 'EEEEEEEEEEEEEEEEEEEE...' in '{}' is 300 characters"),
    ("Subject", "6" * 400, "its subject '66666666666666666666...' in '{}' is 400 characters"),
])
def test_a_cell_too_long_for_a_folder_name_is_said_as_that_cell(samm_root: Path, cli,
                                                                tmp_path: Path, column: str,
                                                                value: str, said: str) -> None:
    """It named the derived folder and said "give its real path"."""
    sheet = workbook(tmp_path / "long.xlsx", samm_rows(**{column: value}))
    code, _, err = _extract(cli, "samm", samm_root, f"sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm sheet row 4 ({said.format(sheet)}, longer than a folder name can be "
            "(correct the cell))") in err
    assert "real path" not in err and value not in err


@pytest.mark.parametrize("apex", ["+102", "1.02e2", "0102", "102.0", " 102 "])
def test_a_frame_cell_in_any_whole_number_spelling_is_that_frame(samm_root: Path, cli,
                                                                 tmp_path: Path,
                                                                 apex: str) -> None:
    """The cell's text "+102" or "1.02e2" was called a typo while "102.0" and "0102" were
    frame 102 (pass 84o, O7): the one whole-number rule reads them all."""
    sheet = workbook(tmp_path / "spelled.xlsx", samm_rows(Apex_Frame=apex))
    code, out, err = _extract(cli, "samm", samm_root, f"sheet={sheet}")
    assert code == 0 and "2 samples" in out, err


def _smic_rows(**changed: object) -> list[list[object]]:
    rows: list[list[object]] = [SMIC_HEADER]
    for _, short, label in SMIC_CLIPS:
        rows.append(["s1", f"s1_{short}_01", label, 1000, 1002, 1005])
    for name, value in changed.items():
        rows[1][SMIC_HEADER.index(name)] = value
    return rows


@pytest.fixture
def smic_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "SMIC"
    for kind, short, _ in SMIC_CLIPS:
        random_frames(root / "HS" / "s1" / "micro" / kind / f"s1_{short}_01",
                      range(1000, 1006), "image{:06d}.bmp")
    return root


def test_an_apex_sheet_row_may_not_relabel_its_clip(smic_root: Path, cli,
                                                    tmp_path: Path) -> None:
    """A row labelling s1_ne_01 (filed under negative/) positive relabelled it, rc 0."""
    sheet = workbook(tmp_path / "mismatch.xlsx", _smic_rows(label=1))
    code, _, err = _extract(cli, "smic", smic_root, f"apex_sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"smic apex sheet row 2 (its label in '{sheet}' is 1 (positive), but the clip "
            "s01_ne_01 is filed under negative/ (HS/s1/micro/negative/s1_ne_01) (correct "
            "the cell))") in err


@pytest.mark.parametrize("label", ["0.0", "+0", "00", " 0 "])
def test_an_apex_sheet_label_in_any_whole_number_spelling_is_that_class(
        smic_root: Path, cli, tmp_path: Path, label: str) -> None:
    """The text "0.0" or "+0" was "not 0, 1 or 2" while the number 0.0 was taken (pass 84o,
    O7): a label is read as a frame cell is."""
    sheet = workbook(tmp_path / "label.xlsx", _smic_rows(label=label))
    code, out, err = _extract(cli, "smic", smic_root, f"apex_sheet={sheet}")
    assert code == 0 and "2 samples" in out, err


@pytest.mark.parametrize("label", ["0.5", "1O", "3"])
def test_an_apex_sheet_label_typo_is_still_refused(smic_root: Path, cli, tmp_path: Path,
                                                   label: str) -> None:
    sheet = workbook(tmp_path / "label.xlsx", _smic_rows(label=label))
    code, _, err = _extract(cli, "smic", smic_root, f"apex_sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert f"smic apex sheet row 2 (its label '{label}' is not 0, 1 or 2" in err


def test_an_apex_typo_in_the_apex_sheet_is_a_refused_row(smic_root: Path, cli,
                                                         tmp_path: Path) -> None:
    sheet = workbook(tmp_path / "apex.xlsx", _smic_rows(apex_frame="abc"))
    code, _, err = _extract(cli, "smic", smic_root, f"apex_sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert f"smic apex sheet row 2 (its apex frame in '{sheet}' is 'abc'" in err


def test_apex_sheet_labels_written_as_words_are_one_line(smic_root: Path, cli,
                                                         tmp_path: Path) -> None:
    """It was "4 of 4 samples" for 2 clips (each unlabelled row, then its clip again as a
    folder without a row), the sheet's path three times, and "restore the frames"."""
    rows = _smic_rows()
    for row, (word, _, _) in zip(rows[1:], SMIC_CLIPS, strict=True):
        row[2] = word
    sheet = workbook(tmp_path / "words.xlsx", rows)
    code, _, err = _extract(cli, "smic", smic_root, f"apex_sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"smic: the apex sheet '{sheet}' labels rows 2-3 'negative', 'positive', not 0, 1 "
            "or 2 (its label column is 0 negative, 1 positive, 2 surprise); correct the "
            "column") in err
    assert err.count(str(sheet)) == 1 and "restore" not in err


@pytest.mark.parametrize(("make", "said"), [
    ("fifo", "{} is a fifo, not a regular file; give a regular file as the SMIC apex sheet"),
    ("folder", "{} is a folder, not a regular file; give a regular file as the SMIC apex "
               "sheet"),
    ("empty", "smic: --dataset-opt apex_sheet= is empty; give the path of the SMIC apex "
              "sheet"),
    ("junk", "{} (smic apex sheet) cannot be read"),
    ("columns", "or give the official apex sheet with --dataset-opt apex_sheet=PATH"),
])
def test_an_apex_sheet_option_is_said_as_what_it_names(smic_root: Path, cli, tmp_path: Path,
                                                       make: str, said: str) -> None:
    """A fifo, a folder or an empty value "did not exist" (empty: the current folder); a
    damaged one was "smic's coding sheet"; wrong columns advised sheet=, which smic has not."""
    path = tmp_path / "apex.xlsx"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "folder":
        path.mkdir()
    elif make == "junk":
        path.write_bytes(os.urandom(3000))
    elif make == "columns":
        path = tmp_path / "apex.csv"
        path.write_text("Subject,Filename,OnsetF,ApexF1,OffsetF,Emotion\n1,EP01,1,2,3,fear\n")
    code, _, err = _extract(cli, "smic", smic_root,
                            f"apex_sheet={'' if make == 'empty' else path}")
    assert code == 2 and err.count("\n") == 1, err
    assert said.format(path) in err
    assert "does not exist" not in err and "coding sheet" not in err
    assert "sheet=PATH" not in err.replace("apex_sheet=PATH", "")


def _spot(cli, dataset: str, root: Path, tmp_path: Path, *options: str) -> tuple[int, str, str]:
    given = [part for option in options for part in ("--dataset-opt", option)]
    return cli("spot", "--spotter", "flow-peak", "-q", "--tune", "p=0.1", "-d", dataset,
               "--data-root", root, "--out", tmp_path / "spot", "--dataset-opt",
               "face_crop=false", *given)


def test_a_long_video_apex_typo_is_a_refused_row(cli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """samm-long read an apex 'abc' as not coded and spotted, rc 0."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "SAMMLV"
    random_frames(root / "SAMM_longvideos" / "006_1", range(1, 41), "006_1_{:04d}.jpg")
    header = ["Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset",
              "Duration", "Type", "Action Units", "Notes"]
    sheet = workbook(root / "SAMM_LongVideos_V3_Release.xlsx", [
        header, ["006", "006_1_1", 1, 10, "abc", 15, 6, "Micro - 1/2", "4", ""],
        ["006", "006_1_2", 1, 20, -1, 35, 16, "Macro", "12", ""]])
    code, _, err = _spot(cli, "samm-long", root, tmp_path)
    assert code == 2 and err.count("\n") == 1, err
    assert (f"'{sheet}' row 2: its apex frame is 'abc', not a whole frame number of 0 or more "
            "(correct the cell)") in err
    assert "row 3" not in err  # -1: not coded, as the module doc says


def test_a_wrong_emotion_sheet_names_casme3_long_and_its_option(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was "casme3: ... give the official sheet with --dataset-opt sheet=PATH", which
    would have replaced casme3-long's interval sheet."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "C3L"
    random_frames(root / "part_A" / "spNO.1" / "a" / "color", range(0, 40), "{}.jpg")
    book = Workbook()
    intervals = book.active
    intervals.title = "AU+Emotion"
    intervals.append(["Subject", "Filename", "Onset", "Apex", "Offset", "AU",
                      "Expression type", "Objective class"])
    intervals.append(["spNO.1", "a", 5, 7, 9, "R12", "Micro-expression", "I"])
    book.create_sheet("eye blink").append(["Subject", "Filename", "Onset", "Offset"])
    book.save(root / "casme3_part_A_v2.xlsx")
    wrong = workbook(tmp_path / "SAMM_Micro_FACS_Codes_v2.xlsx", samm_rows())
    code, _, err = _spot(cli, "casme3-long", root, tmp_path, f"emotion_sheet={wrong}")
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("merbench: error: casme3-long: ") and err.count(str(wrong)) == 1
    assert err.rstrip().endswith("give the official emotion sheet with --dataset-opt "
                                 "emotion_sheet=PATH"), err


def test_an_empty_onset_is_said_as_empty(samm_root: Path, cli, tmp_path: Path) -> None:
    """Its line said "not a whole frame number ... (a negative or fractional number is a
    typo)", of a cell that holds nothing: typos are now said with their text."""
    sheet = workbook(tmp_path / "no_onset.xlsx", samm_rows(Onset_Frame="/"))
    code, _, err = _extract(cli, "samm", samm_root, f"sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm sheet row 4 (its onset frame in '{sheet}' is empty or not coded; a sample "
            "needs one (fill in the cell))") in err


@pytest.mark.parametrize(("cell", "said"), [
    ("X7", "'X7': not a FACS code ([side L/R/A/T/B]number[intensity A-E][?]); correct"),
    ("4+X7", "'4+X7': not a FACS code ([side L/R/A/T/B]number[intensity A-E][?]) ('X7'); "
             "correct"),
])
def test_an_au_cell_no_parser_reads_is_named_once(samm_root: Path, cli, tmp_path: Path,
                                                  cell: str, said: str) -> None:
    """A whole cell that is no code was said twice, "the action units 'X7': not a FACS
    code (...) ('X7')" (pass 84o, O9); a part of a cell is still named after the cell."""
    rows = samm_rows(Action_Units=cell)
    rows.append(["007", "007_1_2", *rows[4][2:]])  # a second subject for the folds
    random_frames(samm_root / "007" / "007_1_2", range(100, 106), "007_{:05d}.jpg")
    sheet = workbook(tmp_path / "aus.xlsx", rows)
    code, _, err = cli("run", "--task", "au", "-m", "ststnet", "-d", "samm", "--data-root",
                       samm_root, "--dataset-opt", f"sheet={sheet}", "--au-set", "4,7",
                       "-f", "tvl1-uvos", *FAST_FLOW, "--epochs", "1", "--threads", "1", "-q",
                       "--out", tmp_path / "au")
    assert code == 2 and err.count("\n") == 1, err
    assert f"row 4, column 'Action Units': cannot read the action units {said}" in err
    assert err.count("X7") == (1 if cell == "X7" else 2), err


def test_apex_sheet_labels_as_words_name_the_dataset_that_read_the_sheet(
        tmp_path: Path) -> None:
    """megc2019 reads SMIC's apex sheet as its ``smic_apex_sheet``: the refusal names
    megc2019, the dataset the user ran, not smic."""
    import pandas as pd
    from merbench_datasets.sheets import SheetRole
    from merbench_datasets.smic import _labels

    from merbench.base.errors import MerbenchError

    rows = pd.DataFrame({"label": ["negative", "positive"]}, index=[2, 3])
    sheet = tmp_path / "words.xlsx"
    with pytest.raises(MerbenchError) as caught:
        _labels(rows, sheet, SheetRole("megc2019", "SMIC apex sheet", "smic_apex_sheet"))
    assert str(caught.value).startswith(f"megc2019: the apex sheet '{sheet}' labels rows 2-3 "
                                        "'negative', 'positive', not 0, 1 or 2")
