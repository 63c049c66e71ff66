"""The ``merbench`` command line: the table of commands, and the parser made from it.

Each row of :data:`COMMANDS` is a :class:`~merbench.cli.command_line.CommandLine` that adds
its own arguments (declared in :mod:`merbench.cli.plugin_commands` and
:mod:`merbench.cli.file_commands`); the options several commands take are declared once, in
:mod:`merbench.cli.run_options` (generated from the run spec) and
:mod:`merbench.cli.shared_options`. The table's order is the order ``merbench --help`` lists
the commands in. What carries a command out is ``merbench.cli``'s table of handlers.
"""

from __future__ import annotations

import argparse

from merbench import __version__
from merbench.cli.command_line import Commands, add_commands
from merbench.cli.file_commands import (
    CACHE,
    COMPARE,
    KEYGEN,
    LEADERBOARD,
    MIGRATE,
    SHOW,
    STATUS,
    VALIDATE,
)
from merbench.cli.plugin_commands import (
    AUDIT,
    CONVERT_WEIGHTS,
    EXPORT,
    EXTRACT,
    LIST,
    PREDICT,
    RUN,
    SPOT,
    SWEEP,
    TUNE,
)
from merbench.cli.shared_options import plugin_options
from merbench.cli.strict_parser import EXIT_USAGE as EXIT_USAGE  # the commands' exit status
from merbench.cli.strict_parser import StrictParser, link_commands

DESCRIPTION = ("The merbench command: run, sweep, tune, extract, spot, predict, list, cache, "
               "status, show, validate, audit, keygen, compare, migrate, export, "
               "convert-weights and leaderboard.")
EXIT_INTERRUPTED = 130

COMMANDS = Commands("command", "COMMAND", (
    RUN, SWEEP, TUNE, EXTRACT, SPOT, PREDICT, CACHE, LIST, VALIDATE, COMPARE, AUDIT, EXPORT,
    CONVERT_WEIGHTS, KEYGEN, MIGRATE, STATUS, SHOW, LEADERBOARD,
))


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command in :data:`COMMANDS`, each command's parser knowing the
    others' (so an option given to the wrong command names the one that has it)."""
    parser = StrictParser(prog="merbench", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"merbench {__version__}")
    add_commands(parser, COMMANDS, plugin_options())
    link_commands(parser)
    return parser
