"""An action-unit run's record read back from a validation record (the AU page's), answering
only where the run's own files agree with it: the pooled per-AU scores, overall and per
database, recomputed from its predictions in milliseconds, as
:mod:`merbench.verification.record_check` does for an emotion run's (which says why a record
never decides what a result says)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from merbench.au.record import AUResults, read_au_predictions, read_au_results
from merbench.au.scoring import au_point_scores
from merbench.results.codec import to_json
from merbench.verification.record_check import RecordDisagrees


def confirmed_au_run(path: Path) -> AUResults:
    """An action-unit run's ``au-results.json`` (at ``path``) read back, whose pooled scores,
    overall and per database, are what its ``au-predictions.csv`` gives (its intervals are
    taken on the record's word); :class:`RecordDisagrees` where they are not."""
    results = read_au_results(path)
    table = read_au_predictions(path.parent)
    overall, per_database = au_point_scores(
        table["y_true"].to_numpy(np.int64), table["y_pred"].to_numpy(np.int64),
        table["database"].to_numpy(dtype=str), results.au_set)
    if to_json(overall) != to_json(results.overall) \
            or to_json(per_database) != to_json(results.per_database):
        raise RecordDisagrees(f"{path}'s scores are not its predictions'")
    return results


__all__ = ["confirmed_au_run"]
