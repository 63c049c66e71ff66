"""One fold between named subjects: train on some, test on others, read nothing else.

``merbench tune`` builds every run it scores from this protocol: an inner fold of a nested
search (train on some of an outer fold's training subjects, validate on the rest) and the
retraining of the chosen configuration (train on all of them, test on the outer fold's test
subjects). The subjects are listed in the run's own ``run.json``, so anyone can check that an
inner run never names the outer fold's test subject, and the samples of every subject not
listed are never given to the model, trained on or scored.
"""

from __future__ import annotations

import difflib
import hashlib
from typing import TYPE_CHECKING

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.literal import joined, written
from merbench.base.subject_names import names_shown, subject_meant
from merbench.protocols import Fold

if TYPE_CHECKING:
    import pandas as pd



def subject_keys(samples: pd.DataFrame) -> np.ndarray:
    """Each sample's subject as ``database/subject``, the key the protocol's options use."""
    return (samples["database"].astype(str) + "/" + samples["subject"].astype(str)).to_numpy()


def _listed(name: str, value: object) -> tuple[str, ...]:
    """The subjects of option ``name``; a value that is none is said as written, with its
    fault (Python's ``['samm/006', 7]`` and ``{'a': 1}`` were shown, which no one wrote)."""
    fix = (f"give a list of one or more subjects as database/subject, e.g. --protocol-opt "
           f"'{name}=[\"casme2/sub01\"]'")
    given = f"protocol option {name}={written(value)}"
    if not isinstance(value, list | tuple):
        what = "text, " if isinstance(value, str) else "an object, " \
            if isinstance(value, dict) else ""
        raise MerbenchError(f"{given} is {what}not a list; {fix}")
    if not value:
        raise MerbenchError(f"{given} lists no subject; {fix}")
    wrong = next((v for v in value if not isinstance(v, str) or "/" not in v), None)
    if wrong is not None:
        raise MerbenchError(f"{given}: {written(wrong)} is not a subject as database/subject; "
                            f"{fix}")
    if len(set(value)) != len(value):
        raise MerbenchError(f"protocol option {name} names a subject twice; list each once")
    return tuple(value)


def _unknown_said(name: str, present: set[str]) -> str:
    """What follows the refusal of ``name``, a subject the dataset lacks: the subject it
    most likely meant (``samm/006`` for ``samm/6``, ``SAMM/006`` or ``samm/06``), and the
    subjects there are: the named database's where the dataset has it, else every
    database's. No command lists a dataset's subjects, so the refusal says them."""
    keys = sorted(present)
    databases = list(dict.fromkeys(k.partition("/")[0] for k in keys))
    database, _, subject = name.partition("/")
    same = next((d for d in databases if d.lower() == database.lower()), None)
    if same is None:
        close = difflib.get_close_matches(name, keys, n=1)
        meant = close[0] if close else None
        listed = (f"its databases are {joined(databases)}, its subjects "
                  f"{names_shown(keys)}")
    else:
        own = [k.partition("/")[2] for k in keys if k.partition("/")[0] == same]
        found = subject_meant(subject, same, own)
        meant = f"{same}/{found}" if found is not None else None
        listed = f"its {same} subjects are {names_shown([f'{same}/{s}' for s in own])}"
    return (f" (did you mean {meant}?)" if meant else "") + f"; {listed}"


class SubjectSplit:
    """One fold: ``train`` subjects train, ``test`` subjects are scored.

    The fold's key is the test subject as LOSO keys it, ``(database, subject)``, when there
    is one, so a fold retrained here draws the seed its LOSO fold draws; a test set of
    several subjects is keyed by a hash of their names.
    """

    def __init__(self, train: list[str] | None = None, test: list[str] | None = None) -> None:
        if train is None or test is None:
            raise MerbenchError("protocol subject-split needs both options, train and test: "
                                "--protocol-opt 'train=[\"db/s1\", ...]' --protocol-opt "
                                "'test=[\"db/s9\"]'")
        self.train = _listed("train", train)
        self.test = _listed("test", test)
        both = sorted(set(self.train) & set(self.test))
        if both:
            raise MerbenchError(f"protocol subject-split lists subject {both[0]} in both train "
                                "and test; a subject is in one of them")

    def folds(self, samples: pd.DataFrame) -> list[Fold]:
        keys = subject_keys(samples)
        present = set(keys)
        missing = sorted((set(self.train) | set(self.test)) - present)
        if missing:
            raise MerbenchError(f"protocol subject-split names subject {missing[0]}, which the "
                                f"dataset does not have{_unknown_said(missing[0], present)}")
        positions = samples.index.to_numpy()
        train = positions[np.isin(keys, self.train)]
        test = positions[np.isin(keys, self.test)]
        if len(self.test) == 1:
            database, _, subject = self.test[0].partition("/")
            key: tuple[str, ...] = (database, subject)
        else:
            digest = hashlib.sha256("\n".join(sorted(self.test)).encode()).hexdigest()[:12]
            key = ("subjects", digest)
        return [Fold(index=0, key=key, train=train, test=test)]
