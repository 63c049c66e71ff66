"""A stop signal while a fold trains saves the fold at the end of its epoch, then stops.

Ctrl-C (SIGINT), and SIGTERM and SIGHUP, which the command line turns into the same
KeyboardInterrupt (:mod:`merbench.cli.stop_signals`), used to stop training wherever it was.
Half an epoch is no state to go on from, so the fold in progress was kept only as of its last
periodic save, every ``--checkpoint-every`` minutes (5 by default): a stop in a fold's first
minutes kept nothing of it, and "Ctrl-C keeps the saved state of the fold in progress" did not
hold. While a fold that saves states trains, the first stop signal is therefore only noted;
the epoch loop sees it when the epoch ends, saves the state there (the periodic save's format,
written atomically) and then stops as that signal would have: the handler that was in place
before is given it, so Ctrl-C still raises KeyboardInterrupt (exit status 130), the command
line's SIGTERM handler still makes the exit status 143, and a process with no handler of its
own still ends by the signal.

A second signal stops at once, whatever is being done: impatience must not be held hostage
by a slow epoch or a slow disk. Saves are atomic (:func:`merbench.base.atomic.atomic_write`), so
the saved state on disk is then the last one written whole, never a part of the new one.

A stop must also end within seconds: a scheduler (SLURM, Kubernetes, ``timeout``) follows
SIGTERM with SIGKILL after a grace period, and pass 84r found full-size HTNet on a CPU waiting
25 s for its epoch and a 1.6 GB save, after saying "in about 5 s". So the wait is bounded by
:data:`STOP_WITHIN_S`: a signal whose epoch (and save) would end later, at the last epoch's
pace and the last save's cost, stops at once, keeping the state saved before; one whose epoch
is not known yet (the process's first) waits at most that long, and then stops as a second
signal would; a save that would not end in time is not begun. What is said is what happens.

A reporter's hook that hears of the epoch's end (``merbench_epoch_finished``) runs after the
epoch has ended, and may block for as long as it likes (an upload with no timeout): a stop
that comes while it runs cuts it short at once, naming the plugin, and the fold is saved and
stops there (:mod:`merbench.base.running_hook`).

The last epoch of a fold ends it: its state is not saved (a whole fold saved as a state was
left "unfinished ... saved at epoch 2 of 2"). Where the runner writes the fold's file
(:func:`finish_fold_first`), the stop is held until that file is written, so the fold counts
as finished; elsewhere the state is saved as before, and a resumed run goes straight to it.

Signals can only be handled in the main thread; elsewhere (and for a signal the process
ignores, such as SIGINT in a job started in the background) nothing changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

from merbench.base.interrupt_points import cannot_raise_in
from merbench.base.running_hook import HookCutShort, ask_main_again, running_hook
from merbench.base.stops_received import note_stop

# a wait for the epoch's end worth a word (a fold's first epoch, whose length is not known yet,
# is always said); shorter ones stop as if at once
NOTICEABLE_S = 1.0
#: the longest a stop waits for the epoch's end and its save, in seconds: a scheduler's grace
#: period before SIGKILL is 10 s and more (docker stop; SLURM and Kubernetes 30 s)
STOP_WITHIN_S = 3.0
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class EpochEndStop:
    """The stop signal received while a fold trained (None: none yet), and how to pass it on.

    ``label`` names the folds in the line said when a signal comes ("fold syn1/s01").
    ``epoch_seconds`` is how long the last epoch took (:meth:`epoch_begins` and
    :meth:`epoch_ended`, called by the loop), and ``save_seconds`` what the last save cost,
    so that a signal can tell whether the epoch's end and its save come within
    :data:`STOP_WITHIN_S`, and say how long the wait is likely to be where that is worth a
    word. A fold's first epoch is taken to be as long as the last epoch this process trained
    (the folds of a run are alike); only the process's very first one is not known."""

    last_epoch_seconds: float | None = None  # of the last epoch this process trained

    def __init__(self, label: str) -> None:
        self.label = label
        self.received: int | None = None
        self.epoch_seconds = EpochEndStop.last_epoch_seconds
        self.epoch_started = time.monotonic()
        self.save_seconds = 0.0
        #: the epoch in progress is the fold's last, and its end finishes the fold (no save)
        self.finishing = False
        self.deadline: float | None = None  # when a noted stop is passed on, come what may
        self._previous: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._passed = False  # passed on: a signal asked again on our behalf is dropped
        #: the stop cut a reporter's hook short (:meth:`_cut_short`): the loop goes on to it
        self.cut_hook = False

    def epoch_begins(self, last: bool = False, save_seconds: float = 0.0) -> None:
        self.epoch_started = time.monotonic()
        self.finishing, self.save_seconds = last, save_seconds

    def epoch_ended(self) -> None:
        self.epoch_seconds = time.monotonic() - self.epoch_started
        EpochEndStop.last_epoch_seconds = self.epoch_seconds

    @property
    def requested(self) -> bool:
        return self.received is not None

    def time_for(self, seconds: float) -> bool:
        """Whether work of ``seconds`` (a save) ends before the stop's deadline."""
        return self.deadline is None or time.monotonic() + seconds <= self.deadline

    def _note(self, number: int, frame: FrameType | None) -> None:
        """The signal handler: the first signal is noted where the epoch's end comes within
        :data:`STOP_WITHIN_S` (or is not known yet), and passed on at once otherwise; a
        second one stops at once."""
        if self._passed:
            return  # asked again for a stop already passed on
        note_stop()
        if self.received is not None:
            self.stop(frame)
            return
        self.received = number
        wait = self._wait_s()
        if wait is not None and wait > STOP_WITHIN_S:
            self.stop(frame)  # the epoch would end too late: stop now, keeping the last save
            return
        self.deadline = time.monotonic() + STOP_WITHIN_S
        self._start_timer(number)
        hook = running_hook()
        if hook is not None:
            self._cut_short(*hook, frame)
        elif wait is None or wait >= NOTICEABLE_S:
            _say(f"merbench: stopping — {self._what()}{self._when(wait)}; Ctrl-C again (or a "
                 "second signal) stops at once, keeping only the state saved before")

    def _cut_short(self, who: str, hook: str, frame: FrameType | None) -> None:
        """A reporter's hook runs (``who``'s ``hook``), so the epoch has ended: the hook is
        cut short at once, and the loop saves the fold and stops. A hook may block for ever
        (an upload with no timeout), and the stop must end within the same seconds as
        anywhere in a run. Where an exception cannot be raised (an import in progress) the
        hook is waited for until the deadline, as an epoch is."""
        if cannot_raise_in(frame):
            kept = "finished" if self.finishing else "saved"
            _say(f"merbench: stopping — {self.label} is {kept} when the {hook} hook of {who}, "
                 f"which is running, returns, if within {STOP_WITHIN_S:g} s (otherwise it "
                 "stops then); Ctrl-C again (or a second signal) stops at once, keeping only "
                 "the state saved before")
            return
        done = ("is finished now that its last epoch has ended" if self.finishing
                else "is saved now that its epoch has ended")
        _say(f"merbench: stopping — the {hook} hook of {who}, which was running, is cut "
             f"short, and {self.label} {done}; Ctrl-C again (or a second signal) stops at "
             "once, keeping only the state saved before")
        self.cut_hook = True
        raise HookCutShort

    def _wait_s(self) -> float | None:
        """How long until the epoch has ended and its state is saved, at the last epoch's
        pace and the last save's cost (None: the epoch's length is not known yet)."""
        save = 0.0 if self.finishing else self.save_seconds
        if self.epoch_seconds is None:
            return None if save <= STOP_WITHIN_S else save
        return max(0.0, self.epoch_seconds - (time.monotonic() - self.epoch_started)) + save

    def _what(self) -> str:
        if self.finishing:
            return f"{self.label} is finished when its last epoch ends"
        return f"{self.label} is saved when its current epoch ends"

    def _when(self, wait: float | None) -> str:
        """`` (in about 2 s)``, or, where the epoch's length is not known yet, the bound."""
        if wait is None:
            return f", if within {STOP_WITHIN_S:g} s (otherwise it stops then)"
        return f" (in about {max(1, round(wait))} s)" if wait >= 1 else ""

    def _start_timer(self, number: int, seconds: float | None = None) -> None:
        """At the deadline, a stop still noted is asked again, as a second signal."""
        def time_up() -> None:
            with self._lock:
                # (only where the handlers are ours: a stop noted by hand, as tests do,
                # must not interrupt whatever runs later)
                if self.received is not None and not self._passed and self._previous:
                    ask_main_again(number)  # (a blocking reporter's hook too)

        wait = STOP_WITHIN_S if seconds is None else max(0.0, seconds)
        self._timer = threading.Timer(wait, time_up)
        self._timer.daemon = True
        self._timer.start()

    def stop(self, frame: FrameType | None = None) -> None:
        """Give the signal received to the handlers that were in place before (which raise
        KeyboardInterrupt, or end the process); nothing when none was received. ``frame``:
        where a signal stops at once, so the command line's handler can tell whether the
        stop may be raised there (:mod:`merbench.base.interrupt_points`: a stop raised in a
        finaliser was swallowed, and training ran on to its end)."""
        number = self.received
        if number is None:
            return
        self.received = None  # passed on once (a caller's handler may let training go on)
        self.restore()
        handler = signal.getsignal(number)
        if callable(handler):
            handler(number, frame)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(number)  # ends the process, as the signal would have

    def restore(self) -> None:
        """Put the handlers in place before back (the deadline's timer stopped first)."""
        with self._lock:
            self._passed = True
            if self._timer is not None:
                self._timer.cancel()
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def install(self, on_signal: Any = None) -> None:
        """Handle the stop signals that are not ignored (with ``on_signal``, or
        :meth:`_note`), in the main thread only."""
        if threading.current_thread() is not threading.main_thread():
            return
        for number in STOP_SIGNALS:
            handler = signal.getsignal(number)
            if handler in (signal.SIG_IGN, None):  # ignored, or not Python's to handle
                continue
            self._previous[number] = signal.signal(number, on_signal or self._note)

    def _hold(self, number: int, frame: FrameType | None) -> None:
        """(The runner's holder) the signal handler: the first signal is held until the
        folds' files are written, a second one stops at once."""
        if self._passed:
            return
        note_stop()
        if self.received is None:
            self.hold(number)
        else:
            self.stop(frame)

    def hold(self, number: int, deadline: float | None = None) -> None:
        """(The runner's holder) a stop that came once the folds had finished training is
        kept until their files are written, or until its deadline, whichever is first."""
        if self.received is None and not self._passed:
            self.received = number
            self.deadline = deadline or time.monotonic() + STOP_WITHIN_S
            self._start_timer(number, self.deadline - time.monotonic())

    def hand_to(self, holder: EpochEndStop) -> None:
        """The folds' epochs have all trained: ``holder`` (the runner's, until their files
        are written) holds any stop from now on, one noted already among them."""
        number, self.received = self.received, None
        self.restore()
        if not holder._previous:  # (one training a group: installed once)
            holder.install(holder._hold)
        if number is not None:
            holder.hold(number, self.deadline)


