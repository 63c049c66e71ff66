"""A run folder's stray files named in one line, the same by every reader (pass 84ab, AB11
and two leftovers of its neighbours).

AB11: an unfinished spotting run whose ``videos/0003.json`` was renamed ``0009.json`` and
``0002.json`` copied to ``0003.json`` was "7 videos spotted so far" of 6 to status and
validate, with "run the same merbench spot command to go on"; followed, the spot command
spotted, wrote ``spotting.json``, then refused the file beyond the run's videos with
"publish the folder as merbench spot wrote it", where deleting it was the fix.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY_SPOT, one_line, run_cli

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def spotted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished spotting run of two videos (``0000.json``, ``0001.json``); copied by
    each test that damages it."""
    out = tmp_path_factory.mktemp("ab11") / "spots"
    code, _, err = run_cli("spot", *TINY_SPOT, "--out", out)
    assert code == 0, err
    return out


def _copy(spotted: Path, tmp_path: Path, finished: bool) -> Path:
    folder = Path(shutil.copytree(spotted, tmp_path / "w"))
    if not finished:
        (folder / "spotting.json").unlink()
    return folder


def test_an_unfinished_spotting_runs_stray_and_copied_videos_are_named_before_spotting(
        spotted: Path, tmp_path: Path, cli: Cli) -> None:
    """AB11: the file beyond the run's videos and the copy, in one line with the fix that
    works, said by status and validate, and by the spot command before it writes a file."""
    folder = _copy(spotted, tmp_path, finished=False)
    videos = folder / "videos"
    (videos / "0001.json").rename(videos / "0009.json")
    shutil.copy(videos / "0000.json", videos / "0001.json")
    before = {path.name: path.read_bytes() for path in videos.iterdir()}
    said = ("videos/0009.json is no video of the run's 2 (0000-0001); delete it if it "
            "belongs to another run; and videos/0001.json holds the same video as "
            "videos/0000.json (synthetic-long/sub01/")
    fix = "a copy or a renamed file of another video; delete it; then run the same " \
          "merbench spot command to go on"
    code, out, _ = cli("status", folder)
    assert said in out and fix in out and "spotted so far" not in out, out
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err and fix in err, err
    code, _, err = cli("spot", *TINY_SPOT, "--out", folder)
    line = one_line(err)
    assert code == 2 and said in line and fix in line, err
    assert not (folder / "spotting.json").exists()
    assert {path.name: path.read_bytes() for path in videos.iterdir()} == before
    # the fix said is all it takes
    (videos / "0009.json").unlink()
    (videos / "0001.json").unlink()
    code, _, err = cli("spot", *TINY_SPOT, "--out", folder)
    assert code == 0, err
    code, out, err = cli("validate", folder)
    assert code == 0 and out.startswith("ok: "), err


def test_a_copied_video_alone_is_spotted_again_once_deleted(
        spotted: Path, tmp_path: Path, cli: Cli) -> None:
    """AB11: a video file holding another's video, named as a copied fold file is."""
    folder = _copy(spotted, tmp_path, finished=False)
    shutil.copy(folder / "videos" / "0000.json", folder / "videos" / "0001.json")
    said = ("holds the same video as videos/0000.json (synthetic-long/sub01/")
    fix = ("a copy or a renamed file of another video; delete it, then run the same "
           "merbench spot command to spot that video again")
    _, out, _ = cli("status", folder)
    assert f"videos/0001.json {said}" in out and fix in out, out
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err and fix in err, err
    code, _, err = cli("spot", *TINY_SPOT, "--out", folder)
    assert code == 2 and said in one_line(err) and fix in err, err


def test_a_finished_spotting_runs_stray_video_is_deleted_not_spotted_anew(
        spotted: Path, tmp_path: Path, cli: Cli) -> None:
    """AB11: of a finished run, status said to spot again into a new --out and validate
    to publish the folder as spot wrote it; deleting the file is the fix."""
    folder = _copy(spotted, tmp_path, finished=True)
    shutil.copy(folder / "videos" / "0001.json", folder / "videos" / "0009.json")
    said = ("videos/0009.json is no video of the run's 2 (0000-0001); delete it if it "
            "belongs to another run")
    _, out, _ = cli("status", folder)
    assert f"written, but {said} ('merbench validate' refuses it)" in out, out
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err, err
    (folder / "videos" / "0009.json").unlink()
    assert cli("validate", folder)[0] == 0


def test_a_spotting_run_records_how_many_videos_it_spots(
        spotted: Path, tmp_path: Path, cli: Cli) -> None:
    """AB11: status knows the run's count from spot-run.json, and a run begun before it
    was recorded goes on with the same command."""
    assert json.loads((spotted / "spot-run.json").read_text())["n_videos"] == 2
    folder = _copy(spotted, tmp_path, finished=False)
    started = json.loads((folder / "spot-run.json").read_text())
    del started["n_videos"]
    (folder / "spot-run.json").write_text(json.dumps(started))
    code, _, err = cli("spot", *TINY_SPOT, "--out", folder)
    assert code == 0, err
    assert cli("validate", folder)[0] == 0


def test_a_finished_runs_stray_copied_and_beyond_fold_files_are_named_in_one_line(
        tiny_finished_run: Path, tmp_path: Path, cli: Cli) -> None:
    """Leftover of Z2: a finished run with a stray name, a copied fold file and one beyond
    its folds was refused one at a time by validate (fix one, run again, hear the next),
    and status named only the first; now both name all three, in the same words."""
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "run"))
    folds = run / "folds"
    (folds / "fold-001.npz").rename(folds / "fold-009.npz")
    shutil.copy(folds / "fold-000.npz", folds / "fold-001.npz")
    shutil.copy(folds / "fold-000.npz", folds / "fold-1.npz")
    said = ("folds/fold-1.npz is not a name merbench gives a fold file (fold-NNN.npz), so it "
            "is no fold of this run; move it out of the run's folds folder; and "
            "folds/fold-001.npz holds fold 0's samples, not fold 1's (a copy or a renamed "
            "file of another fold); delete it; and run.json says 2 folds but "
            "folds/fold-009.npz is beyond them")
    _, out, _ = cli("status", run)
    assert said in out, out
    code, _, err = cli("validate", run)
    assert code == 2 and said in err, err
    assert err.split(f"{run}: ", 1)[1].split("\n")[0] in out, (err, out)


@pytest.mark.parametrize(("name", "state"), [
    ("str.json", "written, but "), ("videos/0001.json", "written, but "),
    ("spotting.json", ""), ("spot-run.json", None)])
def test_a_spotting_runs_file_that_is_a_fifo_is_said_by_status_in_validates_words(
        spotted: Path, tmp_path: Path, cli: Cli, name: str, state: str | None) -> None:
    """Leftover: status said "str.json is a fifo, which merbench never reads (...)" of a
    written run, neither naming the run nor saying validate refuses it; now its line is
    validate's, after the run's state, and the fifo is never opened."""
    folder = _copy(spotted, tmp_path, finished=True)
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)
    code, _, err = cli("validate", folder)
    refusal = err.split(f"{folder}: ", 1)[1].split("\n")[0]
    assert code == 2 and refusal.startswith(f"{name} is a fifo; remove it: "), err
    _, out, _ = cli("status", folder)
    run = "" if state is None else "spotter flow-peak on synthetic-long, 7 settings: "
    assert out.strip() == (f"{folder}: {run}{state or ''}{refusal} ('merbench validate' "
                           "refuses it)"), out
