"""Numbers as a user types them: a seed in range, and option values that are finite.

A seed reaches merbench from ``--seed``, ``--seeds``, a sweep plan's ``seeds`` and ``audit
--seed``; each says the same thing about a bad one, here. It is read as every whole number is
(:mod:`merbench.base.whole_numbers`: ``0``, ``+0``, ``0.0``), never by Python's ``int()``,
which refuses a string of more than 4,300 digits with advice about
``sys.set_int_max_str_digits``, no help to someone who mistyped a seed; a long one is shown
shortened, as written.

``--model-opt dropout=NaN`` is JSON that Python reads (``NaN``, ``Infinity``, ``1e999``),
TOML has ``nan`` and ``inf``, and ``inf``, which JSON does not read, stays the text 'inf'; no
option of a model, feature, dataset or protocol means anything by them, and one that
reaches training fails there with a traceback, after the run folder was made.
:func:`check_finite` refuses them before anything is built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.home_paths import home_expanded_at
from merbench.base.near_zero import first_written_near_zero, too_close_to_zero
from merbench.base.nested_values import first_found
from merbench.base.non_finite import NON_FINITE
from merbench.base.whole_numbers import too_long, whole_value

#: the run options whose number must be above 0: a value too close to 0 to be held is not
#: told to "give 0 itself" (:mod:`merbench.base.near_zero`), on the command line or in a file
POSITIVE_NUMBERS = frozenset({"lr", "gpus_per_task"})
#: the largest seed: torch seeds its generators with unsigned 64-bit numbers
MAX_SEED = 2**64 - 1
_SHOWN = 12  # characters of a long value shown at each end


def shortened(text: str) -> str:
    """``text``, with the middle of a long one left out (``99999…99999, 5,000 characters``),
    so an error line stays one line."""
    if len(text) <= 2 * _SHOWN + 10:
        return text
    return f"{text[:_SHOWN]}…{text[-_SHOWN:]}, {len(text):,} characters"


def seed_problem(option: str, given: object) -> str:
    """The one line that says a seed given as ``option`` is not one: a value that is no
    whole number (``1.5``, ``abc``) is said to be so, not to be out of range; either shows
    ``given`` as written (``-1.0``, not the -1 it is; `` 2.5`` with its space, as
    ``--epochs`` shows it)."""
    text = str(given)
    if whole_value(given) is None and not too_long(given):
        return (f"{option} takes a whole number, not '{shortened(text)}' (a seed is 0 to "
                f"{MAX_SEED})")
    return (f"{option} must be a non-negative integer in range, 0 to {MAX_SEED} "
            f"(got {shortened(str(given))})")


def check_seed(seed: int, option: str) -> None:
    """Refuse a seed out of range (``option`` names where it was given)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise MerbenchError(seed_problem(option, seed))


def check_distinct_seeds(seeds: list[int], option: str, given: str,
                         example: str = "0,1,2") -> None:
    """Refuse a list of seeds that names one twice: each seed is a run folder (``seed-N``),
    and a summary over a seed counted twice is one validate rejects. ``option`` and
    ``given`` say it as the user gave it (``--seeds`` '0,0', or the API's ``seeds`` [0, 0])."""
    if len(set(seeds)) != len(seeds):
        raise MerbenchError(f"{option} needs distinct non-negative seeds, e.g. {example} "
                            f"(got {given})")


def parse_seed(text: str, option: str) -> int:
    """The seed ``text`` spells (any spelling of a whole number: ``3``, ``+3``, ``3.0``), or a
    MerbenchError naming ``option`` that shows ``text`` as written."""
    seed = whole_value(text)
    if seed is None or not 0 <= seed <= MAX_SEED:
        raise MerbenchError(seed_problem(option, text))
    return seed


def seed_option(option: str) -> Any:
    """An argparse ``type`` for a seed option: its error is the whole line (the command
    line's parser lets a MerbenchError through to be said as it is)."""

    def seed(text: str) -> int:
        return parse_seed(text, option)

    return seed


def first_non_finite(value: Any, where: str) -> tuple[str, float] | None:
    """The dotted name and value of the first NaN or infinity in ``value`` (an option's
    value; lists and objects are searched), or None."""
    return first_found(value, where, _non_finite)


def _non_finite(value: Any, where: str) -> tuple[str, float] | None:
    if isinstance(value, float) and not math.isfinite(value):
        return where, value
    if isinstance(value, str) and NON_FINITE.fullmatch(value.strip()):
        return where, float(value)  # 'inf' or '"NaN"' typed where a number was meant
    return None


def check_finite(options: Mapping[str, Any], option: str, texts_later: bool = False) -> None:
    """Refuse an option (given as ``option``, e.g. ``--model-opt``) whose value is or holds
    NaN or an infinity. ``texts_later``: a value that is text (``nan`` typed as
    ``--feature-opt mode=nan``) is left to the check against the option's default, which
    takes it as text for a text option and refuses it for a number
    (:meth:`merbench.plugin_system.entry.Entry.check_options`)."""
    for key, value in options.items():
        if texts_later and isinstance(value, str):
            continue
        found = first_non_finite(value, str(key))
        if found is not None:
            name, number = found
            what = "not a number (NaN)" if math.isnan(number) else "infinite"
            # text (NaN typed) shown as typed, a number read from a file as it is
            shown = value if isinstance(value, str) else number
            raise MerbenchError(f"{option} {name}={shown}: the value is {what}; give a "
                                "finite number")


def check_file_value(where: str, name: str, value: Any, is_path: bool,
                     whole: bool = False) -> Any:
    """Refuse a plan's or tuning file's value (``where``: the file and its table) that its
    type allows and no run takes, naming the key as the file spells it (not the command
    line's option): an empty path, which ``Path`` reads as ``.``, the current folder, a
    NaN or an infinity (TOML's ``nan``, ``inf``, and ``1e999``, which TOML reads as ``inf``:
    the file's own text is not kept, so the value is not echoed), and a number too close to
    0 to be held (``lr = 1e-400``, said as written: it was "(got 0)"), no whole number where
    ``whole`` (the option takes only one). Returns ``value``, a path's leading ``~``
    expanded as a shell would, since no shell read the file (pass 84af, AF9)."""
    if is_path and isinstance(value, str) and not value.strip():
        raise MerbenchError(f"{where}: '{name}' is an empty path, which names nothing; give "
                            "the file or folder itself ('.' for this folder)")
    if is_path and isinstance(value, str):
        value = home_expanded_at(value, f"{where}: '{name}' = ")
    near = first_written_near_zero(value, name)
    if near is not None:
        dotted, written = near
        if whole and dotted == name:  # read as the whole number 0, which it is not
            raise MerbenchError(f"{where}: '{name}' must be a whole number, not {written}")
        raise MerbenchError(f"{where}: '{dotted}' = {written} is "
                            f"{too_close_to_zero(dotted == name and name in POSITIVE_NUMBERS)}")
    found = first_non_finite(value, name)
    if found is not None:
        dotted, number = found
        what = "not a number (NaN)" if math.isnan(number) else "infinite"
        raise MerbenchError(f"{where}: '{dotted}' is {what}; give a finite number")
    return value
