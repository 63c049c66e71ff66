"""Pass 84x, X9, X10, X11, X15: folders a reader took for something they were not.

X11: compare took seed-0/ holding seed 1's run beside seed-1/ holding seed 0's as "seeds 0,
1". X15: a file in a tuning's trials/ that merbench did not write was called a stop's
leftover, and the tune command told to finish the stop deleted it.

X9: a SMIC clip folder copied under another case (``S1_NE_01`` beside ``s1_ne_01``) was a
second sample of the same frames. X10: a SMIC class folder in another case (``Negative/``)
was passed over with all its clips, and an unknown one (``Disgust/``) skipped unsaid.

The trees are built here (random pixels, no faces): no real data is needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from merbench_datasets import smic
from rawtrees import FAST_FLOW, random_frames


@pytest.fixture
def smic_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "SMIC"
    for kind, short in (("negative", "ne"), ("positive", "po")):
        random_frames(root / "HS" / "s1" / "micro" / kind / f"s1_{short}_01",
                      range(1000, 1006), "image{:06d}.bmp")
    return root


def _extract(cli, root: Path) -> tuple[int, str, str]:
    return cli("extract", "-d", "smic", "--data-root", root, "-f", "tvl1-uvos", *FAST_FLOW,
               "--workers", "1", "-q")


def _one_line(code: int, err: str) -> None:
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err


def test_a_smic_clip_folder_in_another_case_is_one_clip(smic_root: Path, cli) -> None:
    """X9: rc 0 with 3 samples from 2 clips."""
    negative = smic_root / "HS" / "s1" / "micro" / "negative"
    shutil.copytree(negative / "s1_ne_01", negative / "S1_NE_01")
    code, _, err = _extract(cli, smic_root)
    _one_line(code, err)
    assert (f"smic: the folders '{negative / 'S1_NE_01'}' and '{negative / 's1_ne_01'}' both "
            "name the clip s01_ne_01; keep one of them") in err


def test_a_smic_class_folder_in_another_case_is_read(smic_root: Path) -> None:
    """X10: ``Negative/`` was passed over, its clip dropped without a word."""
    micro = smic_root / "HS" / "s1" / "micro"
    (micro / "negative").rename(micro / "Negative")
    clips = smic.clip_folders(smic_root)
    assert sorted(clips) == ["s01_ne_01", "s01_po_01"]
    assert clips["s01_ne_01"] == ("negative", micro / "Negative" / "s1_ne_01")


def test_two_smic_class_folders_of_one_class_are_refused(smic_root: Path, cli) -> None:
    micro = smic_root / "HS" / "s1" / "micro"
    random_frames(micro / "Negative" / "s1_ne_02", range(1000, 1006), "image{:06d}.bmp")
    code, _, err = _extract(cli, smic_root)
    _one_line(code, err)
    assert (f"smic: the folders '{micro / 'Negative'}' and '{micro / 'negative'}' both name "
            "the class negative; keep one of them") in err


def test_a_folder_that_is_no_smic_class_is_refused(smic_root: Path, cli) -> None:
    """X10: ``micro/Disgust/`` was skipped, rc 0, without a word."""
    micro = smic_root / "HS" / "s1" / "micro"
    random_frames(micro / "Disgust" / "s1_di_01", range(1000, 1006), "image{:06d}.bmp")
    code, _, err = _extract(cli, smic_root)
    _one_line(code, err)
    assert (f"smic: the folder '{micro / 'Disgust'}' is no class of SMIC-HS's (negative, "
            f"positive, surprise); move it out of '{micro}' or rename it") in err


# -- X15: a tuning's trials/ holding a file merbench did not write ----------------------------


@pytest.fixture(scope="module")
def tuned_test(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test-scored search on synthetic, finished: its runs in runs.tar.xz alone."""
    from test_tune import _tune

    from merbench.tuning.record import TEST_SCORED

    folder = tmp_path_factory.mktemp("tune")
    _tune(folder, "tq", mode=TEST_SCORED)
    return folder / "tq"


def _with_stranger(tuned_test: Path, tmp_path: Path) -> Path:
    folder = Path(shutil.copytree(tuned_test, tmp_path / "tq"))
    (folder / "trials").mkdir()
    (folder / "trials" / "x").write_text("x\n")
    return folder


STRANGER = "trials/x is no run of this tuning (runs.tar.xz does not hold it); move it out"


@pytest.mark.parametrize("command", ["status", "validate", "show"])
def test_a_users_file_in_trials_is_named_not_called_a_stops_leftover(
        tuned_test: Path, tmp_path: Path, cli, command: str) -> None:
    """X15: 'the runs are both packed and unpacked: a stop came while they were packed'."""
    folder = _with_stranger(tuned_test, tmp_path)
    code, out, err = cli(command, folder)
    assert STRANGER in out + err, (out, err)
    assert command == "status" or code != 0
    assert "a stop came" not in out + err


def test_the_tune_command_refuses_and_keeps_a_users_file_in_trials(
        tuned_test: Path, tmp_path: Path, cli) -> None:
    """X15: the same tune command deleted trials/ and the file, rc 0, without a word."""
    from test_tune import TINY

    folder = _with_stranger(tuned_test, tmp_path)
    toml = tmp_path / "tiny.toml"
    toml.write_text(TINY.format(dataset="synthetic"))
    code, out, err = cli("tune", toml, "--score", "test", "--threads", "1", "--out", folder)
    assert code == 2 and len(err.strip().splitlines()) == 1, (out, err)
    assert f"--out {folder}: {STRANGER}" in err
    assert (folder / "trials" / "x").read_text() == "x\n"


# -- X11: seed-N folders holding each other's seeds ------------------------------------------

SEED_RUNS = Path(__file__).resolve().parents[1] / "leaderboards" / "results" / \
    "offapexnet-composite-loso"  # seed-0/ and seed-1/, no seeds.json


def test_compare_refuses_seed_folders_holding_each_others_runs(cli, tmp_path: Path) -> None:
    """X11: rc 0, 'seeds 0, 1', where the copies of one seed were refused by this rule."""
    folder = tmp_path / "swapped"
    shutil.copytree(SEED_RUNS / "seed-1", folder / "seed-0")
    shutil.copytree(SEED_RUNS / "seed-0", folder / "seed-1")
    code, _, err = cli("compare", folder, SEED_RUNS)
    _one_line(code, err)
    assert (f"merbench: error: {folder / 'seed-0'} holds seed 1's run: each seed-N folder "
            "must hold seed N's own run; name each folder after the seed its run records, or "
            "give a --seeds folder") in err
