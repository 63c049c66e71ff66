"""Pass 84aa, AA10: ``leaderboard build --out SITE`` over a site merbench built deleted what a
user put there since (a notes file, a folder, a whole run); AA5: a folder of more than 5,000
folders was "no merbench result" to ``show``, and ``status`` counted its folders otherwise
than ``validate`` (one walked a folder the other refused)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from merbench.leaderboard.site import build_site
from merbench.results.folder_walk import FOLDERS_LOOKED_INTO
from merbench.results.result_files import SITE_MARKER

REPOSITORY = Path(__file__).resolve().parents[1]
#: a finished run of the committed results (two folders: its own and folds/)
COMMITTED_RUN = REPOSITORY / "leaderboards" / "results" / "ststnet-composite-loso-smic" / "seed-0"

# -- AA10: a site rebuilt over files its build did not write ----------------------------


def _site(tmp_path: Path) -> tuple[Path, Path]:
    results = tmp_path / "results"
    results.mkdir()
    out = tmp_path / "site"
    build_site([results], out)
    return results, out


def test_a_site_holding_a_users_files_is_refused_and_they_are_kept(tmp_path: Path,
                                                                   cli) -> None:
    results, out = _site(tmp_path)
    (out / "mynotes.txt").write_text("important")
    (out / "compare" / "mine").mkdir()
    (out / "compare" / "mine" / "a.txt").write_text("x")
    run = out / "myrun"
    run.mkdir()
    for name in ("run.json", "results.json"):
        (run / name).write_text("{}")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 2 and err.count("\n") == 1, err
    assert f"--out {out} holds files its earlier build did not write (compare/mine/, " \
           "mynotes.txt, myrun/ (a merbench result)), which this build would delete: move " \
           "them out, or choose a new folder" in err, err
    assert (out / "mynotes.txt").read_text() == "important"
    assert (out / "compare" / "mine" / "a.txt").is_file() and (run / "run.json").is_file()


def test_a_site_of_its_own_files_is_replaced(tmp_path: Path, cli) -> None:
    """What the earlier build wrote is replaced, a page since removed included."""
    results, out = _site(tmp_path)
    page = next((out / "compare").iterdir())
    page.unlink()
    (out / "index.html").write_text("edited")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 0, err
    assert page.is_file() and (out / "index.html").read_text() != "edited"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]


def test_a_site_an_older_merbench_built_is_checked_against_the_new_build(tmp_path: Path,
                                                                         cli) -> None:
    """Its marker lists no files: what this build writes is taken as the site's own."""
    results, out = _site(tmp_path)
    (out / SITE_MARKER).write_text("Built by merbench leaderboard build; the next build "
                                   "replaces this folder.\n")
    (out / "notes").write_text("mine")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 2 and err.count("\n") == 1, err
    assert f"--out {out} holds files this build does not write (notes), which it would " \
           "delete (an older merbench built the site" in err, err
    assert (out / "notes").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]  # no staging
    (out / "notes").unlink()
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 0, err
    assert '"files"' in (out / SITE_MARKER).read_text()  # the list kept from now on


def test_many_foreign_entries_are_counted_past_the_first(tmp_path: Path, cli) -> None:
    results, out = _site(tmp_path)
    for i in range(8):
        (out / f"note-{i}").write_text("x")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 2 and "(note-0, note-1, note-2, note-3, note-4 and 3 more)" in err, err
    assert len(list(out.glob("note-*"))) == 8


# -- AA5: a folder of more than 5,000 folders, refused one way by every command ----------


def _too_many(folder: Path) -> str:
    return (f"merbench: error: {folder} has more than {FOLDERS_LOOKED_INTO:,} folders within "
            "8 levels of it: it is no folder of results; give the folder that holds your "
            "runs\n")


def test_show_refuses_a_folder_of_too_many_folders_as_validate_does(tmp_path: Path,
                                                                     cli) -> None:
    """A finished run among 5,000 empty folders: show said the folder held no result."""
    folder = tmp_path / "j3"
    folder.mkdir()
    shutil.copytree(COMMITTED_RUN, folder / "zz")
    for i in range(FOLDERS_LOOKED_INTO):
        os.mkdir(folder / f"d{i:05d}")
    for command in ("show", "status", "validate"):
        code, _, err = cli(command, folder)
        assert (code, err) == (2, _too_many(folder)), (command, err)


@pytest.mark.parametrize(("empty", "refused"), [(2_500, True), (10, False)])
def test_status_and_validate_count_folders_alike(tmp_path: Path, cli, empty: int,
                                                 refused: bool) -> None:
    """Half the folders are results (status counted only the 2,501 folders it searched,
    validate all 5,003, so status walked what validate refused); with few, both walk."""
    folder = tmp_path / "junk"
    folder.mkdir()
    shutil.copytree(COMMITTED_RUN, folder / "ok1")
    for i in range(empty):
        os.mkdir(folder / f"d{i:05d}")
        os.mkdir(folder / f"r{i:05d}")
        (folder / f"r{i:05d}" / "results.json").write_text("[]")
    said = {command: cli(command, folder) for command in ("status", "validate")}
    if refused:
        for command, (code, _, err) in said.items():
            assert (code, err) == (2, _too_many(folder)), (command, err)
    else:  # both walk: each names the runs' faults, neither the folder's size
        for command, (_, out, err) in said.items():
            assert "r00000" in out + err and "more than" not in err, (command, out, err)
