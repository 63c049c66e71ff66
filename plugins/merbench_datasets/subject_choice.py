"""Which subjects a raw database's ``subjects=`` option names: the one reader of that option
for every raw loader (and the official composite's list), each fault said on its own line.

A subject may be named in each spelling a user meets it in: merbench's own (``sub01``), the
sample ids' (``casme2/sub01``) and the coding sheet's number (``1``, ``01``, ``1.0``), read
by :func:`merbench.api.subject_meant`, which the ``subject-split`` protocol's refusal uses
to say which subject a name meant.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from merbench.api import MerbenchError, names_shown, subject_meant


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
    meant = {s: subject_meant(s, dataset, known) for s in names}
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
        said = (f"subject {unknown[0]} is" if len(unknown) == 1
                else f"subjects {', '.join(unknown)} are")
        raise MerbenchError(f"{dataset}: {said} not in {where}; "
                            f"{hint or f'its subjects are {names_shown(known)}'}")
    return [meant[s] or s for s in names]


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
