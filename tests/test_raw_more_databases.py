"""CASME (I), 4DME, MMEW and CAS(ME)^3 Part C from fixture trees in their official layouts,
with coding sheets written here in the columns their distributions use (no faces)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from rawtrees import write_frame

import merbench
from merbench.base.errors import MerbenchError


def _sheet(path: Path, rows: list[dict[str, object]], above: int = 0) -> str:
    """An .xlsx coding sheet; ``above`` rows of notes before the header, as some have."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    with pd.ExcelWriter(path) as writer:
        if above:
            pd.DataFrame([["notes"]] * above).to_excel(writer, header=False, index=False)
        table.to_excel(writer, index=False, startrow=above)
    return str(path)


def _frames(folder: Path, numbers: range, name: str = "{}.jpg") -> None:
    for number in numbers:
        write_frame(folder / name.format(number), value=number % 200)


def _load(name: str, root: Path, **options: object) -> merbench.api.Dataset:
    from merbench.plugin_system.manager import default_plugins

    return default_plugins().registries.datasets.get(name).create(
        "dataset", data_root=str(root), **options)


def test_casme_reads_its_cropped_tree_and_sheet(tmp_path: Path) -> None:
    root = tmp_path / "CASME"
    _frames(root / "Cropped" / "sub01" / "EP01_5", range(10, 21), "reg_EP01_5-{}.jpg")
    _frames(root / "Cropped" / "sub02" / "EP03_2", range(40, 51), "reg_EP03_2-{}.jpg")
    _frames(root / "Cropped" / "sub02" / "EP08_1", range(5, 9), "reg_EP08_1-{}.jpg")
    _frames(root / "Cropped" / "sub03" / "EP02_1", range(1, 6), "reg_EP02_1-{}.jpg")
    _sheet(root / "CASME-coding-20140508.xlsx", [
        {"Subject": 1, "Filename": "EP01_5", "Unnamed": "", "OnsetF": 10, "ApexF1": 14,
         "ApexF2": 15, "OffsetF": 20, "Action Units": "4", "Emotion": "disgust"},
        {"Subject": 2, "Filename": "EP03_2", "Unnamed": "", "OnsetF": 40, "ApexF1": 45,
         "ApexF2": "", "OffsetF": 50, "Action Units": "12", "Emotion": "amusement"},
        {"Subject": 2, "Filename": "EP08_1", "Unnamed": "", "OnsetF": 5, "ApexF1": 7,
         "ApexF2": "", "OffsetF": 8, "Action Units": "14", "Emotion": "tense"},
        {"Subject": 3, "Filename": "EP02_1", "Unnamed": "", "OnsetF": 1, "ApexF1": 3,
         "ApexF2": "", "OffsetF": 5, "Action Units": "14", "Emotion": "repression"}])
    data = _load("casme", tmp_path)
    assert data.samples["sample_id"].tolist() == ["casme/sub01/EP01_5", "casme/sub02/EP03_2",
                                                  "casme/sub02/EP08_1", "casme/sub03/EP02_1"]
    assert data.classes[data.samples["label"][2]] == "tense"
    assert data.samples["apex_path"][0].endswith("Cropped/sub01/EP01_5/reg_EP01_5-14.jpg")
    assert data.read("apex_frame", 0).shape == (6, 8, 3)
    three = _load("casme", tmp_path, classes="3")  # repression is negative, tense left out
    assert [three.classes[i] for i in three.samples["label"]] == ["negative", "positive",
                                                                  "negative"]
    assert three.samples["sample_id"].tolist()[2] == "casme/sub03/EP02_1"


def test_casme_finds_the_sheet_under_mebs_name(tmp_path: Path) -> None:
    """MEB's config names the CASME (I) sheet casme.xlsx (data/CASME/casme.xlsx)."""
    root = tmp_path / "CASME"
    _frames(root / "Cropped" / "sub01" / "EP01_5", range(10, 21), "reg_EP01_5-{}.jpg")
    _sheet(root / "casme.xlsx", [
        {"Subject": 1, "Filename": "EP01_5", "OnsetF": 10, "ApexF1": 14, "OffsetF": 20,
         "Emotion": "disgust"}])
    assert _load("casme", tmp_path).samples["sample_id"].tolist() == ["casme/sub01/EP01_5"]


