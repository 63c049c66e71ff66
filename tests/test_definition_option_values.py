"""A benchmark definition's option values ``--dataset-opt`` refuses, and a yes/no value given
for a number (pass 84n, N3 and N4).

A definition's ``dataset_options`` were read as the command line reads them but checked only
for NaN and infinities: ``subjects: 3.5``, ``"0x3"``, ``"[3]"``, ``true`` loaded as a
benchmark no run could ever be of (``0 runs``, status 0) without a word. They are now checked
by the check every run's options pass, and refused naming the file and the field in the
dataset's words. ``--dataset-opt subjects=true`` was read as the number 1 and refused as "at
least 2 (LOSO needs two)": a yes/no value is said as one, as a list or text is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from refusal_line import refusal_line

RUN = ["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--threads",
       "1", "--quiet", "--device", "cpu"]


def _definition(folder: Path, run: Path, subjects: object) -> Path:
    """A definition of the example run's benchmark with ``subjects`` as given."""
    results = json.loads((run / "results.json").read_text())
    dataset, protocol = results["dataset"], results["protocol"]
    folder.mkdir()
    path = folder / "syn.json"
    path.write_text(json.dumps({
        "id": "syn", "title": "synthetic", "dataset": "synthetic",
        "dataset_version": dataset["version"], "n_samples": protocol["n_samples"],
        "dataset_options": {**dataset["options"], "subjects": subjects},
        "protocol": protocol["name"], "protocol_version": protocol["version"],
        "classes": dataset["classes"], "rank": ["fixed"], "test_set_selection": ["oracle"],
        "metrics": ["uf1", "uar"], "columns": [{"scope": "overall", "label": "all"}]}))
    return path


def _listed(examples: dict[str, Path], cli, tmp_path: Path,
            subjects: object) -> tuple[int, str, str, Path]:
    results = tmp_path / "results"
    run = Path(shutil.copytree(examples["emotion run"], results / "run", symlinks=False))
    path = _definition(tmp_path / "bench", run, subjects)
    code, out, err = cli("leaderboard", "list", "--results", results, "--benchmarks",
                         tmp_path / "bench")
    return code, out, err, path


WHOLE = "subjects takes a whole number (default 6)"


@pytest.mark.parametrize(("subjects", "said"), [
    (3.5, f"subjects=3.5 is not a whole number; {WHOLE}"),
    ("3.5", f"subjects=3.5 is not a whole number; {WHOLE}"),
    ("[3]", f"subjects=[3] is a list; {WHOLE}"),
    ('{"x": 1}', f'subjects={{"x": 1}} is an object; {WHOLE}'),
    ("٣", f'subjects="٣" is text; {WHOLE}'),
    ("0x3", f'subjects="0x3" is text; {WHOLE}'),
    (True, f"subjects=true is a yes/no value; {WHOLE}"),
    ("true", f"subjects=true is a yes/no value; {WHOLE}"),
    ("1e400", "subjects=1e400: the value is infinite; give a finite number"),
])
def test_a_value_the_command_line_refuses_is_refused_in_a_definition(
        examples: dict[str, Path], cli, tmp_path: Path, subjects: object, said: str) -> None:
    code, out, err, path = _listed(examples, cli, tmp_path, subjects)
    line = refusal_line(code, out, err)
    assert line == f"merbench: error: benchmark {path}: 'dataset_options' {said}", line
    assert line.count(str(path)) == 1


def test_an_option_the_dataset_does_not_take_is_refused_in_a_definition(
        examples: dict[str, Path], cli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    run = Path(shutil.copytree(examples["emotion run"], results / "run", symlinks=False))
    path = _definition(tmp_path / "bench", run, 2)
    definition = json.loads(path.read_text())
    definition["dataset_options"]["subjcts"] = 2
    path.write_text(json.dumps(definition))
    line = refusal_line(*cli("leaderboard", "list", "--results", results, "--benchmarks",
                             tmp_path / "bench"))
    assert line.startswith(f"merbench: error: benchmark {path}: 'dataset_options' names "
                           "'subjcts', which dataset 'synthetic' does not take; its options "
                           "are: subjects,"), line


@pytest.mark.parametrize("subjects", [2, "02", "+2", 2.0, "2e0", " 2 ", "2.0"])
def test_every_spelling_of_the_whole_number_still_holds_the_run(
        examples: dict[str, Path], cli, tmp_path: Path, subjects: object) -> None:
    code, out, err, _ = _listed(examples, cli, tmp_path, subjects)
    assert code == 0 and any(line.startswith("syn ") and line.split()[-2] == "1"
                             for line in out.splitlines()), out + err


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_yes_no_value_for_a_whole_number_option_is_said_to_be_one(
        cli, tmp_path: Path, value: str) -> None:
    line = refusal_line(*cli(*RUN, "--dataset-opt", f"subjects={value}", "--out",
                             tmp_path / "r"))
    assert line == f"merbench: error: dataset 'synthetic': subjects={value} is a yes/no " \
                   f"value; {WHOLE}", line
    assert not (tmp_path / "r").exists()


def test_a_yes_no_value_for_a_number_in_a_sweep_plan_is_said_to_be_one(
        cli, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path / "s"}"\n[defaults]\nepochs = 1\ndevice = "cpu"\n'
                    '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                    'dataset_options = {subjects = true}\nseeds = [0]\n')
    code, out, err = cli("sweep", plan, "--quiet")
    assert code == 2 and "subjects=true is a yes/no value; " + WHOLE in err, out + err


@pytest.mark.parametrize("skip", [True, "true", False])
def test_a_yes_no_value_is_still_taken_where_the_option_takes_one(
        cli, tmp_path: Path, skip: object) -> None:
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "c2.json").write_text(json.dumps({
        "id": "c2", "title": "CASME II", "dataset": "casme2", "protocol": "loso",
        "dataset_options": {"skip_missing": skip}, "classes": ["a", "b"], "rank": ["fixed"],
        "test_set_selection": ["oracle"], "metrics": ["uf1"],
        "columns": [{"scope": "overall", "label": "all"}]}))
    (tmp_path / "results").mkdir()
    code, out, err = cli("leaderboard", "list", "--results", tmp_path / "results",
                         "--benchmarks", tmp_path / "bench")
    assert code == 0 and "c2 " in out, out + err


def test_a_yes_no_value_for_a_number_in_a_tuning_file_is_said_to_be_one(
        cli, tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text(
        'model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2\n'
        "dataset_options = {subjects = true, databases = 1, samples_per_subject = 3}\n"
        '[options]\nepochs = 1\n[search]\nsampler = "grid"\n'
        "[space]\nlr = {choices = [0.001, 0.03]}\n")
    line = refusal_line(*cli("tune", tmp_path / "t.toml", "--out", tmp_path / "o", "--score",
                             "test"))
    # said with the file and its key since pass 84ad (a plugin's refusal of the file's
    # options read as the command line's)
    assert line.startswith("merbench: error: ") and line.endswith(
        "t.toml: dataset_options: dataset 'synthetic': subjects=true is a yes/no value; "
        f"{WHOLE}"), line
    assert not (tmp_path / "o").exists()