def _say(line: str) -> None:
    """One line on stderr, written straight to its file descriptor: a handler runs between
    two bytecodes of whatever was running, and Python's buffered stderr refuses a write made
    while it is in the middle of one."""
    with contextlib.suppress(OSError):
        os.write(2, (line + "\n").encode("utf-8", "replace"))


#: the runner's holder of a stop that came as a fold finished (None: no fold file pending)
_holder: list[EpochEndStop] = []
#: folds whose training began in this process (a fold's first epoch in progress is training
#: begun: a stop in it was said as "it stopped before training began" after the notice had
#: promised that fold's epoch end; pass 84s, S15)
_folds_begun = [0]


def folds_begun() -> int:
    """How many folds began training in this process: compared before and after a run, it
    tells a stop during a first epoch from one before any fold began."""
    return _folds_begun[0]


def holds_finished_folds() -> bool:
    """Whether a stop at a fold's last epoch is held until the fold's file is written."""
    return bool(_holder)


@contextlib.contextmanager
def stop_at_epoch_end(label: str, enabled: bool) -> Iterator[EpochEndStop]:
    """Within the block, a stop signal is noted for the epoch loop (``enabled``: the fold
    saves states; otherwise the signals act as before). On leaving it, the handlers in place
    before are back, and a signal noted and not yet passed on is passed on (or, where the
    fold has finished and :func:`finish_fold_first` holds the stop, handed to it)."""
    stop = EpochEndStop(label)
    _folds_begun[0] += 1
    if enabled:
        stop.install()
    try:
        yield stop
    except BaseException:
        stop.restore()  # already stopping (an error, or the signal passed on): say no more
        raise
    if _holder:
        stop.hand_to(_holder[-1])
    stop.stop()
    stop.restore()


@contextlib.contextmanager
def finish_fold_first(enabled: bool = True, from_now: bool = False) -> Iterator[None]:
    """Around training a group of folds and writing their files (the local executor): a
    stop that comes once their last epoch has ended is held until the files are written,
    then passed on, so folds whose every epoch trained are finished, not left as states.
    Its handler is put in place as the epoch loop's is taken away, when training ends
    (:meth:`EpochEndStop.hand_to`); until then, signals act as they would without it.
    ``from_now``: around writes alone, with no training before them (``merbench migrate``
    writing one result's files, which are bound by digests and must be written as a set),
    the handler is in place from the block's start."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    holder = EpochEndStop("the finished folds")
    _holder.append(holder)
    if from_now:
        holder.install(holder._hold)
    try:
        yield
    except BaseException:
        holder.restore()
        raise
    finally:
        _holder.remove(holder)
    holder.stop()
    holder.restore()
