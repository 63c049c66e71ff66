"""How a plan's or tuning file's refusal names the key it is about: ``FILE: [TABLE] KEY: what
is wrong; the fix`` (a top-level key: ``FILE: KEY: ...``), values as TOML writes them.

One home for the shape, below the sweep plan and the tuning file that both use it: pass 84s
found ``FILE: [options]: 'lr' must be ...`` (Python's quotes, the key after the colon) beside
``FILE: [space] lr: ...``, and a plan's ``runs[0]: 'seeds' ...`` beside ``runs[0] gives ...``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from merbench.base.errors import MerbenchError


def key_at(where: str, table: str | None, key: str) -> str:
    """``FILE: [TABLE] KEY`` (``FILE: KEY`` for a top-level key): the start of a refusal.
    ``table`` is written as given, so an array's entry can be ``runs[0]``."""
    if table is None:
        return f"{where}: {key}"
    return f"{where}: {table if table.endswith(']') else f'[{table}]'} {key}"


def refused(here: str, text: str) -> MerbenchError:
    """The refusal ``HERE: TEXT`` (``here`` from :func:`key_at`)."""
    return MerbenchError(f"{here}: {text}")


def keyed(here: str, name: str, subject: str, check: Callable[[str], Any]) -> Any:
    """``check(here)`` (a shared check of the value of key ``name``, which says ``WHERE:
    'NAME' must be ...``), its refusal said ``HERE: SUBJECT must be ...``; ``subject`` ("a
    choice", "low", or "" for the key's own value) names what of the key is refused.

    A value inside a table (``'model_options.x' is infinite``) is said as its path below
    ``name`` (``HERE: x is infinite``, or with a subject ``a choice's x``); a number too near
    zero with its spelling (``1e-320 is too close to zero``). A refusal of another shape (not
    of ``name``) is raised as it is."""
    try:
        return check(here)
    except MerbenchError as exc:
        said = str(exc).removeprefix(f"{here}: ")
        dotted, _, rest = said.removeprefix("'").partition("'")
        if not said.startswith("'") or not (dotted + ".").startswith(name + "."):
            raise
        if dotted != name:  # a value inside a table: 'model_options.x.y' is infinite
            inner = dotted[len(name) + 1:]
            subject = f"{subject}'s {inner}" if subject else inner
        written, _, tail = rest.removeprefix(" = ").partition(" is ")  # a number near 0
        if rest.startswith(" = "):
            said = f"{subject}, {written}, is {tail}" if subject else f"{written} is {tail}"
        else:
            said = (subject + rest).strip()
        raise MerbenchError(f"{here}: {said}") from None
