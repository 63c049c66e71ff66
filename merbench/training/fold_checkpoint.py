"""An unfinished fold's training state (or that of folds trained together), saved now and
then, and when a stop signal comes (at the end of the epoch in progress,
:mod:`merbench.training.epoch_end_stop`), so that an interrupted fold goes on from its last
save instead of from its first epoch.

A fold of a full recipe can take a long time on a CPU (OFF-ApexNet: 3000 epochs, about 13
minutes; HTNet's paper setting: hours), and a stopped process used to lose all of it. The
state saved is everything the next epoch depends on: the weights, the optimiser's state
(Adam's moments and step counts), the three random streams (batch order, augmentation and
torch's global generator, which draws dropout masks; on CUDA or MPS also the device's)
and the test predictions of the epochs done. Restored, the fold goes on to the numbers an
uninterrupted fold gives (``tests/test_fold_checkpoint.py``).

A state belongs to one fold (or group) of one run: the file records a hash of the run's
identity, the folds' test samples, their seeds, the epochs and the kind of device, and a
state that records anything else is not continued. One that cannot be continued is kept
beside as ``*.aside`` until the run completes, with a warning, and its folds start over; one
saved on another kind of device is refused with how to go on, since that is a choice (go on
where it was saved, or start the fold over here); so is a whole state whose weights or
optimiser moments hold NaN or an infinity, which no training saves (a damaged file, to
delete). Files are read with ``weights_only=True``:
loading runs no code from them. On a CPU "to the bit" is tested; on CUDA a resumed fold is as
reproducible as CUDA's kernels are, which merbench does not make deterministic.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from merbench.base.atomic import atomic_write
from merbench.base.errors import MerbenchError
from merbench.results.user_files import check_user_file
from merbench.training.checkpoints import non_finite
from merbench.training.device import is_out_of_memory

FORMAT = 1  # the layout of a saved state; another layout is not continued
# Saves are spaced so that they take at most about this share of the training time: a large
# state (HTNet's 139.6M parameters with Adam's moments: 1.7 GB a fold, nine folds trained
# together on a GPU) is saved less often than every_s asks rather than slow the run down.
SAVE_SHARE = 0.01
ASIDE = ".aside"  # added to the name of a state that is not continued
# the parts of a state that training computes, as a message names them: a folds-together
# state keeps its weights as params and buffers
WEIGHT_PARTS = {"model": "weights", "params": "weights", "buffers": "weights",
                "optimizer": "optimiser moments"}


@dataclass
class SaveCost:
    """How long the last save took, shared by the checkpoints of one run, so that the first
    save of every fold is already spaced by what saving costs."""

    seconds: float = 0.0


@dataclass
class FoldCheckpoint:
    """Where one fold's (or group's) state is saved, how often, and what it must belong to.

    ``belongs_to`` holds a hash of the run's identity (``run``), the folds' test samples
    (``tests``), seeds, epochs and device kind; a saved state that records anything else is
    not continued. ``every_s`` is the time between saves. ``seconds_before`` is, once a state
    is loaded, the training time it had taken: the fold's recorded time is that plus the time
    after it.
    """

    path: Path
    every_s: float
    belongs_to: dict[str, Any]
    label: str  # the folds, as messages name them: "fold syn1/s01", "folds a, b"
    cost: SaveCost = field(default_factory=SaveCost)
    seconds_before: float = 0.0
    #: the epochs the saved state it went on from had trained (0: it started at the first);
    #: what the run's summary says of the fold (the demo's resumed fold said nothing)
    went_on_from: int = 0
    _aside: bool = False  # the saved state was set aside: nothing is continued
    _last_save: float = field(default_factory=lambda: time.monotonic())
    _started: float = field(default_factory=lambda: time.monotonic())

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None if there is none to continue (a state that belongs to
        something else, or a damaged file, is set aside with a warning). A state saved on
        another kind of device, or a file that cannot be read now, is an error that says how
        to go on."""
        if self._aside or not self.path.exists():
            return None
        check_user_file(self.path, "saved training state")  # a fifo: refused, not opened
        try:
            state = torch.load(  # bounded: checked on the line above
                self.path, map_location="cpu", weights_only=True)
        except (OSError, MemoryError) as exc:  # the file may be fine: do not set it aside
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise MerbenchError(
                f"the saved training state of {self.label}, {self.path}, cannot be read "
                f"({reason}); make it readable (or free memory) and run again, or delete it "
                "to train from the first epoch") from None
        except Exception as exc:  # cut short or garbled
            self.set_aside(f"it is damaged: {type(exc).__name__}")
            return None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            self.set_aside("it was saved in another layout")
            return None
        theirs = state.get("belongs_to")
        if theirs != self.belongs_to:
            mine = self.belongs_to["device"]
            if isinstance(theirs, dict) and {**theirs, "device": mine} == self.belongs_to:
                raise MerbenchError(
                    f"{self.label} has a training state saved on {theirs['device']} "
                    f"({self.path}); continue the run with --device {theirs['device']}, or "
                    f"delete that file to train from the first epoch on {mine}")
            self.set_aside("it belongs to another run, fold or recipe")
            return None
        self._refuse_non_finite(state)
        self.seconds_before = float(state.get("seconds", 0.0))
        self._started = self._last_save = time.monotonic()
        return state

    def _refuse_non_finite(self, state: dict[str, Any]) -> None:
        """Refuse a state whose weights or optimiser moments hold NaN or an infinity: no
        training saves one (a diverged loss stops the fold before its save), so the file is
        damaged, and going on from it diverged at once and blamed the learning rate ("try a
        smaller --lr"). Refused rather than set aside: it reads as a whole, well-formed file
        of this very fold, and only its owner can say where it came from."""
        for part in WEIGHT_PARTS:
            bad = non_finite(state.get(part))
            if bad is not None:
                these = "that fold" if self.label.startswith("fold ") else "those folds"
                raise MerbenchError(
                    f"the saved training state of {self.label}, {self.path}, is damaged: its "
                    f"{WEIGHT_PARTS[part]} hold {bad}; delete it to train {these} from the "
                    "first epoch, then run again")

    def due(self) -> bool:
        """Whether ``every_s`` has passed since the last save (or the start), and enough time
        for the last save to have taken no more than ``SAVE_SHARE`` of it."""
        gap = max(self.every_s, self.cost.seconds / SAVE_SHARE)
        return time.monotonic() - self._last_save >= gap

    def save(self, state: dict[str, Any]) -> None:
        """Write ``state`` atomically: a reader sees the previous save or this one whole."""
        began = time.monotonic()
        payload = {"format": FORMAT, "belongs_to": self.belongs_to,
                   "seconds": self.seconds_before + began - self._started, **state}
        try:
            atomic_write(self.path, lambda handle: torch.save(payload, handle))
        except (OSError, RuntimeError) as exc:
            stop = _stop_within(exc)
            if stop is not None:  # a stop that broke the write: a stop, not a full disk
                raise stop from None
            # a full disk (torch's writer raises RuntimeError there): the training itself
            # goes on. One text for every fold, so Python's warning filter shows it once.
            reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
            warnings.warn(f"unfinished folds' training states cannot be saved in "
                          f"{self.path.parent} ({reason}); training goes on, but an "
                          "interruption loses the fold in progress", RuntimeWarning,
                          stacklevel=2)
        self._last_save = time.monotonic()
        self.cost.seconds = self._last_save - began

    def restore_failed(self, exc: Exception) -> None:
        """A loaded state did not fit what is being trained (another model's weights, say):
        set it aside, so the caller starts over. Running out of memory is no such failure
        and is raised again, for the runner to train fewer folds at once."""
        if is_out_of_memory(exc):
            raise exc
        self.set_aside(f"it does not fit this model: {type(exc).__name__}")

    def set_aside(self, why: str) -> None:
        """Keep the saved state beside (``*.aside``, removed when the run completes), warn
        that the folds start over and why, and continue nothing from now on."""
        aside = self.path.with_name(self.path.name + ASIDE)
        with contextlib.suppress(OSError):  # cannot be moved: it is not read again anyway
            self.path.replace(aside)
        self._aside = True
        self.seconds_before = 0.0
        self.went_on_from = 0
        warnings.warn(f"training of {self.label} starts over: the saved state {self.path} is "
                      f"not continued ({why}); it is kept as {aside.name} until the run "
                      "completes", RuntimeWarning, stacklevel=3)


def saved_epochs(path: Path) -> int | None:
    """How many epochs the state in ``path`` has trained, read without loading its tensors
    (``mmap``), or None if it cannot be read: for ``merbench status``."""
    try:
        check_user_file(path, "saved training state")
        state = torch.load(  # bounded: checked on the line above
            path, map_location="cpu", weights_only=True, mmap=True)
        return int(state["epochs_done"])
    except Exception:
        return None


def _stop_within(exc: BaseException) -> BaseException | None:
    """The stop (KeyboardInterrupt, SystemExit) that ``exc`` was raised while handling, or
    None. A stop that comes while ``torch.save`` writes is raised inside its writer, which
    turns it into a RuntimeError ("unexpected pos"), the stop as its context: taken for a
    full disk, it was lost, and a stopped run trained on to the end with exit status 0."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        if isinstance(found, (KeyboardInterrupt, SystemExit)):
            return found
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return None
