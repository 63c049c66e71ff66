"""Pass 84z's Z4 and Z5: a spotting run's ``videos`` that is a file or a link is one line
with one fix from status, validate, show and the same ``spot`` command, as a run's
``folds`` is (X6, X8): a finished run's folder put back, an unfinished run's link put in
its place with its videos kept, never "remove it" nor "give another --out"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TINY_SPOT, run_cli

PUT_BACK = "videos is a file; remove it and put the folder itself in its place"
KEPT = ("not the run's folder of finished videos; put the folder itself in its place (its "
        "finished videos are kept), then run the same merbench spot command to go on")


@pytest.fixture(scope="module")
def spotted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished spotting run of a few seconds."""
    out = tmp_path_factory.mktemp("z4") / "sp"
    code, _, err = run_cli("spot", *TINY_SPOT, "--out", out)
    assert code == 0, err
    return out


def _said(cli, run: Path) -> dict[str, tuple[int, str]]:
    """What status, validate, show and the same spot command say of ``run``."""
    said = {}
    for name, args in (("status", ("status", run)), ("validate", ("validate", run)),
                       ("show", ("show", run)), ("spot", ("spot", *TINY_SPOT, "--out", run))):
        code, out, err = cli(*args)
        said[name] = (code, out + err)
    return said


def test_a_finished_runs_videos_file_is_put_back_by_every_command(
        cli, spotted: Path, tmp_path: Path) -> None:
    """Z4: status said "remove it: the same command writes what it should hold again",
    which spot then refused with "give another --out"."""
    run = tmp_path / "s"
    shutil.copytree(spotted, run)
    shutil.rmtree(run / "videos")
    (run / "videos").write_text("x")
    said = _said(cli, run)
    assert said["status"][0] == 0
    assert f"written, but {PUT_BACK} ('merbench validate' refuses it)" in said["status"][1]
    for name in ("validate", "show", "spot"):
        code, text = said[name]
        assert code == 2 and PUT_BACK in text, (name, text)
    for _code, text in said.values():
        assert "give another --out" not in text and "writes what it should hold" not in text
        assert "Traceback" not in text


def test_an_unfinished_runs_videos_link_keeps_its_videos_in_every_command(
        cli, spotted: Path, tmp_path: Path) -> None:
    """Z5: validate said the results walk's line, status and show "remove it", spot "give
    another --out"."""
    run = tmp_path / "s"
    shutil.copytree(spotted, run)
    (run / "spotting.json").unlink()
    (run / "videos").rename(tmp_path / "vl")
    (run / "videos").symlink_to(tmp_path / "vl")
    said = _said(cli, run)
    line = f"videos is a symbolic link (to {tmp_path / 'vl'}), {KEPT}"
    assert said["status"] == (0, f"{run}: {said['status'][1].split(': ')[1]}: {line}\n")
    for name in ("validate", "show", "spot"):
        code, text = said[name]
        assert code == 2 and text.count("\n") == 1 and line in text, (name, text)
    assert "refused unread" not in said["validate"][1]
    assert sorted(p.name for p in (tmp_path / "vl").iterdir()) == sorted(
        p.name for p in (spotted / "videos").iterdir())
