"""Selection policies: which epoch's test predictions each fold reports.

Every run stores every fold's test predictions after every epoch, so policies are applied
afterwards and a run records the metrics of every policy it can give:

- ``fixed`` (default): the last epoch, as a protocol that never looks at the test subject must.
- ``inner-val``: the epoch with the best UF1 on training subjects held out from the fold's
  training set (never the test subject); those subjects are not trained on. Needs a run
  started with ``--selection inner-val``.
- ``oracle``: each fold's epoch with the best accuracy *on its test subject*, ties to the
  later epoch: what the HTNet authors' script does (it updates its best with ``<=``).
- ``first-best``: the same, ties to the *earlier* epoch: what the CausalNet authors' script
  does. Their script also stops training a subject once it reaches 100 % accuracy; the epoch
  it then reports is the first one at 100 %, which is the first best, so stopping changes
  what is trained but not what is chosen. One edge differs: their best starts at 0 and moves
  on a strictly higher accuracy, so a subject never right keeps no predictions and drops out
  of their pooled scores; ``first-best`` takes its first epoch and counts its samples.
- ``per-metric-best``: each metric its own epoch, as the MMNet authors' script does: UF1 from
  each fold's last epoch with the best UF1 on its test subject (their ``>=`` on a subject's
  F1, the classes seen in the subject counted as UF1 counts them), UAR, accuracy and the
  confusion matrix from each fold's first best-accuracy epoch (their ``>`` on the count of
  correct predictions). Two epochs a fold, so it is recorded beside a run's reported policy
  but cannot be reported itself (one predictions table holds one epoch a fold).

The last three are test-set selection: they inflate scores, are allowed only to compare with
published numbers, and are marked as such wherever they appear. A model names the one its
authors' code uses (``ModelMeta.authors_selection``); ``--selection authors`` picks it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.stats.confusion import counts_from_labels, label_accuracy, uf1


def _last_max(values: np.ndarray) -> int:
    """Index of the maximum; ties go to the later index."""
    return int(len(values) - 1 - np.argmax(values[::-1]))


def _first_max(values: np.ndarray) -> int:
    """Index of the maximum; ties go to the earlier index."""
    return int(np.argmax(values))


def epoch_accuracy(predictions: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Accuracy after every epoch; ``predictions`` is (epochs, n)."""
    return label_accuracy(y_true, predictions)


def epoch_uf1(predictions: np.ndarray, y_true: np.ndarray, n_classes: int) -> np.ndarray:
    """UF1 after every epoch, as :func:`merbench.scores.metrics.scores` defines it, all epochs in
    one batch; 0 for an epoch with no class to average (no sample), so that an argmax over
    epochs never meets a NaN."""
    scores = uf1(counts_from_labels(y_true, predictions, n_classes))
    return np.where(np.isnan(scores), 0.0, scores)


def last_epoch(fold: FoldOutcome, n_classes: int) -> int:
    return int(fold.epoch_predictions.shape[0]) - 1


def best_test_epoch(fold: FoldOutcome, n_classes: int) -> int:
    return _last_max(epoch_accuracy(fold.epoch_predictions, fold.y_true))


def first_best_test_epoch(fold: FoldOutcome, n_classes: int) -> int:
    return _first_max(epoch_accuracy(fold.epoch_predictions, fold.y_true))


def best_test_uf1_epoch(fold: FoldOutcome, n_classes: int) -> int:
    return _last_max(epoch_uf1(fold.epoch_predictions, fold.y_true, n_classes))


def best_inner_val_epoch(fold: FoldOutcome, n_classes: int) -> int:
    if fold.val_predictions is None or fold.val_y_true is None or not len(fold.val_y_true):
        raise MerbenchError(f"fold {'/'.join(fold.key)} has no inner-validation predictions; "
                            "start the run with --selection inner-val")
    return _last_max(epoch_uf1(fold.val_predictions, fold.val_y_true, n_classes))


@dataclass(frozen=True)
class Policy:
    """A selection policy and what it may be used for."""

    name: str
    choose: Callable[[FoldOutcome, int], int]
    test_set_selection: bool
    needs_inner_val: bool
    description: str
    #: UF1's own choice where the policy picks each metric's epoch apart (``per-metric-best``);
    #: None: UF1 comes from the epochs ``choose`` picks, as every other number does
    choose_for_uf1: Callable[[FoldOutcome, int], int] | None = None

    @property
    def reportable(self) -> bool:
        """Whether a run can report it: one epoch a fold, so one predictions table."""
        return self.choose_for_uf1 is None


POLICIES: dict[str, Policy] = {
    p.name: p for p in (
        Policy("fixed", last_epoch, False, False, "the last epoch"),
        Policy("inner-val", best_inner_val_epoch, False, True,
               "best UF1 on held-out training subjects"),
        Policy("oracle", best_test_epoch, True, False,
               "best accuracy on the test subject, the later of equal epochs (TEST-SET "
               "SELECTION)"),
        Policy("first-best", first_best_test_epoch, True, False,
               "best accuracy on the test subject, the earlier of equal epochs (TEST-SET "
               "SELECTION)"),
        Policy("per-metric-best", first_best_test_epoch, True, False,
               "UF1 at the best-UF1 epoch on the test subject, the other numbers at the "
               "best-accuracy epoch (TEST-SET SELECTION)",
               choose_for_uf1=best_test_uf1_epoch),
    )
}

#: what every run that trains in epochs records; a model's authors' policy comes on top
ALWAYS = ("fixed", "inner-val", "oracle")


def available_policies(folds: list[FoldOutcome], trained_once: bool,
                       also: Sequence[str | None] = ()) -> list[str]:
    """The policies a finished run records: inner-val only when it held subjects out, and
    ``also`` (the model's authors' policy, the reported one) on top of the usual ones; a
    model trained in one step (an estimator) has only its one prediction."""
    if trained_once:
        return ["fixed"]
    has_val = all(f.val_predictions is not None for f in folds)
    names = list(ALWAYS)
    names += [name for name in dict.fromkeys(also) if name is not None and name not in names]
    return [name for name in names if has_val or not POLICIES[name].needs_inner_val]


def authors_policy(model: str, declared: str | None) -> str:
    """The policy ``--selection authors`` stands for with ``model``, whose authors' policy
    is ``declared`` (``ModelMeta.authors_selection``)."""
    if declared is None:
        raise MerbenchError(f"--selection authors: model '{model}' does not name its authors' "
                            "selection (their public code does not show how they chose the "
                            "epoch); use --selection oracle, the best epoch on the test "
                            "subject, or fixed")
    check_reportable(declared, f"--selection authors: model '{model}''s authors pick")
    return declared


def check_reportable(name: str, who_picks: str) -> None:
    """One line refusing to report ``name`` when it picks each metric's epoch apart (no one
    predictions table holds two epochs a fold); ``who_picks`` begins the sentence, with its
    verb (``"--selection per-metric-best picks"``)."""
    policy = POLICIES[name]
    if not policy.reportable:
        raise MerbenchError(
            f"{who_picks} each metric's epoch apart ({name}: {policy.description}), which no "
            f"one predictions table holds; every run records it beside the reported policy "
            f"(results.json's metrics_by_policy['{name}'], the leaderboard's test-set rows): "
            "run with --selection fixed or oracle")
