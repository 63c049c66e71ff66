"""A single-valued option given twice with two values is refused, as one rule of the parser.

argparse keeps the last value of an option given twice: ``merbench run --epochs 1 ...
--epochs 2`` trained and recorded 2 epochs without a word, while ``--dataset-opt subjects=3
... subjects=4`` was refused (the ninth adversarial pass of issue 84). A long command line,
or one put together by a script, can well hold an option twice; which value the user meant
is theirs to say. So every action that stores one value (``store``, ``store_const``,
``store_true``, ``store_false``) is made, by :func:`given_once`, to refuse a second value
different from the first. The same value twice changes nothing and is taken: "the same" as
the command reads it (:func:`reads_as`: ``--folds 1`` and ``--folds 1.0``, ``all`` and
``ALL``), not as typed, since each alone is accepted (pass 84j, Q11). Two values that differ
are said as they were typed (``'1' and '1e3'``, not ``1000``).

Options meant to be repeated keep their own actions (``append``: ``--no-plugin``, ``-p``;
merbench's ``EachKeyOnce``: ``--dataset-opt``, ``--model-opt``; ``count``) and are
untouched; so is an option of several values (``nargs='+'`` or ``'*'``: ``--results DIR
...``), found from the action itself: given again, it adds its values to the first ones, as
``--no-plugin`` does, where argparse dropped the first folders without a word and this rule
then refused them (Q11).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import Any

#: argparse's registry names of the actions that keep one value (None: ``store``, the default)
ONE_VALUE = (None, "store", "store_const", "store_true", "store_false")

#: the nargs of an option that takes several values at once (``--results a b``)
SEVERAL = (argparse.ONE_OR_MORE, argparse.ZERO_OR_MORE)


def reads_as(action: argparse.Action, reading: Callable[[Any], Any]) -> argparse.Action:
    """Mark ``action`` (an option kept as text, refused later where the command knows more)
    as read by ``reading``: two values given are the same where they read alike (a value
    ``reading`` refuses is compared as typed). Returns ``action``."""
    action.reads = reading  # type: ignore[attr-defined]
    return action


@functools.cache
def given_once(action_class: type[argparse.Action]) -> type[argparse.Action]:
    """``action_class``, refusing a second, different value of its option in one command
    line; the values given so far are the parser's ``values_given`` (a dict, emptied by
    the parser at the start of each parse). An option of several values adds them up.
    Made once per class (the class keeps no state): every parser registers the four
    one-value actions, and the suite's ~2,000 in-process commands each built 125 classes
    (a tenth of building the parser)."""

    class GivenOnce(action_class):  # type: ignore[valid-type,misc]
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: Any, option_string: str | None = None) -> None:
            given: dict[str, tuple[str, Any, argparse.Action, str | None]] | None = getattr(
                parser, "values_given", None)
            if given is None or not self.option_strings:
                super().__call__(parser, namespace, values, option_string)
                return
            named = option_string or self.dest
            earlier = given.get(self.dest)
            if self.nargs in SEVERAL:  # --results a --results b: a and b
                if earlier is not None:
                    values = [*getattr(namespace, self.dest), *values]
                given[self.dest] = (named, values, self, None)
                super().__call__(parser, namespace, values, option_string)
                return
            value = self.const if self.nargs == 0 else values
            # the text argparse read the value from (a flag of no value has none)
            written = getattr(parser, "last_written", None) if self.nargs is None else None
            if earlier is not None and not _same(self, earlier[1], value):
                parser.error(_twice(earlier, (named, value, self, written)))
            given[self.dest] = (named, value, self, written)
            super().__call__(parser, namespace, values, option_string)

    GivenOnce.__name__ = GivenOnce.__qualname__ = action_class.__name__
    return GivenOnce


def _same(action: argparse.Action, one: Any, other: Any) -> bool:
    """Whether two values of ``action`` are one value as the command reads them."""
    reading = getattr(action, "reads", None)
    if reading is not None:
        try:
            return bool(reading(one) == reading(other))
        except Exception:  # a value it refuses is said later, as typed
            pass
    return bool(one == other)


def _twice(first: tuple[str, Any, argparse.Action, str | None],
           second: tuple[str, Any, argparse.Action, str | None]) -> str:
    """The line for two values of one option: ``--epochs is given twice, 1 and 2; give it
    once``, the option named by its long spelling where it was spelt two ways (``-d`` and
    ``--dataset``); two options of one setting (``--x`` and ``--no-x``) cannot be given
    together."""
    (one_name, one, one_action, one_text), (other_name, other, other_action, other_text) = \
        first, second
    if one_action is not other_action:
        return f"{one_name} and {other_name} cannot be given together; give one of them"
    name = one_name if one_name == other_name else next(
        (o for o in one_action.option_strings if o.startswith("--")), one_name)
    return (f"{name} is given twice, {_text(one if one_text is None else one_text)} and "
            f"{_text(other if other_text is None else other_text)}; give it once, with the "
            "value you mean")


def _text(value: Any) -> str:
    """A value as the command line wrote it: ``'a b'`` for a list, quoted."""
    shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"'{shown if len(shown) <= 40 else shown[:16] + '...' + shown[-8:]}'"
