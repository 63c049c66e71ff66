"""Which subjects a raw database's ``subjects=`` option names: the one reader of that option
for every raw loader (and the official composite's list), each fault said on its own line.

A subject may be named in each spelling a user meets it in: merbench's own (``sub01``, the
frame folder's name), the sample ids' (``casme2/sub01``), and the coding sheet's number
(``1``, ``01``), where one subject alone has that number. CASME II's sheet writes its
subjects 1, 2, 3, and ``subjects=1,2`` was refused as "not in the sheet" (pass 84i, P13).
That number is read as every whole number merbench takes is (``1.0``, ``+1``, ``1e0`` are
subject 1, as ``01`` was: they were "not in the sheet" too, pass 84j, Q8).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from merbench.api import MerbenchError, whole_value


def chosen_subjects(subjects: object, dataset: str, known: Sequence[str],
                    where: str = "the sheet", hint: str | None = None) -> list[str]:
    """The subjects ``subjects`` names, each in ``known``: the one reader of every raw
    database's ``subjects=`` option. Text is a comma-separated list (``sub01,sub02``, as typed
    after ``--dataset-opt``), a list names one subject per item. Each fault gets its own
    reason: an empty value, a subject named twice, and only the names ``where`` lacks (a typo
    among good names is the one said). ``hint`` ends that last line (default: the subjects
    there are)."""
    if isinstance(subjects, str):
        names = [s.strip() for s in subjects.split(",")]
    elif isinstance(subjects, Sequence):
        names = [str(s).strip() for s in subjects]
    elif isinstance(subjects, int) and not isinstance(subjects, bool):
        names = [str(subjects)]
    else:
        raise MerbenchError(f"{dataset}: subjects= takes subject names, as sub01 or "
                            "sub01,sub02, not a table of values; give the names")
    names = [s for s in names if s]
    if not names:
        example = f" (e.g. {known[0]})" if len(known) else ""
        raise MerbenchError(f"{dataset}: subjects= is empty; name at least one "
                            f"subject{example}")
    meant = {s: _subject_meant(s, dataset, known) for s in names}
    twice = next((s for position, s in enumerate(names)
                  if meant[s] is not None and meant[s] in [meant[n] for n in names[:position]]),
                 None)
    if twice is not None:
        first = next(n for n in names if meant[n] == meant[twice])
        spellings = f" (as {first} and {twice})" if first != twice else ""
        raise MerbenchError(f"{dataset}: subjects names {meant[twice]} twice{spellings}; name "
                            "each subject once")
    unknown = [s for s in names if meant[s] is None]
    if unknown:
        shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
        said = (f"subject {unknown[0]} is" if len(unknown) == 1
                else f"subjects {', '.join(unknown)} are")
        raise MerbenchError(f"{dataset}: {said} not in {where}; "
                            f"{hint or f'its subjects are {shown}'}")
    return [meant[s] or s for s in names]


_NUMBERED = re.compile(r"(.*?)(\d+)")


def _subject_meant(given: str, dataset: str, known: Sequence[str]) -> str | None:
    """The subject of ``known`` that ``given`` names, in any of its spellings: its own
    (``sub01``), the sample ids' (``casme2/sub01``), or its number as the coding sheet
    writes it (``1``, ``01``, ``1.0``; ``sub1``) where one subject alone has that number;
    None where none does. CASME II's sheet writes its subjects 1, 2, 3 while its frame
    folders, and so merbench, name them sub01, sub02, sub03: ``subjects=1,2`` was refused as
    "not in the sheet"."""
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


def select_subjects(table: pd.DataFrame, subjects: str | Sequence[str] | None, dataset: str,
                    problems: Sequence[tuple[str, str]] = ()
                    ) -> tuple[pd.DataFrame, list[tuple[str, str]], tuple[str, ...] | None]:
    """Only the rows (and the problems) of ``subjects``, ids as the sample table writes them,
    and those subjects by their names in the sheet's order (the one spelling a run records of
    every spelling of them); None keeps all. A problem not named after a sample (``<db> sheet
    row N``) is kept."""
    if subjects is None:
        return table, list(problems), None
    known = list(dict.fromkeys(table["subject"]))
    wanted = chosen_subjects(subjects, dataset, known)

    def concerns(sample: str) -> bool:
        parts = sample.split("/")
        return " sheet row " in sample or (len(parts) > 1 and parts[1] in wanted)

    return (table[table["subject"].isin(wanted)],
            [(s, r) for s, r in problems if concerns(s)],
            tuple(str(k) for k in known if k in wanted))
