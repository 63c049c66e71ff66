"""Bad input for the raw-database datasets: each is one MerbenchError line naming the
samples and the fix (exit 2 through the CLI), and ``--skip-missing`` runs without them and
records them. Built on the real CASME II sheet with a tiny frame tree of subject sub01."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from merbench_datasets import casme2
from rawtrees import SHEETS, write_clips
from sklearn.linear_model import LogisticRegression

import merbench
from merbench.base.errors import MerbenchError
from merbench.meta import FeatureMeta, ModelMeta

pytestmark = pytest.mark.realdata
SUB01 = ["casme2/sub01/EP02_01f", "casme2/sub01/EP03_02", "casme2/sub01/EP04_02",
         "casme2/sub01/EP04_03", "casme2/sub01/EP04_04", "casme2/sub01/EP19_01",
         "casme2/sub01/EP19_03f", "casme2/sub01/EP19_05f", "casme2/sub01/EP19_06f"]


@pytest.fixture
def tree(real_data: Path, tmp_path: Path) -> tuple[Path, str]:
    """A Cropped/ tree with every sub01 clip's frames, and the real sheet's path."""
    sheet = str(real_data / SHEETS["casme2"])
    (tmp_path / "Cropped").mkdir()
    table, _ = casme2.annotation_table(str(tmp_path), sheet)
    write_clips("casme2", table[table["subject"] == "sub01"])
    return tmp_path, sheet


def error_of(**options: object) -> str:
    with pytest.raises(MerbenchError) as caught:
        casme2.make_casme2(**options)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("casme2: ")
    return message


def test_the_tree_is_complete(tree: tuple[Path, str]) -> None:
    root, sheet = tree
    data = casme2.make_casme2(str(root), sheet=sheet, subjects="sub01")
    assert data.samples["sample_id"].tolist() == SUB01 and data.skipped == []


def test_missing_folders_are_listed_with_a_count_and_the_fix(tree: tuple[Path, str]) -> None:
    import shutil

    root, sheet = tree
    for clip in ("EP02_01f", "EP03_02", "EP04_02", "EP04_03", "EP04_04"):
        shutil.rmtree(root / "Cropped" / "sub01" / clip)
    message = error_of(data_root=str(root), sheet=sheet, subjects="sub01")
    assert message.startswith("casme2: 5 of 9 samples cannot be used: casme2/sub01/EP02_01f "
                              f"(the frame folder '{root}/Cropped/sub01/EP02_01f' is missing)")
    assert message.endswith("and 2 more; restore the frames or correct the sheet, or pass "
                            "--skip-missing (--dataset-opt skip_missing=true) to run without "
                            "them")
    data = casme2.make_casme2(str(root), sheet=sheet, subjects="sub01", skip_missing=True)
    assert data.samples["sample_id"].tolist() == SUB01[5:]
    assert [s["sample_id"] for s in data.skipped] == SUB01[:5]


def test_an_apex_outside_the_folder_and_an_unreadable_frame(tree: tuple[Path, str]) -> None:
    root, sheet = tree
    (root / "Cropped/sub01/EP03_02/reg_img139.jpg").unlink()  # the apex of EP03_02
    onset = root / "Cropped/sub01/EP04_02/reg_img21.jpg"
    onset.write_bytes(onset.read_bytes()[:40])  # truncated
    (root / "Cropped/sub01/EP04_03/reg_img31.jpg").write_bytes(b"not an image at all")
    message = error_of(data_root=str(root), sheet=sheet, subjects="sub01")
    assert "3 of 9 samples cannot be used" in message
    assert (f"casme2/sub01/EP03_02 (the apex frame 139 is not in "
            f"'{root}/Cropped/sub01/EP03_02' (3 frames, 130..161))") in message
    assert "casme2/sub01/EP04_02 (the onset frame is unusable: " in message
    assert "is a truncated JPEG" in message
    assert "casme2/sub01/EP04_03 (the onset frame is unusable: " in message
    assert "reg_img31.jpg' cannot be decoded as an image" in message


def test_a_sheet_with_a_renamed_column(tree: tuple[Path, str], tmp_path: Path) -> None:
    root, sheet = tree
    cells = pd.read_excel(sheet, header=None, dtype=str, engine="openpyxl")
    cells.iloc[0, 4] = "Apex"  # was ApexFrame
    renamed = tmp_path / "renamed.xlsx"
    cells.to_excel(renamed, header=False, index=False)
    message = error_of(data_root=str(root), sheet=str(renamed))
    assert message.startswith(f"casme2: '{renamed}' has no header row with the columns "
                              "Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame, "
                              "Estimated Emotion; the closest row (sheet 'Sheet1', row 1) has ")
    assert message.endswith("and lacks ApexFrame; rename the columns back as in the official "
                            "sheet, or give the official sheet with --dataset-opt sheet=PATH")


def test_sheet_rows_without_subject_or_onset_and_unknown_emotions(
        tree: tuple[Path, str], tmp_path: Path) -> None:
    root, sheet = tree
    cells = pd.read_excel(sheet, header=None, dtype=str, engine="openpyxl")
    cells.iloc[2, 3] = "?"  # EP03_02's onset
    cells.iloc[3, 8] = "hapiness"  # EP04_02's emotion, misspelt
    edited = tmp_path / "edited.xlsx"
    cells.to_excel(edited, header=False, index=False)
    message = error_of(data_root=str(root), sheet=str(edited), subjects="sub01")
    assert message.startswith(f"casme2: 2 of 9 samples cannot be used: casme2 sheet row 3 "
                              f"(its onset frame in '{edited}' is '?', not a whole frame "
                              "number of 0 or more (correct the cell)), "
                              "casme2/sub01/EP04_02 (the sheet's emotion 'hapiness' is none of "
                              "happiness, disgust, repression, surprise, others, fear, "
                              "sadness)")


def test_swapped_onset_and_apex_headers_are_refused_even_with_skip_missing(
        tree: tuple[Path, str], tmp_path: Path) -> None:
    """Skipping the rows would leave a database of the few samples whose apex is their
    onset: a sheet read the wrong way round is refused, not skipped row by row."""
    root, sheet = tree
    cells = pd.read_excel(sheet, header=None, dtype=str, engine="openpyxl")
    assert list(cells.iloc[0, 3:5]) == ["OnsetFrame", "ApexFrame"]
    cells.iloc[0, 3], cells.iloc[0, 4] = "ApexFrame", "OnsetFrame"
    swapped = tmp_path / "swapped.xlsx"
    cells.to_excel(swapped, header=False, index=False)
    message = error_of(data_root=str(root), sheet=str(swapped), subjects="sub01",
                       skip_missing=True)
    assert "samples the sheet's apex frame is before its onset frame: the sheet's onset and " \
           "apex columns are most likely swapped" in message


@pytest.mark.parametrize("onset", ["-3", "12.5"])
def test_a_negative_or_fractional_onset_is_named_as_such(tree: tuple[Path, str], tmp_path: Path,
                                                         onset: str) -> None:
    root, sheet = tree
    cells = pd.read_excel(sheet, header=None, dtype=str, engine="openpyxl")
    cells.iloc[2, 3] = onset  # EP03_02's onset
    edited = tmp_path / "edited.xlsx"
    cells.to_excel(edited, header=False, index=False)
    message = error_of(data_root=str(root), sheet=str(edited), subjects="sub01")
    assert "casme2 sheet row 3 (its onset frame in" in message
    assert f"is '{onset}', not a whole frame number of 0 or more (correct the cell)" in message


def test_options_and_locations_are_checked(tree: tuple[Path, str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root, sheet = tree
    assert "unknown class set '4'" in error_of(data_root=str(root), sheet=sheet, classes="4")
    assert "subject sub99 is not in the sheet" in error_of(data_root=str(root), sheet=sheet,
                                                              subjects="sub99")
    empty = tmp_path / "empty"
    empty.mkdir()
    message = error_of(data_root=str(empty), sheet=sheet)
    assert message.startswith(f"casme2: no CASME II frame tree (Cropped or "
                              f"CASME2_RAW_selected/) found: looked in '{empty}', "
                              f"'{empty}/casme2'")
    assert "http://casme.psych.ac.cn/casme/e2" in message
    monkeypatch.delenv("MERBENCH_DATA_DIR", raising=False)
    assert "no --data-root was given and MERBENCH_DATA_DIR is not set" in error_of()
    missing_sheet = error_of(data_root=str(root))
    assert "no CASME II coding sheet (CASME2-coding*.xlsx" in missing_sheet
    assert "--dataset-opt sheet=PATH" in missing_sheet
    monkeypatch.setenv("MERBENCH_DATA_DIR", str(root.parent))
    (root / "Cropped").rename(root.parent / "x")
    assert "(from MERBENCH_DATA_DIR)" in error_of(sheet=sheet)


class _FramePlugin:
    """A feature on the apex frame and a scikit-learn model, to run raw datasets end to end."""

    @merbench.hookimpl
    def merbench_register_features(self, registry) -> None:
        def mean_colour(dataset):
            return np.stack([dataset.read("apex_frame", i).reshape(-1, 3).mean(axis=0)
                             for i in range(len(dataset.samples))])

        registry.add(FeatureMeta(name="apex-colour", version=1, description="d",
                                 citation="c", needs=("apex_frame",), shape=(3,)),
                     lambda: mean_colour)

    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        registry.add(ModelMeta(name="logreg-apex", version=1, kind="sklearn", description="d",
                               citation="c", feature="apex-colour"),
                     lambda: LogisticRegression(max_iter=200))


def test_the_cli_exits_2_and_skip_missing_runs_and_records(
        tree: tuple[Path, str], cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = tmp_path.parent / f"{tmp_path.name}-run"  # beside the data it reads
    import shutil

    import merbench.cli as cli_module

    root, sheet = tree
    table, _ = casme2.annotation_table(str(root), sheet)
    write_clips("casme2", table[table["subject"] == "sub02"])
    shutil.rmtree(root / "Cropped" / "sub02" / "EP01_11f")
    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("frames", _FramePlugin())]))
    command = ["run", "-m", "logreg-apex", "-d", "casme2", "--data-root", root, "-q",
               "--dataset-opt", f"sheet={sheet}", "--dataset-opt", 'subjects=["sub01","sub02"]',
               "-o", run_dir]
    code, out, err = cli(*command)
    assert code == 2 and err.count("\n") == 1
    assert "casme2/sub02/EP01_11f (the frame folder" in err and "--skip-missing" in err
    code, out, err = cli(*command, "--skip-missing")
    assert code == 0, err
    assert "note: dataset casme2 skipped 1 sample(s) (casme2/sub02/EP01_11f)" in out
    results = json.loads((run_dir / "results.json").read_text())
    assert results["dataset"]["skipped"] == [{
        "sample_id": "casme2/sub02/EP01_11f",
        "reason": f"the frame folder '{root}/Cropped/sub02/EP01_11f' is missing"}]
    assert results["dataset"]["options"]["skip_missing"] is True
