"""The parser every ``merbench`` command is made of: argparse, with one-line errors that say
what was meant.

argparse's own errors print a usage block and name what it could not parse, not what the
user meant: ``--epoch`` (for ``--epochs``) is "unrecognized", ``merbench --no-plugin X list``
is "invalid choice: 'X'", and ``merbench lst`` lists every command without saying which one
is near. A researcher's first commands are where these happen, so each one here is one line
that names the mistake and the fix: the option nearest to the one given, the command that has
it, where an option given before the command goes, and the command or choice nearest to the
word given.

Every other refusal argparse words itself is said here too, in one place, so that no command
echoes its phrasing ("the following arguments are required: --out/-o", "argument --score:
invalid choice", "argument --spotter-opt: expected KEY=VALUE"): a required option or argument
left out is what the command needs and what it is for, a choice is the choices, and a value
its type refuses is the option as typed, the value and the fix (the fourth adversarial pass
of issue 84).
"""

from __future__ import annotations

import argparse
import difflib
import re
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from merbench.base.literal import joined, literal
from merbench.cli.answer_actions import ANSWERS, Answer
from merbench.cli.given_once import ONE_VALUE, given_once

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
    ``speaker`` begins each error line (``benchmarks/gpu_session.py`` says its own name).
    """

    speaker = "merbench"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.elsewhere: Mapping[str, StrictParser] = {}
        self.in_plan: Mapping[str, str] = {}
        self._given: list[str] = []
        self._asked: Callable[[], None] | None = None  # --help's (or --version's) answer
        # merbench.cli.given_once: each option's name, value, action and text given so far
        self.values_given: dict[str, tuple[str, Any, argparse.Action, str | None]] = {}
        # the text of the value read last, as typed: given_once shows '1e3', not 1000
        self.last_written: str | None = None
        # '-1e0' is a value too (argparse's own matcher: '-1', '-.5'), not an unknown option
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

    def register(self, registry_name: str, value: Any, object: Any) -> None:
        """argparse's registry, with this module's --help and --version (:mod:`.answer_actions`)
        in place of its own, which answer at once and ignore the rest of the line."""
        if registry_name == "action":
            object = ANSWERS.get(value, object)
            if value in ONE_VALUE:  # --epochs 1 ... --epochs 2: refused, not last-wins
                object = given_once(object)
        super().register(registry_name, value, object)

    def answer(self, option: str, answer: Callable[[], None]) -> None:
        """``option`` (--help, --version) given: answered once the line is read, where it
        holds nothing this parser does not take (``merbench run -h extra`` printed the help
        and ignored 'extra'). A parser of commands has nothing else to read: any other word
        given is one too many (``merbench --version extra``)."""
        commands = _subcommands(self)
        if commands is None:
            self._asked = answer
            return
        stray = next((t for t in self._given
                      if not isinstance(self._option_string_actions.get(t), Answer)), None)
        if stray is not None:
            more = (f", or give '{self.prog} {stray} {option}' for that command's own"
                    if stray in commands.choices else "")
            self.error(f"{self.prog} {option} takes nothing more, not {_shown(stray)}; leave "
                       f"it out{more}")
        answer()

    def error(self, message: str) -> NoReturn:
        if self._asked is not None and (_REQUIRED.match(message) or _ONE_OF.match(message)):
            self._asked()  # what --help is for: what the command needs
        misplaced = self._misplaced()
        unknown = self._unknown_in_given()
        helps = self.prog
        if misplaced is not None:  # 'merbench --no-plugin X list': X is no command
            message, helps = misplaced
        elif unknown is not None:  # '--plugn x': x is no KIND; '--res x': no --results
            message = self._unknown_option(unknown)
        else:
            message = self._in_words(message)
        # the words given are echoed literally and on one line (merbench.base.terminal.say)
        line = literal(f"{self.speaker}: error: {message} (see '{helps} --help')",
                       one_line=True)
        self.exit(EXIT_USAGE, line + "\n")

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        """As argparse's, but an unknown option is refused here, where the options it may
        have meant are known (a command's unknown options reach the top parser only as
        "unrecognized arguments", without them)."""
        self._given = list(sys.argv[1:] if args is None else args)
        self._asked = None
        self.values_given = {}
        parsed, extras = super().parse_known_args(args, namespace)
        asked, self._asked = self._asked, None  # a stray word is refused, not answered
        unknown = next((e for e in extras if e.startswith("-") and len(e) > 1), None)
        if unknown is not None:
            self.error(self._unknown_option(unknown.partition("=")[0]))
        if extras and _subcommands(self) is None:  # argparse: "unrecognized arguments: x"
            self.error(f"{self.prog} does not take {_shown(extras[0])}; leave it out")
        if asked is not None:
            asked()
        return parsed, extras

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """argparse's check of a choice, said as merbench says it (argparse's "argument
        COMMAND: invalid choice: 'x' (choose from ...)"), with the nearest choice: ``merbench
        lst`` says ``did you mean 'list'?`` before the list of every command."""
        choices = action.choices
        if choices is None or value in choices:
            return
        names = [str(choice) for choice in choices]
        near = _close(str(value), names)
        hint = f" (did you mean {' or '.join(map(repr, near))}?)" if near else ""
        given = _shown(str(value))
        if isinstance(action, argparse._SubParsersAction):
            said = f"{self.prog} has no command {given}{hint}; its commands are {joined(names)}"
        elif not action.option_strings:  # a positional: list's KIND
            said = (f"{self.prog} has no {self._spelled(action)} {given}{hint}; choose "
                    f"{_or(names)}")
        else:
            said = f"{self._spelled(action)} takes {_or(names)}, not {given}{hint}"
        raise argparse.ArgumentError(None, said)  # no action: argparse adds no "argument X:"

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        """argparse's conversion of a value by its option's type, its refusal said in
        merbench's words: "--epochs takes a whole number, not 'ten'" for argparse's "argument
        --epochs: invalid int value: 'ten'", and "--spotter-opt p: give KEY=VALUE ..." for a
        type of merbench's own, whose message says only what is wrong and the fix."""
        self.last_written = arg_string
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            reason = exc.__context__  # what the type raised, which argparse re-raised
            spelled = self._spelled(action)
            if isinstance(reason, argparse.ArgumentTypeError):
                said = f"{spelled} {_typed(arg_string)}: {reason}"
            else:
                kind = getattr(action.type, "__name__", "")
                what = _TYPE_WORDS.get(kind, f"a valid {kind}" if kind else "another value")
                said = f"{spelled} takes {what}, not {_shown(arg_string)}"
            raise argparse.ArgumentError(None, said) from None

    def _in_words(self, message: str) -> str:
        """What argparse itself says (a required option left out, an option without its
        value, two that exclude each other) in merbench's words, naming the option as it was
        typed; any other message is merbench's own and left as it is."""
        required = _REQUIRED.match(message)
        if required is not None:
            return self._needs(required["names"].split(", "))
        one_of = _ONE_OF.match(message)
        if one_of is not None:
            return f"{self.prog} needs one of {_or(one_of['names'].split())}"
        found = _ARGUMENT.match(message)
        if found is None:
            return message
        action = self._action_named(found["name"])
        spelled = self._spelled(action) if action is not None else found["name"]
        problem = found["problem"]
        if problem.startswith("expected"):  # one argument, at least one, 2 arguments
            value = (action.metavar or action.dest.upper()) if action is not None else "VALUE"
            return f"{spelled} is given no {value}; give {spelled} {value}"
        other = re.match(r"not allowed with argument (\S+)$", problem)
        if other is not None:
            theirs = self._action_named(other[1])
            return (f"{spelled} and {self._spelled(theirs) if theirs else other[1]} cannot "
                    "be given together; give one of them")
        explicit = re.match(r"ignored explicit argument (.*)$", problem)
        if explicit is not None:  # --quiet=3: argparse quotes the value as Python does
            value = explicit[1].strip("'")
            return f"{spelled} takes no value; give {spelled} alone, not {spelled}={value}"
        return f"{spelled}: {problem}"

    def _needs(self, names: list[str]) -> str:
        """argparse's "the following arguments are required: --out/-o" as what the command
        needs and, for one, what it is for: "merbench predict needs --out DIR: where
        predictions.json ... go"."""
        actions = [self._action_named(name) for name in names]
        if len(actions) == 1 and isinstance(actions[0], argparse._SubParsersAction):
            return f"{self.prog} needs a command: {_or(list(actions[0].choices or ()))}"
        spelled = [self._with_value(a) if a is not None else name
                   for a, name in zip(actions, names, strict=True)]
        if len(actions) == 1 and actions[0] is not None and actions[0].help:
            return f"{self.prog} needs {spelled[0]}: {_help_head(actions[0].help)}"
        return f"{self.prog} needs {joined(spelled)}"

    def _action_named(self, name: str) -> argparse.Action | None:
        """The action argparse names ``name`` ("--out/-o", "NEW", "COMMAND")."""
        return next((a for a in self._actions if argparse._get_action_name(a) == name), None)

    def _spelled(self, action: argparse.Action) -> str:
        """How the user named ``action``: the option string given (``-o`` or ``--out``), else
        its first long one; a positional by its metavar."""
        if not action.option_strings:
            return str(action.metavar or action.dest)
        for token in self._given:
            if token == "--":
                break
            for option in action.option_strings:
                if token == option or token.startswith(option + "=") or (
                        len(option) == 2 and not option.startswith("--")
                        and token.startswith(option)):
                    return option
        return next((o for o in action.option_strings if o.startswith("--")),
                    action.option_strings[0])

    def _with_value(self, action: argparse.Action) -> str:
        """``action`` as it is given: ``--out DIR``, ``NEW``."""
        spelled = self._spelled(action)
        if not action.option_strings or action.nargs == 0:
            return spelled
        return f"{spelled} {action.metavar or action.dest.upper()}"

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
            # '-x' (a short option it lacks, or a cluster/attached value not starting with
            # one it has); a negative number is a value ('--seed -1')
            if re.fullmatch(r"-[^-\d.].*", name) and name[:2] not in self._option_string_actions:
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


