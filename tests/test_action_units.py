"""Action-unit labels as data: the parser of the coding sheets' FACS strings, rule by rule on
hand-written strings and on every row of the real sheets (MERBENCH_TEST_DATA), and the
datasets that expose the labels (casme2, samm, casme3, smic, megc2019, composite), parsing
the cells only when the AUs are asked for (an emotion run never stops on one)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from merbench_datasets import action_units as sheet_aus
from merbench_datasets import casme2, casme3, composite, megc2019, samm, smic
from merbench_datasets.action_units import ActionUnit, CodeError, labels, parse_codes
from merbench_datasets.megc2019_official import load_ground_truth
from merbench_datasets.plugin import COMPOSITE
from merbench_datasets.sheets import read_sheet
from rawtrees import SHEETS, write_clips

from merbench.base.errors import MerbenchError
from merbench.data import au_labels as core_aus
from merbench.data.au_labels import DEFAULT_AU_SET, SampleActionUnits
from merbench.data.dataset import InMemoryDataset


def unsure(number: int, side: str | None = None, intensity: str | None = None) -> ActionUnit:
    return ActionUnit(number, side, intensity, uncertain=True)


# ----------------------------------------------------------- the rules, on hand-written cells

RULES = [
    # 1. codes joined by '+', spaces ignored, commas (plain and full-width) and a full-width
    #    plus read as '+'; 2. a cell Excel stored as a number
    ("4", [ActionUnit(4)]),
    ("4+L10", [ActionUnit(4), ActionUnit(10, "L")]),
    ("R10+38", [ActionUnit(10, "R"), ActionUnit(38)]),
    (" L12 + 61 ", [ActionUnit(12, "L"), ActionUnit(61)]),
    ("4,7", [ActionUnit(4), ActionUnit(7)]),
    ("4，7＋9", [ActionUnit(4), ActionUnit(7), ActionUnit(9)]),
    ("4.0", [ActionUnit(4)]),
    ("12.00", [ActionUnit(12)]),
    ("AU12", [ActionUnit(12)]),
    ("au4+AU10", [ActionUnit(4), ActionUnit(10)]),
    # 3. sides: left, right, asymmetric, top and bottom lip; lower case too
    ("L1+R2", [ActionUnit(1, "L"), ActionUnit(2, "R")]),
    ("A12", [ActionUnit(12, "A")]),
    ("T28+B28", [ActionUnit(28, "T"), ActionUnit(28, "B")]),
    ("r18", [ActionUnit(18, "R")]),
    # 4. intensity A..E after the number, with or without a side
    ("12A", [ActionUnit(12, intensity="A")]),
    ("4D+9B+43E", [ActionUnit(4, None, "D"), ActionUnit(9, None, "B"),
                   ActionUnit(43, None, "E")]),
    ("L14C", [ActionUnit(14, "L", "C")]),
    ("A1B+A2C", [ActionUnit(1, "A", "B"), ActionUnit(2, "A", "C")]),
    ("12a", [ActionUnit(12, intensity="A")]),
    # 5. uncertain: '?', alternatives of AUs ('or', '/'), ref(...)
    ("4?", [unsure(4)]),
    ("L10?+4", [unsure(10, "L"), ActionUnit(4)]),
    ("L12 or L14", [unsure(12, "L"), unsure(14, "L")]),
    ("(R6 or R12)+R15", [unsure(6, "R"), unsure(12, "R"), ActionUnit(15, "R")]),
    ("(R6 or R12) + R15", [unsure(6, "R"), unsure(12, "R"), ActionUnit(15, "R")]),
    ("R14A or 17A or 24A", [unsure(14, "R", "A"), unsure(17, None, "A"),
                            unsure(24, None, "A")]),
    ("4/7", [unsure(4), unsure(7)]),
    ("ref(24)", [unsure(24)]),
    ("12A+ref(24)", [ActionUnit(12, intensity="A"), unsure(24)]),
    ("ref(L10)+A12B", [unsure(10, "L"), ActionUnit(12, "A", "B")]),
    ("7B+ ref(43)", [ActionUnit(7, intensity="B"), unsure(43)]),
    ("ref(7B)+43C", [unsure(7, None, "B"), ActionUnit(43, None, "C")]),
    # 6. alternative sides or intensities only: the AU is certain
    ("A/L12", [ActionUnit(12, "A/L")]),
    ("10A/B", [ActionUnit(10, intensity="A/B")]),
    ("4A/B+7", [ActionUnit(4, intensity="A/B"), ActionUnit(7)]),
    # 7. 0 is "no action"
    ("0", [ActionUnit(0)]),
    ("AU0", [ActionUnit(0)]),
    # 8. no code: empty, a lone '?', the note 'soft focus'
    ("", []),
    ("  ", []),
    ("?", []),
    ("4+?", [ActionUnit(4)]),
    ("soft focus", []),
    ("R14+17+soft focus", [ActionUnit(14, "R"), ActionUnit(17)]),
    # 9. repeats stay codes (one label)
    ("4+4+4", [ActionUnit(4)] * 3),
]


@pytest.mark.parametrize(("cell", "codes"), RULES)
def test_each_rule(cell: str, codes: list[ActionUnit]) -> None:
    assert parse_codes(cell) == tuple(codes)


def test_a_code_keeps_its_text() -> None:
    assert [c.text for c in parse_codes("4 + ref(7B) + A/L12")] == ["4", "ref(7B)", "A/L12"]


@pytest.mark.parametrize(("cell", "found"), [
    ("4+L10", ((4, 10), ())),
    ("2+1", ((1, 2), ())),  # sorted
    ("R12+L12", ((12,), ())),  # the AU number is the label, not (number, side)
    ("12A+12C", ((12,), ())),
    ("4+4+B28+B28", ((4, 28), ())),
    ("0", ((), ())),  # coded: no action
    ("L12 or L14", ((), (12, 14))),  # coded, but no AU for sure
    ("12A+ref(24)", ((12,), (24,))),
    ("4+4?", ((4,), ())),  # coded for sure once: present, not uncertain
    ("10A/B", ((10,), ())),
    ("", None), ("?", None), ("soft focus", None),  # names no AU: not coded
])
def test_a_cells_labels(cell: str, found: tuple[tuple[int, ...], tuple[int, ...]] | None) -> None:
    assert labels(parse_codes(cell)) == found


@pytest.mark.parametrize(("cell", "part", "why"), [
    ("X7", "X7", "not a FACS code"),
    ("smile", "smile", "not a FACS code"),
    ("4+X7", "X7", "not a FACS code"),
    ("123", "123", "not a FACS code"),
    ("12F", "12F", "not a FACS code"),
    ("4++7", "", "an empty code"),
    ("4+", "", "an empty code"),
    ("(4+7", "(4+7", "a '(' that is never closed"),
    ("4)+7", "4)+7", "a ')' that closes no '('"),
    ("0+4", "0+4", "0 (no action) together with other codes"),
    ("4/", "4/", "an alternative ('/' or 'or') with nothing on one side"),
    ("4 or", "4 or", "not a FACS code"),
    ("12/B", "12/B", "a letter after a code is an alternative intensity"),
    ("B/12", "B/12", "a letter before a code is an alternative side"),
    ("4/R", "4/R", "a letter after a code is an alternative intensity"),
    ("A/4/7", "A/4/7", "lone letters among several alternative codes"),
    ("ref(4+7)", "4+7", "not a FACS code"),
    ("4;7", "4;7", "not a FACS code"),
])
def test_what_is_no_code_is_named(cell: str, part: str, why: str) -> None:
    with pytest.raises(CodeError) as caught:
        parse_codes(cell)
    assert caught.value.part == part and caught.value.why.startswith(why)


def _casme2_sheet(path: Path, cells: list[str], with_aus: bool = True) -> Path:
    rows = [{"Subject": "01", "Filename": f"EP0{k}_01", "OnsetFrame": 10, "ApexFrame": 12,
             "OffsetFrame": 20, **({"Action Units": cell} if with_aus else {}),
             "Estimated Emotion": "happiness"} for k, cell in enumerate(cells)]
    pd.DataFrame(rows).to_excel(path, index=False)
    return path


def _unknown_code(sheet: Path, dataset: str = "casme2", row: int = 4,
                  column: str = "Action Units") -> str:
    """The one error line for the cell ``4+X7`` of ``sheet``."""
    return (f"{dataset}: '{sheet}' row {row}, column '{column}': cannot read the action units "
            "'4+X7': not a FACS code ([side L/R/A/T/B]number[intensity A-E][?]) ('X7'); "
            "correct the cell (AU numbers joined by '+', e.g. 4+L10, 12A, R14?; the rules: "
            "docs/raw-databases.md#action-units)")


def test_an_unknown_code_is_one_line_naming_the_file_row_column_and_cell(
        tmp_path: Path) -> None:
    sheet = _casme2_sheet(tmp_path / "CASME2-coding-test.xlsx", ["4+L10", "12", "4+X7"])
    rows = casme2.sheet_rows(sheet)  # loading the sheet parses no AU cell
    assert rows[["au_text", "au_row", "au_column"]].values.tolist() == [
        ["4+L10", 2, "Action Units"], ["12", 3, "Action Units"], ["4+X7", 4, "Action Units"]]
    assert set(rows["au_sheet"]) == {str(sheet)}
    with pytest.raises(MerbenchError) as caught:
        sheet_aus.coded(rows)  # asking for the AUs does
    assert str(caught.value) == _unknown_code(sheet)
    assert sheet_aus.coded(rows.iloc[:2])["action_units"].tolist() == [(4, 10), (12,)]


def test_a_sheet_without_the_au_column_codes_no_sample(tmp_path: Path) -> None:
    with_aus = casme2.sheet_rows(_casme2_sheet(tmp_path / "a.xlsx", ["4+L10", ""]))
    assert sheet_aus.coded(with_aus)["action_units"].tolist() == [(4, 10), None]
    assert with_aus["au_text"].tolist() == ["4+L10", ""]
    without = casme2.sheet_rows(_casme2_sheet(tmp_path / "b.xlsx", ["4", "5"], with_aus=False))
    assert sheet_aus.coded(without)["action_units"].tolist() == [None, None]
    assert without.drop(columns=list(sheet_aus.CELL_COLUMNS)).equals(
        with_aus.drop(columns=list(sheet_aus.CELL_COLUMNS)))


#: The folder each loader recognises as its database (made before the sheet is read).
TREES = {"casme2": "casme2/Cropped", "samm": "SAMM/006", "casme3": "casme3/part_A"}


def _own_sheet(root: Path, database: str, emotions: tuple[str, ...] = ("happiness",) * 3
               ) -> tuple[Path, str]:
    """A user's own sheet of three samples of one subject, the third with an AU cell no
    parser reads (``4+X7``), and the name of its AU column; its database folder beside it."""
    cells = ["4+L10", "12", "4+X7"]
    if database == "casme2":
        rows = [{"Subject": "01", "Filename": f"EP0{k}_01", "OnsetFrame": 10, "ApexFrame": 12,
                 "OffsetFrame": 20, "Action Units": cell, "Estimated Emotion": emotion}
                for k, (cell, emotion) in enumerate(zip(cells, emotions, strict=True))]
        path, column = root / "CASME2-coding-own.xlsx", "Action Units"
    elif database == "samm":
        rows = [{"Subject": "006", "Filename": f"006_1_{k}", "Onset Frame": 10,
                 "Apex Frame": 12, "Offset Frame": 20, "Action Units": cell,
                 "Estimated Emotion": "Happiness"} for k, cell in enumerate(cells)]
        path, column = root / "SAMM_Micro_FACS_Codes_own.xlsx", "Action Units"
    else:
        rows = [{"Subject": "spNO.1", "Filename": "a", "Onset": 10 + 20 * k,
                 "Apex": 12 + 20 * k, "Offset": 20 + 20 * k, "AU": cell,
                 "Objective class": "I", "emotion": "happy"} for k, cell in enumerate(cells)]
        path, column = root / "casme3_part_A_ME_label_own.xlsx", "AU"
    pd.DataFrame(rows).to_excel(path, index=False)
    (root / TREES[database]).mkdir(parents=True)
    return path, column


@pytest.mark.parametrize("database", ["casme2", "samm", "casme3"])
def test_an_unreadable_au_cell_stops_no_emotion_run_only_the_aus(
        tmp_path: Path, database: str) -> None:
    """A labelling quirk in the AU column, which an emotion run never uses, does not stop
    the run: the dataset loads, its clips read; asking for the AUs is the one-line error."""
    module = {"casme2": casme2, "samm": samm, "casme3": casme3}[database]
    sheet, column = _own_sheet(tmp_path, database)
    table, problems = module.annotation_table(str(tmp_path), str(sheet))
    assert problems == [] and table["au_text"].tolist() == ["4+L10", "12", "4+X7"]
    write_clips(database, table)
    make = getattr(module, f"make_{database}")
    data = make(str(tmp_path), sheet=str(sheet))
    assert len(data.samples) == 3 and data.skipped == []
    assert data.samples["au_text"].tolist() == ["4+L10", "12", "4+X7"]
    clip = data.clip(2)
    assert clip.apex is not None and clip.apex in clip.frames
    assert data.read("apex_frame", 2).shape == (6, 8, 3)
    with pytest.raises(MerbenchError) as caught:
        data.action_units()
    assert str(caught.value) == _unknown_code(sheet, database, 4, column)


def test_only_the_samples_au_cells_are_read(tmp_path: Path) -> None:
    """The AUs asked for are the dataset's samples': a row its class set leaves out (a fear
    clip of CASME II's 5 classes) is never a sample, so its cell is not read."""
    sheet, _ = _own_sheet(tmp_path, "casme2", ("happiness", "disgust", "fear"))
    table, _ = casme2.annotation_table(str(tmp_path), str(sheet))
    write_clips("casme2", table)
    data = casme2.make_casme2(str(tmp_path), sheet=str(sheet))
    assert data.samples["emotion"].tolist() == ["happiness", "disgust"]
    assert data.action_units() == [SampleActionUnits((4, 10)), SampleActionUnits((12,))]


# --------------------------------------------------------------- the core's reading of them


def _dataset(**columns: list[object]) -> InMemoryDataset:
    samples = pd.DataFrame({"sample_id": ["a", "b"], "database": "db", "subject": ["s1", "s2"],
                            "label": [0, 1], **columns})
    return InMemoryDataset("toy", samples, ("x", "y"), {})


def test_the_core_reads_the_columns_and_the_fingerprint_ignores_them() -> None:
    assert sheet_aus.COLUMNS[:2] == core_aus.COLUMNS  # the plugin writes what the core reads
    plain = _dataset()
    with pytest.raises(MerbenchError, match="dataset 'toy' gives no action-unit labels"):
        plain.action_units()
    coded = _dataset(action_units=[(4, 10), None], uncertain_action_units=[(12,), None])
    assert coded.action_units() == [SampleActionUnits((4, 10), (12,)), None]
    assert coded.fingerprint() == plain.fingerprint()
    assert _dataset(action_units=[(), (1,)]).action_units() == [
        SampleActionUnits(()), SampleActionUnits((1,))]


@pytest.mark.parametrize(("present", "uncertain", "wrong"), [
    ([[4], None], [(), None], "must be None or a tuple of AU numbers"),
    ([(0,), None], [(), None], "must be None or a tuple of AU numbers"),
    ([(10, 4), None], [(), None], "once each, in increasing order"),
    ([(4,), None], [(4,), None], "has AU 4 both in 'action_units' and in"),
])
def test_the_core_refuses_malformed_columns(present: list[object], uncertain: list[object],
                                            wrong: str) -> None:
    with pytest.raises(MerbenchError, match=wrong):
        _dataset(action_units=present, uncertain_action_units=uncertain).action_units()


def test_the_default_au_set_is_mebs_cross_dataset_set() -> None:
    assert DEFAULT_AU_SET == (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17)


# ---------------------------------------------------------------- every row of the real sheets

REAL = {  # sheet: (AU column, rows, codes, rows with an uncertain code, sides, intensities)
    "annotations/CASME2-coding-20190701.xlsx": (
        "Action Units", 255, 381, [], {"L": 37, "R": 23}, {}),
    "annotations/SAMM_Micro_FACS_Codes_v2.xlsx": (
        "Action Units", 159, 232, [30, 33, 40, 42, 43, 56, 59, 65, 77, 79, 87, 99, 130, 169],
        {"L": 26, "R": 23, "A": 15, "A/L": 1, "T": 4, "B": 1},
        {"A": 25, "B": 26, "C": 16, "D": 5, "E": 4, "A/B": 2}),
    "annotations/casme3_part_A_ME_label_JpgIndex_v2.xlsx": (
        "AU", 860, 1077, [], {"R": 69, "L": 42, "T": 5, "B": 3}, {}),
    "annotations/casme3_part_A_v2.xls": (
        "AU", 4206, 6363, [], {"R": 275, "L": 167, "B": 40, "T": 38}, {}),
}


@pytest.mark.realdata
@pytest.mark.parametrize("name", list(REAL))
def test_every_row_of_the_real_sheets(real_data: Path, name: str) -> None:
    column, n_rows, n_codes, uncertain_rows, sides, intensities = REAL[name]
    rows = read_sheet(real_data / name, ("Subject", "Filename", column), name)
    codes = {row: parse_codes(cell) for row, cell in rows[column].items()}
    assert len(rows) == n_rows and sum(map(len, codes.values())) == n_codes
    assert [row for row, found in codes.items() if any(c.uncertain for c in found)] == \
        uncertain_rows
    found = [c for row in codes.values() for c in row]
    assert Counter(c.side for c in found if c.side) == sides
    assert Counter(c.intensity for c in found if c.intensity) == intensities
    assert all(labels(row) is not None for row in codes.values())  # every row codes AUs
    assert not any(c.number == 0 for c in found)
    table = sheet_aus.coded_columns(rows[column], real_data / name, column, name)
    assert table["action_units"].tolist() == [found[0] for found in map(labels, codes.values())
                                              if found is not None]


@pytest.mark.realdata
def test_samms_uncertain_rows_and_their_labels(real_data: Path) -> None:
    table = sheet_aus.coded(samm.sheet_rows(real_data / SHEETS["samm"])).set_index("sample_id")
    unsure = table[table["uncertain_action_units"].map(bool)]
    assert len(unsure) == 14
    assert unsure.loc["samm/007/007_6_1", ["action_units", "uncertain_action_units"]].tolist() \
        == [(15,), (6, 12)]  # (R6 or R12)+R15
    assert table.loc["samm/011/011_4_2", "action_units"] == ()  # L12 or L14
    assert table.loc["samm/035/035_7_2", "uncertain_action_units"] == (14, 17, 24)
    assert table.loc["samm/014/014_3_3", "action_units"] == (12,)  # 12A+ref(24)
    assert table.loc["samm/014/014_6_3", "action_units"] == (12,)  # A/L12
    assert table.loc["samm/026/026_5_1", "action_units"] == (14, 17)  # R14+17+soft focus


@pytest.mark.realdata
def test_casme3s_label_sheet_and_legacy_xls_code_the_same_aus(real_data: Path) -> None:
    """859 of the 860 micro-expressions are rows of both sheets (by subject, clip, onset) with
    the same AUs; the 860th is the onset erratum the casme3 module documents."""
    label = casme3.sheet_rows(real_data / SHEETS["casme3"])
    label = label.join(sheet_aus.coded(label)[["action_units", "uncertain_action_units"]])
    legacy = read_sheet(real_data / "annotations/casme3_part_A_v2.xls",
                        ("Subject", "Filename", "Onset", "AU", "Expression type"), "casme3")
    micro = legacy[legacy["Expression type"] == "Micro-expression"]
    coded = {(s, c, int(o)): labels(parse_codes(a)) for s, c, o, a in
             zip(micro["Subject"], micro["Filename"], micro["Onset"], micro["AU"], strict=True)}
    keys = list(zip(label["subject"], label["clip"], label["onset"], strict=True))
    assert [k for k in keys if k not in coded] == [("spNO.216", "d", 3647)]
    assert all(coded[k] == (p, u) for k, p, u in zip(
        keys, label["action_units"], label["uncertain_action_units"], strict=True)
        if k in coded)


# ------------------------------------------------------------------- the datasets expose them


def _sheet_labels(sheet: pd.DataFrame) -> dict[str, SampleActionUnits | None]:
    """Every row's labels of a ``sheet_rows`` table, parsed."""
    table = sheet_aus.coded(sheet)
    return {s: None if p is None else SampleActionUnits(p, u) for s, p, u in zip(
        table["sample_id"], table["action_units"], table["uncertain_action_units"],
        strict=True)}


@pytest.mark.realdata
def test_the_raw_datasets_expose_their_sheets_aus(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "casme2" / "Cropped").mkdir(parents=True)
    (tmp_path / "SAMM" / "007").mkdir(parents=True)
    (tmp_path / "casme3" / "part_A").mkdir(parents=True)
    (tmp_path / "smic" / "HS").mkdir(parents=True)
    for module, subject, key in ((casme2, "sub01", "casme2"), (samm, "007", "samm"),
                                 (casme3, "spNO.1", "casme3")):
        table, _ = module.annotation_table(str(tmp_path), str(real_data / SHEETS[key]))
        write_clips(key, table[table["subject"] == subject])
        expected = _sheet_labels(module.sheet_rows(real_data / SHEETS[key]))
        data = getattr(module, f"make_{key}")(str(tmp_path), sheet=str(real_data / SHEETS[key]),
                                              subjects=[subject])
        assert data.action_units() == [expected[s] for s in data.samples["sample_id"]]
        assert all(found is not None for found in data.action_units())
    first = casme2.make_casme2(str(tmp_path), sheet=str(real_data / SHEETS["casme2"]),
                               subjects=["sub01"]).action_unit_table().set_index("sample_id")
    assert first.loc["casme2/sub01/EP19_05f", ["au_text", "action_units"]].tolist() == \
        ["4+7+L10", (4, 7, 10)]
    table, _ = smic.annotation_table(str(tmp_path), str(real_data / SHEETS["smic"]))
    write_clips("smic", table[table["subject"] == "s03"])
    data = smic.make_smic(str(tmp_path), apex_sheet=str(real_data / SHEETS["smic"]),
                          subjects=["s03"])
    assert data.action_units() == [None] * len(data.samples)  # SMIC codes no AUs


@pytest.mark.realdata
def test_megc2019_exposes_each_databases_aus(real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "casme2" / "Cropped").mkdir(parents=True)
    (tmp_path / "SAMM" / "006").mkdir(parents=True)
    (tmp_path / "smic" / "HS").mkdir(parents=True)
    options = {"casme2_sheet": str(real_data / SHEETS["casme2"]),
               "samm_sheet": str(real_data / SHEETS["samm"]),
               "smic_apex_sheet": str(real_data / SHEETS["smic"])}
    for module, subject, sheet in ((casme2, "sub01", "casme2_sheet"), (samm, "006", "samm_sheet"),
                                   (smic, "s01", "smic_apex_sheet")):
        table = module.annotation_table(str(tmp_path), options[sheet])[0]
        write_clips(module.NAME, table[table["subject"] == subject])
    data = megc2019.make_megc2019(str(tmp_path), subjects=["casme2/sub01", "samm/006",
                                                           "smic/s01"], **options)
    expected = {**_sheet_labels(casme2.sheet_rows(Path(options["casme2_sheet"]))),
                **_sheet_labels(samm.sheet_rows(Path(options["samm_sheet"])))}
    found = dict(zip(data.samples["sample_id"], data.action_units(), strict=True))
    assert {s: f for s, f in found.items() if not s.startswith("smic/")} == \
        {s: expected[s] for s in found if not s.startswith("smic/")}
    assert {f for s, f in found.items() if s.startswith("smic/")} == {None}


@pytest.mark.realdata
def test_the_composites_casme2_and_samm_samples_have_their_sheet_rows_aus(
        real_data: Path) -> None:
    data = composite.make_composite(str(real_data / "composite"))
    assert data.fingerprint() == COMPOSITE.official_fingerprint  # AUs change no identity
    found = dict(zip(data.samples["sample_id"], data.action_units(), strict=True))
    by_database = Counter(s.split("/")[0] for s, f in found.items() if f is not None)
    assert by_database == {"casme2": 145, "samm": 133}  # every one; SMIC's are None
    assert found["casme2/sub01/EP19_05f"] == SampleActionUnits((4, 7, 10))  # 4+7+L10
    assert found["samm/006/006_1_2"] == SampleActionUnits((4, 7))  # 4+7
    sheets = {**_sheet_labels(casme2.sheet_rows(real_data / SHEETS["casme2"])),
              **_sheet_labels(samm.sheet_rows(real_data / SHEETS["samm"]))}
    assert all(sheets[s] == f for s, f in found.items() if f is not None)
    assert sum(1 for f in found.values() if f is not None and f.uncertain) == 14
    explicit = composite.make_composite(str(real_data / "composite"),
                                        annotations=str(real_data / "annotations"))
    assert explicit.action_units() == data.action_units()


def _own_sheets(folder: Path, cell: Callable[[int], str], twice: bool = False
                ) -> dict[str, Path]:
    """A CASME II and a SAMM coding sheet of the composite's own samples, written from the
    shipped official list (no licensed data), the k-th sample's AU cell ``cell(k)``; with
    ``twice``, the first sample has two rows."""
    truth = load_ground_truth()
    written = {}
    for database, name, columns in (
            ("casme2", "CASME2-coding-own.xlsx", ("Subject", "Filename", "OnsetFrame",
                                                  "ApexFrame", "OffsetFrame")),
            ("samm", "SAMM_Micro_FACS_Codes_own.xlsx", ("Subject", "Filename", "Onset Frame",
                                                        "Apex Frame", "Offset Frame"))):
        part = truth[truth["database"] == database]
        if twice:
            part = pd.concat([part, part.iloc[:1]])
        pd.DataFrame({columns[0]: part["subject"], columns[1]: part["clip"], columns[2]: 10,
                      columns[3]: 12, columns[4]: 20,
                      "Action Units": [cell(k) for k in range(len(part))],
                      "Estimated Emotion": "happiness"}).to_excel(folder / name, index=False)
        written[database] = folder / name
    return written


@pytest.mark.realdata
def test_the_composite_reads_an_unreadable_cell_only_when_asked(real_data: Path,
                                                                  tmp_path: Path) -> None:
    """Sheets of the composite's own samples (written from the shipped official list, AU 4
    each) with one cell no parser reads: the composite loads as ever, and asking for the AUs
    is the same one-line error as a raw dataset's."""
    written = _own_sheets(tmp_path, lambda k: "4+X7" if k == 1 else "4")
    data = composite.make_composite(str(real_data / "composite"), annotations=str(tmp_path))
    assert len(data.samples) == 442 and data.fingerprint() == COMPOSITE.official_fingerprint
    with pytest.raises(MerbenchError) as caught:
        data.action_units()
    assert str(caught.value) == _unknown_code(written["casme2"], "casme2", 3)


@pytest.mark.realdata
def test_a_composite_sheet_that_repeats_a_sample_is_one_line(real_data: Path,
                                                             tmp_path: Path) -> None:
    _own_sheets(tmp_path, lambda k: "4", twice=True)
    data = composite.make_composite(str(real_data / "composite"), annotations=str(tmp_path))
    with pytest.raises(MerbenchError, match=r"^composite: the CASME II coding sheet '.*' has "
                                            r"more than one row for casme2/"):
        data.action_units()


@pytest.mark.realdata
def test_the_composite_without_its_sheets_runs_emotions_and_says_where_to_put_them(
        real_data: Path, tmp_path: Path) -> None:
    (tmp_path / "composite").symlink_to(real_data / "composite")  # no annotations/ beside it
    data = composite.make_composite(str(tmp_path / "composite"))
    assert len(data.samples) == 442  # the emotion dataset never reads a coding sheet
    with pytest.raises(MerbenchError) as caught:
        data.action_units()
    assert str(caught.value).startswith("composite: the action units of its casme2 samples "
                                        "come from the CASME II coding sheet (CASME2-coding")
    assert "pass --dataset-opt annotations=FOLDER" in str(caught.value)
    with pytest.raises(MerbenchError, match=r"annotations='.*' is not a folder"):
        composite.make_composite(str(tmp_path / "composite"),
                                 annotations=str(tmp_path / "nowhere")).action_units()
