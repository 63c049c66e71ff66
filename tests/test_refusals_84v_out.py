"""Pass 84v's V7, V8 and V9: ``extract --save`` writing into another command's output folder
(V7) or under a name no other command tells as a features file (V8), and ``run --features``
and ``predict PATH`` given another command's output without naming it (V9)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_command_folder_places import WRITTEN

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
    (told by the fields its file always holds), and the file it is told by."""
    folder = tmp_path / command
    folder.mkdir()
    held = {"predict": "predictions.json", "export": "export-report.json"}[command]
    (folder / held).write_text(json.dumps(WRITTEN[command]))  # a file merbench wrote
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


def _compare_json(tmp_path: Path) -> Path:
    """A JSON as 'merbench export --compare' writes it, in outline (told by its keys)."""
    path = tmp_path / "cmp.json"
    path.write_text(json.dumps({key: [] for key in ("release", "compared", "not_in_release",
                                                    "channels", "samples")}))
    return path


def _given(tmp_path: Path, what: str) -> tuple[Path, str]:
    """Another command's output and what every command calls it."""
    from merbench.results.command_outputs import COMPARE_OUTPUT, EXPORT_OUTPUT
    from merbench.results.prediction_file import PREDICT_OUTPUT

    if what == "compare":
        return _compare_json(tmp_path), COMPARE_OUTPUT
    folder, held = _output_folder(tmp_path, what)
    said = {"predict": PREDICT_OUTPUT, "export": EXPORT_OUTPUT}[what]
    return folder / held, said


def _named(said: str) -> str:
    """The part of a command_output_said line that names the output (before 'not a
    result')."""
    return said.split(", not a result")[0]


@pytest.mark.parametrize("what", ["predict", "export", "compare"])
def test_run_features_names_another_commands_output(tmp_path: Path, cli, what: str) -> None:
    """V9: predict's, export's and export --compare's files were "not an .npz archive of
    plain arrays (damaged, ...)", to be written again."""
    given, said = _given(tmp_path, what)
    line = _one_line(*cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs",
                          "1", "--quiet", "--features", given, "--out",
                          tmp_path / "run")[::2])
    assert line == (f"merbench: error: --features {given} {_named(said)}, not a features "
                    "file; give the file 'merbench extract --save FILE' wrote"), line
    assert not (tmp_path / "run").exists()


def test_run_features_names_a_runs_own_file(tmp_path: Path, cli) -> None:
    """V9: a run's fold file "lacked header, values", to be written again."""
    result = tmp_path / "r"
    (result / "folds").mkdir(parents=True)
    (result / "run.json").write_text("{}")
    fold = result / "folds" / "fold-000.npz"
    np.savez(fold, predictions=np.zeros(3))
    line = _one_line(*cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs",
                          "1", "--quiet", "--features", fold, "--out",
                          tmp_path / "run")[::2])
    assert line == (f"merbench: error: --features {fold} is a file of the merbench result in "
                    f"{result} (it holds run.json), not a features file; give the file "
                    "'merbench extract --save FILE' wrote"), line


@pytest.mark.parametrize("what", ["predict", "export", "compare", "run"])
def test_predict_path_names_what_merbench_wrote(tmp_path: Path, cli, examples, what: str
                                                ) -> None:
    """V9: a run's, export's and predict's folders were said to hold "no numbered frame
    image"."""
    if what == "run":
        given, named = examples["emotion run"], "the folder of an emotion run, a merbench result"
    else:
        given, said = _given(tmp_path, what)
        given = given if what == "compare" else given.parent
        named = _named(said).removeprefix("is ")
    line = _one_line(*cli("predict", given, "--fps", "30", "--quiet", "--out",
                          tmp_path / "pq")[::2])
    assert line == (f"merbench: error: {given} is {named}, not a video; give a video file or "
                    "a folder of its frames (img001.jpg, ...)"), line
    assert not (tmp_path / "pq").exists()
