"""A single checkpoint's ``--out`` that is a folder, and a folder of the authors' checkpoints
that holds one of merbench's. Written inside the folder, the converted file joined the
authors' checkpoints there, and converting that folder then called merbench's own file a
checkpoint of some other model."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from conftest import one_line
from test_cli_convert_weights import _offapexnet_port


def _authors_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "port"
    folder.mkdir()
    for subject in ("s01", "s02"):
        torch.save(_offapexnet_port(subject), folder / f"{subject}.pth")
    return folder


def test_a_single_files_out_that_is_a_folder_is_refused(tmp_path: Path, cli) -> None:
    folder = _authors_folder(tmp_path)
    torch.save(_offapexnet_port("one"), tmp_path / "one.pth")
    code, out, err = cli("convert-weights", "offapexnet", tmp_path / "one.pth", "--out", folder)
    assert code == 2 and not out
    assert one_line(err) == (f"merbench: error: --out {folder} is a folder; give the converted "
                             f"file's name, e.g. {tmp_path / 'port-converted.pth'}")
    assert sorted(p.name for p in folder.iterdir()) == ["s01.pth", "s02.pth"]


def test_a_converted_file_among_the_authors_is_named_as_already_converted(
        tmp_path: Path, cli) -> None:
    folder = _authors_folder(tmp_path)
    torch.save(_offapexnet_port("one"), tmp_path / "one.pth")
    code, _, err = cli("convert-weights", "offapexnet", tmp_path / "one.pth", "--out",
                       tmp_path / "ours.pth")
    assert code == 0, err
    shutil.copy(tmp_path / "ours.pth", folder / "ours.pth")
    code, out, err = cli("convert-weights", "offapexnet", folder, "--out", tmp_path / "all")
    assert code == 2 and not out
    assert one_line(err) == (f"merbench: error: checkpoint {folder / 'ours.pth'} is already "
                             "converted (it holds merbench's names): move it out of "
                             f"{folder}, which converts the authors' checkpoints")
    assert not (tmp_path / "all").exists()
    code, out, err = cli("convert-weights", "offapexnet", folder / "ours.pth", "--out",
                         tmp_path / "again.pth")
    assert code == 2 and not out
    assert one_line(err) == (f"merbench: error: checkpoint {folder / 'ours.pth'} is already "
                             "converted (it holds merbench's names): it loads as it is, with "
                             "nothing to convert")
