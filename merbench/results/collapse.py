"""A model that collapsed: one class predicted for every sample, or a UAR of exactly chance.

A network that learned nothing often predicts the majority class for every sample. Its UF1
may still look like a number; its UAR is then exactly 1 / (number of classes) (one class's
recall is 1, the others' 0), and the same holds when it predicts one class per database. A
reader must not take such a row for a weak model. :func:`collapse_notes` says so from the
reported policy's pooled predictions; ``results.json`` stores the notes
(``Results.notes``), ``merbench validate`` recomputes them, and the CLI summary and the
leaderboard show them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHANCE_TOLERANCE = 1e-9


def is_chance(uar: float | None, n_classes: int) -> bool:
    """Whether ``uar`` is exactly 1 / ``n_classes``: one class's recall 1 and the others' 0."""
    return uar is not None and n_classes > 1 and \
        abs(uar - 1 / n_classes) < CHANCE_TOLERANCE


def collapse_notes(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str],
                   uar: float | None) -> list[str]:
    """Notes on the pooled predictions ``y_pred`` (of ``y_true``): [] when nothing is off."""
    predicted = np.unique(np.asarray(y_pred, dtype=int))
    if len(classes) > 1 and len(predicted) == 1 and len(y_pred):
        name = classes[int(predicted[0])] if 0 <= predicted[0] < len(classes) else "?"
        return [f"collapsed: every test sample is predicted '{name}' (UAR "
                f"{1 / len(classes):.4f}, chance): the model learned nothing it uses"]
    if uar is not None and is_chance(uar, len(classes)):
        return [f"chance: UAR is exactly 1/{len(classes)} ({uar:.4f}), as a model gets "
                "that predicts one class per database or ignores its input"]
    return []
