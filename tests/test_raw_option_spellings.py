"""A raw database's ``classes=`` and ``subjects=`` in every spelling a user meets them in
(pass 84i): ``classes=03`` (``+3``, ``3.0``, ``3e0``) is the whole number 3, as
``subjects=03`` of the synthetic dataset is, and CASME II's subjects are named as its sheet
writes them (``1``), as sample ids do (``casme2/sub01``) or as its folders (``sub01``).
Both were refused: "unknown class set '03'"; "subjects 1, 2 are not in the sheet" of a
sheet whose Subject column holds 1, 2.

The tree is built here (random pixels; Farneback flow on the whole frame): no real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rawtrees import FAST_FLOW, random_frames, workbook

HEADER = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
          "Estimated Emotion"]


@pytest.fixture
def casme2_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CASME2/ with three subjects of one clip each, numbered 1, 2, 3 in the sheet as in
    CASME II's own."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "CASME2"
    rows: list[list[object]] = [HEADER]
    for subject, emotion in zip((1, 2, 3), ("happiness", "disgust", "surprise"), strict=True):
        random_frames(root / "Cropped" / f"sub{subject:02d}" / "EP01_01f", range(10, 16),
                      "reg_img{}.jpg")
        rows.append([subject, "EP01_01f", 10, 12, 15, "4+L10", emotion])
    workbook(root / "CASME2-coding-20190701.xlsx", rows)
    return root


def _extract(cli, root: Path, *options: str) -> tuple[int, str, str]:
    given = [part for option in options for part in ("--dataset-opt", option)]
    return cli("extract", "-d", "casme2", "--data-root", root, "-f", "tvl1-uvos", *FAST_FLOW,
               "--workers", "1", "-q", *given)


@pytest.mark.parametrize("spelled", ["3", "03", "+3", "3.0", "3e0", "3-class"])
def test_a_class_set_is_its_whole_number_in_any_spelling(casme2_root: Path, cli,
                                                         spelled: str) -> None:
    code, out, err = _extract(cli, casme2_root, f"classes={spelled}")
    assert code == 0 and "3 samples" in out, err


# a whole number is recorded as the default's text before the loader sees it (one run for
# every spelling), so 04 is refused as the class set '4' it names
@pytest.mark.parametrize(("spelled", "shown"), [("4", "'4'"), ("04", "'4'"), ("2.5", "2.5"),
                                                ("three", "'three'"), ("3x", "'3x'")])
def test_an_unknown_class_set_is_shown_as_given(casme2_root: Path, cli, spelled: str,
                                                shown: str) -> None:
    code, _, err = _extract(cli, casme2_root, f"classes={spelled}")
    assert code == 2 and err.startswith(
        f"merbench: error: casme2: unknown class set {shown}; choose --dataset-opt classes=N "
        "with N one of 5 ("), err


# 1.0, +1, 1e0: the sheet's number in every whole-number spelling, as 01 (pass 84j, Q8)
@pytest.mark.parametrize("spelled", ["1,2", "01,02", "sub01,sub02", "casme2/sub01,casme2/sub02",
                                     "sub1, 2", "1.0,2.0", "+1,2", "1e0,2"])
def test_subjects_are_named_in_the_sheets_the_folders_or_the_ids_spelling(
        casme2_root: Path, cli, spelled: str) -> None:
    code, out, err = _extract(cli, casme2_root, f"subjects={spelled}")
    assert code == 0 and "2 samples" in out, err


def test_one_subject_named_in_two_spellings_is_named_twice(casme2_root: Path, cli) -> None:
    code, _, err = _extract(cli, casme2_root, "subjects=1,sub01")
    assert code == 2
    assert err == ("merbench: error: casme2: subjects names sub01 twice (as 1 and sub01); "
                   "name each subject once\n"), err


def test_a_subject_no_spelling_names_is_refused_as_given(casme2_root: Path, cli) -> None:
    code, _, err = _extract(cli, casme2_root, "subjects=1,4,samm/sub02")
    assert code == 2
    assert err == ("merbench: error: casme2: subjects 4, samm/sub02 are not in the sheet; its "
                   "subjects are sub01, sub02, sub03\n"), err


def test_every_spelling_of_a_class_set_is_one_run(casme2_root: Path, cli, tmp_path: Path) -> None:
    """Recorded as the default's kind, the text ``"3"``: '03' and 3.0 were other runs to
    ``--out`` ("holds a different run (dataset.options.classes: 3.0 here, '03' there)"), and
    ``classes=5``, recorded as the int, was another run than CASME II's default "5" it names
    (walk 85l)."""
    run = ["run", "-d", "casme2", "--data-root", casme2_root, "-m", "ststnet", "-f",
           "tvl1-uvos", *FAST_FLOW, "--epochs", "1", "--threads", "1", "--workers", "1", "-q",
           "--out", tmp_path / "r"]
    for spelled in ("03", "3", "3.0", "+3", '"3"'):
        code, _, err = cli(*run, "--dataset-opt", f"classes={spelled}")
        assert code == 0, (spelled, err)
    recorded = json.loads((tmp_path / "r" / "run.json").read_text())
    assert '"classes": "3"' in json.dumps(recorded)
    # the default class set spelt out is the default run
    default = [*run[:-1], tmp_path / "default"]
    assert cli(*default)[0] == 0
    for spelled in ("5", "05", '"5"'):
        code, _, err = cli(*default, "--dataset-opt", f"classes={spelled}")
        assert code == 0, (spelled, err)
