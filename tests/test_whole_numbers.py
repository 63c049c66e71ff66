"""One rule for a whole number (pass 84h, N8): any spelling whose value is whole (3, 03, +3,
' 3', 3.0, 3e0) is that number wherever merbench takes one, used and recorded as the int;
2.5, abc, nan and inf are refused in merbench's words, shown as written. Before,
``--epochs 1.0`` and a plan's ``epochs = 1.0`` were refused while ``--dataset-opt
subjects=3.0`` was taken, and ``subjects=03`` was refused as text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from merbench.base.whole_numbers import number_shown, whole_value

RUN = ("run", "-m", "ststnet", "-d", "synthetic", "--threads", "1", "--quiet")
SMALL = ("--dataset-opt", "databases=1", "--dataset-opt", "samples_per_subject=3")


@pytest.mark.parametrize(("given", "value"), [
    ("3", 3), ("03", 3), ("+3", 3), (" 3", 3), ("3.0", 3), ("3e0", 3), ("-2", -2), ("0e999", 0),
    (3.0, 3), (3, 3), ("2.5", None), ("abc", None), ("nan", None), ("inf", None), ("", None),
    (True, None), (float("nan"), None), ("1e99999", None), ("３", None),
])
def test_every_spelling_of_a_whole_number_is_that_number(given: object,
                                                         value: int | None) -> None:
    assert whole_value(given) == value


def test_a_number_read_as_a_float_is_shown_without_the_point_it_gained() -> None:
    assert [number_shown(v) for v in (-1.0, 0.5, 1e-05, 1e20)] == ["-1", "0.5", "1e-5",
                                                                     "1e20"]


@pytest.mark.parametrize("flag", ["--epochs", "--seed", "--threads", "--batch-size",
                                  "--inner-val-subjects", "--parallel-folds", "--workers"])
@pytest.mark.parametrize("given", ["2.5", "abc", "nan", "inf"])
def test_a_flag_refuses_what_is_no_whole_number_as_written(cli, tmp_path: Path, flag: str,
                                                           given: str) -> None:
    code, _, err = cli(*RUN, flag, given, "--out", tmp_path / "r")
    assert code == 2 and err.count("\n") == 1, err
    assert f"{flag} takes a whole number, not '{given}'" in err, err
    assert not (tmp_path / "r").exists()


def test_whole_numbers_in_any_spelling_are_the_same_run(cli, tmp_path: Path) -> None:
    """A run started with 1, 0, 8 and 2 goes on under 1.0, +0, 8e0 and 02: the same
    configuration, recorded as ints (a different one would be refused as another run)."""
    out = tmp_path / "r"
    code, _, err = cli(*RUN, *SMALL, "--epochs", "1", "--seed", "0", "--batch-size", "8",
                       "--dataset-opt", "subjects=2", "--out", out)
    assert code == 0, err
    first = json.loads((out / "run.json").read_text())
    code, _, err = cli(*RUN, *SMALL, "--epochs", "1.0", "--seed", "+0", "--batch-size",
                       "8e0", "--dataset-opt", "subjects=02", "--out", out)
    assert code == 0, err
    again = json.loads((out / "run.json").read_text())
    assert again == first
    config = again["config"]
    assert (config["epochs"], config["seed"], config["batch_size"],
            config["dataset_options"]["subjects"]) == (1, 0, 8, 2)
    assert all(type(v) is int for v in (config["epochs"], config["seed"]))


@pytest.mark.parametrize("given", ["subjects=03", "subjects=+3", "subjects=3.0", "subjects=3e0"])
def test_a_whole_number_option_of_a_dataset_takes_any_spelling(cli, tmp_path: Path,
                                                              given: str) -> None:
    """``subjects=03`` and ``+3`` were refused as text while ``3.0`` was taken; each is 3
    (said by the refusal of inner-val subjects that follows the options' check: 3 subjects
    leave 2 to train on in each fold)."""
    code, _, err = cli(*RUN, *SMALL, "--dataset-opt", given, "--selection", "inner-val",
                       "--inner-val-subjects", "5", "--out", tmp_path / "r")
    assert code == 2 and "--inner-val-subjects 5 leaves no training subject in fold syn1/s01 " \
        "(2 training subjects)" in err, err


@pytest.mark.parametrize(("given", "said"), [
    ("subjects=2.5", "subjects=2.5 is not a whole number"),
    ("subjects=abc", 'subjects="abc" is text'),
])
def test_a_dataset_option_that_is_no_whole_number_stays_refused(cli, tmp_path: Path,
                                                                given: str, said: str) -> None:
    code, _, err = cli(*RUN, "--dataset-opt", given, "--out", tmp_path / "r")
    assert code == 2 and said in err, err


def test_seeds_written_otherwise_are_the_same_seeds(cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, "--seeds", "0.0,+1,1e0", "--out", tmp_path / "s")
    assert code == 2 and "--seeds needs distinct non-negative seeds, e.g. 0,1,2 (got " \
        "'0.0,+1,1e0')" in err, err


def test_a_negative_seed_is_shown_as_written(cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, "--seed", "-1.0", "--out", tmp_path / "r")
    assert code == 2 and err.rstrip().endswith("(got -1.0)"), err


PLAN = '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'


def test_a_plan_whole_number_written_1_0_is_the_same_configuration(cli, tmp_path: Path) -> None:
    """``epochs = 1.0`` and ``seeds = [0.0]`` are ``epochs = 1`` and ``seeds = [0]``: a second
    entry so written asks again for the first's run."""
    (tmp_path / "p.toml").write_text(PLAN + "epochs = 1.0\nseeds = [0.0]\n"
                                     + PLAN + "epochs = 1\nseeds = [0]\n")
    code, _, err = cli("sweep", "--yes", tmp_path / "p.toml")
    assert code == 2 and "runs[1]: asks again for ststnet on synthetic/loso seed 0 with the " \
        "same options as runs[0]; remove one" in err, err


