"""Reporter plugins that stop a run like Ctrl-C would, for tests of resuming."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import merbench
from merbench.base.stops_received import note_stop
from merbench.plugin_system.manager import Plugins, load_plugins


def ctrl_c() -> None:
    """What Ctrl-C does where a reporter's hook runs: the stop is received (as the CLI's
    handler counts it), then raised. A KeyboardInterrupt a plugin raises with no stop
    received is that plugin's fault, one warning, and the run goes on (pass 84k, R8)."""
    note_stop()
    raise KeyboardInterrupt


class StopAfter:
    """Raises KeyboardInterrupt once ``after`` folds have finished."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.seen = 0

    @merbench.hookimpl
    def merbench_fold_finished(self, run, fold) -> None:
        self.seen += 1
        if self.seen == self.after:
            ctrl_c()


def stopping_after(folds: int) -> Plugins:
    """The installed plugins plus one that stops the run after ``folds`` folds."""
    return load_plugins(extra=[("stop", StopAfter(folds))])


class StopAtEpoch:
    """Raises KeyboardInterrupt once the ``fold_index``-th fold has finished ``epoch`` epochs."""

    def __init__(self, fold_index: int, epoch: int) -> None:
        self.fold_index, self.epoch = fold_index, epoch

    @merbench.hookimpl
    def merbench_epoch_finished(self, run, fold_index, epoch) -> None:
        if (fold_index, epoch) == (self.fold_index, self.epoch):
            ctrl_c()


def stopping_at_epoch(fold_index: int, epoch: int) -> Plugins:
    """The installed plugins plus one that stops the run inside fold ``fold_index``."""
    return load_plugins(extra=[("stop", StopAtEpoch(fold_index, epoch))])


def stop_signals_as_default() -> None:
    """A ``preexec_fn`` for a child that a test sends a stop signal: a suite launched in the
    background (``nohup ... &``) hands its children an ignored SIGINT, and ``nohup`` an
    ignored SIGHUP, which Python (and merbench, as ``nohup`` asks) then leaves ignored, so
    the child would never hear the Ctrl-C or hangup under test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


def ctrl_c_once(out: Path, options: list[str], written: str,
                sent: int = signal.SIGINT) -> tuple[int, list[str]]:
    """``merbench run --model ststnet --dataset synthetic --device cpu --quiet --out OUT``
    with ``options`` in a process sent SIGINT (or ``sent``) once ``OUT/written`` exists: its
    exit status and the lines it wrote to stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "merbench", "run", "--model", "ststnet", "--dataset",
         "synthetic", *options, "--device", "cpu", "--quiet", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=stop_signals_as_default)
    deadline = time.monotonic() + 120
    while not (out / written).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(sent)
    _, err = process.communicate(timeout=60)
    return process.returncode, without_import_notice(err.strip().splitlines())


def without_import_notice(lines: list[str]) -> list[str]:
    """``lines`` less the notice a stop prints when it lands in an import lasting over 0.3 s
    ("merbench: stopping once torch has finished loading ..."): whether it shows depends on
    the machine's load when the signal lands, not on what the test checks."""
    return [line for line in lines if not line.startswith("merbench: stopping once ")]


def signal_in_first_fold(out: Path, options: list[str],
                         sent: int = signal.SIGINT) -> tuple[int, list[str]]:
    """``merbench run --model ststnet --dataset synthetic --device cpu --out OUT`` with
    ``options``, its stdout a pipe (so the progress comes as lines there), sent ``sent`` as
    soon as it says it has trained the first fold's first epoch: its exit status and the
    lines it wrote to stderr. The fold is then in the loop that saves on a stop, and far
    from a periodic save."""
    process = subprocess.Popen(
        [sys.executable, "-m", "merbench", "run", "--model", "ststnet", "--dataset",
         "synthetic", *options, "--device", "cpu", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=stop_signals_as_default)
    assert process.stdout is not None
    said = []
    for line in process.stdout:
        said.append(line)
        if ": fold 1/" in line and " epoch " in line:
            process.send_signal(sent)
            break
    else:
        _, err = process.communicate(timeout=60)
        raise AssertionError(f"the run ended before its first epoch: {said} {err}")
    _, err = process.communicate(timeout=60)
    return process.returncode, without_import_notice(err.strip().splitlines())
