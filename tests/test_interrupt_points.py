"""A stop that arrives inside an import, a finaliser or a library's code is raised once the
main thread is back in merbench's code: not lost, not turned into another error, never
raised through a C++ extension's import (:mod:`merbench.base.interrupt_points`)."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import sysconfig
import time
from pathlib import Path
from types import FrameType

import pytest

from merbench.base.interrupt_points import (
    LIBRARY_WAIT_S,
    imported_library,
    in_finaliser,
    in_import,
    in_library,
    must_wait,
)
from merbench.cli.stop_signals import RETRY_S, stop_like_ctrl_c
from merbench.training.epoch_end_stop import stop_at_epoch_end

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="needs SIGTERM")


def _module(tmp_path: Path, name: str, body: str) -> str:
    (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    if str(tmp_path) not in sys.path:
        sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    return name


def _frame_in_library(package: str) -> FrameType:
    """A frame whose code says it lives in an installed package's file."""
    path = os.path.join(sysconfig.get_paths()["purelib"], package, "reader.py")
    scope: dict[str, object] = {"sys": sys}
    exec(compile("frame = sys._getframe()", path, "exec"), scope)
    frame = scope["frame"]
    assert isinstance(frame, FrameType)
    return frame


def test_an_import_a_finaliser_and_a_library_are_told_from_merbench_code(tmp_path: Path) -> None:
    name = _module(tmp_path, "mb_frame_in_import", "import sys\nFRAME = sys._getframe()\n")
    in_body = importlib.import_module(name).FRAME
    frames: list[FrameType] = []

    class Finalised:
        def __del__(self) -> None:
            frames.append(sys._getframe())

    Finalised()  # collected at once: its finaliser runs here
    here = sys._getframe()
    assert in_import(in_body) and not in_import(here)
    assert in_finaliser(frames[0]) and not in_finaliser(here)
    assert in_library(_frame_in_library("openpyxl")) and not in_library(here)
    assert not in_library(_frame_in_library("ray"))  # Ray's waits are where a stop lands
    assert must_wait(in_body, waited_s=60.0) and must_wait(frames[0], waited_s=60.0)
    assert must_wait(_frame_in_library("openpyxl"), waited_s=0.0)
    assert not must_wait(_frame_in_library("openpyxl"), waited_s=LIBRARY_WAIT_S)
    assert not must_wait(here, waited_s=0.0) and not must_wait(None, waited_s=0.0)


def _until_interrupted(seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.002)
    raise AssertionError("the stop that waited was never raised")


def test_a_stop_inside_an_import_is_raised_after_the_import(tmp_path: Path) -> None:
    name = _module(tmp_path, "mb_stopped_import", (
        "import os, signal, time\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "end = time.monotonic() + 0.2\n"
        "while time.monotonic() < end:\n"
        "    pass\n"
        "DONE = True\n"))
    with pytest.raises(KeyboardInterrupt), stop_like_ctrl_c() as stops:
        module = importlib.import_module(name)
        assert module.DONE  # the import ran to its end
        _until_interrupted()
    assert stops.received == signal.SIGTERM
    assert sys.modules[name].DONE


def test_a_stop_inside_a_finaliser_is_not_swallowed() -> None:
    finished: list[bool] = []

    class SignalsWhileFinalised:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            end = time.monotonic() + 0.1
            while time.monotonic() < end:
                pass
            finished.append(True)

    with pytest.raises(KeyboardInterrupt), stop_like_ctrl_c():
        SignalsWhileFinalised()
        assert finished == [True]
        _until_interrupted()


def test_a_stop_in_logging_s_fork_hooks_waits() -> None:
    """logging releases its lock after every fork in a hook whose exception Python prints
    ("Exception ignored in: <function _releaseLock>") and drops: a stop sent while Ray's
    start forked its processes was lost there, so it waits, as in a finaliser."""
    import logging

    if not hasattr(logging, "_releaseLock"):
        pytest.skip("this Python's logging has no fork hooks of that name")
    frames: list[FrameType] = []
    sys.setprofile(lambda frame, event, arg: frames.append(frame) if event == "call" else None)
    try:
        logging._acquireLock()
        logging._releaseLock()
    finally:
        sys.setprofile(None)
    hooks = [f for f in frames if f.f_code.co_name in ("_acquireLock", "_releaseLock")]
    assert len(hooks) == 2 and all(in_finaliser(f) for f in hooks)
    assert not in_finaliser(sys._getframe())


def test_a_stop_still_waiting_when_the_command_ends_is_dropped(tmp_path: Path) -> None:
    name = _module(tmp_path, "mb_frame_for_wait", "import sys\nFRAME = sys._getframe()\n")
    in_body = importlib.import_module(name).FRAME
    before = signal.getsignal(signal.SIGTERM)
    with stop_like_ctrl_c() as stops:
        stops._stop(signal.SIGTERM, in_body)  # as the handler would be called in an import
        assert stops.pending == signal.SIGTERM
    time.sleep(0.1)  # no KeyboardInterrupt lands after the block, from the thread asking again
    assert stops.pending is None and signal.getsignal(signal.SIGTERM) is before


def test_a_stop_that_waited_is_one_signal_to_the_fold_that_takes_over(tmp_path: Path) -> None:
    """A stop that came inside an import, waiting while training starts: the fold's handler
    (saving at its epoch's end) gets it once, as the one signal it is. It was asked again
    every 20 ms, so the fold counted the second ask as a second Ctrl-C and stopped at once,
    having said it would save ("saved when its current epoch ends", then "no fold had saved
    its state"). Given back at the epoch's end, the stop is raised."""
    name = _module(tmp_path, "mb_frame_for_handover", "import sys\nFRAME = sys._getframe()\n")
    in_body = importlib.import_module(name).FRAME
    epoch_ended: list[bool] = []  # whether the epoch trained on to its end, the stop noted
    with pytest.raises(KeyboardInterrupt), stop_like_ctrl_c() as stops:
        stops._stop(signal.SIGTERM, in_body)  # as the handler would be called in an import
        assert stops.pending == signal.SIGTERM
        with stop_at_epoch_end("fold a/b", enabled=True) as fold:
            end = time.monotonic() + 20 * RETRY_S  # many asks' time: the epoch trains
            while time.monotonic() < end:
                pass
            epoch_ended.append(fold.requested and stops.pending is None)
        raise AssertionError("the stop given back at the epoch's end was not raised")
    assert epoch_ended == [True] and stops.received == signal.SIGTERM


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs SIGHUP")
def test_a_hangup_the_process_ignores_stays_ignored() -> None:
    """``nohup merbench run ... &`` ignores SIGHUP so that closing the terminal does not stop
    the job; the command's stop handlers took it over, and a hangup stopped it (exit 129)."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with stop_like_ctrl_c() as stops:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(5 * RETRY_S)  # no KeyboardInterrupt lands
        assert stops.received is None
    finally:
        signal.signal(signal.SIGHUP, before)


def test_the_stop_waiting_for_an_import_names_the_library_not_the_plugin(tmp_path: Path) -> None:
    """The line a stop says while it waits names what the user knows loads (torch, which a
    plugin's module imports), not the plugin's module nor a submodule of the library."""
    _module(tmp_path, "mb_named_library", "import sys\nFRAME = sys._getframe()\n")
    plugin = _module(tmp_path, "merbench_named_plugin", "from mb_named_library import FRAME\n")
    frame = importlib.import_module(plugin).FRAME
    assert imported_library(frame) == "mb_named_library"
    assert imported_library(sys._getframe()) is None
