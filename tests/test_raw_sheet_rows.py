"""Coding-sheet rows as a user meets them (issue 84, pass 84p): an offset past the clip's
last frame is a refused sample, as an onset before its first is (P5); a repeated row names
the sheet and both rows, an empty emotion cell its row (P8); a SAMM subject written as the
text ``6.0`` or ``+6`` is subject 006, as the number 6 is (P9).

The trees are built here (random pixels, no faces): no real data is needed."""

from __future__ import annotations

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


def _extract(cli, root: Path, rows: list[list[object]], *more: str) -> tuple[int, str, str]:
    workbook(root / "SAMM_Micro_FACS_Codes_v2.xlsx", rows)
    return cli("extract", "-d", "samm", "--data-root", root, "-f", "tvl1-uvos", *FAST_FLOW,
               "--workers", "1", "-q", *more)


def test_an_offset_past_the_last_frame_is_refused_as_an_onset_before_the_first(
        samm_root: Path, cli) -> None:
    """Offset 120 of frames 100..105 was taken; LBP-TOP read onset to the last frame there
    was, with no word."""
    code, _, err = _extract(cli, samm_root, samm_rows(Offset_Frame=120))
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm/006/006_1_2 (the offset frame 120 is past the last frame of "
            f"'{samm_root / '006' / '006_1_2'}' (6 frames, 100..105))") in err
    assert "--skip-missing" in err
    code, out, err = _extract(cli, samm_root, samm_rows(Offset_Frame=120), "--skip-missing")
    assert code == 0 and "1 sample" in out + err, err


def test_an_offset_on_the_last_frame_is_taken(samm_root: Path, cli) -> None:
    code, out, err = _extract(cli, samm_root, samm_rows(Offset_Frame=105))
    assert code == 0 and "2 samples" in out, err


def test_a_repeated_row_names_the_sheet_and_both_rows(samm_root: Path, cli) -> None:
    """Said as "dataset 'samm': duplicate sample ids, e.g. samm/006/006_1_2"."""
    code, _, err = _extract(cli, samm_root, samm_rows(Filename="006_1_3"))
    sheet = samm_root / "SAMM_Micro_FACS_Codes_v2.xlsx"
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm sheet rows 4 and 5 of '{sheet}' both name the sample samm/006/006_1_3; "
            "correct or remove one of them") in err
    assert err.count(str(sheet)) == 1 and "duplicate sample ids" not in err


def test_an_empty_emotion_cell_names_its_row(samm_root: Path, cli) -> None:
    """Said of the sample: "samm/006/006_1_2 (the sheet's emotion '' is none of ...)"."""
    code, _, err = _extract(cli, samm_root, samm_rows(Estimated_Emotion=None))
    sheet = samm_root / "SAMM_Micro_FACS_Codes_v2.xlsx"
    assert code == 2 and err.count("\n") == 1, err
    assert f"samm sheet row 4 (no emotion in '{sheet}')" in err
    assert "emotion ''" not in err


@pytest.mark.parametrize("subject", ["6.0", "+6", "06", "6e0", 6, "006"])
def test_a_subject_cell_in_any_spelling_of_its_number_is_that_subject(
        samm_root: Path, cli, subject: object) -> None:
    """The text 6.0 or +6 was read as a folder name: "the frame folder '.../SAMM/6.0/006_1_2'
    is missing"."""
    code, out, err = _extract(cli, samm_root, samm_rows(Subject=subject))
    assert code == 0 and "2 samples" in out, err
