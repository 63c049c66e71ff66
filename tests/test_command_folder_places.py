"""An output place inside another command's output folder (predict's, export's) is refused by
every command that writes, as one inside a result's folder is: ``predict --out p0/x`` was
taken inside an earlier prediction's folder ``p0``, after which ``predict --out p0``, going
on in that folder, refused it for holding ``x``, which predict does not write; a run and a
site were taken there too. Each case runs the command a user runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TINY_RUN, TINY_SPOT

from tests.test_own_places import _one_line

HELD = {"predict": "predictions.json", "export": "export-report.json"}
#: the fields each command always writes into the file it is known by
WRITTEN = {"predict": {"schema_version": 1, "kind": "predictions",
                       "video": {"source": "synthetic-long/sub01/v1"},
                       "spotter": {"name": "flow-peak", "options": {}}},
           "export": {"layout": "dfme", "written": []}}


def _given(command: str, out: Path, tmp_path: Path) -> list[object]:
    """The command line of ``command`` writing to ``out``."""
    (tmp_path / "empty").mkdir(exist_ok=True)
    return {"run": ["run", *TINY_RUN, "--out", out],
            "predict": ["predict", "--dataset", "synthetic-long", "--video",
                        "synthetic-long/sub01/v1", "--quiet", "--out", out],
            "spot": ["spot", *TINY_SPOT, "--out", out],
            "build": ["leaderboard", "build", "--results", tmp_path / "empty", "--out", out],
            "keygen": ["keygen", "--out", out]}[command]


@pytest.mark.parametrize("owner", ["predict", "export"])
@pytest.mark.parametrize("command", ["run", "predict", "spot", "build", "keygen"])
def test_an_out_inside_another_commands_output_folder_is_refused(
        tmp_path: Path, cli, owner: str, command: str) -> None:
    folder = tmp_path / "p0"
    folder.mkdir()
    (folder / HELD[owner]).write_text(json.dumps(WRITTEN[owner]))
    out = folder / "x"
    line = _one_line(*cli(*_given(command, out, tmp_path))[::2])
    what = "file" if command == "keygen" else "folder"
    assert line == (f"merbench: error: --out {out} is inside {folder}, the output folder of "
                    f"'merbench {owner}' (it holds {HELD[owner]}), whose files are its own; "
                    f"give a {what} outside it"), line
    assert sorted(p.name for p in folder.iterdir()) == [HELD[owner]]  # nothing written


def test_a_second_prediction_inside_the_first_leaves_it_to_go_on_with(tmp_path: Path,
                                                                      cli) -> None:
    """The user's sequence: the nested prediction refused, the first folder gone on with."""
    first = tmp_path / "p0"
    code, _, err = cli(*_given("predict", first, tmp_path))
    assert code == 0, err
    _one_line(*cli(*_given("predict", first / "x", tmp_path))[::2])
    code, _, err = cli(*_given("predict", first, tmp_path))
    assert code == 0, err
    assert not (first / "x").exists()


@pytest.mark.parametrize("name", ["predictions.json", "recogniser.json", "export-report.json"])
@pytest.mark.parametrize("command", ["run", "build"])
def test_a_users_file_named_as_a_commands_leaves_the_folder_writable(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, name: str, command: str) -> None:
    """A project folder holding the user's own file of that name is no command's folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(json.dumps({"my": "own"}))
    out = Path("runs/x") if command == "run" else Path("site")
    code, _, err = cli(*_given(command, out, tmp_path))
    assert code == 0, err
    assert json.loads((tmp_path / name).read_text()) == {"my": "own"}
