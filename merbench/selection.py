"""Selection policies: which epoch's test predictions a fold reports.

Every policy is recorded in the results. ``fixed`` (the default) takes the last epoch, as a
protocol with no access to the test subject must.
"""

from __future__ import annotations

from collections.abc import Callable

from merbench.runinfo import FoldOutcome

SelectionPolicy = Callable[[FoldOutcome], int]


def select_last_epoch(fold: FoldOutcome) -> int:
    """The last trained epoch (0-based row of ``fold.epoch_predictions``)."""
    return int(fold.epoch_predictions.shape[0]) - 1


POLICIES: dict[str, SelectionPolicy] = {"fixed": select_last_epoch}
TEST_SET_POLICIES: frozenset[str] = frozenset()
