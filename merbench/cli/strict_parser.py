"""The parser every ``merbench`` command is made of: argparse, with one-line errors that say
what was meant.

argparse's own errors print a usage block and name what it could not parse, not what the
user meant: ``--epoch`` (for ``--epochs``) is "unrecognized", ``merbench --no-plugin X list``
is "invalid choice: 'X'", and ``merbench lst`` lists every command without saying which one
is near. A researcher's first commands are where these happen, so each one here is one line
that names the mistake and the fix: the option nearest to the one given, the command that has
it, where an option given before the command goes, and the command or choice nearest to the
word given.
"""

from __future__ import annotations

import argparse
import difflib
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from merbench.base.literal import literal

EXIT_USAGE = 2


def _close(given: str, known: Sequence[str]) -> list[str]:
    """The names near ``given``, nearest first (at most three)."""
    return difflib.get_close_matches(given, list(known), n=3)


def _shared_words(one: str, other: str) -> int:
    """How many leading words two commands share: ``merbench cache clear`` is nearer to
    ``merbench cache info`` than ``merbench run`` is."""
    shared = 0
    for a, b in zip(one.split(), other.split(), strict=False):
        if a != b:
            break
        shared += 1
    return shared


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    """The parser's own commands (``merbench``'s, ``merbench leaderboard``'s), or None."""
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


class StrictParser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block), exit status 2, and no abbreviated
    options: argparse would take ``--epoch 3`` for ``--epochs 3``, and an abbreviation that
    works today may mean another option once one is added, so every parser (each command's
    too: they are made by this class) takes options only as spelt.

    ``elsewhere`` (set by :func:`link_commands`) holds the other commands' parsers, so an
    option this command lacks can be said to belong to another; ``in_plan`` maps the
    ``merbench run`` options that a sweep takes from its plan to their key there.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.elsewhere: Mapping[str, StrictParser] = {}
        self.in_plan: Mapping[str, str] = {}
        self._given: list[str] = []

    def error(self, message: str) -> NoReturn:
        misplaced = self._misplaced()
        unknown = self._unknown_in_given()
        helps = self.prog
        if misplaced is not None:  # 'merbench --no-plugin X list': X is no command
            message, helps = misplaced
        elif unknown is not None:  # '--plugn x': x is no KIND; '--res x': no --results
            message = self._unknown_option(unknown)
        else:
            message = _in_words(message)
        # the words given are echoed: shown literally, as every text merbench did not write
        self.exit(EXIT_USAGE, literal(f"merbench: error: {message} (see '{helps} --help')\n"))

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        """As argparse's, but an unknown option is refused here, where the options it may
        have meant are known (a command's unknown options reach the top parser only as
        "unrecognized arguments", without them)."""
        self._given = list(sys.argv[1:] if args is None else args)
        parsed, extras = super().parse_known_args(args, namespace)
        unknown = next((e for e in extras if e.startswith("-") and len(e) > 1), None)
        if unknown is not None:
            self.error(self._unknown_option(unknown.partition("=")[0]))
        return parsed, extras

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """argparse's check of a choice, with the nearest choice: ``merbench lst`` says
        ``did you mean 'list'?`` before the list of every command."""
        choices = action.choices
        if choices is None or value in choices:
            return
        names = [str(choice) for choice in choices]
        near = _close(str(value), names)
        hint = f" (did you mean {' or '.join(map(repr, near))}?)" if near else ""
        raise argparse.ArgumentError(action, f"invalid choice: {value!r}{hint}; choose from "
                                             f"{', '.join(map(repr, names))}")

    def _unknown_in_given(self) -> str | None:
        """The first ``--option`` given to this command that it does not have (None for a
        parser of commands: there an option belongs to the command left out)."""
        if _subcommands(self) is not None:
            return None
        for token in self._given:
            if token == "--":
                break
            name = token.partition("=")[0]
            if name.startswith("--") and name not in self._option_string_actions:
                return name
        return None

    def _misplaced(self) -> tuple[str, str] | None:
        """For a parser of commands: an option given before the command, which argparse
        reads as the command itself (``merbench --no-plugin X list``: "invalid choice:
        'X'"), said as what to type instead; with the command whose help to see."""
        commands = _subcommands(self)
        if commands is None:
            return None
        before: list[str] = []
        for token in self._given:
            if token in commands.choices or token == "--":
                break
            before.append(token)
        options = [t for t in before if t.startswith("-") and len(t) > 1
                   and t.partition("=")[0] not in self._option_string_actions]
        if not options:
            return None
        first = options[0].partition("=")[0]
        at = len(before)
        if at < len(self._given) and self._given[at] in commands.choices:
            name = self._given[at]
            moved = shlex.join([*self.prog.split(), name, *before, *self._given[at + 1:]])
            return (f"{first} is given before the command '{name}'; options go after it: "
                    f"{moved}"), f"{self.prog} {name}"
        own = [o for o in self._option_string_actions if o.startswith("--")]
        meant = difflib.get_close_matches(first, own, n=1)
        if meant:  # a misspelt option of this parser itself (merbench --vers)
            return f"{first} is not an option; did you mean {meant[0]}?", self.prog
        return (f"{first} is given before any command; options go after the command: "
                f"{shlex.join([*self.prog.split(), 'COMMAND', *before])} (the commands: "
                f"{', '.join(commands.choices)})"), self.prog

    def _unknown_option(self, given: str) -> str:
        """The one line for an option this command does not have, with what was meant."""
        misplaced = self._misplaced()
        if misplaced is not None:
            return misplaced[0]
        if given in self.in_plan:  # before the near options: sweep's --seed is not --eager
            return f"unknown option {given}{self._found_elsewhere(given)}"
        known = sorted(self._option_string_actions)
        started = [k for k in known if k.startswith(given) and k.startswith("--")]
        if started:
            return (f"unknown option {given} (did you mean {' or '.join(started)}?); options "
                    "are never abbreviated")
        close = _close(given, known)
        if close:
            return f"unknown option {given} (did you mean {' or '.join(close)}?)"
        return f"unknown option {given}{self._found_elsewhere(given)}"

    def _found_elsewhere(self, given: str) -> str:
        """Where an option this command lacks is taken instead: a sweep's plan, or another
        command (``--feature`` is ``cache clear``'s, not ``cache info``'s)."""
        key = self.in_plan.get(given) or next(
            (self.in_plan[k] for k in _close(given, list(self.in_plan))), None)
        if key is not None:
            return (f": what runs is set in the plan, not on the command line ({key} = ... "
                    "under [[runs]] or [defaults])")
        having = sorted((prog for prog, parser in self.elsewhere.items()
                         if given in parser._option_string_actions),
                        key=lambda prog: -_shared_words(prog, self.prog))
        if having:
            more = " (and other commands)" if len(having) > 1 else ""
            return f": it is an option of '{having[0]}'{more}, not of '{self.prog}'"
        return ""


