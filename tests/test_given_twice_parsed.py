"""An option given twice, as pass 84j's Q11 and Q12 found the rule of
:mod:`merbench.cli.given_once` refusing valid lines: ``--folds 1 --folds 1.0`` and ``--folds
all --folds ALL`` (one value each, said two ways) were "given twice"; ``--results a
--results b`` (an option of several folders) was refused; the same ``--dataset-opt`` key and
value twice was refused where ``--epochs 1 --epochs 1`` is taken; and ``-d synthetic
--dataset casme2``, one option spelt two ways, "cannot be given together"."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from conftest import TINY_RUN

from merbench.cli.given_once import SEVERAL
from merbench.cli.parser import build_parser


@pytest.mark.parametrize("folds", [("1", "1.0"), ("all", "ALL")])
def test_one_folds_value_said_two_ways_is_taken(cli, tiny_finished_run: Path, tmp_path: Path,
                                                folds: tuple[str, str]) -> None:
    import shutil

    run = tmp_path / "r"
    shutil.copytree(tiny_finished_run, run)
    code, out, err = cli("audit", run, "--folds", folds[0], "--folds", folds[1], "--seed", "2")
    assert code == 0, err
    assert "audit passed" in out, out


def test_two_folds_values_are_still_refused(cli, tiny_finished_run: Path) -> None:
    code, out, err = cli("audit", tiny_finished_run, "--folds", "all", "--folds", "1")
    assert (code, out) == (2, ""), err
    assert err.startswith("merbench: error: --folds is given twice, 'all' and '1'; give it "
                          "once, with the value you mean"), err


def test_results_given_twice_reads_both_folders(cli, tiny_finished_run: Path,
                                                tmp_path: Path) -> None:
    """A second --results adds its folders, as ``--results a b`` does (argparse kept only
    the last, and the given-once rule then refused the line)."""
    empty = tmp_path / "b"
    empty.mkdir()
    code, out, err = cli("leaderboard", "list", "--results", tiny_finished_run.parent,
                         "--results", empty)
    assert code == 0, err
    assert f"validated runs under {tiny_finished_run.parent}, {empty}" in out, out


def test_no_option_of_several_values_is_given_once() -> None:
    """Every option of every command that takes several values (append, extend, nargs + or
    *) is left to repeat: found from the parser, so an option added later is covered."""
    repeated: list[str] = []

    def walk(parser: argparse.ArgumentParser, prog: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prog} {name}")
            elif action.option_strings and (action.nargs in SEVERAL or isinstance(
                    action, argparse._AppendAction | argparse._ExtendAction)):
                option = action.option_strings[-1]
                value = {"key_value": "x=1", "tuned_values": "x=1,2"}.get(
                    getattr(action.type, "__name__", ""), "x")
                parser.values_given = {}  # type: ignore[attr-defined]  # as a parse starts
                parsed = argparse.Namespace(**{action.dest: None})
                for text in (value, value.replace("x", "y")):  # as the parser calls it
                    action(parser, parsed, parser._get_values(action, [text]), option)
                given = getattr(parsed, action.dest)
                assert len(given) == 2, (prog, option, given)
                repeated.append(f"{prog} {option}")

    walk(build_parser(), "merbench")
    assert "merbench leaderboard build --results" in repeated
    assert "merbench run --dataset-opt" in repeated


def test_the_same_key_and_value_twice_is_taken(cli, tmp_path: Path) -> None:
    """As ``--epochs 1 --epochs 1``: the same value twice changes nothing."""
    code, _, err = cli("run", *TINY_RUN, "--dataset-opt", "subjects=2", "--threads", "1",
                       "--out", tmp_path / "r")
    assert code == 0, err
    code, _, err = cli("run", *TINY_RUN, "--dataset-opt", "subjects=3",
                       "--out", tmp_path / "s")
    assert code == 2 and "--dataset-opt gives subjects twice; give each key once" in err, err


def test_one_option_spelt_two_ways_is_given_twice(cli, tmp_path: Path) -> None:
    code, out, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--dataset", "casme2",
                         "--epochs", "1", "--out", tmp_path / "r")
    assert (code, out) == (2, ""), err
    assert err.startswith("merbench: error: --dataset is given twice, 'synthetic' and "
                          "'casme2'; give it once, with the value you mean"), err
    assert not (tmp_path / "r").exists()


def test_the_same_tuned_values_twice_are_taken_once(cli, tmp_path: Path) -> None:
    """``spot --tune p=0.1 --tune p=0.1`` was refused "given twice" (walk 85m), where the
    user guide takes the same value twice; other values of one NAME are still refused."""
    import json

    out = tmp_path / "s"
    code, _, err = cli("spot", "--spotter", "flow-peak", "-d", "synthetic-long", "--tune",
                       "p=0.1", "--tune", "p=0.10", "--quiet", "--out", out)
    assert code == 0, err
    assert json.loads((out / "spot-run.json").read_text())["variants"] == [{"p": 0.1}]
    code, _, err = cli("spot", "--spotter", "flow-peak", "-d", "synthetic-long", "--tune",
                       "p=0.1,0.2", "--tune", "p=0.2,0.1", "--out", tmp_path / "t")
    assert code == 2 and "--tune p=... is given twice; give its values once" in err, err
    assert not (tmp_path / "t").exists()
