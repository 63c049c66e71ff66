"""A sweep plan's or tuning file's mistakes said in TOML's words, where they are (the fourth
adversarial pass of issue 84): a file cut off at its end named no line ("fix that line"), and
its values came back as Python wrote them (``datetime.date(1979, 5, 27)``, ``True``, ``dict
{'model': 'ststnet'}``, ``must be int``)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from merbench.base.toml_words import toml_given, toml_type, toml_value

TUNE_HEAD = 'model = "ststnet"\ndataset = "synthetic"\n'
RUN_HEAD = '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
PYTHON = ("datetime.", "True", "False", "dict", "'a'", "must be int", "must be float",
          "tzinfo", "(got ")


def _refusal(cli: Any, tmp_path: Path, text: str, command: str) -> str:
    (tmp_path / "f.toml").write_text(text)
    out = ("--out", tmp_path / "o") if command == "tune" else ()
    code, _, err = cli(command, tmp_path / "f.toml", *out)
    assert code == 2 and err.startswith("merbench: error: ") and err.count("\n") == 1, err
    assert err.count("f.toml") == 1, err
    return err


@pytest.mark.parametrize(("command", "text", "said"), [
    ("tune", TUNE_HEAD + "[space]\nlr = {choices = [0.00",
     "is not valid TOML: it ends at line 4, column 22, inside an array: a [ with no ]; "
     "finish that line"),
    ("sweep", RUN_HEAD + "epochs =", "it ends at line 4, column 9, where a value should "
                                     "follow; finish that line"),
    ("sweep", RUN_HEAD + 'protocol = "lo', "it ends at line 4, column 15, inside a string"),
    ("tune", TUNE_HEAD + "[space]\nlr = {low = 0.1", "it ends at line 4, column 16, inside "
                                                     "a table: a { with no }"),
    ("sweep", RUN_HEAD + "seeds = [0,\n\n", "it ends at line 4, column 12, where a value "
                                            "should follow"),  # trailing blank lines
    ("sweep", "[[runs", "it ends at line 1, column 7, inside a [table] header"),
])
def test_a_file_cut_off_says_where_it_ends(cli: Any, tmp_path: Path, command: str,
                                           text: str, said: str) -> None:
    err = _refusal(cli, tmp_path, text, command)
    assert said in err, err


def test_a_mistake_inside_the_file_still_names_its_line(cli: Any, tmp_path: Path) -> None:
    err = _refusal(cli, tmp_path, RUN_HEAD + "epochs = 1 2\n", "sweep")
    assert "is not valid TOML at line 4, column 12; fix that line" in err, err


@pytest.mark.parametrize(("command", "text", "said"), [
    ("tune", TUNE_HEAD + "seed = 1979-05-27\n[space]\nlr = {choices = [0.1]}\n",
     "seed: must be a whole number from 0 to 18446744073709551615, not 1979-05-27 (a date)"),
    ("sweep", RUN_HEAD + "epochs = 1979-05-27T07:32:00Z\n",
     "runs[0] epochs: must be a whole number, not 1979-05-27T07:32:00Z (a date-time)"),
    ("sweep", RUN_HEAD + "epochs = true\n",
     "runs[0] epochs: must be a whole number, not true (a boolean)"),
    ("sweep", '[runs]\nmodel = "ststnet"\n', "runs: must be a list of tables, one [[runs]] "
                                              "header per run, not a table"),
    ("tune", TUNE_HEAD + '[space]\nlr = {choices = [0.001, "a", true]}\n',
     "[space] lr: a choice must be a number, not \"a\" (a string)"),
    ("tune", TUNE_HEAD + 'objective = ["uf1"]\n[space]\nlr = {choices = [0.1]}\n',
     "objective: must be one of \"uf1\", \"uar\", not [\"uf1\"] (an array)"),
    ("tune", TUNE_HEAD + "[space]\nlr = {low = true, high = 07:32:00}\n",
     "low and high must be finite numbers with low < high, not true (a boolean) and "
     "07:32:00 (a time)"),
    ("tune", TUNE_HEAD + '[space]\ndata_order = {choices = ["nope"]}\n',
     '[space] data_order: the choice "nope": unknown data_order = "nope"; use shuffle'),
    ("sweep", RUN_HEAD + "model_options = 3\n", "runs[0] model_options: must be a table, not 3 "
                                                "(an integer)"),
])
def test_a_wrong_value_is_said_as_the_file_writes_it(cli: Any, tmp_path: Path, command: str,
                                                      text: str, said: str) -> None:
    err = _refusal(cli, tmp_path, text, command)
    assert said in err, err
    assert not [word for word in PYTHON if word in err], err


@pytest.mark.parametrize(("value", "shown", "kind"), [
    (True, "true", "a boolean"),
    (3, "3", "an integer"),
    (0.001, "0.001", "a float"),
    (float("-inf"), "-inf", "a float"),
    (float("nan"), "nan", "a float"),
    ('say "hi"', '"say \\"hi\\""', "a string"),
    (datetime.date(1979, 5, 27), "1979-05-27", "a date"),
    (datetime.datetime(1979, 5, 27, 7, 32), "1979-05-27T07:32:00", "a local date-time"),
    (datetime.datetime(1979, 5, 27, 7, 32, tzinfo=datetime.timezone.utc),
     "1979-05-27T07:32:00Z", "a date-time"),
    (datetime.time(7, 32), "07:32:00", "a time"),
    ([1, "a", False, 2, 3], '[1, "a", false, 2, ...]', "an array"),
    ({"model": "ststnet"}, "a table", "a table"),
])
def test_each_toml_value_in_its_own_words(value: Any, shown: str, kind: str) -> None:
    assert (toml_value(value), toml_type(value)) == (shown, kind)
    # a float says it is a number by itself: no "(a float)" (pass 84h, N7)
    plain = shown == kind or isinstance(value, float)
    assert toml_given(value) == (shown if plain else f"{shown} ({kind})")
