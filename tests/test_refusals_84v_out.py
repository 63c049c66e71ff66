"""Pass 84v's V7, V8 and V9: ``extract --save`` writing into another command's output folder
(V7) or under a name no other command tells as a features file (V8), and ``run --features``
and ``predict PATH`` given another command's output without naming it (V9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXTRACT = ("extract", "--dataset", "synthetic", "--dataset-opt", "subjects=2",
           "--feature", "flow-uvos", "--quiet")


def _one_line(code: int, err: str) -> str:
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize("name", ["a.json", "a.txt", "a"])
def test_save_under_a_name_not_ending_npz_is_refused(name: str, cli, tmp_path: Path) -> None:
    """V8: an a.json of features was "not UTF-8" to validate and "not a directory" to status,
    which tell a features file by its .npz name."""
    save = tmp_path / name
    line = _one_line(*cli(*EXTRACT, "--save", save)[::2])
    assert line == (f"merbench: error: --save {save} does not end in .npz, the name of a "
                    f"features file; give a name such as {tmp_path / 'a.npz'}"), line
    assert not save.exists()


def _output_folder(tmp_path: Path, command: str) -> tuple[Path, str]:
    """A folder as ``merbench predict`` or ``merbench export --layout`` leaves it, in outline
    (told by name, as a result's folder is), and the file it is told by."""
    folder = tmp_path / command
    folder.mkdir()
    held = {"predict": "predictions.json", "export": "export-report.json"}[command]
    (folder / held).write_text(json.dumps({"schema_version": 1}))
    return folder, held


@pytest.mark.parametrize("command", ["predict", "export"])
@pytest.mark.parametrize("where", ["its-own-file", "beside", "deeper"])
def test_save_inside_another_commands_output_is_refused(tmp_path: Path, cli, command: str,
                                                        where: str) -> None:
    """V7: --save (with --force) replaced predict's predictions.json and export's report with
    a features file, and put one beside them, where inside a result it is refused."""
    folder, held = _output_folder(tmp_path, command)
    save = {"its-own-file": folder / held, "beside": folder / "x.npz",
            "deeper": folder / "sub" / "x.npz"}[where]
    before = (folder / held).read_bytes()
    line = _one_line(*cli(*EXTRACT, "--save", save, "--force")[::2])
    assert line == (f"merbench: error: --save {save} is inside {folder}, the output folder "
                    f"of 'merbench {command}' (it holds {held}), whose files are its own; "
                    "give a file outside it"), line
    assert sorted(p.name for p in folder.iterdir()) == [held]
    assert (folder / held).read_bytes() == before

