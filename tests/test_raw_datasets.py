"""The raw-database datasets on the real coding sheets (MERBENCH_TEST_DATA) with tiny frame
trees built in tmp_path in the official layouts (see rawtrees.py).

The counts are those of the official sheets; where a class mapping should reproduce the
MEGC2019 composite, it is checked against the composite's numbers.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from merbench_datasets import casme2, casme3, megc2019, rawframes, samm, smic
from merbench_datasets.megc2019_official import load_ground_truth
from rawtrees import SHEETS, write_clips

from merbench.base.errors import MerbenchError

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.realdata


def sheet(real_data: Path, database: str) -> str:
    return str(real_data / SHEETS[database])


def counts(table, classes) -> list[int]:
    return [int((table["label"] == i).sum()) for i in range(len(classes))]


# -------------------------------------------------------------------- parsing the real sheets


def test_casme2_sheet_counts(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "Cropped").mkdir()
    table, problems = casme2.annotation_table(str(tmp_path), sheet(real_data, "casme2"))
    assert problems == [] and len(table) == 255 and table["subject"].nunique() == 26
    assert table["subject"].iloc[0] == "sub01" and table["clip"].iloc[0] == "EP02_01f"
    assert (table["onset"].iloc[0], table["apex"].iloc[0], table["offset"].iloc[0]) == \
        (46, 59, 86)
    five, strange = rawframes.labelled(table, "casme2", casme2.MAPPINGS["5"], casme2.EMOTIONS,
                                       casme2.CLASS_SETS["5"])
    assert strange == [] and len(five) == 249  # 2 fear and 4 sadness left out
    assert counts(five, casme2.CLASS_SETS["5"]) == [32, 63, 27, 28, 99]
    three, _ = rawframes.labelled(table, "casme2", casme2.MAPPINGS["3"], casme2.EMOTIONS,
                                  casme2.CLASS_SETS["3"])
    # the composite has 88 / 32 / 25 of 24 subjects: it leaves out the 5 clips named below
    assert counts(three, casme2.CLASS_SETS["3"]) == [90, 32, 28]
    assert three["subject"].nunique() == 24
    official = set(load_ground_truth().query("database == 'casme2'")["sample_id"])
    assert sorted(set(three["sample_id"]) - official) == [
        "casme2/sub04/EP12_01f", "casme2/sub05/EP09_05f", "casme2/sub24/EP07_01",
        "casme2/sub24/EP07_04f", "casme2/sub24/EP10_03"]
    assert official <= set(three["sample_id"])


def test_samm_sheet_counts_and_the_header_found_below_the_notes(real_data: Path,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "006").mkdir()
    table, problems = samm.annotation_table(str(tmp_path), sheet(real_data, "samm"))
    assert problems == [] and len(table) == 159 and table["subject"].nunique() == 29
    assert table.index[0] == 15  # the header is row 14 of the sheet, under 13 rows of notes
    assert table.iloc[0][["sample_id", "onset", "apex", "offset"]].tolist() == \
        ["samm/006/006_1_2", 5562, 5588, 5632]
    five, _ = rawframes.labelled(table, "samm", samm.MAPPINGS["5"], samm.EMOTIONS,
                                 samm.CLASS_SETS["5"])
    assert counts(five, samm.CLASS_SETS["5"]) == [57, 12, 26, 15, 26] and len(five) == 136
    # two rows no sample can be made of, which every check refuses: the docs and the
    # loso-samm-5class page say --skip-missing and 134 samples (they said 136, without it)
    impossible = five[(five["apex"] < five["onset"]) | (five["apex"] > five["offset"])]
    assert impossible["sample_id"].tolist() == ["samm/028/028_4_1", "samm/032/032_3_1"]
    page = json.loads((ROOT / "merbench" / "leaderboard" / "definitions" /
                       "loso-samm-5class.json").read_text())
    assert page["dataset_options"] == {"skip_missing": True}
    assert page["n_samples"] == len(five) - len(impossible) == 134
    three, _ = rawframes.labelled(table, "samm", samm.MAPPINGS["3"], samm.EMOTIONS,
                                  samm.CLASS_SETS["3"])
    assert counts(three, samm.CLASS_SETS["3"]) == [92, 26, 15]  # the composite's SAMM
    truth = load_ground_truth().query("database == 'samm'")
    assert dict(zip(three["sample_id"], three["label"], strict=True)) == \
        dict(zip(truth["sample_id"], truth["label"], strict=True))


def test_smic_apex_sheet_counts(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "HS").mkdir()
    table, problems = smic.annotation_table(str(tmp_path), sheet(real_data, "smic"))
    assert problems == [] and len(table) == 164 and table["subject"].nunique() == 16
    assert Counter(table["emotion"]) == {"negative": 70, "positive": 51, "surprise": 43}
    truth = load_ground_truth().query("database == 'smic'")
    assert set(table["sample_id"]) == set(truth["sample_id"])  # s3_ne_03 -> s03_ne_03
    assert table["offset"].isna().sum() == 7  # rows without an offset: the clip's last frame


def test_casme3_sheet_counts_and_the_known_errata(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "part_A").mkdir()
    table, problems = casme3.annotation_table(str(tmp_path), sheet(real_data, "casme3"))
    assert problems == [] and len(table) == 860 and table["subject"].nunique() == 94
    seven, strange = rawframes.labelled(table, "casme3", casme3.MAPPINGS["7"],
                                        casme3.EMOTIONS, casme3.CLASS_SETS["7"])
    assert strange == [] and len(seven) == 860  # 'Others' and 'others' are one class
    assert counts(seven, casme3.CLASS_SETS["7"]) == [55, 250, 86, 64, 57, 187, 161]
    four, _ = rawframes.labelled(table, "casme3", casme3.MAPPINGS["4"], casme3.EMOTIONS,
                                 casme3.CLASS_SETS["4"])
    assert counts(four, casme3.CLASS_SETS["4"]) == [457, 55, 187, 161]
    three, _ = rawframes.labelled(table, "casme3", casme3.MAPPINGS["3"], casme3.EMOTIONS,
                                  casme3.CLASS_SETS["3"])
    assert counts(three, casme3.CLASS_SETS["3"]) == [457, 55, 187]
    assert table["offset"].isna().sum() == 2  # spNO.40/e written with offset 0


def test_casme3_label_sheet_agrees_with_the_legacy_xls(real_data: Path, tmp_path: Path) -> None:
    """The .xls (read with calamine) lists the same 860 micro-expressions; its frames differ
    only where the label sheet has the errata the casme3 module documents."""
    from merbench_datasets.sheets import frames_of, read_sheet

    rows = read_sheet(real_data / "annotations/casme3_part_A_v2.xls",
                      ("Subject", "Filename", "Onset", "Apex", "Offset", "Expression type"),
                      "casme3")
    micro = rows[rows["Expression type"] == "Micro-expression"]
    assert len(micro) == 860
    (tmp_path / "part_A").mkdir()
    table, _ = casme3.annotation_table(str(tmp_path), sheet(real_data, "casme3"))
    legacy = set(zip(micro["Subject"], micro["Filename"], frames_of(micro["Onset"]),
                     frames_of(micro["Apex"]), strict=True))
    label = set(zip(table["subject"], table["clip"], table["onset"], table["apex"],
                    strict=True))
    assert sorted(label - legacy) == [("spNO.149", "d", 112, 83), ("spNO.216", "d", 3647, 2668)]


# ------------------------------------------------------------- datasets on tiny frame trees


def test_casme2_reads_onset_and_apex_frames_as_imread_does(real_data: Path,
                                                           tmp_path: Path) -> None:
    import cv2

    (tmp_path / "Cropped").mkdir()
    table, _ = casme2.annotation_table(str(tmp_path), sheet(real_data, "casme2"))
    write_clips("casme2", table[table["subject"].isin(["sub01", "sub04"])])
    data = casme2.make_casme2(str(tmp_path), classes="3", sheet=sheet(real_data, "casme2"),
                              subjects=["sub01", "sub04"])
    assert data.classes == ("negative", "positive", "surprise")
    assert data.samples["sample_id"].tolist() == [
        "casme2/sub01/EP02_01f", "casme2/sub01/EP19_05f", "casme2/sub01/EP19_06f",
        "casme2/sub04/EP12_01f", "casme2/sub04/EP12_02f", "casme2/sub04/EP13_06f"]
    first = data.samples.iloc[0]
    assert first["onset_path"].endswith("Cropped/sub01/EP02_01f/reg_img46.jpg")
    assert (first["onset"], first["apex"], first["offset"]) == (46, 59, 86)
    apex = data.read("apex_frame", 0)
    assert np.array_equal(apex, cv2.imread(first["apex_path"], cv2.IMREAD_COLOR))
    assert apex.dtype == np.uint8 and apex.shape == (6, 8, 3)
    assert data.read_all("onset_frame").shape == (6, 6, 8, 3)
    no_apex = data.samples.set_index("sample_id").loc["casme2/sub04/EP12_01f"]
    # apex '/' in the sheet: the middle of the frames written for 261..321 (260, 261, 321)
    assert (no_apex["apex_from"], no_apex["apex"]) == ("midpoint", 261)
    assert data.provides == ("onset_frame", "apex_frame") and data.skipped == []


def test_casme2_raw_tree_and_a_missing_tree(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "CASME2_RAW_selected").mkdir()
    with pytest.raises(MerbenchError, match="pass --dataset-opt frames=raw"):
        casme2.make_casme2(str(tmp_path), sheet=sheet(real_data, "casme2"))
    table, _ = casme2.annotation_table(str(tmp_path), sheet(real_data, "casme2"), frames="raw")
    write_clips("casme2", table[table["subject"] == "sub02"], cropped=False)
    data = casme2.make_casme2(str(tmp_path), sheet=sheet(real_data, "casme2"), frames="raw",
                              subjects="sub02")
    assert data.samples["onset_path"].str.contains("/img").all() and len(data.samples) == 13


def test_samm_dataset(real_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "SAMM"
    (root / "006").mkdir(parents=True)
    table, _ = samm.annotation_table(str(tmp_path), sheet(real_data, "samm"))
    write_clips("samm", table[table["subject"] == "006"])
    data = samm.make_samm(str(tmp_path), sheet=sheet(real_data, "samm"), subjects=["006"])
    assert data.samples["onset_path"].iloc[0].endswith("SAMM/006/006_1_2/006_05562.jpg")
    assert set(data.samples["database"]) == {"samm"} and len(data.samples) >= 1


def test_smic_with_and_without_the_apex_sheet(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "HS").mkdir()
    table, _ = smic.annotation_table(str(tmp_path), sheet(real_data, "smic"))
    write_clips("smic", table[table["subject"] == "s03"])
    with_sheet = smic.make_smic(str(tmp_path), apex_sheet=sheet(real_data, "smic"),
                                subjects="s03")
    assert len(with_sheet.samples) == 39 and set(with_sheet.samples["apex_from"]) == {"sheet"}
    row = with_sheet.samples.set_index("sample_id").loc["smic/s03/s03_ne_03"]
    assert "HS/s3/micro/negative/s3_ne_03" in row["folder"] and row["offset"] == row["apex"]
    frame = with_sheet.read("apex_frame", 0)
    assert frame.shape == (6, 8, 3) and (frame[..., 0] == frame[..., 2]).all()  # grey BMP
    middle = smic.make_smic(str(tmp_path))  # the folders alone, apex at the middle frame
    assert len(middle.samples) == 39 and set(middle.samples["apex_from"]) == {"midpoint"}
    assert Counter(middle.samples["label"]) == Counter(with_sheet.samples["label"])


def test_casme3_dataset_reports_the_errata(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "part_A").mkdir()
    table, _ = casme3.annotation_table(str(tmp_path), sheet(real_data, "casme3"))
    picked = table[table["subject"].isin(["spNO.1", "spNO.149"])]
    write_clips("casme3", picked)
    with pytest.raises(MerbenchError) as caught:
        casme3.make_casme3(str(tmp_path), sheet=sheet(real_data, "casme3"),
                           subjects=["spNO.1", "spNO.149"])
    assert "casme3/spNO.149/d/112 (the sheet's apex 83 is before its onset 112)" in \
        str(caught.value)
    data = casme3.make_casme3(str(tmp_path), classes=3, sheet=sheet(real_data, "casme3"),
                              subjects=["spNO.1", "spNO.149"], skip_missing=True)
    assert data.skipped == [{"sample_id": "casme3/spNO.149/d/112",
                             "reason": "the sheet's apex 83 is before its onset 112"}]
    assert data.samples["onset_path"].iloc[0].endswith("part_A/spNO.1/b/color/166.jpg")


def test_casme3_objective_classes_come_from_the_sheets_objective_column(
        real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "part_A").mkdir()
    table, _ = casme3.annotation_table(str(tmp_path), sheet(real_data, "casme3"))
    write_clips("casme3", table[table["subject"] == "spNO.1"])
    data = casme3.make_casme3(str(tmp_path), classes="objective",
                              sheet=sheet(real_data, "casme3"), subjects=["spNO.1"])
    assert data.classes == ("I", "II", "III", "IV", "V", "VI", "VII")
    labels = dict(zip(data.samples["sample_id"], data.samples["label"], strict=True))
    assert data.classes[labels["casme3/spNO.1/a/355"]] == "II"  # the sheet's first row
    assert data.classes[labels["casme3/spNO.1/b/166"]] == "III"
    assert len(data.samples) == (table["subject"] == "spNO.1").sum()


def test_megc2019_from_the_raw_trees_matches_the_official_list(real_data: Path,
                                                               tmp_path: Path) -> None:
    (tmp_path / "casme2" / "Cropped").mkdir(parents=True)
    (tmp_path / "SAMM" / "006").mkdir(parents=True)
    (tmp_path / "smic" / "HS").mkdir(parents=True)
    options = {"casme2_sheet": sheet(real_data, "casme2"), "samm_sheet": sheet(real_data, "samm"),
               "smic_apex_sheet": sheet(real_data, "smic")}
    for database, subject, table in (
            ("casme2", "sub01", casme2.annotation_table(str(tmp_path), options["casme2_sheet"])[0]),
            ("samm", "006", samm.annotation_table(str(tmp_path), options["samm_sheet"])[0]),
            ("smic", "s01", smic.annotation_table(str(tmp_path), options["smic_apex_sheet"])[0])):
        write_clips(database, table[table["subject"] == subject])
    subjects = ["casme2/sub01", "samm/006", "smic/s01"]
    data = megc2019.make_megc2019(str(tmp_path), subjects=subjects, **options)
    truth = load_ground_truth()
    truth = truth[(truth["database"] + "/" + truth["subject"]).isin(subjects)]
    assert data.samples["sample_id"].tolist() == truth["sample_id"].tolist()
    assert data.samples["label"].tolist() == truth["label"].tolist()
    assert set(data.samples["database"]) == {"casme2", "samm", "smic"}
    from merbench.protocols.loso import LeaveOneSubjectOut

    folds = LeaveOneSubjectOut().folds(data.samples)
    assert sorted(f.key for f in folds) == [("casme2", "sub01"), ("samm", "006"),
                                            ("smic", "s01")]


def test_megc2019_finds_every_official_sample_in_the_sheets(real_data: Path,
                                                             tmp_path: Path) -> None:
    """Without frames every one of the 442 is reported missing: none is absent from a sheet."""
    (tmp_path / "casme2" / "Cropped").mkdir(parents=True)
    (tmp_path / "SAMM" / "006").mkdir(parents=True)
    (tmp_path / "smic" / "HS").mkdir(parents=True)
    with pytest.raises(MerbenchError) as caught:
        megc2019.make_megc2019(str(tmp_path), casme2_sheet=sheet(real_data, "casme2"),
                               samm_sheet=sheet(real_data, "samm"),
                               smic_apex_sheet=sheet(real_data, "smic"))
    message = str(caught.value)
    assert message.startswith("megc2019: 442 of 442 samples cannot be used: ")
    assert "not in the" not in message and "frame folder" in message


def test_hstas_released_folds_are_a_protocol(real_data: Path, tmp_path: Path) -> None:
    """Fold k tests test_fold_k.csv's samples; a sample in no list, or in two, is one line."""
    from merbench.plugin_system.manager import default_plugins
    from merbench.testing import check_protocol

    (tmp_path / "part_A").mkdir()
    table, _ = casme3.annotation_table(str(tmp_path), sheet(real_data, "casme3"))
    picked = table[table["subject"].isin(["spNO.1", "spNO.2"])]
    write_clips("casme3", picked)
    data = casme3.make_casme3(str(tmp_path), classes="objective",
                              sheet=sheet(real_data, "casme3"), subjects=["spNO.1", "spNO.2"])
    lists = tmp_path / "folds"
    lists.mkdir()
    rows = data.samples[["subject", "clip", "onset"]].to_numpy().tolist()
    for k in range(5):
        part = pd.DataFrame(rows[k::5], columns=["Subject", "Filename", "Onset"])
        part.assign(Apex=0, Offset=0).to_csv(lists / f"test_fold_{k + 1}.csv", index=False)
    entry = default_plugins().registries.protocols.get("casme3-hsta-5fold")
    folds = entry.create("protocol", folds=str(lists)).folds(data.samples)
    assert [f.key for f in folds] == [(f"fold-{k}",) for k in range(1, 6)]
    tested = sorted(int(p) for f in folds for p in f.test)
    assert tested == sorted(data.samples.index.tolist())  # every sample once
    subjects = data.samples["subject"]
    assert any(set(subjects[f.test]) & set(subjects[f.train]) for f in folds)  # it leaks
    check_protocol("casme3-hsta-5fold", samples=data.samples, options={"folds": str(lists)})
    (lists / "test_fold_5.csv").write_text("Subject,Filename,Onset\n")
    with pytest.raises(MerbenchError, match=r"are in none of .*test_fold_1\.csv \.\. "
                                            r"test_fold_5\.csv"):
        entry.create("protocol", folds=str(lists)).folds(data.samples)
    with pytest.raises(MerbenchError, match="needs the folder of HSTA's fold lists"):
        entry.create("protocol")
