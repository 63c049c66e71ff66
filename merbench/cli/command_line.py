"""A command as the parser sees it, and how a table of them becomes argparse's commands.

Each command is one :class:`CommandLine`: its name, the line ``merbench --help`` gives it,
its description and a function that adds its own arguments, written beside it
(:mod:`merbench.cli.plugin_commands`, :mod:`merbench.cli.file_commands`). As in git's table
of built-ins or pip's ``commands_dict``, the parser is a loop over the table
(:func:`add_commands`), so a new command is a row, not another block inside one long
function. The function that carries a command out is apart, in ``merbench.cli.<name>_command``,
imported only when the command runs: the arguments must all be known to parse any line
(an option given to the wrong command names the one that has it), and those modules load
torch, numpy and pandas, which ``merbench --help`` must not.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from merbench.cli.examples import EXAMPLES, HelpFormatter, epilog
from merbench.cli.strict_parser import StrictParser


def no_arguments(parser: StrictParser) -> None:
    """For a command that takes none of its own (``cache info``)."""


@dataclass(frozen=True)
class CommandLine:
    """One command of the table.

    ``arguments`` adds the command's own arguments to its parser, taking the options several
    commands share from :mod:`merbench.cli.shared_options` and :mod:`merbench.cli.run_options`
    rather than declaring them again. ``plugins``: the command takes ``--plugin`` /
    ``--no-plugin``, and its handler in ``merbench.cli``'s table loads plugins. ``commands``:
    the command's own commands (``cache info``, ``leaderboard build``), a table in turn.
    """

    name: str
    help: str
    arguments: Callable[[StrictParser], None] = no_arguments
    description: str | None = None
    plugins: bool = False
    commands: Commands | None = None


@dataclass(frozen=True)
class Commands:
    """A parser's table of commands; argparse keeps the name of the one given in ``dest``."""

    dest: str
    metavar: str
    table: tuple[CommandLine, ...]


def _teach(parser: argparse.ArgumentParser, command: str) -> None:
    """Examples at the end of ``command``'s help (merbench.cli.examples)."""
    parser.formatter_class = HelpFormatter
    if command in EXAMPLES:
        parser.epilog = epilog(command)


def add_commands(parser: argparse.ArgumentParser, commands: Commands,
                 plugins: StrictParser, prefix: str = "") -> None:
    """Every command of ``commands`` under ``parser``, each with its own arguments (and, for
    those that load plugins, the options of the parent parser ``plugins``), and their own
    commands below them; ``prefix`` is the words before them (``leaderboard ``)."""
    chosen = parser.add_subparsers(dest=commands.dest, metavar=commands.metavar,
                                   parser_class=StrictParser)
    chosen.required = True
    for line in commands.table:
        sub = chosen.add_parser(line.name, parents=[plugins] if line.plugins else [],
                                help=line.help, description=line.description)
        line.arguments(sub)
        _teach(sub, prefix + line.name)
        if line.commands is not None:
            add_commands(sub, line.commands, plugins, f"{prefix}{line.name} ")


def every_command(commands: Commands, prefix: str = "") -> dict[str, CommandLine]:
    """Every command of the table and below it, by its words (``leaderboard build``)."""
    found: dict[str, CommandLine] = {}
    for line in commands.table:
        found[prefix + line.name] = line
        if line.commands is not None:
            found.update(every_command(line.commands, f"{prefix}{line.name} "))
    return found
