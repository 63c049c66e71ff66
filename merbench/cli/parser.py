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
import copy
import threading
from collections.abc import Sequence

from merbench import __version__
from merbench.cli.command_line import Commands, add_commands
from merbench.cli.examples import HelpFormatter
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
    parser = StrictParser(prog="merbench", description=DESCRIPTION,
                          formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"merbench {__version__}")
    add_commands(parser, COMMANDS, plugin_options())
    link_commands(parser)
    return parser



_BUILT = threading.local()


def parse_command_line(argv: Sequence[str] | None) -> argparse.Namespace:
    """``argv`` parsed by the parser of every command, built once a thread: building it
    (every command's options) is about 13 ms, a quarter of a quick command's CPU where one
    process carries out many command lines (the test suite carries out thousands in its
    workers). A parse changes nothing a later one reads (each starts its own record of the
    options given), but argparse hands a command an option's default list itself: each
    list, dict or set is the command's own copy, so that a command adding to one never
    changes the next command line's default. One parser a thread, so that two lines
    parsed at once never share a record."""
    parser: argparse.ArgumentParser | None = getattr(_BUILT, "parser", None)
    if parser is None:
        parser = _BUILT.parser = build_parser()
    args = parser.parse_args(argv)
    for name, value in vars(args).items():
        if isinstance(value, list | dict | set):
            setattr(args, name, copy.copy(value))
    return args
