"""What a run learns to predict: one emotion class a sample (the default), or which action
units (AUs) a sample shows (multi-label AU detection, ``--task au``).

One small record, :class:`Task`, travels from the run's spec to the engines and the summary,
so that the loss, the decision made from a model's outputs and the scores all follow from the
same two fields. The AU task reuses everything an emotion run has (datasets, features, models
with a ``num_classes`` head, protocols, every engine and executor, the fold files): its labels
and predictions are integers too (:func:`merbench.action_units.label_codes`), so only what is
computed from a model's outputs differs (:mod:`merbench.training.objective`) and how a run is
scored (:mod:`merbench.au_metrics`).
"""

from __future__ import annotations

from dataclasses import dataclass

from merbench.action_units import DEFAULT_AU_SET

EMOTION = "emotion"
AU = "au"
TASKS = (EMOTION, AU)


@dataclass(frozen=True)
class Task:
    """``name``: :data:`EMOTION` or :data:`AU`; ``au_set``: the AUs an AU task scores, in
    increasing order (empty for the emotion task)."""

    name: str = EMOTION
    au_set: tuple[int, ...] = ()

    @property
    def is_au(self) -> bool:
        return self.name == AU

    def n_outputs(self, n_classes: int) -> int:
        """The model's outputs: one logit a class, or one a scored AU."""
        return len(self.au_set) if self.is_au else n_classes

    def describe(self) -> str:
        return (f"AU detection over AUs {', '.join(map(str, self.au_set))}" if self.is_au
                else "emotion classes")


def au_task(au_set: tuple[int, ...] | None = None) -> Task:
    """The AU task over ``au_set`` (MEB's default set when None)."""
    return Task(AU, tuple(au_set) if au_set is not None else DEFAULT_AU_SET)
