"""UF1 and UAR of one pooled confusion matrix: what the interval tests check a bootstrap's
statistic against (merbench itself scores confusion counts in batches, merbench.stats)."""

from __future__ import annotations

import numpy as np

from merbench.stats.confusion import counts_from_confusion, uar, uf1


def uf1_uar(confusion: np.ndarray) -> tuple[float, float]:
    """UF1 and UAR of ``confusion`` (rows: true, columns: predicted), NaN where there is no
    sample."""
    counts = counts_from_confusion(confusion)
    return float(uf1(counts)), float(uar(counts))
