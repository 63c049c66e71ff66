"""A leading ``~`` in a path a user gave, read as a shell reads it, for every such path.

A shell expands ``~`` and ``~user`` only where it parses the command line; a path that
reaches merbench past it (``--out '~/x'``, a value of ``--out=~/x`` some shells leave alone,
a sweep plan's ``out = "~/runs"``, a tuning file's ``data_root``) kept its ``~``, so
merbench made a folder named ``~`` in the current one and printed ``~/x/results.json``, a
path that a shell then read as the home folder's (pass 84af, AF9). The cache's variable and
plugin options' paths already expanded it; now every path merbench takes from a user goes
through :func:`home_expanded`: the command line's path options (``given_path``), the plan's
and tuning file's paths, the Python API's path keywords and ``MERBENCH_CACHE_DIR``. Where
an unknown home is refused as a :class:`~merbench.base.errors.MerbenchError` naming where
the path was given, :func:`home_expanded_at` words it, so each such refusal reads alike.

``~NAME`` of a user the system does not know is refused, not kept: a shell keeps it as
typed, but a path printed with that ``~`` reads as a home folder to whoever pastes it.
"""

from __future__ import annotations

import os

from merbench.base.errors import MerbenchError
from merbench.base.literal import literal


class UnknownHome(MerbenchError):
    """A path that begins with ``~NAME`` where the system knows no user NAME (or no home
    folder at all); its message says so, to follow "WHERE: " or an option's name."""


def home_expanded(text: str) -> str:
    """``text`` with a leading ``~`` (the home folder) or ``~NAME`` (NAME's) expanded as a
    shell expands it, else as given; :class:`UnknownHome` where that home is not known."""
    if not text.startswith("~"):
        return text
    expanded = os.path.expanduser(text)
    if expanded.startswith("~"):
        user = text.split("/", 1)[0]
        whose = "of a user this system does not know" if user != "~" else \
            "(and this system names no home folder)"
        shown = literal(text, one_line=True)
        raise UnknownHome(f"{shown} begins with '{literal(user, one_line=True)}', the home "
                          f"folder {whose}; give the folder's own path ('./{shown}' for a "
                          "name that begins with '~')")
    return expanded


def home_expanded_at(text: str, said: str) -> str:
    """:func:`home_expanded` of ``text``, a path given at ``said`` (what starts the refusal:
    ``"FILE: 'key' = "``, ``"call: name="``); an unknown home is one MerbenchError
    ``{said}{why}``, so every file, keyword and option that takes a path refuses it in the
    same words, after its own name for where it was given."""
    try:
        return home_expanded(text)
    except UnknownHome as exc:
        raise MerbenchError(f"{said}{exc}") from None
