"""Leave-one-database-out: one fold per database, trained on every other database.

A model that learnt a database's camera, frame rate, lighting and annotators rather than the
expressions scores well under LOSO and badly here: every test sample comes from a database
no training sample came from. The composite has three (SMIC-HS, CASME II, SAMM), so three
folds, each tested on one whole database; the pooled UF1/UAR are computed once over the
three folds' predictions, and each database's column is its own held-out fold.

It relates to MEGC2018's holdout-database evaluation (train on CASME II, test on SAMM and
the other way round, with AU-based objective classes), but trains on two databases at once
and keeps the composite's three emotion classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from merbench.base.errors import MerbenchError
from merbench.protocols import Fold

if TYPE_CHECKING:
    import pandas as pd


class LeaveOneDatabaseOut:
    """One fold per database (ordered by name), keyed by the held-out database alone."""

    def folds(self, samples: pd.DataFrame) -> list[Fold]:
        # deferred: scikit-learn, which registering the protocol ('merbench list') must not load
        from sklearn.model_selection import LeaveOneGroupOut

        databases = samples["database"].astype(str).to_numpy()
        names = sorted(set(databases))
        if len(names) < 2:
            raise MerbenchError(
                f"leave-one-database-out needs samples of at least two databases and the "
                f"dataset has only {', '.join(names) or 'none'}; use the loso protocol "
                f"(--protocol loso, or protocol = \"loso\" in a tuning or sweep file)")
        positions = samples.index.to_numpy()
        folds = []
        splitter = LeaveOneGroupOut()  # one group per database, in sorted order
        for index, (train, test) in enumerate(splitter.split(positions, groups=databases)):
            folds.append(Fold(index=index, key=(str(databases[test[0]]),),
                              train=positions[train], test=positions[test]))
        return folds
