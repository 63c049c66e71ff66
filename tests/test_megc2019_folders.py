"""``megc2019`` reads three databases from one folder: a folder that lacks one is refused
as ``megc2019``, naming what the folder has and lacks, with a fix for this dataset (put the
missing folder there, or run the one database it has alone), never a single database's
advice to pass that database's own folder, which would lose the other two.

Empty folders in the three layouts are enough: the folders are checked before any sheet is
read, so no real data is needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from merbench_datasets import megc2019, rawroot

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
