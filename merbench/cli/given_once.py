"""A single-valued option given twice with two values is refused, as one rule of the parser.

argparse keeps the last value of an option given twice: ``merbench run --epochs 1 ...
--epochs 2`` trained and recorded 2 epochs without a word, while ``--dataset-opt subjects=3
... subjects=4`` was refused (the ninth adversarial pass of issue 84). A long command line,
or one put together by a script, can well hold an option twice; which value the user meant
is theirs to say. So every action that stores one value (``store``, ``store_const``,
``store_true``, ``store_false``) is made, by :func:`given_once`, to refuse a second value
different from the first. The same value twice changes nothing and is taken. Options meant
to be repeated keep their own actions (``append``: ``--no-plugin``, ``-p``; merbench's
``EachKeyOnce``: ``--dataset-opt``, ``--model-opt``; ``count``) and are untouched.
"""

from __future__ import annotations

import argparse
from typing import Any

#: argparse's registry names of the actions that keep one value (None: ``store``, the default)
ONE_VALUE = (None, "store", "store_const", "store_true", "store_false")


def given_once(action_class: type[argparse.Action]) -> type[argparse.Action]:
    """``action_class``, refusing a second, different value of its option in one command
    line; the values given so far are the parser's ``values_given`` (a dict, emptied by
    the parser at the start of each parse)."""

    class GivenOnce(action_class):  # type: ignore[valid-type,misc]
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: Any, option_string: str | None = None) -> None:
            given: dict[str, tuple[str, Any]] | None = getattr(parser, "values_given", None)
            value = self.const if self.nargs == 0 else values
            if given is not None and self.option_strings:
                earlier = given.get(self.dest)
                if earlier is not None and earlier[1] != value:
                    parser.error(_twice(earlier[0], option_string or self.dest, earlier[1],
                                        value))
                given[self.dest] = (option_string or self.dest, value)
            super().__call__(parser, namespace, values, option_string)

    GivenOnce.__name__ = GivenOnce.__qualname__ = action_class.__name__
    return GivenOnce


def _twice(first: str, second: str, one: Any, other: Any) -> str:
    """The line for two values of one option: ``--epochs is given twice, 1 and 2; give it
    once``; two options of one setting (``--x`` and ``--no-x``) cannot be given together."""
    if first != second:
        return f"{first} and {second} cannot be given together; give one of them"
    return (f"{first} is given twice, {_text(one)} and {_text(other)}; give it once, with the "
            "value you mean")


def _text(value: Any) -> str:
    """A value as the command line wrote it: ``'a b'`` for a list, quoted."""
    shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"'{shown if len(shown) <= 40 else shown[:16] + '...' + shown[-8:]}'"
