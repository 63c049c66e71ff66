"""A path on a line of its own kind (``results: PATH``) is shown as one line: a run folder
named with a newline printed ``results: /tmp/odd`` and ``name/results.json`` as two lines
(the second adversarial pass of issue 84), while validate and status showed the same
folder as ``odd\\nname``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY_RUN

CliResult = tuple[int, str, str]


def test_a_finished_runs_paths_are_one_line_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 cli: Callable[..., CliResult]) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping of the long temporary path
    out = tmp_path / "odd\nname"
    out.mkdir()  # by hand: merbench makes no such name (pass 84ab, AB9)
    code, printed, err = cli("run", *TINY_RUN, "--out", out)
    assert code == 0, err
    shown = str(out).replace("\n", "\\n")
    assert f"results: {shown}/results.json" in printed.splitlines(), printed
    assert f"predictions: {shown}/predictions.csv" in printed.splitlines(), printed
    assert not any(line.startswith("name/") for line in printed.splitlines()), printed


def test_auditing_a_folder_that_holds_one_result_names_it_once(
        tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    """'D holds 1 result (D/folds/x); audit each of them (merbench audit D/folds/x)' said
    the one result twice (the second adversarial pass of issue 84)."""
    inside = tmp_path / "holder" / "folds" / "x"
    assert cli("run", *TINY_RUN, "--out", inside)[0] == 0
    code, out, err = cli("audit", tmp_path / "holder")
    assert code != 0 and out == "" and len(err.splitlines()) == 1, err
    assert err.count(str(inside)) == 1 and f"merbench audit {inside}" in err, err


@pytest.mark.parametrize(("option", "said"), [
    (["--epochs", "9" * 5000], "--epochs '9999999999999999...99999999 (5,000 characters)': "
                               "the value is a whole number of more than 4,300 digits"),
    (["--dataset-opt", "subjects=" + "9" * 5000], "subjects's value is a number of 5,000 "
                                                  "digits, which no option takes")])
def test_a_number_of_thousands_of_digits_is_refused_in_words(
        option: list[str], said: str, cli: Callable[..., CliResult]) -> None:
    """argparse echoed a 5,000-digit value whole, as "invalid int value" or "invalid
    key_value value" (a function of merbench's), with no fix (the second pass of issue 84)."""
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", *option)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert said in err and "invalid" not in err and len(err) < 300, err


def test_leaderboard_list_names_a_results_folder_on_one_line(
        tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    """``leaderboard list --results $'lb\\nnl'`` printed 'runs: validated runs under lb' and
    'nl; a benchmark's table: ...' as two lines (pass 84m, M9)."""
    folder = tmp_path / "lb\nnl"
    folder.mkdir()
    code, out, err = cli("leaderboard", "list", "--results", folder)
    assert code == 0, err
    shown = str(folder).replace("\n", "\\n")
    assert f"runs: validated runs under {shown}; a benchmark's" in out.splitlines()[-1], out
