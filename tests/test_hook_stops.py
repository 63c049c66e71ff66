"""A stop while a reporter's lifecycle hook blocks ends the run at once, the fold saved.

A reporter whose ``merbench_epoch_finished`` hook blocks (an upload with no timeout, here a
long sleep) made the first SIGTERM or Ctrl-C do nothing: the stop was noted for the epoch's
end, and asked again at its deadline in a way that a blocking call never hears, so nothing
was said and only a second signal ended the run. Now the stop cuts the hook short, says so
naming the plugin, saves the fold, whose epoch had ended, and stops with the signal's status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from interrupt import stop_signals_as_default

SLEEPY = """
    import os, pathlib, time
    from merbench.api import hookimpl

    @hookimpl
    def merbench_epoch_finished(run, fold_index, epoch):
        pathlib.Path(os.environ["HOOK_MARK"]).touch()
        time.sleep(1000)
"""


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_cuts_a_blocking_epoch_hook_short_and_saves_the_fold(
        make_dist: Callable[..., None], tmp_path: Path, sent: int) -> None:
    make_dist("tp-sleepy", "sleepy", "mb_sleepy", SLEEPY)
    out, mark = tmp_path / "r", tmp_path / "in-hook"
    path = [str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p),
           "HOOK_MARK": str(mark)}
    process = subprocess.Popen(
        [sys.executable, "-m", "merbench", "run", "--model", "ststnet", "--dataset",
         "synthetic", "--dataset-opt", "subjects=3", "--epochs", "2", "--device", "cpu",
         "--quiet", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=stop_signals_as_default)
    try:
        deadline = time.monotonic() + 120
        while not mark.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, process.communicate()
        process.send_signal(sent)  # the hook sleeps for 1000 s: it must be cut short
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    lines = err.strip().splitlines()
    assert process.returncode == 128 + sent, err
    assert lines == [
        "merbench: stopping — the merbench_epoch_finished hook of plugin 'sleepy' (package "
        "tp-sleepy 1.0), which was running, is cut short, and fold syn1/s01 is saved now "
        "that its epoch has ended; Ctrl-C again (or a second signal) stops at once, keeping "
        "only the state saved before",
        f"merbench: interrupted — no fold had finished yet in {out}; the fold in progress is "
        "kept as of its last saved state; run the same command again to resume"], err
    # the epoch that had ended is kept, not only what an earlier save held (none)
    saved = torch.load(out / "partial" / "fold-000.pt", weights_only=True)
    assert saved["epochs_done"] == 1


def test_a_stop_asked_again_wakes_a_hook_blocked_in_a_system_call() -> None:
    """A stop that waits (for the epoch's end, for a library's code) is asked again from
    another thread; while a plugin's hook runs, that must wake the main thread where the
    hook blocks in a system call (a read from a server that never answers), as the signal
    itself does. Python's flag alone would run the handler only once the call returned."""
    from merbench.base.running_hook import ask_main_again, hook_running

    def stop(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    reading, writing = os.pipe()
    answered = threading.Event()

    def answer_at_last() -> None:  # the safety net: without it, the read would never end
        answered.set()
        os.write(writing, b"x")

    previous = signal.signal(signal.SIGTERM, stop)
    net = threading.Timer(30, answer_at_last)
    try:
        with hook_running("plugin 'sleepy'", "merbench_epoch_finished"):
            threading.Timer(0.2, ask_main_again, args=(signal.SIGTERM,)).start()
            net.start()
            with pytest.raises(KeyboardInterrupt):
                os.read(reading, 1)
                time.sleep(0)  # (a handler run late still raises here)
    finally:
        net.cancel()
        signal.signal(signal.SIGTERM, previous)
        os.close(reading)
        os.close(writing)
    assert not answered.is_set()  # woken, not left to wait for the answer
