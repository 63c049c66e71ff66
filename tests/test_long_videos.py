"""Long-video datasets for spotting: the records, the registry kind, CAS(ME)^3 Part A on
every row of its real sheet, CAS(ME)^2 and SAMM Long Videos on sheets written here in their
documented layouts, over frame trees built here (no faces), and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from merbench_features.face_frames import FaceFrames

from merbench.base.errors import MerbenchError
from merbench.meta.long_video import LongVideoMeta
from merbench.plugin_system.manager import Plugins
from merbench.spotting.frame_sources import ArrayFrames, FolderFrames
from merbench.spotting.intervals import MACRO, MICRO, Expression, FrameInterval
from merbench.spotting.long_videos import Annotation, LongVideo, LongVideoDataset

CASME3_SHEET = "annotations/casme3_part_A_v2.xls"
CASME3_LABELS = "annotations/casme3_part_A_ME_label_JpgIndex_v2.xlsx"
SAMM_MICRO = "annotations/SAMM_Micro_FACS_Codes_v2.xlsx"


def _jpeg(value: int = 0) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((6, 8), value, dtype=np.uint8))
    assert ok
    return data.tobytes()


def _frames(folder: Path, numbers: object, name: str = "{}.jpg") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:  # type: ignore[attr-defined]
        (folder / name.format(number)).write_bytes(_jpeg(number % 200))


def _create(plugins: Plugins, name: str, **options: object) -> LongVideoDataset:
    made = plugins.registries.long_videos.get(name).create("long-video dataset", **options)
    assert isinstance(made, LongVideoDataset)
    return made


# --- the records ---------------------------------------------------------------------------

def test_a_long_video_reads_its_frames_lazily_and_in_chunks() -> None:
    frames = np.arange(10 * 2 * 3, dtype=np.uint8).reshape(10, 2, 3)
    video = LongVideo("db", "s1", "v", 30.0, ArrayFrames(frames, first=1),
                      (Annotation(Expression(FrameInterval(2, 4), MICRO), apex=3),))
    assert video.n_frames == 10 and (video.first_frame, video.last_frame) == (1, 10)
    assert np.array_equal(video.read(2, 4), frames[1:4])
    chunks = list(video.frames_in_chunks(4, overlap=1))
    assert [first for first, _ in chunks] == [1, 4, 7, 10][:3]
    assert [len(c) for _, c in chunks] == [4, 4, 4]
    assert [n for n, _ in video.iter_frames(3)] == list(range(1, 11))
    assert video.scored().truth == (Expression(FrameInterval(2, 4), MICRO),)
    with pytest.raises(ValueError, match=r"frames 1\.\.10; cannot read 0\.\.3"):
        video.read(0, 3)
    with pytest.raises(ValueError, match=r"interval \[9, 11\] lies outside"):
        LongVideo("db", "s1", "v", 30.0, ArrayFrames(frames, first=1),
                  blinks=(FrameInterval(9, 11),))
    with pytest.raises(ValueError, match="apex 9 lies outside"):
        Annotation(Expression(FrameInterval(2, 4), MICRO), apex=9)


def test_a_folder_with_a_gap_is_an_error_naming_the_frame(tmp_path: Path) -> None:
    _frames(tmp_path / "v", [1, 2, 4], "img{:03d}.jpg")
    frames = FolderFrames(tmp_path / "v")
    assert list(frames.numbers) == [1, 2, 4]
    assert frames.read(1, 2).shape == (2, 6, 8)
    with pytest.raises(MerbenchError, match=r"has no frame 3 .*restore the frame"):
        frames.read(1, 4)


def test_long_video_datasets_are_their_own_registry_kind(plugins: Plugins) -> None:
    registry = plugins.registries.long_videos
    assert registry.names() == ["casme-sq-long", "casme3-long", "samm-long",
                                "synthetic-long", "video"]
    assert {e.meta.name: e.meta.fps for e in registry} == {
        "casme-sq-long": 30.0, "casme3-long": 30.0, "samm-long": 200.0,
        "synthetic-long": 30.0, "video": None}
    assert "synthetic-long" not in plugins.registries.datasets  # no recognition dataset
    assert registry.get("casme3-long").origin.package == "merbench"
    with pytest.raises(MerbenchError, match="did you mean 'samm-long'"):
        registry.get("sam-long")
    with pytest.raises(ValueError, match="fps must be a positive number"):
        LongVideoMeta(name="x", version=1, description="d", citation="c", fps=0.0)


# --- CAS(ME)^3 Part A: every row of the real sheet -----------------------------------------

def _casme3_tree(real_data: Path, tmp_path: Path, labels: bool = True) -> Path:
    """The part_A/ tree of every video the real sheet names (its first and last annotated
    frame only), one video the sheet does not name, and the sheets beside it."""
    from merbench_datasets.casme3_long import blink_rows, interval_rows

    sheet = real_data / CASME3_SHEET
    root = tmp_path / "CASME3"
    rows, problems = interval_rows(sheet)
    assert problems == []
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for row in [*rows, *blink_rows(sheet)]:
        key = (row.subject, row.video.lower())
        low, high = spans.get(key, (10**9, -1))
        spans[key] = (min(low, row.onset or 0), max(high, row.offset or 0))
    data = _jpeg()
    for (subject, video), (low, high) in spans.items():
        folder = root / "part_A" / subject / video / "color"
        folder.mkdir(parents=True)
        for number in {low, high}:
            (folder / f"{number}.jpg").write_bytes(data)
    _frames(root / "part_A" / "spNO.1" / "z" / "color", range(3))
    shutil.copy(sheet, root)
    if labels:
        shutil.copy(real_data / CASME3_LABELS, root)
    return root


def test_casme3_long_reads_every_row_of_the_real_sheet(real_data: Path, tmp_path: Path,
                                                       plugins: Plugins) -> None:
    root = _casme3_tree(real_data, tmp_path)
    data = _create(plugins, "casme3-long", data_root=str(tmp_path), face_crop=False)
    assert data.skipped == ()
    videos = data.videos
    truth = [e for v in videos for e in v.truth]
    assert (len(truth), sum(e.kind == MICRO for e in truth),
            sum(e.kind == MACRO for e in truth)) == (4206, 860, 3346)
    assert sum(len(v.blinks or ()) for v in videos) == 841
    assert len({v.subject for v in videos if v.blinks is not None}) == 13
    assert len(videos) == 1002  # 956 with intervals, 45 with blinks only, and z
    assert tuple(data.classes) == ("happiness", "disgust", "fear", "anger", "sadness",
                                   "surprise", "others")
    micro = [e for e in truth if e.kind == MICRO]
    assert all(e.emotion is not None for e in micro)
    assert all(e.emotion is None for e in truth if e.kind == MACRO)
    assert sum(data.classes[e.emotion] == "disgust" for e in micro) == 250  # type: ignore
    first = videos[0]
    assert (first.database, first.subject, first.name, first.fps) == (
        "casme3-long", "spNO.1", "a", 30.0)
    assert first.annotations[0].expression == Expression(FrameInterval(37, 65), MACRO)
    assert first.annotations[0].apex == 63 and first.annotations[0].action_units == "4+15+R10"
    assert first.annotations[0].row.endswith("sheet 'AU+Emotion' row 2")
    assert first.blinks == (FrameInterval(357, 372), FrameInterval(516, 531),
                            FrameInterval(785, 793))
    spotless = next(v for v in videos if v.name == "z")
    assert spotless.truth == () and spotless.n_frames == 3
    upper = [v for v in videos if v.subject == "spNO.14" and v.name == "j"]
    assert len(upper) == 1 and len(upper[0].truth) == 4  # the sheet writes its video "J"
    assert [v.subject for v in videos[:3]] == ["spNO.1"] * 3
    order = list(dict.fromkeys(v.subject for v in videos))
    assert order.index("spNO.2") < order.index("spNO.10") < order.index("spNO.218")
    assert order != sorted(order)  # natural order, not the letters' order
    assert first.read(37, 37).shape == (1, 6, 8)
    assert root.is_dir()


def test_casme3_long_without_the_label_sheet_has_no_emotions(real_data: Path,
                                                             tmp_path: Path) -> None:
    from merbench_datasets.casme3_long import make_casme3_long

    _casme3_tree(real_data, tmp_path, labels=False)
    data = make_casme3_long(str(tmp_path / "CASME3"))
    assert data.classes == () and data.count() == 4206
    assert all(e.emotion is None for v in data.videos for e in v.truth)


def test_casme3_long_names_a_missing_frame_folder(real_data: Path, tmp_path: Path) -> None:
    from merbench_datasets.casme3_long import make_casme3_long

    root = _casme3_tree(real_data, tmp_path)
    shutil.rmtree(root / "part_A" / "spNO.1" / "b")
    with pytest.raises(MerbenchError) as error:
        make_casme3_long(str(root))
    message = str(error.value)
    assert "casme3-long: 1 problem in" in message
    assert f"casme3-long/spNO.1/b: its frame folder '{root}/part_A/spNO.1/b/color' is " \
           f"missing (it holds 5 intervals of the sheet, the first '{root}/" \
           "casme3_part_A_v2.xls' sheet 'AU+Emotion' row 6)" in message  # 2 and 3 blinks
    assert "restore the folder" in message and "skip_missing=true" in message
    kept = make_casme3_long(str(root), skip_missing=True)
    assert kept.count() == 4206 - 2 and kept.blink_count() == 841 - 3
    assert [s["item"] for s in kept.skipped] == ["casme3-long/spNO.1/b"]


def _casme3_small(tmp_path: Path, intervals: list[dict[str, object]],
                  blinks: list[dict[str, object]] | None = None) -> Path:
    root = tmp_path / "CASME3"
    _frames(root / "part_A" / "spNO.1" / "a" / "color", range(0, 30))
    with pd.ExcelWriter(root / "casme3_part_A_v2.xlsx") as writer:
        pd.DataFrame(intervals).to_excel(writer, sheet_name="AU+Emotion", index=False)
        pd.DataFrame(blinks or [{"Subject": "spNO.1", "Filename": "a", "Onset": 1,
                                 "Offset": 4}]).to_excel(writer, sheet_name="eye blink",
                                                         index=False)
    return root


def _interval(**changed: object) -> dict[str, object]:
    return {"Subject": "spNO.1", "Filename": "a", "Onset": 5, "Apex": 7, "Offset": 9,
            "AU": "12", "Expression type": "Micro-expression", "Objective class": "I",
            **changed}


@pytest.mark.parametrize(("changed", "reason"), [
    ({"Onset": 12}, "row 3: its onset 12 is after its offset 9 (correct the cells"),
    ({"Expression type": "Blink"}, "row 3: its Expression type 'Blink' is neither "
                                   "Macro-expression nor Micro-expression (correct the cell)"),
    ({"Offset": ""}, "row 3: its offset frame is empty or not a whole frame number"),
    ({"Offset": 40}, "row 3: its frames 5..40 are not all in"),
])
def test_casme3_long_bad_rows_are_one_line_naming_file_and_row(
        tmp_path: Path, changed: dict[str, object], reason: str) -> None:
    from merbench_datasets.casme3_long import make_casme3_long

    root = _casme3_small(tmp_path, [_interval(), _interval(**changed)])
    with pytest.raises(MerbenchError) as error:
        make_casme3_long(str(root))
    message = str(error.value)
    assert "\n" not in message
    assert f"'{root / 'casme3_part_A_v2.xlsx'}' sheet 'AU+Emotion' {reason}" in message
    kept = make_casme3_long(str(root), skip_missing=True)
    assert kept.count() == 1 and len(kept.skipped) == 1


def test_casme3_long_a_missing_column_names_the_sheet(tmp_path: Path) -> None:
    from merbench_datasets.casme3_long import make_casme3_long

    root = _casme3_small(tmp_path, [{k: v for k, v in _interval().items()
                                     if k != "Expression type"}])
    with pytest.raises(MerbenchError, match=r"sheet 'AU\+Emotion' of '.*casme3_part_A_v2"
                                            r"\.xlsx' has no header row with the columns "
                                            r"Subject, Filename, Onset, Apex, Offset, "
                                            r"Expression type; rename"):
        make_casme3_long(str(root))


# --- CAS(ME)^2 --------------------------------------------------------------------------------

def _casme_sq(tmp_path: Path, code: list[list[object]]) -> Path:
    """rawpic/ and CAS(ME)^2code_final.xlsx as the MEGC 2020 baseline and SOFTNet read them:
    three sheets without a header row."""
    root = tmp_path / "CAS(ME)^2"
    _frames(root / "rawpic" / "s15" / "15_0101disgustingteeth", range(1, 41), "img{:03d}.jpg")
    _frames(root / "rawpic" / "s15" / "15_0401girlcrashing", range(1, 21), "img{:03d}.jpg")
    _frames(root / "rawpic" / "s16" / "16_0101disgustingteeth", range(1, 31), "img{:03d}.jpg")
    with pd.ExcelWriter(root / "CAS(ME)^2code_final.xlsx") as writer:
        pd.DataFrame(code).to_excel(writer, sheet_name="CASFEcode_final", header=False,
                                    index=False)
        pd.DataFrame([[15, "s15", 1], [16, "s16", 2]]).to_excel(
            writer, sheet_name="naming rule1", header=False, index=False)
        pd.DataFrame([["0101", "disgust1"], [401, "anger1"]]).to_excel(
            writer, sheet_name="naming rule2", header=False, index=False)
    return root


CASME_SQ_CODE = [
    [1, "disgust1_1", 3, 6, 9, "4", "negative", "micro-expression", "disgust"],
    [1, "disgust1_2", 12, 20, 0, "12", "positive", "macro-expression", "happy"],
    [1, "anger1_1", 2, 0, 18, "4+7", "others", "macro-expression", "anger"],
    [2, "disgust1_1", 10, 12, 25, "9", "negative", "macro-expression", "disgust"],
]


def test_casme_sq_long_reads_its_naming_sheets_and_zero_cells(tmp_path: Path,
                                                              plugins: Plugins) -> None:
    _casme_sq(tmp_path, CASME_SQ_CODE)
    # whole frames, as the camera took them: their first pixel numbers them
    data = _create(plugins, "casme-sq-long", data_root=str(tmp_path), face_crop=False)
    assert [(v.subject, v.name, v.n_frames) for v in data.videos] == [
        ("s15", "0101", 40), ("s15", "0401", 20), ("s16", "0101", 30)]
    assert tuple(data.classes) == ("negative", "positive", "surprise", "others")
    first, crashing, other = data.videos
    assert first.truth == (Expression(FrameInterval(3, 9), MICRO, 0),
                           Expression(FrameInterval(12, 20), MACRO, 1))  # offset 0: apex
    assert first.annotations[1].apex == 20 and first.annotations[0].action_units == "4"
    assert crashing.annotations[0].apex is None  # apex 0: none coded
    assert other.truth == (Expression(FrameInterval(10, 25), MACRO, 0),)
    assert first.blinks is None and first.fps == 30.0
    assert first.read(3, 4)[:, 0, 0].tolist() == [3, 4]  # img003.jpg, img004.jpg
    # by default each video is read as the aligned face of its first frame
    faces = _create(plugins, "casme-sq-long", data_root=str(tmp_path))
    assert all(isinstance(v.frames, FaceFrames) and v.frames.source.numbers == w.frames.numbers
               for v, w in zip(faces.videos, data.videos, strict=True))
    assert all(isinstance(v.frames, FolderFrames) for v in data.videos)


def test_casme_sq_long_names_a_clip_no_naming_sheet_knows(tmp_path: Path) -> None:
    from merbench_datasets.casme_sq_long import make_casme_sq_long

    root = _casme_sq(tmp_path, [*CASME_SQ_CODE, [1, "fear9_1", 1, 2, 3, "", "negative",
                                                 "micro-expression", ""]])
    with pytest.raises(MerbenchError, match=r"CAS\(ME\)\^2code_final.xlsx' row 5: its clip "
                                            r"'fear9_1' is not in 'naming rule2' \(correct"):
        make_casme_sq_long(str(root))


# --- SAMM Long Videos ----------------------------------------------------------------------

def _samm_long(tmp_path: Path, rows: list[list[object]]) -> Path:
    """SAMM_longvideos/ and a V3-style sheet: notes above the header row, as released."""
    root = tmp_path / "SAMMLV"
    _frames(root / "SAMM_longvideos" / "006_1", range(1, 301), "006_1_{:04d}.jpg")
    _frames(root / "SAMM_longvideos" / "007_3", range(1, 101), "007_3_{:04d}.jpg")
    header = ["Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset",
              "Duration", "Type", "Action Units", "Notes"]
    notes = [["SAMM Long Videos"] + [""] * 9] * 9
    pd.DataFrame([*notes, header, *rows]).to_excel(
        root / "SAMM_LongVideos_V3_Release.xlsx", header=False, index=False)
    return root


SAMM_ROWS = [
    ["006", "006_1_2", 1, 200, 230, 260, 61, "Micro - 1/2", "R14", ""],
    ["006", "006_1_3", 1, 20.4, -1, 150.5, 130, "Macro", "12", ""],
    ["007", "007_3_1", 3, 10, 40, 90, 81, "Micro - 1/2", "4", ""],
    ["007", "007_3_9", 3, 92, 95, 99, 8, "Micro - 1/2", "4", ""],
]


def test_samm_long_reads_its_sheet_at_200_fps(tmp_path: Path, real_data: Path,
                                              plugins: Plugins) -> None:
    root = _samm_long(tmp_path, SAMM_ROWS)
    shutil.copy(real_data / SAMM_MICRO, root)  # emotions of the micro-expressions
    data = _create(plugins, "samm-long", data_root=str(root), face_crop=False)
    assert [(v.subject, v.name, v.fps, v.n_frames) for v in data.videos] == [
        ("006", "006_1", 200.0, 300), ("007", "007_3", 200.0, 100)]
    first = data.videos[0]
    assert first.truth[0].interval == FrameInterval(200, 260) and first.truth[0].kind == MICRO
    assert data.classes[first.truth[0].emotion] == "anger"  # type: ignore[index]
    assert first.truth[1] == Expression(FrameInterval(20, 151), MACRO)  # rounded, no emotion
    assert first.annotations[1].apex is None  # -1: not coded
    fear, unknown = data.videos[1].truth
    assert data.classes[fear.emotion] == "fear"  # type: ignore[index]
    assert unknown.emotion is None  # 007_3_9 is no row of the micro-expression sheet
    assert first.read(200, 201)[:, 0, 0].tolist() == [0, 1]  # 006_1_0200.jpg: 200 % 200


def test_samm_long_without_the_micro_sheet_and_with_an_unknown_type(tmp_path: Path) -> None:
    from merbench_datasets.samm_long import make_samm_long

    root = _samm_long(tmp_path, SAMM_ROWS)
    data = make_samm_long(str(tmp_path / "SAMMLV" / "SAMM_longvideos"))
    assert data.classes == () and data.count() == 4
    root = _samm_long(tmp_path, [*SAMM_ROWS, ["007", "007_3_2", 3, 5, 6, 7, 3, "Blink",
                                              "", ""]])
    with pytest.raises(MerbenchError, match=r"SAMM_LongVideos_V3_Release.xlsx' row 15: its "
                                            r"Type 'Blink' is neither Micro nor Macro"):
        make_samm_long(str(root))