def link_commands(parser: argparse.ArgumentParser) -> None:
    """Give every command's parser under ``parser`` the others (``elsewhere``), so an option
    given to the wrong command can name the one that has it."""
    found: dict[str, StrictParser] = {}

    def walk(node: argparse.ArgumentParser) -> None:
        commands = _subcommands(node)
        if commands is None:
            if isinstance(node, StrictParser):
                found[node.prog] = node
            return
        for sub in commands.choices.values():
            walk(sub)

    walk(parser)
    for prog, command in found.items():
        command.elsewhere = {other: p for other, p in found.items() if other != prog}


#: what argparse's type names mean, for its "invalid int value: 'x'"
_TYPE_WORDS = {"int": "a whole number", "float": "a number", "key_value": "KEY=VALUE"}
_INVALID = re.compile(r"argument (?P<option>\S+): invalid (?P<type>\w+) value: '(?P<value>.*)'$",
                      re.S)


def _in_words(message: str) -> str:
    """argparse's "argument --epochs: invalid int value: '99...9'" in merbench's words, the
    value shortened when long: a 5,000-digit number was echoed whole, and "key_value" named
    a function of merbench's (the second adversarial pass of issue 84)."""
    found = _INVALID.match(message)
    if found is None:
        return message
    value = found["value"]
    if len(value) > 40:
        value = f"{value[:16]}...{value[-8:]} ({len(value):,} characters)"
    what = _TYPE_WORDS.get(found["type"], f"a valid {found['type']}")
    return f"{found['option']} takes {what}, not '{value}'"
