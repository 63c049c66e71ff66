"""What the adversarial pass 84 found in files a user hands merbench: a 5,000-digit integer
in a run's predictions.csv was refused in Python's words ("Exceeds the limit (4300 digits)
... sys.set_int_max_str_digits()"); a sweep plan's ``out`` holding a NUL character ended in
a traceback ("embedded null byte"); NaN in a results.json recipe was said as "field
'model.recipe' is an object, expected an object or null"; a benchmark definition with NaN
and Infinity as reported scores, and a misspelt key, was accepted (the page set ``inf`` in
bold as the best UAR); and ``leaderboard diff HEAD:README.md`` blamed a ``--results`` option
diff does not have, on a temporary path of its own. Each case runs the command a user runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPOSITORY

DEFINITION = REPOSITORY / "merbench" / "leaderboard" / "definitions" / \
    "composite-3class-loso.json"
#: Python's words, which no merbench message holds
PYTHONS = ("Traceback", "Exceeds the limit", "int_max_str_digits", "ValueError",
           "embedded null byte", "/tmp/merbench-diff-")


def _one_line(code: int, out: str, err: str) -> str:
    """The refusal's line: bad input is exit status 2, in merbench's words."""
    assert code == 2, out + err
    for python in PYTHONS:
        assert python not in out + err, out + err
    return err.strip().splitlines()[0]


def test_a_huge_integer_in_predictions_names_the_file_and_row(tiny_finished_run: Path,
                                                              tmp_path: Path, cli) -> None:
    results = tmp_path / "results"
    folder = Path(shutil.copytree(tiny_finished_run, results / "r"))
    path = folder / "predictions.csv"
    lines = path.read_text().split("\n")
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("y_true")] = "9" * 5000
    lines[1] = ",".join(row)
    path.write_text("\n".join(lines))
    said = _one_line(*cli("validate", folder))
    assert said == f"merbench: rejected: {folder}: predictions.csv holds a " \
                   "number of 5,000 digits in row 1, column y_true, which no predictions " \
                   "table does", said
    code, out, err = cli("leaderboard", "list", "--results", results)  # the run left out
    assert code == 0 and said in err.splitlines(), out + err
    assert not any(python in out + err for python in PYTHONS), out + err


@pytest.mark.parametrize(("text", "field"), [
    ('out = "a\\u0000b"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n', "out"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
     'dataset_options = {root = "x\\u0000y"}\n', "runs[0] dataset_options.root"),
])
def test_a_nul_in_a_sweep_plan_is_one_line_naming_the_field(tmp_path: Path, cli, text: str,
                                                            field: str) -> None:
    plan = tmp_path / "nul.toml"
    plan.write_text(text)
    said = _one_line(*cli("sweep", plan))
    assert said == f"merbench: error: {plan}: {field}: holds a NUL character (\\u0000), " \
                   "which no name or path in a plan can hold; remove it", said
    assert not list(tmp_path.glob("a*")) and not (tmp_path / "runs").exists()


def test_a_nul_in_a_tuning_file_is_one_line_naming_the_field(tmp_path: Path, cli) -> None:
    tuning = tmp_path / "nul.toml"
    text = (REPOSITORY / "examples" / "tune-tiny.toml").read_text()
    tuning.write_text(text.replace('dataset = "synthetic"', 'dataset = "syn\\u0000thetic"'))
    said = _one_line(*cli("tune", tuning, "--out", tmp_path / "t"))
    assert f"{tuning}: dataset: holds a NUL character" in said, said


def test_nan_in_a_results_recipe_names_the_field(tiny_finished_run: Path, tmp_path: Path,
                                                 cli) -> None:
    folder = Path(shutil.copytree(tiny_finished_run, tmp_path / "r"))
    path = folder / "results.json"
    text = path.read_text()
    nan = re.sub(r'("weight_decay": )[-0-9.e]+', r"\1NaN", text, count=1)
    assert nan != text
    path.write_text(nan)
    said = _one_line(*cli("validate", folder))
    assert "field 'model.recipe.weight_decay' is NaN, not a finite number" in said, said
    # a value the recipe's own check refuses: said as that, not "is an object, expected an
    # object or null"
    path.write_text(re.sub(r'("lr": )[-0-9.e]+', r"\1-1", text, count=1))
    said = _one_line(*cli("validate", folder))
    assert "field 'model.recipe' does not hold: a training recipe needs" in said, said
    assert "expected an object or null" not in said, said


def _definition(folder: Path, change: dict[str, object] | None = None,
                values: list[float] | None = None) -> Path:
    folder.mkdir()
    data = json.loads(DEFINITION.read_text()) | (change or {})
    if values is not None:
        data["reported"]["rows"][0]["values"]["overall"] = values
    (folder / DEFINITION.name).write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize(("values", "problem"), [
    ([float("nan"), 0.5], "holds NaN"), ([0.5, float("inf")], "holds Infinity"),
    ([58.8, 0.5], "holds 58.8, which is no score")])
def test_a_reported_score_that_is_no_number_from_0_to_1_is_refused(
        tiny_finished_run: Path, tmp_path: Path, cli, values: list[float], problem: str) -> None:
    bench = _definition(tmp_path / "bd", values=values)
    for command in (["list"], ["build", "--out", tmp_path / "site"]):
        said = _one_line(*cli("leaderboard", *command, "--results", tiny_finished_run.parent,
                              "--benchmarks", bench))
        assert said == f"merbench: error: benchmark {bench / DEFINITION.name}: reported row " \
                       f"'LBP-TOP', 'overall' {problem}; give 2 numbers from 0 to 1 (or null)"
    assert not (tmp_path / "site").exists()


def test_an_unknown_key_in_a_definition_is_refused(tiny_finished_run: Path, tmp_path: Path,
                                                   cli) -> None:
    bench = _definition(tmp_path / "bd", {"metricz": ["uf1"]})
    said = _one_line(*cli("leaderboard", "list", "--results", tiny_finished_run.parent,
                          "--benchmarks", bench))
    assert f"benchmark {bench / DEFINITION.name} has unknown key 'metricz' (did you mean " \
           "'metrics'?); it may have id, title," in said, said


def test_diff_of_a_revision_s_file_says_it_is_a_file(monkeypatch: pytest.MonkeyPatch,
                                                     cli) -> None:
    monkeypatch.chdir(REPOSITORY)
    said = _one_line(*cli("leaderboard", "diff", "HEAD:README.md", "leaderboards/results"))
    assert said == "merbench: error: HEAD:README.md is a file at revision HEAD; give REV:PATH " \
                   "of a folder of results, such as origin/main:leaderboards/results", said
