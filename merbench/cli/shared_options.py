"""The options that several commands take, each declared once here.

An option that two commands declare by hand drifts apart: ``audit --device`` once said
"where to train: cpu (default)" where ``run --device`` listed ``auto`` too, and ``--quiet``
was written out four times. So a command takes a shared option by calling the function here
(or, for a run's options, :mod:`merbench.cli.run_options`), never by ``add_argument``.

Every action made here is remembered (:func:`declared_once`), so that
``tests/test_command_table.py`` can tell an option taken from its one declaration from one
written by hand under the same spelling, and fail on the latter.
"""

from __future__ import annotations

import argparse
import math
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.home_paths import UnknownHome, home_expanded
from merbench.base.near_zero import reads_as_zero, too_close_to_zero
from merbench.base.whole_numbers import number_value
from merbench.cli.given_once import reads_as
from merbench.cli.strict_parser import StrictParser
from merbench.runner.given_values import shortened

# the actions made from a shared declaration (weak: a parser that is dropped takes its own)
_SHARED: weakref.WeakSet[argparse.Action] = weakref.WeakSet()

BENCHMARKS_HELP = "a folder of benchmark definitions instead of merbench's"


def given_path(text: str) -> Path:
    """A path the user gave: an empty one is refused. ``Path("")`` is ``.``, so ``merbench
    validate ""``, ``status ""``, ``audit ""`` or ``--results ""`` each worked on the
    current folder as if it had been named. A leading ``~`` is expanded as a shell would
    (:func:`given_path_text`)."""
    return Path(given_path_text(text))


def given_path_text(text: str) -> str:
    """A path the user gave, refused where empty (as :func:`given_path`), kept as typed: for
    an option a run records as text (``--data-root``, ``--features``, ``--weights``). A
    leading ``~`` that no shell expanded (``--out '~/x'``) is expanded here, as a shell
    would (:mod:`merbench.base.home_paths`): it was a folder named ``~``."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names nothing; give the file or "
                                         "folder itself ('.' for this folder)")
    try:
        return home_expanded(text)
    except UnknownHome as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def file_path_text(text: str) -> str:
    """A path an option names a file to write to, refused where empty and kept as typed:
    ``Path`` drops a trailing ``/``, which says a folder was meant, and the command's one
    check of the file it writes (:func:`merbench.cli.out_places.file_to_write`) reads it."""
    return given_path_text(text)


def finite_number(text: str) -> float:
    """A number option's value (``--checkpoint-every``), NaN and infinities refused as typed:
    ``float`` made ``1e999`` the ``inf`` the later check echoed ("got inf"), which the user
    never wrote; so with ``1e-400``, which it made 0 ("got 0"). Text that is no number is
    the parser's to say ("takes a number")."""
    return _finite(text, positive=False)


def positive_number(text: str) -> float:
    """A number option's value that must be above 0 (``--lr``, ``--gpus-per-task``), read as
    :func:`finite_number`; a value too close to 0 is not told "give 0 itself", which such an
    option refuses (pass 84j, Q12)."""
    return _finite(text, positive=True)


def _finite(text: str, positive: bool) -> float:
    value = number_value(text)
    if not math.isfinite(value):
        what = "not a number (NaN)" if math.isnan(value) else "infinite"
        raise argparse.ArgumentTypeError(f"the value is {what}; give a finite number")
    if reads_as_zero(text):  # 1e-400: the later check said "(got 0)"
        raise argparse.ArgumentTypeError(f"the value is {too_close_to_zero(positive)}")
    return value


def number_within(option: str, refusal: Callable[[float], str | None]) -> Callable[[str], float]:
    """An argparse ``type`` for a number option that only the command line gives (``--fps``,
    ``--timeout-s``), checked where what was typed is known: ``refusal(value)`` says what
    follows ``OPTION TYPED`` in the error line for a value out of bounds (None: it fits);
    NaN, which no comparison admits, must fail it too. Its line is the whole error."""

    def finite_number(text: str) -> float:  # the name: the parser says "takes a number"
        value = number_value(text)
        problem = refusal(value)
        if problem is not None:
            raise MerbenchError(f"{option} {shortened(text.strip())} {problem}")
        return value

    return finite_number


def declared_once(action: argparse.Action) -> argparse.Action:
    """Mark ``action`` as made from a shared declaration; returns it."""
    _SHARED.add(action)
    return action


def is_shared(action: argparse.Action) -> bool:
    """Whether ``action`` was made from a shared declaration (rather than by hand)."""
    return action in _SHARED


def plugin_options() -> StrictParser:
    """``--no-plugin`` and ``--plugin``, as a parent parser: every command that loads plugins
    is built with it (``parents=[...]``), so the options are the same objects in each."""
    common = StrictParser(add_help=False)
    group = common.add_argument_group("plugins")
    declared_once(group.add_argument("--no-plugin", action="append", default=[],
                                     metavar="NAME",
                                     help="do not load the plugin NAME (repeatable)"))
    declared_once(group.add_argument("-p", "--plugin", action="append", default=[],
                                     metavar="NAME", help="load the plugin NAME even when "
                                                          "MERBENCH_DISABLE_PLUGIN_AUTOLOAD=1"))
    return common


def quiet_option(container: argparse._ActionsContainer) -> None:
    """``--quiet``: the commands that draw a progress bar (run, sweep, extract, export)."""
    declared_once(container.add_argument("--quiet", "-q", action="store_true",
                                         help="no progress bar"))


