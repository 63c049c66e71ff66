"""Pass 84w's W7, W8 and W9 and the rest of V3: ``compare`` of a folder holding several runs
that no ``--seeds`` command made one experiment (W7) and of a path that is not there (W8),
``keygen --out`` under a file (W9), and ``migrate`` of a layout-2 tuning whose runs.tar.xz
is missing (V3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_refusals_84v_tune import MISSING, _tuning

COMMITTED = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
SEED_RUNS = COMMITTED / "offapexnet-composite-loso"  # seed-0/ and seed-1/, no seeds.json


def _one_line(code: int, err: str) -> str:
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize("seeds", [("seed-0", "seed-1"), ("seed-0", "seed-0")])
def test_compare_refuses_a_folder_of_runs_kept_side_by_side(
        seeds: tuple[str, str], cli, tmp_path: Path) -> None:
    """W7: two runs in a/ and b/ were averaged as the seeds of one experiment, and two copies
    of one run compared as that run alone; show and audit refuse the folder, in these
    words."""
    folder = tmp_path / "two"
    for name, seed in zip("ab", seeds, strict=True):
        shutil.copytree(SEED_RUNS / seed, folder / name)
    line = _one_line(*cli("compare", folder, SEED_RUNS)[::2])
    held = f"{folder} holds 2 results ({folder / 'a'}, {folder / 'b'})"
    assert line == (f"merbench: error: {held}, not the seed-N runs of a --seeds folder; give "
                    "one of them, or a --seeds folder"), line
    assert _one_line(*cli("show", folder)[::2]).startswith(f"merbench: error: {held}; show")


def test_compare_refuses_a_seed_folder_holding_a_copy_of_another_seed(
        cli, tmp_path: Path) -> None:
    """W7: seed-0's run copied as seed-1 was settled as a reproduction and compared as seed 0
    alone, the folder's other run left out without a word."""
    folder = tmp_path / "copies"
    for name in ("seed-0", "seed-1"):
        shutil.copytree(SEED_RUNS / "seed-0", folder / name)
    line = _one_line(*cli("compare", folder, SEED_RUNS)[::2])
    assert line == (f"merbench: error: {folder} holds the runs seed-0, seed-1, which record "
                    "seed(s) 0: each seed-N folder must hold seed N's own run; give one of "
                    "them, or a --seeds folder"), line


@pytest.mark.parametrize("missing", ["htnet", "nosuch/x"])
def test_compare_of_a_path_not_there_says_so_with_the_fix(missing: str, cli, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """W8: the OS's words, "htnet: no such file or directory", with no fix, where validate,
    show and status say "no such file or folder; give ..."."""
    monkeypatch.chdir(tmp_path)
    for given in ((missing, SEED_RUNS), (SEED_RUNS, missing)):
        line = _one_line(*cli("compare", *given)[::2])
        assert line == (f"merbench: error: {missing}: no such file or folder; give a run "
                        "directory or a --seeds folder"), line


def test_compare_help_gives_paths() -> None:
    """W8: the help's examples began 'merbench compare htnet ...', a path that is rarely there
    and was refused in the OS's words."""
    from merbench.cli.examples import EXAMPLES

    assert all(" htnet " not in line for line in EXAMPLES["compare"])


@pytest.mark.parametrize("args", [
    ("keygen", "--out", "{out}"),
    ("leaderboard", "export", "composite-3class-loso", "--results", str(SEED_RUNS), "--out",
     "{out}")], ids=["keygen", "leaderboard-export"])
@pytest.mark.parametrize("under", ["F/k.key", "F/sub/k.key"])
def test_an_out_under_a_file_names_the_file(args: tuple[str, ...], under: str, cli,
                                            tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """W9: ``--out F/k.key`` with F a file said "no folder F; create it first", and mkdir F
    then failed (File exists)."""
    monkeypatch.chdir(tmp_path)
    Path("F").write_text("x")
    line = _one_line(*cli(*(arg.format(out=under) for arg in args))[::2])
    assert line == (f"merbench: error: --out {under} cannot be made: F is a file, not a "
                    "folder; choose another --out"), line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["F"]
    line = _one_line(*cli(*(arg.format(out="nod/k.key") for arg in args))[::2])
    assert line == "merbench: error: --out nod/k.key: no folder nod; create it first", line


def test_migrate_of_a_layout_2_tuning_without_its_archive_says_validates_line(
        tmp_path: Path, cli) -> None:
    """Pass 84v's V3, its rest: validate, status and show say one line of a layout-2 tuning
    whose runs.tar.xz is gone; migrate said a fourth, "runs.tar.xz is missing; publish the
    whole tuning folder"."""
    folder = _tuning(tmp_path, 2)
    (folder / "runs.tar.xz").unlink()
    before = (folder / "tune.json").read_bytes()
    code, out, err = cli("migrate", folder)
    assert code == 2 and f"{folder}: {MISSING}" in err and "publish" not in err, (out, err)
    assert (folder / "tune.json").read_bytes() == before
    code, out, err = cli("validate", folder)
    assert code == 2 and f"{folder}: {MISSING}" in out + err, (out, err)
