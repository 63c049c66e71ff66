"""Leave-one-subject-out: one fold per (database, subject); the subject never trains."""

from __future__ import annotations

from typing import TYPE_CHECKING

from merbench.base.errors import MerbenchError
from merbench.base.literal import written
from merbench.protocols import Fold

if TYPE_CHECKING:
    import pandas as pd


class LeaveOneSubjectOut:
    """LOSO keyed by (database, subject), so equal subject ids in two databases stay apart.

    ``databases`` restricts the protocol to those databases' samples (the per-database
    protocols); folds are ordered by (database, subject).
    """

    def __init__(self, databases: tuple[str, ...] | list[str] | None = None) -> None:
        # an empty list used to mean every database, a run of another protocol under a new
        # identity; text would be read letter by letter
        if databases is not None and (
                not isinstance(databases, list | tuple) or not databases
                or not all(isinstance(d, str) and d for d in databases)):
            raise MerbenchError(f"protocol option databases={written(databases)}: give a list "
                                "of one or more database names, e.g. --protocol-opt "
                                "'databases=[\"casme2\"]', or leave the option out for every "
                                "database")
        if databases is not None and len(set(databases)) != len(databases):
            twice = sorted({d for d in databases if list(databases).count(d) > 1})
            # the same folds under a second identity (pass 84aa, AA11)
            raise MerbenchError(f"protocol option databases names {written(twice[0])} twice; "
                                "list each database once")
        self.databases = None if databases is None else tuple(databases)

    def folds(self, samples: pd.DataFrame) -> list[Fold]:
        # deferred: pandas and scikit-learn, which 'merbench list' must not load
        import pandas as pd
        from sklearn.model_selection import LeaveOneGroupOut

        table = samples
        if self.databases is not None:
            unknown = sorted(set(self.databases) - set(samples["database"]))
            if unknown:
                raise MerbenchError(
                    f"the protocol asks for database(s) {', '.join(unknown)}, which the dataset "
                    f"does not have; it has {', '.join(sorted(samples['database'].unique()))}"
                )
            table = samples[samples["database"].isin(self.databases)]
        keys = list(zip(table["database"], table["subject"], strict=True))
        group_ids = pd.Series(keys, dtype=object).factorize(sort=True)[0]
        if group_ids.max() < 1:
            raise MerbenchError("leave-one-subject-out needs at least two subjects")
        positions = table.index.to_numpy()
        folds = []
        splitter = LeaveOneGroupOut()
        for index, (train, test) in enumerate(splitter.split(positions, groups=group_ids)):
            key = keys[test[0]]
            folds.append(Fold(index=index, key=(str(key[0]), str(key[1])),
                              train=positions[train], test=positions[test]))
        return folds
