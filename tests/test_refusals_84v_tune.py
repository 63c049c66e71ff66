"""Pass 84v, V2, V3, V4 and V10: tunings of the older ``tune.json`` layouts (1: runs
unpacked in ``trials/``; 2: ``runs.tar.xz`` without digests) and ``merbench migrate`` of
them: migrate packs no tuning whose runs are gone (V10), and ``status``, ``show`` and
``validate`` say one line of each fault with a fix that works (V2, V3, V4).
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

#: a small committed tuning (a test-scored search of six runs), copied by each test
COMMITTED = Path(__file__).parents[1] / "leaderboards" / "results" / "tunings" / \
    "ststnet-composite" / "test-scored"


def _layout(folder: Path, version: int) -> None:
    """``folder``'s ``tune.json`` made layout ``version``: no ``archived`` digests (2), and
    for 1 its runs unpacked beside it and ``runs.tar.xz`` removed."""
    if version == 1:
        with tarfile.open(folder / "runs.tar.xz") as archive:
            archive.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter")
                                          else {}))  # type: ignore[arg-type]
        (folder / "runs.tar.xz").unlink()
    path = folder / "tune.json"
    data = json.loads(path.read_text())
    data.pop("archived")
    path.write_text(json.dumps({**data, "schema_version": version}))


def _tuning(tmp_path: Path, version: int, name: str = "t") -> Path:
    folder = Path(shutil.copytree(COMMITTED, tmp_path / name))
    _layout(folder, version)
    return folder


def test_migrate_packs_no_layout_1_tuning_whose_runs_are_gone(tmp_path: Path, cli) -> None:
    """V10: a layout-1 tuning without ``trials/`` was packed into an empty ``runs.tar.xz``
    and recorded as layout 3 (rc 0), its runs no longer restorable where layout 1 keeps
    them; migrate refuses it, leaving it as it was, and a ``trials/`` that is a link is told
    to be put back as the folder itself."""
    folder = _tuning(tmp_path, 1)
    shutil.rmtree(folder / "trials")
    before = (folder / "tune.json").read_bytes()
    code, out, err = cli("migrate", folder)
    assert code == 2 and f"{folder}/tune.json names run folder 'trials/" in err and \
        "put the tuning's run folders back as merbench tune wrote them" in err, (out, err)
    assert (folder / "tune.json").read_bytes() == before
    assert not (folder / "runs.tar.xz").exists()
    source = _tuning(tmp_path, 1, "source")
    os.symlink(source / "trials", folder / "trials")
    code, out, err = cli("migrate", folder)
    assert code == 2 and f"{folder}/trials is a symbolic link (to {source}/trials); put the " \
        "folder itself in its place" in err, (out, err)
    assert not (folder / "runs.tar.xz").exists()


MISSING = ("tune.json is written but runs.tar.xz, the runs it was made from, is missing: the "
           "tuning cannot be checked; restore it, or run the same merbench tune command into "
           "a new folder")


def _said(cli, folder: Path) -> dict[str, str]:
    """What validate, status and show print of ``folder`` (stderr and stdout together)."""
    said = {}
    for command in ("validate", "status", "show"):
        code, out, err = cli(command, folder)
        assert code != 0 or command == "status", (command, out, err)  # status: a state
        said[command] = out + err
    return said


def test_a_layout_2_tuning_without_its_archive_is_the_missing_archive_to_all_three(
        tmp_path: Path, cli) -> None:
    """V3: validate called it layout 2 and advised ``merbench migrate``, which refused
    (``runs.tar.xz is missing``), while status and show said the archive was missing; all
    three say status's line."""
    folder = _tuning(tmp_path, 2)
    (folder / "runs.tar.xz").unlink()
    for command, said in _said(cli, folder).items():
        assert f"{folder}: {MISSING}" in said and "layout 2" not in said, (command, said)


def test_a_layout_1_tuning_is_validates_migrate_line_to_all_three(tmp_path: Path,
                                                                  cli) -> None:
    """V2: status and show called a layout-1 tuning (runs unpacked, no ``runs.tar.xz``) one
    whose archive is missing, to be re-run whole; validate's migrate packs it, and all three
    say so."""
    folder = _tuning(tmp_path, 1)
    line = (f"tune.json is a tuning results file of layout 1 (its runs unpacked; merbench "
            f"migrate {folder} packs them into layout 3)")  # a command to paste, as it is
    for command, said in _said(cli, folder).items():
        assert line in said and "is missing" not in said, (command, said)


def test_an_archived_runs_replaced_predictions_are_named_by_all_three(tmp_path: Path,
                                                                      cli) -> None:
    """V4: a layout-2 tuning whose chosen run's ``predictions.csv`` in ``runs.tar.xz`` was
    replaced by another trial's, migrated (which digests the archive as it is): status and
    show blamed the tuning's own, untouched ``predictions.csv``; all three name the packed
    run's file, as validate did."""
    folder = _tuning(tmp_path, 1)
    outer = json.loads((folder / "tune.json").read_text())["outer"][0]
    chosen = folder / outer["final_run"]
    other = next(run for trial in outer["trials"] for run in trial["runs"]
                 if run != outer["final_run"])
    shutil.copyfile(folder / other / "predictions.csv", chosen / "predictions.csv")
    with tarfile.open(folder / "runs.tar.xz", "w:xz", format=tarfile.PAX_FORMAT) as archive:
        archive.add(folder / "trials", arcname="trials")
    shutil.rmtree(folder / "trials")
    path = folder / "tune.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "schema_version": 2}))
    code, _out, err = cli("migrate", folder)
    assert code == 0, err
    line = (f"runs.tar.xz: {outer['final_run']}: predictions.csv is not the file results.json "
            "records (its SHA-256 differs); the run's files were changed or removed after "
            "it finished: publish the runs.tar.xz merbench tune wrote")  # its fix (84ad)
    for command, said in _said(cli, folder).items():
        assert line in said and f"{folder}/predictions.csv" not in said, (command, said)
