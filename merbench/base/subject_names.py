"""A subject named in any spelling a user meets it in, and the subjects a refusal shows when
a name is none of them: one reading for a raw database's ``subjects=`` option and for what
the ``subject-split`` protocol says of a ``database/subject`` name the dataset lacks.

A subject may be named as merbench names it (``sub01``, the frame folder's name), as the
sample ids write it (``casme2/sub01``), and by the coding sheet's number (``1``, ``01``,
``1.0``; ``sub1``), where one subject alone has that number: CASME II's sheet writes its
subjects 1, 2, 3 and SAMM's official list 6, 7, while merbench names them sub01 and 006. A
refusal of a name that is no subject says which subjects there are, so the user is never
sent to look them up elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from merbench.base.whole_numbers import whole_value

#: how many names a refusal shows before ``...``
SHOWN = 8

_NUMBERED = re.compile(r"(.*?)(\d+)")


def names_shown(names: Sequence[str], count: int = SHOWN) -> str:
    """The first ``count`` of ``names``, then ``...`` where there are more: a refusal's list
    of what may be named, short enough for one line."""
    return ", ".join(names[:count]) + (", ..." if len(names) > count else "")


def subject_meant(given: str, dataset: str, known: Sequence[str]) -> str | None:
    """The subject of ``known`` (merbench's names, ``sub01``) that ``given`` names, in any of
    its spellings: its own (``sub01``), the sample ids' (``casme2/sub01``, ``dataset``
    being ``casme2``), or its number as the sheets write it (``1``, ``01``, ``1.0``;
    ``sub1``) where one subject alone has that number; None where none does."""
    if given in known:
        return given
    own = given.removeprefix(f"{dataset}/")
    if own in known:
        return own
    prefix, number = "", whole_value(own)  # the sheet's number, in any spelling
    if number is None:
        spelled = _NUMBERED.fullmatch(own)  # sub1: merbench's prefix, another number
        if spelled is None:
            return None
        prefix, number = spelled[1].lower(), int(spelled[2])
    found = [k for k in known if (m := _NUMBERED.fullmatch(k)) is not None
             and int(m[2]) == number and prefix in ("", m[1].lower())]
    return found[0] if len(found) == 1 else None
