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
from pathlib import Path

import pytest
from refusal_line import refusal_line

RUN = ["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--threads",
       "1", "--quiet", "--device", "cpu"]


WHOLE = "subjects takes a whole number (default 6)"


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
    assert line == "merbench: error: dataset 'synthetic': subjects=true is a yes/no value; " \
                   f"{WHOLE}", line
    assert not (tmp_path / "o").exists()