#: what argparse's type names mean, for its "invalid int value: 'x'" (``whole_number``:
#: :mod:`merbench.base.whole_numbers`, the one reading of a whole number; ``finite_number``
#: and ``positive_number``: :mod:`merbench.cli.shared_options`)
_TYPE_WORDS = {"whole_number": "a whole number", "float": "a number",
               "finite_number": "a number", "positive_number": "a number"}
_REQUIRED = re.compile(r"the following arguments are required: (?P<names>.*)$", re.S)
_ONE_OF = re.compile(r"one of the arguments (?P<names>.*) is required$", re.S)
_ARGUMENT = re.compile(r"argument (?P<name>[^:]+): (?P<problem>.*)$", re.S)
_LONGEST = 40  # characters of a value echoed; the middle of a longer one is left out


def _shown(value: str) -> str:
    """A value the user typed, quoted, shortened when long: a 5,000-digit number was echoed
    whole (the second adversarial pass of issue 84)."""
    return f"'{_shortened(value)}'"


def _typed(value: str) -> str:
    """A value the user typed, as a shell would take it back (``p``, ``''``), shortened."""
    return shlex.quote(value) if len(value) <= _LONGEST else _shown(value)


def _shortened(value: str) -> str:
    if len(value) <= _LONGEST:
        return value
    return f"{value[:16]}...{value[-8:]} ({len(value):,} characters)"


def _or(names: Sequence[str]) -> str:
    """``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _help_head(text: str) -> str:
    """The first clause of an option's help: what it is, without the details after."""
    return re.split(r"; | \(", text, maxsplit=1)[0]
