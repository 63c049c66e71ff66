"""One fold between named subjects: train on some, test on others, read nothing else.

``merbench tune`` builds every run it scores from this protocol: an inner fold of a nested
search (train on some of an outer fold's training subjects, validate on the rest) and the
retraining of the chosen configuration (train on all of them, test on the outer fold's test
subjects). The subjects are listed in the run's own ``run.json``, so anyone can check that an
inner run never names the outer fold's test subject, and the samples of every subject not
listed are never given to the model, trained on or scored.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.literal import written
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
                                "dataset does not have; subjects are named database/subject "
                                "as 'merbench list datasets' shows them")
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
