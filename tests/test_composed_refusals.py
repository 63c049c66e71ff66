"""A dataset composed of several databases refuses as itself, with its own options.

``megc2019`` reads three databases from one folder: a folder that lacks one is refused
as ``megc2019``, naming what the folder has and lacks, with a fix for this dataset (put the
missing folder there, or run the one database it has alone), never a single database's
advice to pass that database's own folder, which would lose the other two.

Empty folders in the three layouts are enough: the folders are checked before any sheet is
read, so no real data is needed. The composite release's action units are read with the
CASME II and SAMM sheet readers, whose refusals are said as the composite too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from merbench_datasets import composite_aus, megc2019, rawroot

from merbench.base.errors import MerbenchError


def refusal(data_root: Path | None) -> str:
    with pytest.raises(MerbenchError) as caught:
        megc2019.make_megc2019(None if data_root is None else str(data_root))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_missing_database_is_named_with_the_fix_for_megc2019(tmp_path: Path) -> None:
    (tmp_path / "casme2" / "Cropped").mkdir(parents=True)
    message = refusal(tmp_path)
    assert message.startswith(f"megc2019: '{tmp_path}' (from --data-root) has casme2/ but "
                              "no SAMM/ (or samm/) and no SMIC/ (or smic/, ")
    assert "put the SAMM folder (subject folders 006/ ... and " \
           "SAMM_Micro_FACS_Codes_v2.xlsx) and the SMIC folder" in message
    assert message.endswith("there, or give -d casme2 for CASME II alone")
    assert "--data-root PATH" not in message  # the single database's advice
    (tmp_path / "smic" / "HS").mkdir(parents=True)
    message = refusal(tmp_path)
    assert "has casme2/ and smic/ but no SAMM/ (or samm/);" in message
    assert message.endswith("put the SAMM folder (subject folders 006/ ... and "
                            "SAMM_Micro_FACS_Codes_v2.xlsx) there")  # two: no dataset alone


def test_a_folder_of_the_name_that_is_not_the_database_is_said_as_such(
        tmp_path: Path) -> None:
    (tmp_path / "CASME2" / "Cropped").mkdir(parents=True)
    (tmp_path / "smic" / "HS").mkdir(parents=True)
    (tmp_path / "SAMM").mkdir()  # no subject folders in it
    message = refusal(tmp_path)
    assert "has CASME2/ and smic/ but a SAMM/ that holds no SAMM frame tree (subject " \
           "folders such as 006/);" in message


def test_one_database_folder_given_for_all_three(tmp_path: Path) -> None:
    samm = tmp_path / "SAMM"
    (samm / "006").mkdir(parents=True)
    message = refusal(samm)
    assert message == (f"megc2019: '{samm}' (from --data-root) is the SAMM folder itself; "
                       "this dataset needs all three databases: give the folder holding "
                       "casme2/, SAMM/ and smic/ with --data-root, or give -d samm for SAMM "
                       "alone")


def test_no_database_at_all_and_no_data_location(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rawroot.forget_told()
    message = refusal(tmp_path)
    assert message.startswith(f"megc2019: '{tmp_path}' (from --data-root) holds none of "
                              "casme2/ (or CASME2/, CASME_II/), SAMM/ (or samm/), SMIC/ (or ")
    assert message.endswith(megc2019.HOW_TO_GET)
    assert refusal(tmp_path / "nowhere").startswith(
        f"megc2019: '{tmp_path / 'nowhere'}' (from --data-root) does not exist; ")
    monkeypatch.delenv("MERBENCH_DATA_DIR", raising=False)
    assert refusal(None).startswith("megc2019: no data location: no --data-root was given")
    (tmp_path / "casme2" / "Cropped").mkdir(parents=True)
    monkeypatch.setenv("MERBENCH_DATA_DIR", str(tmp_path))
    assert refusal(None).startswith(f"megc2019: '{tmp_path}' (from MERBENCH_DATA_DIR) has "
                                    "casme2/ but no SAMM/ (or samm/)")


def test_a_refusal_inside_one_database_names_megc2019s_own_options(tmp_path: Path) -> None:
    """Within the three folders, each database's refusal of its sheet or frame tree is said
    as megc2019 with the option megc2019 takes (``casme2_frames``, ``casme2_sheet``,
    ``samm_sheet``, ``smic_apex_sheet``): ``sheet=``, ``frames=`` and ``apex_sheet=`` are no
    options of megc2019, so the single database's fix was refused when typed."""
    (tmp_path / "casme2" / "Cropped").mkdir(parents=True)
    (tmp_path / "SAMM" / "006").mkdir(parents=True)
    (tmp_path / "smic" / "HS").mkdir(parents=True)

    def refused(**options: str) -> str:
        with pytest.raises(MerbenchError) as caught:
            megc2019.make_megc2019(str(tmp_path), **options)  # type: ignore[arg-type]
        message = str(caught.value)
        assert message.startswith("megc2019: ") and "\n" not in message
        return message

    assert refused(casme2_frames="raw").endswith(
        f"'{tmp_path / 'casme2'}' has Cropped/ but no CASME2_RAW_selected/; pass "
        "--dataset-opt casme2_frames=cropped")
    assert "(--dataset-opt casme2_sheet=...) does not exist" in refused(
        casme2_sheet=str(tmp_path / "none.xlsx"))
    assert refused().endswith("put it in the database folder or pass --dataset-opt "
                              "casme2_sheet=PATH")
    (tmp_path / "casme2" / "CASME2-coding-1.csv").write_text(
        "Subject,Filename,OnsetFrame,ApexFrame,OffsetFrame,Estimated Emotion\n"
        "01,EP02_01f,46,59,86,happiness\n")
    assert refused().endswith("put it in the database folder or pass --dataset-opt "
                              "samm_sheet=PATH")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    assert refused(samm_sheet=str(wrong)).endswith(
        "give the official SAMM coding sheet with --dataset-opt samm_sheet=PATH")
    (tmp_path / "SAMM" / "SAMM_Micro_FACS_Codes_v2.csv").write_text(
        "Subject,Filename,Onset Frame,Apex Frame,Offset Frame,Estimated Emotion\n"
        "6,006_1_2,5562,5588,5632,Anger\n")
    rawroot.forget_told()
    no_clips = refused()
    assert "holds no clip folders" in no_clips and "--data-root PATH" not in no_clips
    assert "(--dataset-opt smic_apex_sheet=...) does not exist" in refused(
        smic_apex_sheet=str(tmp_path / "none.xlsx"))
    assert refused(smic_apex_sheet=str(wrong)).endswith(
        "give the official SMIC apex sheet with --dataset-opt smic_apex_sheet=PATH")


def test_the_composites_sheet_refusal_names_the_composite_and_annotations(
        tmp_path: Path) -> None:
    """The composite has no ``sheet=``: a sheet it cannot read names its ``annotations=``."""
    (tmp_path / "CASME2-coding-1.csv").write_text("a,b\n1,2\n")
    samples = pd.DataFrame({"sample_id": ["casme2/sub01/EP02_01f"], "database": ["casme2"]})
    with pytest.raises(MerbenchError) as caught:
        composite_aus.coding_table(samples, tmp_path, str(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"composite: '{tmp_path / 'CASME2-coding-1.csv'}' has no header "
                              "row with the columns Subject, Filename, ")
    assert message.endswith("give the official CASME II coding sheet with --dataset-opt "
                            "annotations=FOLDER (the folder holding it)")