def force_option(container: argparse._ActionsContainer, what: str) -> None:
    """``--force``: replace ``what`` (the file a command writes to a path the user names)
    where a file is there already, which every such command refuses otherwise
    (:func:`merbench.cli.out_places.refuse_replacing`)."""
    declared_once(container.add_argument(
        "--force", action="store_true",
        help=f"replace {what} if it exists (what merbench writes cannot be told from a file "
             "of yours, so it is never replaced unasked)"))


def yes_option(container: argparse._ActionsContainer, what: str) -> None:
    """``--yes``: start ``what`` without the question a large start asks; the help says
    what is started, which differs between ``run --seeds`` and ``sweep``."""
    declared_once(container.add_argument("--yes", "-y", action="store_true", help=what))


def seeds_option(container: argparse._ActionsContainer, what: str,
                 default: Any = None) -> None:
    """``--seeds N,N,...``: the command once per seed and a summary of them (``run``:
    runs; ``tune``: tunings); the help says ``what`` is made of each."""
    # read as seeds: --seeds 1,2 --seeds 1,02 is one list given twice, not two (pass 84j Q11)
    declared_once(reads_as(container.add_argument("--seeds", default=default,
                                                  metavar="N,N,...", help=what), _seeds_read))


def _seeds_read(text: str) -> list[int]:
    """``--seeds`` as every command reads it (imported here, not at the top: the runner
    brings pandas, which ``merbench --help`` should not wait for)."""
    from merbench.runner.seeds import parse_seeds  # defers numpy, pandas (the runner's)
    return parse_seeds(text)


def results_option(container: argparse._ActionsContainer) -> None:
    """``--results``, which a reader in a checkout of merbench (or of a project laid out
    like it) need not type: the command reads ``leaderboards/results`` when it is there."""
    declared_once(container.add_argument(
        "--results", nargs="+", type=given_path, default=None, metavar="DIR",
        help="folders holding run directories, searched recursively (default: "
             "leaderboards/results, where the current folder has one)"))


REVALIDATE_HELP = ("recompute every result from its files; without it a result whose files "
                   "are, byte for byte, those of an earlier accepted check is read back from "
                   "its validation record in the cache ($MERBENCH_CACHE_DIR, else "
                   "~/.cache/merbench) instead of recomputed")


def revalidate_option(container: argparse._ActionsContainer) -> None:
    """``--revalidate``: every result checked in full, its validation record renewed
    (:mod:`merbench.verification.validation_record`)."""
    declared_once(container.add_argument("--revalidate", action="store_true",
                                         help=REVALIDATE_HELP))


def benchmarks_option(container: argparse._ActionsContainer,
                      help: str = BENCHMARKS_HELP) -> None:
    """``--benchmarks``: the leaderboard commands' own benchmark definitions (``build``
    says more about them in its help, since it renders every one)."""
    declared_once(container.add_argument("--benchmarks", type=given_path, default=None,
                                         metavar="DIR", help=help))


class EachKeyOnce(argparse._AppendAction):
    """``--x-opt KEY=VALUE``, repeatable, each KEY once: a second ``frames=400`` after
    ``frames=300`` silently won, recorded as if it had been the only one. The same KEY with
    the same value (as read: ``3`` and ``3.0``) changes nothing and is taken once, as
    ``--epochs 1 --epochs 1`` is (:mod:`merbench.cli.given_once`; pass 84j, Q12)."""

    #: the refusal of one KEY given twice with two values (``spot --tune`` says its own)
    twice = "{option} gives {key} twice; give each key once"

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        key, value = values
        given = getattr(namespace, self.dest, None) or []
        for earlier, earlier_value in given:
            if earlier != key:
                continue
            if _same_value(earlier_value, value):
                return
            parser.error(self.twice.format(option=option_string, key=key))
        super().__call__(parser, namespace, values, option_string)


class EachTunedOnce(EachKeyOnce):
    """``spot --tune NAME=V1,V2,...``, repeatable, each NAME once: its values are one list,
    tried in tie-break order, so a second, different list is refused (not added: which
    order was meant is the user's to say), and the same list again (as read: ``6`` and
    ``6.0``) is taken once, as the user guide's rule for an option given twice says (walk
    85m: ``--tune p=0.1 --tune p=0.1`` was refused)."""

    twice = "{option} {key}=... is given twice; give its values once, separated by commas"


def _same_value(one: Any, other: Any) -> bool:
    """Whether two KEY=VALUE values are one: equal, and neither a true/false where the
    other is a number (``true`` is not ``1``)."""
    return isinstance(one, bool) == isinstance(other, bool) and bool(one == other)


def spotter_options(container: argparse._ActionsContainer, key_value: Callable[[str], Any],
                    *, default: str | None, opt_help: str) -> None:
    """``--spotter`` and ``--spotter-opt`` (each ``KEY=VALUE`` read by ``key_value``, the run
    options' reader): ``spot`` requires the spotter; ``predict`` defaults to one
    (``default``). ``opt_help`` says what the options apply to: every setting a spotting run
    tries, or the one spotter that reads a video."""
    declared_once(container.add_argument(
        "--spotter", required=default is None, default=default, metavar="NAME",
        help="the spotter (see 'merbench list spotters'), e.g. flow-peak"
             + ("" if default is None else f" (default: {default}, its default options)")))
    declared_once(container.add_argument("--spotter-opt", action=EachKeyOnce, type=key_value,
                                         default=[], metavar="KEY=VALUE", help=opt_help))