@pytest.mark.parametrize(("lines", "said"), [
    ("epochs = 1.5\n", "runs[0] epochs: must be a whole number, not 1.5\n"),
    ("seeds = []\n", "runs[0] seeds: empty; give at least one seed, e.g. seeds = [0, 1, 2]"),
])
def test_a_plan_value_is_refused_in_merbench_words(cli, tmp_path: Path, lines: str,
                                                   said: str) -> None:
    (tmp_path / "p.toml").write_text(PLAN + lines)
    code, _, err = cli("sweep", "--yes", tmp_path / "p.toml")
    assert code == 2 and said in err and "(a float)" not in err, err


TUNE = ('model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2.0\n'
        '[search]\nsampler = "grid"\n')


@pytest.mark.parametrize(("lines", "said"), [
    ("trials = 3.0\n[space]\nepochs = {choices = [1, 2.0]}\n",
     "[search] trials: 3 is more than the grid's 2 configurations"),
    ("[space]\nepochs = {choices = [1.0, 1]}\n", "[space] epochs: choices lists a value twice"),
    ("trials = 1.5\n[space]\nepochs = {choices = [1, 2]}\n",
     "[search] trials: must be a whole number from 1 to 1000, not 1.5\n"),
    ("[space]\nepochs = {choices = [1, 2.5]}\n",
     "[space] epochs: a choice must be a whole number, not 2.5\n"),
])
def test_a_tuning_file_takes_whole_numbers_in_any_spelling(cli, tmp_path: Path, lines: str,
                                                           said: str) -> None:
    """``inner_folds = 2.0``, ``trials = 3.0`` and ``epochs`` choices 2.0 are whole numbers
    (the refusal each file meets comes after them); 1.5 is none, said without "(a float)"."""
    (tmp_path / "t.toml").write_text(TUNE + lines)
    code, _, err = cli("tune", tmp_path / "t.toml", "--out", tmp_path / "o")
    assert code == 2 and said in err and "(a float)" not in err, err


def test_the_python_api_takes_a_whole_number_written_3_0() -> None:
    """The API's callers too: ``num_classes=3.0`` builds a 3-class model, ``epochs=1.0`` is
    the field's 1 (refused before as "not 1.0 (a float)")."""
    import merbench
    from merbench.runner.api_values import api_value

    assert api_value("merbench.run()", "epochs", 1.0) == 1
    assert type(api_value("merbench.run()", "epochs", 1.0)) is int
    model = merbench.create_model("ststnet", num_classes=3.0)
    assert list(model.parameters())[-1].shape[0] == 3
