"""Counts in the right number and advice that fits the command given, which the adversarial
pass 84f found wrong (N8): each case is the command a user types on a tiny tree made here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from refusal_line import refusal_line


def _image(path: Path, rng: np.random.Generator, size: int = 32) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), (rng.random((size, size, 3)) * 255).astype("uint8"))


def test_an_empty_au_set_is_said_as_empty(cli, tmp_path: Path) -> None:
    """``--au-set ''`` said "'an empty entry' is no AU number"."""
    fix = ("give AU numbers 1..99 joined by commas (1,2,4,12) or one of MEB's sets: cross, "
           "casme2, casme, samm, mmew, fourd")
    for given, said in (("", "--au-set '' names no AU"),
                        ("4,,7", "--au-set '4,,7' has an empty entry")):
        line = refusal_line(*cli("run", "-m", "ststnet", "-d", "synthetic", "--task", "au",
                          "--au-set", given, "--out", tmp_path / "r"))
        assert line == f"merbench: error: {said}; {fix}", line


def _samm(root: Path) -> Path:
    """SAMM in its layout, 2 subjects of 3 clips coded AU4+7 alone, its sheet below notes."""
    import openpyxl

    rng = np.random.default_rng(0)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["notes"])
    sheet.append([])
    sheet.append(["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
                  "Offset Frame", "Duration", "Type", "Action Units", "Notes",
                  "Estimated Emotion"])
    for subject in ("006", "007"):
        for k, emotion in enumerate(("anger", "happiness", "surprise")):
            clip = f"{subject}_{k + 1}_1"
            for frame in range(100, 106):
                _image(root / subject / clip / f"{subject}_{frame:05d}.jpg", rng, 24)
            sheet.append([subject, clip, 1, 100, 102, 105, 6, "Micro", "4+7", "", emotion])
    book.save(root / "SAMM_Micro_FACS_Codes_v2.xlsx")
    return root


def test_aus_no_sample_shows_are_named_with_the_set_to_give(cli, tmp_path: Path) -> None:
    """The default AU set (no --au-set given) said "AU1, AU2, ... AU17 is coded present in
    none ...; leave it out of --au-set"."""
    root = _samm(tmp_path / "SAMM")
    line = refusal_line(*cli("run", "-m", "ststnet", "-f", "tvl1-uvos", "-d", "samm", "--data-root",
                      root, "--task", "au", "--epochs", "1", "--threads", "1", "--quiet",
                      "--out", tmp_path / "au"))
    assert line.startswith("merbench: error: AU1, AU2, AU5, "), line
    assert " and AU17 are coded present in none of the 6 coded samples this protocol uses " \
           "(dataset 'samm'): no classifier can learn or be scored on them; run the AUs " \
           "coded present: --au-set 4,7" in line, line
    assert not (tmp_path / "au").exists()


def test_one_problem_of_a_long_video_sheet_is_one(cli, tmp_path: Path) -> None:
    """samm-long said "1 problems in the sheets" and "it holds 1 intervals"."""
    import pandas as pd

    root = tmp_path / "SAMMLV"
    rng = np.random.default_rng(0)
    for i in range(1, 13):
        _image(root / "SAMM_longvideos" / "006_1" / f"006_1_{i:04d}.jpg", rng)
    header = ["Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset",
              "Duration", "Type", "Action Units", "Notes"]
    rows = [["006", "006_1_1", 1, 3, 5, 8, 6, "Micro - 1/2", "4", ""],
            ["099", "099_1_1", 1, 3, 5, 8, 6, "Micro - 1/2", "4", ""]]
    sheet = root / "SAMM_LongVideos_V3_Release.xlsx"
    pd.DataFrame([*[["notes"] + [""] * 9] * 9, header, *rows]).to_excel(
        sheet, header=False, index=False)
    line = refusal_line(*cli("spot", "--spotter", "flow-peak", "--quiet", "-d", "samm-long",
                      "--data-root", root, "--tune", "p=0.1", "--out", tmp_path / "s"))
    assert line.startswith("merbench: error: samm-long: 1 problem in the sheets or the frame "
                           "tree: samm-long/099/099_1: its frame folder "), line
    assert f"is missing (it holds 1 interval of the sheet, the first '{sheet}' row 12): " \
           "restore the folder; correct it, or pass --dataset-opt skip_missing=true" in line, line


def test_a_grid_over_a_range_names_the_tuning_file(cli, tmp_path: Path) -> None:
    """The only tuning-file refusal without the file's name: "[space] lr is a range ..."."""
    plan = tmp_path / "t.toml"
    plan.write_text('model = "ststnet"\ndataset = "synthetic"\n[search]\nsampler = "grid"\n'
                    "[space]\nlr = {low = 0.001, high = 0.1}\n")
    line = refusal_line(*cli("tune", plan, "--threads", "1", "--out", tmp_path / "t"))
    assert line == (f"merbench: error: {plan}: [space] lr: a range of real numbers, which a "
                    "grid cannot list; give choices = [...] for sampler = \"grid\""), line
