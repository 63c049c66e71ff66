"""The command line is a table of commands (merbench.cli.parser.COMMANDS): every row has a
handler and a help line, the parser is made from the rows in their order, and an option that
several commands take is declared once (merbench.cli.shared_options, merbench.cli.run_options)
and taken from there, never written again by hand under the same spelling."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterator
from importlib import import_module

import pytest

import merbench.cli as cli_module
from merbench.cli.command_line import Commands, add_commands, every_command
from merbench.cli.parser import COMMANDS, DESCRIPTION, build_parser
from merbench.cli.plugin_commands import AUDIT
from merbench.cli.run_options import add_run_option
from merbench.cli.shared_options import is_shared, plugin_options
from merbench.cli.strict_parser import StrictParser, link_commands
from merbench.runner.spec import sweep_plan_options

# spellings that mean something else in these commands than in the others that have them;
# every other spelling two commands share must come from its one declaration
HOMONYMS = {
    "merbench audit": {"--seed"},  # draws the folds to train again, not the training seed
    "merbench cache clear": {"--feature", "-f"},  # the cache entries to delete
    "merbench convert-weights": {"--out", "--model-opt"},  # the converted file; kept as given
    "merbench export": {"--out"},  # the layout's folder, not a run directory
    # a long-video dataset, not a recognition one; a spotting run's folder, not a run's
    "merbench spot": {"--dataset", "-d", "--out", "-o"},
    # a long-video dataset, not a recognition one; predictions' folder, not a run's
    "merbench predict": {"--dataset", "-d", "--out", "-o"},
    "merbench keygen": {"--out"},  # the private key
    "merbench tune": {"--out", "-o"},  # a tuning's folder of many runs, not a run's
    "merbench leaderboard build": {"--out"},  # the site
    "merbench leaderboard export": {"--out"},  # the table's file
}


def _commands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every parser of a command that takes options (not one made of commands)."""
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not found:
        yield parser
    for action in found:
        for sub in action.choices.values():
            yield from _commands(sub)


def _option(parser: argparse.ArgumentParser, command: str, spelling: str) -> argparse.Action:
    sub = next(p for p in _commands(parser) if p.prog == f"merbench {command}")
    return sub._option_string_actions[spelling]


def _hand_declared(parser: argparse.ArgumentParser) -> list[str]:
    """``PROG OPTION`` for each option spelt as one that several commands take, yet not made
    from its shared declaration."""
    parsers = list(_commands(parser))
    seen: dict[str, int] = {}
    for sub in parsers:
        for spelling in sub._option_string_actions:
            seen[spelling] = seen.get(spelling, 0) + 1
    shared = {s for s, count in seen.items() if count > 1} - {"-h", "--help"}
    return [f"{sub.prog} {spelling}" for sub in parsers
            for spelling, action in sub._option_string_actions.items()
            if spelling in shared and not is_shared(action)
            and spelling not in HOMONYMS.get(sub.prog, set())]


def test_every_command_in_the_table_has_a_handler_and_a_help_line() -> None:
    handlers = cli_module._commands()
    assert sorted(line.name for line in COMMANDS.table) == sorted(handlers)
    for name, line in every_command(COMMANDS).items():
        assert line.help.strip() and "\n" not in line.help, name
    for line in COMMANDS.table:
        handler = handlers[line.name]
        assert isinstance(handler, cli_module.Command), line.name
        assert callable(import_module(f"merbench.cli.{handler.module}").main), line.name
        # --plugin is offered exactly where the handler loads plugins
        assert line.plugins == handler.loads_plugins, line.name
    assert handlers["convert-weights"].module == "convert_weights_command"


def test_the_parser_is_the_table_in_its_order() -> None:
    def names(parser: argparse.ArgumentParser) -> list[str]:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return list(action.choices)

    parser = build_parser()
    assert names(parser) == [line.name for line in COMMANDS.table]
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for line in COMMANDS.table:
        if line.commands is not None:
            assert names(top.choices[line.name]) == [sub.name for sub in line.commands.table]
    for name in every_command(COMMANDS):
        assert name.split()[0] in DESCRIPTION  # the top help names every command


def test_shared_options_are_declared_once() -> None:
    assert _hand_declared(build_parser()) == []


def test_an_option_declared_again_by_hand_is_found() -> None:
    """The check above fails for audit's --data-root written out as it once was."""
    def by_hand(parser: StrictParser) -> None:
        parser.add_argument("run")
        parser.add_argument("--data-root", default=None, metavar="PATH",
                            help="where your copy of the dataset is")

    table = tuple(dataclasses.replace(line, arguments=by_hand) if line is AUDIT else line
                  for line in COMMANDS.table)
    parser = StrictParser(prog="merbench")
    add_commands(parser, Commands("command", "COMMAND", table), plugin_options())
    link_commands(parser)
    assert _hand_declared(parser) == ["merbench audit --data-root"]
    # and a derived one is not
    sub = next(p for p in _commands(parser) if p.prog == "merbench audit")
    assert is_shared(sub._option_string_actions["--plugin"])
    assert is_shared(add_run_option(argparse.ArgumentParser(), "data_root", default=None))


@pytest.mark.parametrize("spelling", ["--data-root", "--device", "--workers"])
def test_audit_takes_the_runs_settings_as_a_run_does(spelling: str) -> None:
    """audit's --data-root, --device and --workers are run's: the same spelling, type,
    metavar and help; only the default is audit's own, and the help says which it is."""
    parser = build_parser()
    audit, run = _option(parser, "audit", spelling), _option(parser, "run", spelling)
    sweep = _option(parser, "sweep", spelling)  # run's option, as a command that is no run
    for part in ("option_strings", "dest", "type", "metavar", "choices", "nargs"):
        assert getattr(audit, part) == getattr(run, part), part
    assert audit.help is not None and sweep.help is not None and run.help is not None
    said, _, default = audit.help.partition(" (default: ")
    assert said == run.help.partition(" (default: ")[0] == sweep.help.partition(" (default: ")[0]
    own = {"--data-root": "the run's own --data-root, then $MERBENCH_DATA_DIR)",
           "--device": "cpu)"}
    assert default == own.get(spelling, sweep.help.partition(" (default: ")[2])


def test_audit_keeps_its_own_defaults() -> None:
    args = build_parser().parse_args(["audit", "r"])
    assert (args.data_root, args.device, args.workers) == (None, "cpu", None)
    args = build_parser().parse_args(["audit", "r", "--data-root", "d", "--device", "cuda",
                                      "--workers", "2"])
    assert (args.data_root, args.device, args.workers) == ("d", "cuda", 2)


def test_a_sweep_names_the_plan_key_of_every_run_option_it_lacks() -> None:
    """sweep's plan keys come from the spec; they are the run parser's options that a plan
    sets and sweep does not take (``--epochs 3`` is told to write ``epochs = 3``)."""
    parser = build_parser()
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    run, sweep = top.choices["run"], top.choices["sweep"]
    assert isinstance(sweep, StrictParser)
    keys = {*sweep_plan_options(), "model", "dataset", "protocol"}
    from_run = {spelling: action.dest for spelling, action in run._option_string_actions.items()
                if spelling.startswith("--") and action.dest in keys
                and spelling not in sweep._option_string_actions}
    assert sweep.in_plan == {**from_run, "--seed": "seeds", "--seeds": "seeds"}
    assert sweep.in_plan["--epochs"] == "epochs" and "--device" not in sweep.in_plan
