"""Where a run saves its unfinished folds' training states, so an interrupted fold goes on.

States live in the run directory's ``partial/``, one file per fold or per group of folds
trained together, marked with a digest of the run's identity so that no other run continues
them, and spaced by what saving has cost so far in the run.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from merbench.protocols import Fold
from merbench.results.rundir import RunDirectory
from merbench.runner.data import RunData
from merbench.runner.identity import RunIdentity

if TYPE_CHECKING:
    from merbench.training.fold_checkpoint import FoldCheckpoint, SaveCost


class SavedStates:
    """The saved states of one run's unfinished folds."""

    def __init__(self, data: RunData, identity: RunIdentity, run_dir: RunDirectory) -> None:
        self.data, self.run_dir = data, run_dir
        self.run = identity.digest()
        self.cost: SaveCost | None = None  # made with the first checkpoint (it needs torch)
        self.made: list[FoldCheckpoint] = []  # every checkpoint of this process, in order

    def warn_if_not_continued(self, groups: list[list[Fold]]) -> None:
        """Say which saved states this run will not continue: those of folds now trained
        in other groups (another --parallel-folds, --device or memory), which start over.
        The file stays until the run completes, so the earlier grouping can still use it."""
        planned = {frozenset(fold.index for fold in group) for group in groups}
        pending = set().union(*planned)
        labels = {fold.index: fold.label for fold in self.data.folds}
        for path, indices in self.run_dir.partial_states():
            if frozenset(indices) in planned or not indices & pending:
                continue
            how = "together" if len(indices) > 1 else "alone"
            # a fold of the group may have finished since; a hand-made name, not in the plan
            names = ", ".join(labels.get(i, f"#{i}") for i in sorted(indices))
            warnings.warn(
                f"the saved state {path} (of {names}, trained {how}) is not continued: this "
                f"run groups those folds otherwise, so they start over; rerun with the "
                f"earlier --parallel-folds and --device to go on from it", RuntimeWarning,
                stacklevel=1)

    def checkpoint(self, folds: list[Fold], seeds: list[int]) -> FoldCheckpoint | None:
        """The checkpoint of ``folds`` (one, or several trained together), or None when
        states are not saved (``--checkpoint-every 0``)."""
        plan = self.data.plan
        if plan.settings.checkpoint_every <= 0 or plan.recipe is None:
            return None
        # deferred: torch, which only runs that save training states load
        import torch

        from merbench.training.fold_checkpoint import FoldCheckpoint, SaveCost

        self.cost = self.cost or SaveCost()
        belongs_to = {"run": self.run,
                      "tests": [[int(i) for i in fold.test] for fold in folds],
                      "seeds": seeds, "epochs": plan.recipe.epochs,
                      "device": torch.device(plan.device).type}
        names = [f.label for f in folds]
        # 68 folds trained together would make every message about them a paragraph
        label = (f"fold {names[0]}" if len(names) == 1 else
                 f"folds {', '.join(names)}" if len(names) <= 4 else
                 f"{len(names)} folds ({names[0]}, {names[1]} … {names[-1]})")
        made = FoldCheckpoint(self.run_dir.partial_path([fold.index for fold in folds]),
                              plan.settings.checkpoint_every * 60, belongs_to, label, self.cost)
        self.made.append(made)
        return made

    def went_on(self) -> tuple[str, ...]:
        """One line for each fold (or group) this process went on training from a state an
        earlier command saved, for the run's summary: whole folds restored are said there
        already, and a fold half trained before was not."""
        epochs = self.data.plan.recipe.epochs if self.data.plan.recipe is not None else None
        return tuple(f"{made.label} went on from the training state an earlier command saved "
                     f"after epoch {made.went_on_from}" + (f" of {epochs}" if epochs else "")
                     for made in self.made if made.went_on_from > 0)
