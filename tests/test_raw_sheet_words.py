"""Raw-database coding sheets and protocol options as a user meets them (issue 84, pass 84e):
each mistake is one line in merbench's words that says what is wrong and the fix.

The trees are built here (random pixels, no faces; the flow is Farneback on the whole frame,
so that the one command that succeeds stays quick): no real data is needed."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from rawtrees import FAST_FLOW, random_frames, workbook

CASME2_HEADER = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame",
                 "Action Units", "Estimated Emotion"]
CASME3_HEADER = ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class",
                 "emotion"]


@pytest.fixture
def casme2_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CASME2/ with two subjects of one clip each and their coding sheet."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "CASME2"
    rows: list[list[object]] = [CASME2_HEADER]
    for subject in (1, 2):
        random_frames(root / "Cropped" / f"sub{subject:02d}" / "EP01_01f", range(10, 16),
                      "reg_img{}.jpg")
        rows.append([f"{subject:02d}", "EP01_01f", 10, 12, 15, "4+L10", "happiness"])
    workbook(root / "CASME2-coding-20190701.xlsx", rows)
    return root


def _extract(cli, root: Path, *options: str) -> tuple[int, str, str]:
    given = [part for option in options for part in ("--dataset-opt", option)]
    return cli("extract", "-d", root.name.lower(), "--data-root", root, "-f", "tvl1-uvos",
               *FAST_FLOW, "--workers", "1", "-q", *given)


@pytest.mark.parametrize(("value", "said"), [
    ("", "casme2: subjects= is empty; name at least one subject (e.g. sub01)"),
    (" , ", "casme2: subjects= is empty; name at least one subject (e.g. sub01)"),
    ("sub01,sub01", "casme2: subjects names sub01 twice; name each subject once"),
    ('["sub01","sub01"]', "casme2: subjects names sub01 twice; name each subject once"),
    ("sub01,sub99", "casme2: subject sub99 is not in the sheet; its subjects are sub01, sub02"),
    ("sub98,sub01,sub99", "casme2: subjects sub98, sub99 are not in the sheet; its subjects "
                          "are sub01, sub02"),
    ("12", "casme2: subject 12 is not in the sheet"),
])
def test_subjects_say_which_name_is_wrong_and_how(casme2_root: Path, cli, value: str,
                                                  said: str) -> None:
    """An empty value was a Python list ``[]``; a name given twice, or one good name beside
    a missing one, was "subjects sub01,sub01 are not in the sheet"."""
    code, _, err = _extract(cli, casme2_root, f"subjects={value}")
    assert code == 2 and err.count("\n") == 1 and said in err, err
    assert "[]" not in err and "iterable" not in err


def test_subjects_separated_by_commas_are_a_list(casme2_root: Path, cli) -> None:
    code, out, err = _extract(cli, casme2_root, "subjects=sub01, sub02")
    assert code == 0 and "2 samples" in out, err


def test_a_sheet_with_only_its_header_is_named_and_said_so(casme2_root: Path, cli,
                                                           tmp_path: Path) -> None:
    """It was "no usable samples (0 skipped, e.g. )", the sheet not named."""
    sheet = workbook(tmp_path / "header_only.xlsx", [CASME2_HEADER])
    code, _, err = _extract(cli, casme2_root, f"sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert f"casme2: the sheet '{sheet}' has a header row but no rows under it" in err
    assert "e.g." not in err and err.count(str(sheet)) == 1


def test_a_sheet_with_no_row_of_the_class_set_names_no_empty_example(casme2_root: Path, cli,
                                                                       tmp_path: Path) -> None:
    sheet = workbook(tmp_path / "others.xlsx",
                     [CASME2_HEADER, ["01", "EP01_01f", 10, 12, 15, "4", "others"]])
    code, _, err = _extract(cli, casme2_root, f"sheet={sheet}", "classes=3")
    assert code == 2 and err.count("\n") == 1, err
    assert "casme2: no sample is of the classes negative, positive, surprise" in err
    assert "e.g." not in err


def test_a_folder_named_like_a_newer_sheet_does_not_hide_the_sheet(casme2_root: Path,
                                                                    cli) -> None:
    """A folder CASME2-coding-2099.xlsx was taken as the newest sheet and refused."""
    (casme2_root / "CASME2-coding-2099.xlsx").mkdir()
    code, out, err = _extract(cli, casme2_root)
    assert code == 0 and "2 samples" in out, err


def test_a_fifo_named_like_a_newer_sheet_is_still_refused_as_a_fifo(casme2_root: Path,
                                                                     cli) -> None:
    os.mkfifo(casme2_root / "CASME2-coding-2099.xlsx")
    code, _, err = _extract(cli, casme2_root)
    assert code == 2 and err.count("\n") == 1, err
    assert ("CASME2-coding-2099.xlsx is a fifo, not a regular file; give a regular file as "
            "the casme2 coding sheet") in err  # not "the casme2's coding sheet"


@pytest.fixture
def casme3_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CASME3/ with two subjects of five videos each and the micro-expression label sheet."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "CASME3"
    rows: list[list[object]] = [CASME3_HEADER]
    for subject in (1, 2):
        for k, video in enumerate("abcde"):
            random_frames(root / "part_A" / f"spNO.{subject}" / video / "color",
                          range(100, 106), "{}.jpg")
            rows.append([f"spNO.{subject}", video, 100, 102, 105, "R12", ["I", "II"][k % 2],
                         ["happy", "disgust"][k % 2]])
    workbook(root / "casme3_part_A_ME_label_JpgIndex_v2.xlsx", rows)
    return root


def test_an_objective_class_out_of_range_is_said_as_that_column(casme3_root: Path, cli,
                                                                 tmp_path: Path) -> None:
    """It was "the sheet's emotion 'VIII' is none of I, ..., VII"."""
    rows: list[list[object]] = [CASME3_HEADER, ["spNO.1", "a", 100, 102, 105, "R12", "VIII",
                                                 "happy"]]
    sheet = workbook(tmp_path / "viii.xlsx", rows)
    code, _, err = _extract(cli, casme3_root, "classes=objective", f"sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert ("casme3/spNO.1/a/100 (the sheet's Objective class 'VIII' is none of I, II, III, "
            "IV, V, VI, VII)") in err


@pytest.mark.parametrize("classes", ["7", "objective"])
def test_the_au_sheet_given_as_the_label_sheet_is_named_as_such(casme3_root: Path, cli,
                                                               tmp_path: Path,
                                                               classes: str) -> None:
    """casme3_part_A_v2.xls labels no emotion: "rename the columns back as in the official
    sheet" sent the user to edit it; with classes=objective it was read, its
    macro-expressions taken as samples."""
    header = ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Expression type",
              "Objective class"]
    sheet = workbook(tmp_path / "casme3_part_A_v2.xlsx",
                     [header, ["spNO.1", "a", 100, 102, 105, "R12", "Macro-expression",
                               "VII"]])
    code, _, err = _extract(cli, casme3_root, f"classes={classes}", f"sheet={sheet}")
    assert code == 2 and err.count("\n") == 1, err
    assert "is CAS(ME)^3's AU sheet, which lists macro- and micro-expressions and labels no " \
           "emotion; give the micro-expression label sheet, " \
           "casme3_part_A_ME_label_JpgIndex_v2.xlsx, with --dataset-opt sheet=PATH" in err
    assert "rename" not in err and err.count(str(sheet)) == 1


def _run_hsta(cli, root: Path, tmp_path: Path, *extra: object) -> tuple[int, str, str]:
    return cli("run", "-m", "ststnet", "-f", "tvl1-uvos", *FAST_FLOW, "--epochs", "1",
               "--threads", "1", "-q", "--protocol", "casme3-hsta-5fold",
               "-o", tmp_path / "run", *extra)


def test_fold_lists_holding_a_sample_twice_name_both_lists(casme3_root: Path, cli,
                                                           tmp_path: Path) -> None:
    """It was "... once each: run it on -d casme3" on -d casme3."""
    ids = [(f"spNO.{s}", v, 100) for s in (1, 2) for v in "abcde"]
    lists = tmp_path / "folds"
    lists.mkdir()
    for k in range(5):
        rows = ids[k::5] + ([ids[1]] if k == 0 else [])  # spNO.1/b is fold 2's too
        with open(lists / f"test_fold_{k + 1}.csv", "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(("Subject", "Filename", "Onset"))
            writer.writerows(rows)
    code, _, err = _run_hsta(cli, casme3_root, tmp_path, "-d", "casme3", "--data-root",
                             casme3_root, "--protocol-opt", f"folds={lists}")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"casme3-hsta-5fold: {lists}/test_fold_1.csv and test_fold_2.csv both list "
            "casme3/spNO.1/b/100; restore the lists from the authors' repository") in err
    assert "-d casme3" not in err


def test_hsta_folds_on_another_dataset_say_the_dataset_first(cli, tmp_path: Path) -> None:
    """It asked for --protocol-opt folds= (lists it could never use on casme2) first."""
    code, _, err = _run_hsta(cli, tmp_path, tmp_path, "-d", "casme2")
    assert code == 2 and err.count("\n") == 1, err
    assert ("--protocol casme3-hsta-5fold is for --dataset casme3 only, not casme2; give "
            "--dataset casme3, or another protocol for casme2") in err
    assert "folds" not in err
