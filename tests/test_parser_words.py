"""No command line refusal in argparse's words (the fourth adversarial pass of issue 84).

argparse's own phrasing ("the following arguments are required: --out/-o", "argument COMMAND:
invalid choice: 'nope'", "argument --spotter-opt: expected KEY=VALUE, got 'p'") reached users
of ``predict``, ``leaderboard diff``, ``tune --score`` and ``spot --tune``, though other
refusals were said in merbench's words. Every command's parser is walked here and given each
kind of mistake argparse words itself: a required option or argument left out, a choice that
is none, a value its type refuses, an option without its value, a word it does not take.
"""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from merbench.cli.parser import build_parser
from merbench.cli.strict_parser import _subcommands

#: argparse's phrases, none of which a refusal may hold
ARGPARSE = ("the following arguments are required", "invalid choice", "argument ",
            "expected one", "expected at least", "unrecognized arguments", "ignored explicit",
            "expected KEY=VALUE", "expected NAME=")
#: a value each type of merbench's options refuses (by the type's name)
BAD = {"int": "ten", "float": "x", "key_value": "p", "tuned_values": "p=nan", "given_path": "",
       "seed": "x"}


def _commands() -> list[tuple[list[str], argparse.ArgumentParser]]:
    """Every command's words (``["leaderboard", "diff"]``) and its parser."""
    found = []

    def walk(words: list[str], parser: argparse.ArgumentParser) -> None:
        commands = _subcommands(parser)
        if commands is None:
            found.append((words, parser))
            return
        for name, sub in commands.choices.items():
            walk([*words, name], sub)

    walk([], build_parser())
    return found


def _required(action: argparse.Action) -> bool:
    """Whether argparse refuses a command line without ``action`` (a positional of any
    number, "*", is marked required but never missing)."""
    if not action.option_strings:
        return action.nargs not in ("?", "*")
    return action.required


def _mistakes(words: list[str], parser: argparse.ArgumentParser) -> list[list[str]]:
    """Command lines with one mistake each, made to reach argparse's own refusals."""
    actions = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    positionals = [a for a in actions if not a.option_strings]
    cases = []
    if any(_required(a) for a in actions):
        cases.append(words)  # what it needs, left out
    elif not positionals:
        cases.append([*words, "extra"])  # a word it does not take
    for action in actions:
        bad = BAD.get(getattr(action.type, "__name__", ""))
        if action.choices is not None:
            bad = "nope"
        if bad is None:
            continue
        if action.option_strings:
            cases.append([*words, action.option_strings[0], bad])
        else:  # the positionals before it given
            before = ["x"] * positionals.index(action)
            cases.append([*words, *before, bad])
    valued = next((a for a in actions if a.option_strings and a.nargs != 0), None)
    if valued is not None:
        cases.append([*words, valued.option_strings[0]])  # its value left out
    flag = next((a for a in actions if a.option_strings and a.nargs == 0
                 and a.option_strings[0].startswith("--")), None)
    if flag is not None:
        cases.append([*words, f"{flag.option_strings[0]}=3"])  # a value to a switch
    return cases


@pytest.mark.parametrize("words", [w for w, _ in _commands()], ids=" ".join)
def test_no_command_refuses_in_argparses_words(cli: Any, words: list[str]) -> None:
    parser = dict((" ".join(w), p) for w, p in _commands())[" ".join(words)]
    for line in _mistakes(words, parser):
        code, _, err = cli(*line)
        assert code == 2 and err.startswith("merbench: error: ") and err.count("\n") == 1, \
            (line, err)
        assert not [phrase for phrase in ARGPARSE if phrase in err], (line, err)


@pytest.mark.parametrize(("line", "said"), [
    (["predict", "x.mp4"], "merbench predict needs --out DIR: where predictions.json and the "
                           "trained recogniser go (see 'merbench predict --help')"),
    (["leaderboard", "diff", "a"], "merbench leaderboard diff needs NEW: the results after"),
    (["spot"], "merbench spot needs --spotter NAME, --dataset NAME and --out DIR"),
    (["nope"], "merbench has no command 'nope'; its commands are run, sweep, tune,"),
    (["lst"], "merbench has no command 'lst' (did you mean 'list'?); its commands are run,"),
    (["leaderboard", "biuld"], "merbench leaderboard has no command 'biuld' (did you mean "
                               "'build'?); its commands are list, build, export and diff"),
    ([], "merbench needs a command: run, sweep,"),
    (["list", "modls"], "merbench list has no KIND 'modls' (did you mean 'models'?); choose "
                        "datasets, features, models,"),
    (["tune", "t.toml", "--out", "o", "--score", "tset"],
     "--score takes nested or test, not 'tset' (did you mean 'test'?)"),
    (["leaderboard", "export", "x", "--format", "xml"],
     "--format takes csv, latex or markdown, not 'xml'"),
    (["predict", "x.mp4", "-o", "o", "--spotter-opt", "p"], "--spotter-opt p: give KEY=VALUE"),
    (["spot", "--spotter", "flow-peak", "-d", "synthetic-long", "-o", "o", "--tune",
      "p=nan,0.2"], "--tune p=nan,0.2: give NAME=V1,V2,... with finite numbers"),
    (["predict", "x.mp4", "-o"], "-o is given no DIR; give -o DIR"),
    (["keygen", "--out", "k", "extra"], "merbench keygen does not take 'extra'; leave it out"),
    (["run", "--quiet=3"], "--quiet takes no value; give --quiet alone, not --quiet=3"),
])
def test_each_refusal_says_what_is_needed(cli: Any, line: list[str], said: str) -> None:
    code, _, err = cli(*line)
    assert code == 2 and said in err and err.count("\n") == 1, err


@pytest.mark.parametrize(("line", "said"), [
    (["--version", "extra"], "merbench --version takes nothing more, not 'extra'; leave it out"),
    (["-h", "extra"], "merbench -h takes nothing more, not 'extra'"),
    (["-h", "run"], "leave it out, or give 'merbench run -h' for that command's own"),
    (["run", "-h", "extra"], "merbench run does not take 'extra'; leave it out"),
    (["run", "extra", "--help"], "merbench run does not take 'extra'; leave it out"),
    (["cache", "--help", "clear"], "give 'merbench cache clear --help'"),
    (["run", "-h", "--epoch", "3"], "unknown option --epoch (did you mean --epochs?)"),
])
def test_help_and_version_refuse_a_stray_word(cli: Any, line: list[str], said: str) -> None:
    """--help and --version answered at once, ignoring the rest of the line, answered a
    mistyped line with status 0 (an adversarial pass of issue 84): the stray word is refused
    in one line, as it is without them."""
    code, out, err = cli(*line)
    assert code == 2 and not out and said in err and err.count("\n") == 1, (out, err)


@pytest.mark.parametrize("line", [["--version"], ["-h"], ["run", "-h"], ["predict", "--help"],
                                  ["validate", "-h"], ["cache", "-h"], ["run", "-m", "ststnet",
                                                                         "-h"]])
def test_help_and_version_alone_still_answer(cli: Any, line: list[str]) -> None:
    """A command's --help is given though what it needs is left out (predict's --out)."""
    code, out, err = cli(*line)
    assert code == 0 and out and not err, err