def test_fourdme_names_a_clip_with_two_emotions(tmp_path: Path) -> None:
    root = tmp_path / "4DME"
    for subject, clip in (("S01", "1_1"), ("S01", "1_2"), ("S02", "2_1"), ("S02", "2_2")):
        _frames(root / "gray_micro" / subject / clip, range(1, 12))
    _sheet(root / "4DME_Labelling_Micro_release v1.xlsx", [
        {"sub_ID": "S01", "fold_name": "1_1", "Onset": 1, "Apex": 5, "Offset": 11,
         "AUs": "AU4", "Emotion": "Negative"},
        {"sub_ID": "S01", "fold_name": "1_2", "Onset": 2, "Apex": 6, "Offset": 10,
         "AUs": "AU12", "Emotion": "Positive"},
        {"sub_ID": "S02", "fold_name": "2_1", "Onset": 1, "Apex": 3, "Offset": 9,
         "AUs": "AU1+AU2", "Emotion": "Negative+Surprise"},
        {"sub_ID": "S02", "fold_name": "2_2", "Onset": 1, "Apex": 4, "Offset": 8,
         "AUs": "AU14", "Emotion": "Repression"}])
    with pytest.raises(MerbenchError) as caught:
        _load("4dme", tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "4dme/S02/2_1" in message
    assert "the sheet's emotion 'negative+surprise' is none of positive, negative" in message
    data = _load("4dme", tmp_path, skip_missing=True)
    assert data.samples["sample_id"].tolist() == ["4dme/S01/1_1", "4dme/S01/1_2",
                                                  "4dme/S02/2_2"]
    three = _load("4dme", tmp_path, skip_missing=True, classes="3")
    assert [three.classes[i] for i in three.samples["label"]] == ["negative", "positive",
                                                                  "negative"]
    assert data.skipped == [{"sample_id": "4dme/S02/2_1", "reason":
                             "the sheet's emotion 'negative+surprise' is none of positive, "
                             "negative, surprise, repression, others"}]


def test_mmew_files_clips_under_their_emotion(tmp_path: Path) -> None:
    root = tmp_path / "MMEW"
    rows = []
    for number, (emotion, clip) in enumerate((("happiness", "EP01_01"), ("surprise", "EP02_03"),
                                              ("others", "EP05_02"), ("anger", "EP07_01"))):
        _frames(root / "Micro_Expression" / emotion / clip, range(1, 9))
        rows.append({"Subject": f"S{number % 2 + 1:02d}", "Filename": clip, "OnsetFrame": 1,
                     "ApexFrame": 4, "OffsetFrame": 8, "Action Units": "", "remarks": "",
                     "Estimated Emotion": emotion})
    _sheet(root / "MMEW_Micro_Exp.xlsx", rows)
    data = _load("mmew", tmp_path)
    assert Counter(data.classes[i] for i in data.samples["label"]) == Counter(
        {"happiness": 1, "surprise": 1, "others": 1, "anger": 1})
    assert data.samples["onset_path"][0].endswith("Micro_Expression/happiness/EP01_01/1.jpg")
    three = _load("mmew", tmp_path, classes="3")
    assert len(three.samples) == 3  # others is left out
    (root / "Micro_Expression" / "anger" / "EP07_01" / "4.jpg").unlink()  # its apex frame
    with pytest.raises(MerbenchError, match=r"mmew/S02/EP07_01 \(the apex frame 4 is not in "):
        _load("mmew", tmp_path)


def test_casme3_part_c_takes_the_middle_frame_as_apex(tmp_path: Path) -> None:
    root = tmp_path / "CASME3"
    _frames(root / "part_C" / "01" / "3" / "color", range(100, 111))
    _frames(root / "part_C" / "02" / "1" / "color", range(7, 12))
    _sheet(root / "CAS(ME)3_part_C_ME.xlsx", [
        {"sub": 1, "count": 3, "onset": 100, "offset": 110, "au": "4,7", "emotion": "disgust"},
        {"sub": 2, "count": 1, "onset": 7, "offset": 11, "au": "12", "emotion": "happy"}])
    data = _load("casme3c", tmp_path)
    assert data.samples["sample_id"].tolist() == ["casme3c/01/3", "casme3c/02/1"]
    assert data.samples["apex"].tolist() == [105, 9]
    assert set(data.samples["apex_from"]) == {"midpoint"}
    assert [data.classes[i] for i in data.samples["label"]] == ["disgust", "happiness"]
    four = _load("casme3c", tmp_path, classes="4")
    assert [four.classes[i] for i in four.samples["label"]] == ["negative", "positive"]
    (root / "part_C").rename(root / "ME_C")  # the folder's name in MEB's config
    again = _load("casme3c", tmp_path)
    assert again.samples["sample_id"].tolist() == ["casme3c/01/3", "casme3c/02/1"]
    assert "/ME_C/01/3/color/" in again.samples["apex_path"][0]
    (root / "ME_C").rename(root / "elsewhere")
    with pytest.raises(MerbenchError, match=r"part_C/ or ME_C/"):
        _load("casme3c", tmp_path)


def test_a_sheet_without_the_columns_is_one_line(tmp_path: Path) -> None:
    root = tmp_path / "MMEW"
    _frames(root / "Micro_Expression" / "happiness" / "EP01_01", range(1, 4))
    _sheet(root / "MMEW_Micro_Exp.xlsx", [{"Subject": "S01", "Filename": "EP01_01",
                                           "Onset": 1, "Apex": 2, "Offset": 3,
                                           "Estimated Emotion": "happiness"}])
    with pytest.raises(MerbenchError) as caught:
        _load("mmew", tmp_path)
    assert "\n" not in str(caught.value)
    assert "lacks OnsetFrame, ApexFrame, OffsetFrame" in str(caught.value)
