"""An unfinished fold's training state (or that of folds trained together), saved now and
then, so that an interrupted fold goes on from its last save instead of from its first epoch.

A fold of a full recipe can take a long time on a CPU (OFF-ApexNet: 3000 epochs, about 13
minutes; HTNet's paper setting: hours), and a stopped process used to lose all of it. The
state saved is everything the next epoch depends on: the weights, the optimiser's state
(Adam's moments and step counts), the three random streams (batch order, augmentation and
torch's global generator, which draws dropout masks; on CUDA or MPS also the device's)
and the test predictions of the epochs done. Restored, the fold goes on to the numbers an
uninterrupted fold gives, to the bit (``tests/test_fold_checkpoint.py``).

A state belongs to one fold (or group) of one run: the run directory already refuses another
run, and the file records the folds' test samples, their seeds, the epochs and the kind of
device, so a state saved on a GPU is not continued on a CPU (the fold starts over there, and
says so).
Files are read with ``weights_only=True``: loading runs no code from them.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from merbench.results.rundir import atomic_write

FORMAT = 1  # the layout of a saved state; another layout is not continued
# Saves are spaced so that they take at most about this share of the training time: a large
# state (HTNet's 139.6M parameters with Adam's moments: 1.7 GB a fold, nine folds trained
# together on a GPU) is saved less often than every_s asks rather than slow the run down.
SAVE_SHARE = 0.01


@dataclass
class FoldCheckpoint:
    """Where one fold's (or group's) state is saved, how often, and what it must belong to.

    ``belongs_to`` holds the folds' test samples (``tests``), seeds, epochs and device kind; a
    saved state that records anything else is not continued. ``every_s`` is the time between saves.
    ``seconds_before`` is, once a state is loaded, the training time it had taken: the fold's
    recorded time is that plus the time after it.
    """

    path: Path
    every_s: float
    belongs_to: dict[str, Any]
    label: str  # the folds, as messages name them: "fold syn1/s01", "folds a, b"
    seconds_before: float = 0.0
    _save_cost: float = 0.0  # how long the last save took
    _last_save: float = field(default_factory=lambda: time.monotonic())
    _started: float = field(default_factory=lambda: time.monotonic())

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None if there is none to continue (a state that belongs to
        another fold or device, or a damaged file, is set aside with a warning)."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # a file cut short by a full disk, say: start the fold over
            self.set_aside(f"it is unreadable ({type(exc).__name__})")
            return None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            self.set_aside("it was saved in another layout")
            return None
        if state.get("belongs_to") != self.belongs_to:
            theirs = state.get("belongs_to") or {}
            device = theirs.get("device") if isinstance(theirs, dict) else None
            why = (f"it was trained on {device}, and this run trains on "
                   f"{self.belongs_to['device']}" if device and device != self.belongs_to[
                       "device"] else "it belongs to another fold or recipe")
            self.set_aside(why)
            return None
        self.seconds_before = float(state.get("seconds", 0.0))
        self._started = self._last_save = time.monotonic()
        return state

    def due(self) -> bool:
        """Whether ``every_s`` has passed since the last save (or the start), and enough time
        for the last save to have taken no more than ``SAVE_SHARE`` of it."""
        gap = max(self.every_s, self._save_cost / SAVE_SHARE)
        return time.monotonic() - self._last_save >= gap

    def save(self, state: dict[str, Any]) -> None:
        """Write ``state`` atomically: a reader sees the previous save or this one whole."""
        began = time.monotonic()
        payload = {"format": FORMAT, "belongs_to": self.belongs_to,
                   "seconds": self.seconds_before + began - self._started, **state}
        try:
            atomic_write(self.path, lambda handle: torch.save(payload, handle))
        except OSError as exc:  # a full disk, say: the training itself goes on
            # one text for every fold, so Python's warning filter shows it once per run
            warnings.warn(f"unfinished folds' training states cannot be saved in "
                          f"{self.path.parent} ({exc.strerror or exc}); training goes on, but "
                          "an interruption loses the fold in progress", RuntimeWarning,
                          stacklevel=2)
        self._last_save = time.monotonic()
        self._save_cost = self._last_save - began

    def set_aside(self, why: str) -> None:
        """Warn that the fold starts over, and why, and remove the saved state."""
        warnings.warn(f"training of {self.label} starts over: the saved state {self.path} is "
                      f"not continued ({why})", RuntimeWarning, stacklevel=3)
        self.path.unlink(missing_ok=True)


def saved_progress(path: Path) -> tuple[int, int] | None:
    """How many folds the state in ``path`` holds and how many epochs they have trained,
    read without loading its tensors (``mmap``), or None if it cannot be read: for
    ``merbench status``."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        return len(state["belongs_to"]["tests"]), int(state["epochs_done"])
    except Exception:
        return None
