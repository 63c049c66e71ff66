"""Two folders that one raw database reads as one subject, video or clip (issue 84, pass
84w, W22): SMIC-HS's ``s1`` beside a copy ``s01`` (or ``S1``, ``s001``) was taken with one
of them silently left out, which one decided by the order of the listing. Every database
that finds its subjects or videos by listing its tree (SMIC, CAS(ME)^2, SAMM Long Videos,
CAS(ME)^3 Part A) now refuses the pair, naming both folders.

The trees are built here (random pixels, no faces): no real data is needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rawtrees import FAST_FLOW, random_frames, workbook
from test_long_videos import (
    CASME_SQ_CODE,
    SAMM_ROWS,
    _casme3_small,
    _casme_sq,
    _interval,
    _samm_long,
)

from merbench.base.errors import MerbenchError

SMIC_CLIPS = (("negative", "ne"), ("positive", "po"))


@pytest.fixture
def smic_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "SMIC"
    for kind, short in SMIC_CLIPS:
        random_frames(root / "HS" / "s1" / "micro" / kind / f"s1_{short}_01",
                      range(1000, 1006), "image{:06d}.bmp")
    return root


def _extract(cli, root: Path, *options: str) -> tuple[int, str, str]:
    given = [part for option in options for part in ("--dataset-opt", option)]
    return cli("extract", "-d", "smic", "--data-root", root, "-f", "tvl1-uvos", *FAST_FLOW,
               "--workers", "1", "-q", *given)


def _refused(code: int, err: str, first: Path, second: Path, named: str) -> None:
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert (f"smic: the folders '{first}' and '{second}' both name the {named}; keep one of "
            "them (move or rename the other)") in err


@pytest.mark.parametrize("copy", ["s01", "S1", "s001"])
def test_two_smic_folders_of_one_subject_are_refused_naming_both(smic_root: Path, cli,
                                                                 copy: str) -> None:
    """W22: 6 samples, rc 0, with the copy's frames never read."""
    hs = smic_root / "HS"
    shutil.copytree(hs / "s1", hs / copy)
    code, _, err = _extract(cli, smic_root)
    first, second = sorted((hs / "s1", hs / copy))
    _refused(code, err, first, second, "subject s01")


def test_an_apex_sheet_does_not_hide_two_folders_of_one_subject(smic_root: Path, cli,
                                                                tmp_path: Path) -> None:
    hs = smic_root / "HS"
    shutil.copytree(hs / "s1", hs / "s01")
    rows: list[list[object]] = [["subject", "clip", "label", "onset_frame", "apex_frame",
                                 "offset_frame"]]
    rows += [["s1", f"s1_{short}_01", label, 1000, 1002, 1005]
             for label, (_, short) in enumerate(SMIC_CLIPS)]
    sheet = workbook(tmp_path / "apex.xlsx", rows)
    code, _, err = _extract(cli, smic_root, f"apex_sheet={sheet}")
    _refused(code, err, hs / "s01", hs / "s1", "subject s01")


def test_a_smic_subject_folder_spelt_with_a_space_is_refused_by_its_clips(smic_root: Path,
                                                                          cli) -> None:
    """``s 1`` is no subject name SMIC reads, but its clips ``s1_ne_01`` are the same
    clips."""
    hs = smic_root / "HS"
    shutil.copytree(hs / "s1", hs / "s 1")
    code, _, err = _extract(cli, smic_root)
    clip = Path("micro", "negative", "s1_ne_01")
    _refused(code, err, hs / "s 1" / clip, hs / "s1" / clip, "clip s01_ne_01")


def test_one_smic_clip_filed_under_two_classes_is_refused(smic_root: Path, cli) -> None:
    """It was read as the class listed last (positive), the other folder left out."""
    micro = smic_root / "HS" / "s1" / "micro"
    shutil.copytree(micro / "negative" / "s1_ne_01", micro / "positive" / "s1_ne_01")
    code, _, err = _extract(cli, smic_root)
    _refused(code, err, micro / "negative" / "s1_ne_01", micro / "positive" / "s1_ne_01",
             "clip s01_ne_01")


def test_smic_alone_is_still_read(smic_root: Path, cli) -> None:
    code, out, err = _extract(cli, smic_root)
    assert code == 0 and "2 samples" in out, err


@pytest.mark.parametrize(("copy", "named"), [
    ("s015", "subject s15"), ("S15", "subject s15"),
    ("s15/15_0101copy", "video s15/0101"),
])
def test_casme_sq_long_refuses_two_folders_of_one_subject_or_video(tmp_path: Path, copy: str,
                                                                   named: str) -> None:
    """``s015`` (its videos ``15_...``) and ``S15`` were left out unsaid; a second
    ``15_0101...`` folder was read in place of the first."""
    from merbench_datasets.casme_sq_long import make_casme_sq_long

    root = _casme_sq(tmp_path, CASME_SQ_CODE)
    rawpic = root / "rawpic"
    original = rawpic / ("s15/15_0101disgustingteeth" if "/" in copy else "s15")
    shutil.copytree(original, rawpic / copy)
    first, second = sorted((original, rawpic / copy))
    with pytest.raises(MerbenchError) as error:
        make_casme_sq_long(str(root))
    assert str(error.value) == (f"casme-sq-long: the folders '{first}' and '{second}' both "
                                f"name the {named}; keep one of them (move or rename the "
                                "other)")


@pytest.mark.parametrize("copy", ["6_1", "006_01"])
def test_samm_long_refuses_two_folders_of_one_video(tmp_path: Path, copy: str) -> None:
    """``6_1`` beside ``006_1`` was a second video (of subject "6") with no intervals."""
    from merbench_datasets.samm_long import make_samm_long

    root = _samm_long(tmp_path, SAMM_ROWS)
    videos = root / "SAMM_longvideos"
    shutil.copytree(videos / "006_1", videos / copy)
    first, second = sorted((videos / "006_1", videos / copy))
    with pytest.raises(MerbenchError, match=r"^samm-long: the folders '(.+)' and '(.+)' both "
                                            r"name the video 006_1; keep one") as error:
        make_samm_long(str(root))
    assert str(first) in str(error.value) and str(second) in str(error.value)


def test_casme3_long_refuses_two_folders_of_one_video_in_two_cases(tmp_path: Path) -> None:
    """The sheet's video ``a`` matched ``a/`` or ``A/`` by the order of the listing."""
    from merbench_datasets.casme3_long import make_casme3_long

    root = _casme3_small(tmp_path, [_interval()])
    subject = root / "part_A" / "spNO.1"
    shutil.copytree(subject / "a", subject / "A")
    with pytest.raises(MerbenchError) as error:
        make_casme3_long(str(root))
    assert str(error.value) == (f"casme3-long: the folders '{subject / 'A'}' and "
                                f"'{subject / 'a'}' both name the video spNO.1/a; keep one "
                                "of them (move or rename the other)")
