"""How two runs' identities differ, said key by key (``model.version: 2 here, 1 there``,
``model.name: "rcn" here, "ststnet" there``).

A refusal of a folder holding another run lists at most a few differences: the names of
what ran first (another model's run in ``--out`` listed three of its hyperparameters and
left out ``model.name``, pass 84k R12), and a count of those left out ("and 2 more").
"""

from __future__ import annotations

import json
from typing import Any


class _NotSet:
    """A key one side of a comparison lacks (an option left at its default, say)."""

    def __repr__(self) -> str:
        return "not set"


_NOT_SET = _NotSet()


def differences(ours: Any, theirs: Any, prefix: str = "") -> list[str]:
    """Each leaf where ``ours`` and ``theirs`` differ, as ``key.path: ours here, theirs
    there`` (a key one lacks is ``not set``), in key order."""
    return [f"{key}: {one} here, {other} there"
            for key, one, other in differing_leaves(ours, theirs, prefix)]


def differing_leaves(ours: Any, theirs: Any, prefix: str = "") -> list[tuple[str, str, str]]:
    """Each leaf where ``ours`` and ``theirs`` differ: its dotted key and the two values
    as a refusal line quotes them (:func:`_said`), in key order, for a line that puts
    them in words of its own (two seed runs of one summary, say)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(ours) | set(theirs), key=str):
            found += differing_leaves(ours.get(key, _NOT_SET), theirs.get(key, _NOT_SET),
                                      f"{prefix}{key}.")
        return found
    if ours != theirs:
        return [(prefix.rstrip("."), _said(ours), _said(theirs))]
    return []


#: the one part of an identity no recorded option decides: computed from the data read
DATA_COPY = "dataset.fingerprint"


def data_copies(ours: Any, theirs: Any) -> tuple[Any, Any] | None:
    """The two fingerprints of the data read, where two runs' identities differ only there
    (the same options, read from another copy of the dataset, or a copy changed since);
    None where they differ otherwise, or one records no fingerprint (an edited record)."""
    if [key for key, _, _ in differing_leaves(ours, theirs)] != [DATA_COPY]:
        return None
    here, there = ours["dataset"].get("fingerprint"), theirs["dataset"].get("fingerprint")
    return None if here is None or there is None else (here, there)


def another_copy(dataset: str, run: object, here: object, theirs: object) -> str:
    """The refusal of a copy of ``dataset`` whose fingerprint (``here``) is not the one
    ``run`` trained on (``theirs``), for every command that goes on from a run."""
    return (f"this copy of dataset '{dataset}' is not the one {run} trained on (fingerprint "
            f"{here}, the run's {theirs}); give --data-root of the copy it used")


def _said(value: Any) -> str:
    """A value of an identity as a refusal line quotes it: every value as JSON writes it
    (``"flow-uvos"``, telling ``"03"`` from ``3``; null, true, an object), as an option
    refusal writes ``criterion="foo"``; never Python's reprs ("None", "{'epochs': 1}"; pass
    84p, P2), and never text in Python's single quotes beside an object's double quotes
    (``'x' here, {"a": "x"} there`` quoted one text two ways: pass 84q, Q7). A key one side
    lacks is the words ``not set``, which no JSON value spells."""
    if isinstance(value, _NotSet):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def differences_said(ours: Any, theirs: Any) -> str:
    """The differences of two identities, for one refusal line: what ran first, at most
    :data:`SHOWN_DIFFERENCES` of them and a count of the rest."""
    found = sorted(differences(ours, theirs), key=_named_first)
    shown = found[:SHOWN_DIFFERENCES]
    if len(found) > SHOWN_DIFFERENCES:
        shown.append(f"and {len(found) - SHOWN_DIFFERENCES} more")
    return "; ".join(shown)


#: the differences a refusal lists; the others are counted ("and 2 more")
SHOWN_DIFFERENCES = 3

#: what ran, said before how: another model's run in --out listed three of its
#: hyperparameters and left out ``model.name`` (pass 84k, R12)
_NAMES = ("model.name", "dataset.name", "protocol.name", "feature.name")


def _named_first(difference: str) -> int:
    """A difference's place in the list: the names of what ran first, the rest in order
    (``sorted`` keeps it)."""
    return named_first(difference.partition(":")[0])


def named_first(key: str) -> int:
    """The place of the difference at the dotted ``key``: the names of what ran first."""
    return _NAMES.index(key) if key in _NAMES else len(_NAMES)
