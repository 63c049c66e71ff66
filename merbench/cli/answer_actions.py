"""``--help`` and ``--version`` answered once the whole command line is read.

argparse's own actions print and end the process the moment they are met, so whatever
follows is never read: ``merbench --version extra`` printed the version and ``merbench run -h
extra`` the help, both with status 0, the stray word silently dropped (an adversarial pass of
issue 84). These hand their answer to the parser instead, which gives it only where
the line holds nothing it does not take.
"""

from __future__ import annotations

import argparse
from typing import Any


class Answer(argparse.Action):
    """--help or --version: answered by the parser once it has read the whole line
    (:meth:`~merbench.cli.strict_parser.StrictParser.answer`); by argparse's own action
    at once, the rest unread, in a parser of argparse's own."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        def answer() -> None:
            self.answered(parser)

        later = getattr(parser, "answer", None)  # a StrictParser's
        if later is not None:
            later(option_string or self.option_strings[0], answer)
        else:
            answer()

    def answered(self, parser: argparse.ArgumentParser) -> None:
        """What argparse's action does: print, and end the process."""
        raise NotImplementedError


class _Help(Answer, argparse._HelpAction):
    def answered(self, parser: argparse.ArgumentParser) -> None:
        argparse._HelpAction.__call__(self, parser, argparse.Namespace(), None)


class _Version(Answer, argparse._VersionAction):
    def answered(self, parser: argparse.ArgumentParser) -> None:
        argparse._VersionAction.__call__(self, parser, argparse.Namespace(), None)


#: argparse's answering actions, by their registered names, and this module's in their place
ANSWERS: dict[str, type[argparse.Action]] = {"help": _Help, "version": _Version}
